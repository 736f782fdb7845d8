import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SEEN_KEY = "_fq_last_seen"


class PagesLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless marked ``@login_not_required``.

    The API answers for itself (401/403 JSON from DRF), so it is left to DRF's permissions.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _timed(user) -> bool:
    return user is not None and user.is_authenticated and user.has_idle_timeout


class IdleSessionTimeoutMiddleware:
    """Users who see others' data are logged out after ``STAFF_SESSION_IDLE_SECONDS`` idle.

    The last-seen time lives in the session and is refreshed at most once a minute, so an
    active officer's requests do not each write the session; the session's own expiry moves
    with it, so an idle session also dies on the server. Landlords keep the ordinary cookie
    age (``accounts.models.IDLE_TIMEOUT_ROLES``).
    """

    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if _timed(user):
            idle = settings.STAFF_SESSION_IDLE_SECONDS
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            if seen is not None and now - seen > idle:
                logout(request)
                minutes = idle // 60
                messages.info(
                    request,
                    ngettext(
                        "You were logged out after %(n)d idle minute.",
                        "You were logged out after %(n)d idle minutes.",
                        minutes,
                    )
                    % {"n": minutes},
                )
            elif seen is None or now - seen >= self.REFRESH_SECONDS:
                request.session[SEEN_KEY] = now
                request.session.set_expiry(idle)
        response = self.get_response(request)
        # The request that logs a user in was anonymous above: start the clock on the way out,
        # or the new session would keep the cookie age until its next request.
        if _timed(getattr(request, "user", None)) and SEEN_KEY not in request.session:
            request.session[SEEN_KEY] = int(time.time())
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response


class AuditDeniedMiddleware:
    """Writes the audit trail's "access denied" line when a signed-in user is refused a record.

    Scoped lookups answer 404 (an officer of another grid must not learn the record exists) and role
    gates 403; both are denials when the address matched a route. Unknown addresses are not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404):
            match = getattr(request, "resolver_match", None)
            user = getattr(request, "user", None)  # DRF puts a token's user here too
            if match is not None and user is not None and user.is_authenticated:
                from accounts.models import AuditAction
                from accounts.services import audit

                audit(
                    request,
                    AuditAction.DENIED,
                    object_type=match.view_name[:100],
                    object_id=",".join(str(v) for v in match.kwargs.values())[:64],
                    object_repr=f"{request.method} {request.path}",
                    reason=str(response.status_code),
                )
        return response


class SecondFactorMiddleware:
    """Police staff whose session is not yet verified by a code are sent to type one (or to set up
    their authenticator app first): always for the admin, for every page when ``STAFF_OTP_REQUIRED``.
    After django_otp's OTPMiddleware. API calls with a session get a 403 JSON answer instead; token
    calls are checked when the token is issued (``accounts.api``)."""

    OPEN = ("/accounts/two-step/", "/accounts/logout/", "/static/", "/jsi18n/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from accounts import otp  # imports django-otp's models: not at module load

        user = getattr(request, "user", None)
        path = request.path_info
        if (
            user is not None
            and not path.startswith(self.OPEN)
            and otp.required_for(user, path)
            and not otp.is_verified(user)
        ):
            if path.startswith("/api/"):
                return JsonResponse({"detail": _("Two-step verification is required.")}, status=403)
            name = "accounts:otp_verify" if otp.has_authenticator(user) else "accounts:otp_setup"
            return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
