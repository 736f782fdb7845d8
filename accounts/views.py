from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from accounts.forms import LoginForm


def lockout_context() -> dict:
    return {
        "lockout_failures": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "idle_minutes": settings.STAFF_SESSION_IDLE_SECONDS // 60,
    }


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **lockout_context()}


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes lockout response: the Chinese page, with status 429."""
    return render(request, "accounts/locked_out.html", lockout_context(), status=429)


class LogoutView(auth_views.LogoutView):
    pass
