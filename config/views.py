"""Project-level pages: web-app manifest, health check, error pages."""

import sys

from django import db
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@login_not_required
@cache_control(max_age=86400, public=True)
def manifest(request):
    """Web-app manifest so officers can add Fengqiao to a phone's home screen."""
    return JsonResponse(
        {
            "name": _("Fengqiao community policing"),
            "short_name": _("Fengqiao"),
            "lang": request.LANGUAGE_CODE,
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f4e8c",
            "icons": [
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@login_not_required
def healthz(request):
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # An API client gets JSON for a URL no route matches too (an id that is not a number).
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: whatever broke (the database, a context processor) must not break this.
    if isinstance(sys.exc_info()[1], (db.OperationalError, db.InterfaceError)):
        # The database is restarting or unreachable: a clean 503 the client may retry, not a 500.
        # Django closes the broken connection at the end of the request; the next one reconnects.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))
