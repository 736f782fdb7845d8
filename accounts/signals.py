from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import AuditAction
from accounts.services import audit


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
    audit(request, AuditAction.LOGIN_FAILED, username=str(credentials.get("username", "")))
