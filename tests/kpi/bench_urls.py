"""The site's URLconf for the bench tests, with the admin's URLs built when first resolved: after
the bench command has registered its naive admins (the site's own were built at import)."""

from django.contrib import admin
from django.urls import path

from config import urls

urlpatterns = [path("admin/", admin.site.urls), *(p for p in urls.urlpatterns if str(p.pattern) != "admin/")]
