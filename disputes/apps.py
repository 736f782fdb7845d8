from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self):
        # Hooks into residents, which must not import disputes: the dispute ledger joins the
        # Excel ledgers, and a person's page shows 重点关注 when they are in repeated disputes.
        from disputes import ledgers  # noqa: F401 - adds LEDGERS["disputes"]
        from disputes.views_ledger import person_panel
        from residents.panels import PERSON_PANELS

        if person_panel not in PERSON_PANELS:
            PERSON_PANELS.append(person_panel)
