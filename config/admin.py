"""Admin discovery without GeoDjango.

django-leaflet's own ``admin`` module imports ``django.contrib.gis``, which needs the GDAL
system library. We keep boundaries as GeoJSON and never use GeoDjango, so every installed
app's admin module is imported except that one.
"""

from importlib import import_module

from django.apps import apps
from django.contrib import admin
from django.utils.module_loading import module_has_submodule

SKIP = {"leaflet"}


def autodiscover() -> None:
    # The admin requires a verified second factor (django-otp): its login asks for the code too,
    # and SecondFactorMiddleware sends a signed-in but unverified user to type one first.
    from django_otp.admin import OTPAdminSite

    admin.site.__class__ = OTPAdminSite
    for config in apps.get_app_configs():
        if config.name not in SKIP and module_has_submodule(config.module, "admin"):
            import_module(f"{config.name}.admin")
