import re

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import AuditAction
from accounts.services import audit
from lib import gb11643


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit(request if request is not None else user, AuditAction.LOGIN, user, actor=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    # Sent before the session is flushed: request.user is still the user leaving.
    if user is not None:
        audit(request if request is not None else user, AuditAction.LOGOUT, user, actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit(request, AuditAction.LOGIN_FAILED, username=typed_username(str(credentials.get("username", ""))))


def typed_username(value: str) -> str:
    """The name a failed login typed, as the audit trail keeps it: landlords and volunteers log in
    with their mobile number and some people type their resident ID, and the trail (append-only,
    kept for years) must not hold either in plain text. Those are masked as everywhere else;
    ordinary user names stay as typed, so repeated guesses at one account still show."""
    compact = re.sub(r"[\s\-]", "", value)
    if re.fullmatch(r"\d{15}|\d{17}[\dXx]", compact):
        return gb11643.mask(compact)
    if re.fullmatch(r"\+?\d{7,15}", compact):
        return gb11643.mask_phone(compact.lstrip("+"))
    return value


def axes_username(request, credentials) -> str:
    """The name django-axes counts failures under (``AXES_USERNAME_CALLABLE``): a typed mobile
    number or resident ID is replaced by its keyed hash, so the lockout table never holds one in
    plain text, while five wrong passwords for the same number still lock it."""
    from lib import crypto

    value = str((credentials or {}).get("username") or (request.POST.get("username") if request else "") or "")
    if typed_username(value) != value:  # an ID or a phone
        return "h:" + crypto.keyed_hash("login:" + re.sub(r"[\s\-+]", "", value).upper())[:32]
    return value
