from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts import otp
from accounts.forms import LoginForm
from documents.qr import qr_svg


def lockout_context() -> dict:
    return {
        "lockout_failures": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "idle_minutes": settings.STAFF_SESSION_IDLE_SECONDS // 60,
        "otp_required": settings.STAFF_OTP_REQUIRED,
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


# --- two-step verification (accounts.otp) --------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _staff_only(request):
    if not otp.needs_second_factor(request.user):
        raise Http404


def otp_setup(request):
    """Set up the authenticator app: scan the QR code (or type the secret), confirm with a code."""
    _staff_only(request)
    if otp.has_authenticator(request.user) and not otp.is_verified(request.user):
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': _next_url(request)})}")
    device = otp.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = otp.enrol_confirm(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/otp_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", _("The code is wrong or has expired. Type the 6 digits the app shows now."))
    context = {
        "form": form,
        "qr": mark_safe(qr_svg(otp.config_url(device))),  # noqa: S308 - SVG we generate from our own URL
        "secret": otp.secret_text(device),
        "next": _next_url(request),
        "replacing": otp.has_authenticator(request.user),
    }
    return render(request, "accounts/otp_setup.html", context)


def otp_verify(request):
    """Type the code from the authenticator app (or a recovery code) to go on."""
    _staff_only(request)
    if not otp.has_authenticator(request.user):
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.verify(request, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", _("The code is wrong, expired or already used. Wait a moment and try the new code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


def otp_home(request):
    """Two-step verification: its state, new recovery codes, a new phone."""
    _staff_only(request)
    if request.method == "POST" and request.POST.get("action") == "codes" and otp.is_verified(request.user):
        codes = otp.recovery_codes_new(request.user)
        return render(request, "accounts/otp_codes.html", {"codes": codes, "next": reverse("accounts:otp")})
    context = {
        "enrolled": otp.has_authenticator(request.user),
        "verified": otp.is_verified(request.user),
        "codes_left": otp.recovery_codes_left(request.user),
        "required": settings.STAFF_OTP_REQUIRED,
    }
    return render(request, "accounts/otp_home.html", context)
