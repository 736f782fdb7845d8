"""Two-step verification for police staff: a TOTP authenticator app (django-otp) plus recovery codes.

Who: officers, auxiliaries, chiefs, administrators, and any Django staff account
(:func:`needs_second_factor`). When: always for the Django admin; for every page when
``STAFF_OTP_REQUIRED`` is on (the default with ``DEBUG`` off; the demo turns it off and the login
page says so). A session counts as verified once the user has typed a code from their app or a
recovery code (``django_otp.login``); idle logout (30 minutes) ends that too.

Enrolment: an unconfirmed TOTP device is made, shown as a QR code and as its secret in groups of
four, and confirmed by the first code it produces; ten single-use recovery codes are then shown
once. django-otp throttles wrong codes per device (each failure doubles the wait).
"""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import STAFF_ROLES, AuditAction
from accounts.services import audit

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def needs_second_factor(user) -> bool:
    """Police staff and anyone who can reach the admin."""
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser or user.role in STAFF_ROLES))


def required_for(user, path: str) -> bool:
    """Must this request come from a verified session? The admin always; pages when switched on."""
    if not needs_second_factor(user):
        return False
    if path.startswith("/admin/"):
        return user.is_staff  # others are turned away by the admin itself
    return settings.STAFF_OTP_REQUIRED


def is_verified(user) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


def has_authenticator(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_device(user) -> TOTPDevice:
    """The device being set up: the user's unconfirmed one, or a new one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app without a camera."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def config_url(device: TOTPDevice) -> str:
    return device.config_url


@transaction.atomic
def enrol_confirm(request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm ``device`` with its first code: the session is verified and ten recovery codes are
    returned (shown once). None when the code is wrong. Replaces any earlier authenticator."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=request.user)
    if not device.verify_token(_digits(code)):
        audit(request, AuditAction.OTP_FAILED, request.user, reason=_("while setting up"))
        return None
    TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    codes = recovery_codes_new(request.user)
    audit(request, AuditAction.OTP_ENROLLED, request.user)
    return codes


@transaction.atomic
def recovery_codes_new(user) -> list[str]:
    """Ten fresh single-use codes; earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def device_for_code(user, code: str):
    """The device that accepts ``code`` — the app's six digits or a recovery code (spent on use) —
    or None. Spaces are ignored and recovery codes match in either case."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    return match_token(user, code if code.isdigit() else code.lower())


def verify(request, code: str) -> bool:
    """A code from the app, or a recovery code: verifies the session."""
    device = device_for_code(request.user, code)
    if device is None:
        audit(request, AuditAction.OTP_FAILED, request.user)
        return False
    otp_login(request, device)
    return True


def mark_verified(session, user, *, name: str = TOTP_NAME) -> None:
    """Mark ``session`` as verified by ``user``'s authenticator (made if missing), as typing a code
    would: for ``make bench`` and the tests, which sign staff in without an app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name=name, confirmed=True
    )
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())[:8]
