"""Admin discovery without GeoDjango.

django-leaflet's own ``admin`` module imports ``django.contrib.gis``, which needs the GDAL
system library. We keep boundaries as GeoJSON and never use GeoDjango, so every installed
app's admin module is imported except that one.
"""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

SKIP = {"leaflet"}


def autodiscover() -> None:
    for config in apps.get_app_configs():
        if config.name not in SKIP and module_has_submodule(config.module, "admin"):
            import_module(f"{config.name}.admin")
