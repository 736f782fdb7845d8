import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils.translation import gettext as _

SEEN_KEY = "_fq_last_seen"


class PagesLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless marked ``@login_not_required``.

    The API answers for itself (401/403 JSON from DRF), so it is left to DRF's permissions.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class IdleSessionTimeoutMiddleware:
    """Police staff are logged out after ``STAFF_SESSION_IDLE_SECONDS`` without a request.

    The last-seen time lives in the session and is refreshed at most once a minute, so an
    active officer's requests do not each write the session; the session's own expiry moves
    with it, so an idle session also dies on the server. Landlords and other public users
    keep the ordinary cookie age.
    """

    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.is_police_staff or user.is_staff):
            idle = settings.STAFF_SESSION_IDLE_SECONDS
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            if seen is not None and now - seen > idle:
                logout(request)
                messages.info(request, _("You were logged out after %(n)d idle minutes.") % {"n": idle // 60})
            elif seen is None or now - seen >= self.REFRESH_SECONDS:
                request.session[SEEN_KEY] = now
                request.session.set_expiry(idle)
        response = self.get_response(request)
        # The request that logs a staff member in was anonymous above: start the clock on the way out,
        # or the new session would keep the cookie age until its next request.
        user = getattr(request, "user", None)
        staff = user is not None and user.is_authenticated and (user.is_police_staff or user.is_staff)
        if staff and SEEN_KEY not in request.session:
            request.session[SEEN_KEY] = int(time.time())
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response
