from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware


class PagesLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless marked ``@login_not_required``.

    The API answers for itself (401/403 JSON from DRF), so it is left to DRF's permissions.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class IdleSessionTimeoutMiddleware:
    """Police staff sessions end after ``STAFF_SESSION_IDLE_SECONDS`` without a request.

    Setting the expiry on every request makes it a sliding (idle) timeout rather than an
    absolute one; landlords and other public users keep the ordinary cookie age.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.is_police_staff or user.is_staff):
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)
