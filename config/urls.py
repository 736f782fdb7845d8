from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from config.admin import autodiscover
from kpi.views import home

autodiscover()

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("grid/", include("grid.urls")),
    path("volunteer/", include("grid.urls_public")),
    path("residents/", include("residents.urls")),
    path("ledgers/", include("residents.urls_ledgers")),
    path("q/", include("residents.urls_scan")),
    path("rentals/", include("rentals.urls")),
    path("matching/", include("rentals.urls_matching")),
    path("inspections/hazards/", include("inspections.urls_loop")),
    path("inspections/", include("inspections.urls")),
    path("", include("inspections.urls_notices")),  # /n/<token>/… (public) and /inspections/notices/…
    path("", include("rentals.urls_permits")),  # /permits/… and the public /verify/<token>/
    path("disputes/", include("disputes.urls")),
    path("noise/", include("noise.urls")),
    path("incidents/", include("incidents.urls")),
    path("topics/", include("topics.urls")),
    path("field/", include("field.urls")),
    path("events/", include("events.urls")),
    path("kpi/", include("kpi.urls")),
    path("ops/", include("ops.urls")),
    path("open311/v2/", include("events.urls_open311")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
