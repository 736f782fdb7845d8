from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RentalsConfig(AppConfig):
    name = "rentals"
    verbose_name = _("Rentals")

    def ready(self):
        from rentals import ledgers  # noqa: F401 - adds the declarations and permits ledgers
