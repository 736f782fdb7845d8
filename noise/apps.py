from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoiseConfig(AppConfig):
    name = "noise"
    verbose_name = _("Noise sensors")
