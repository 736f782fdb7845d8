"""Writes for accounts: the audit trail."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest

from accounts import audit_chain
from accounts.models import AuditAction, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as Django sees it (REMOTE_ADDR; nginx sets it from the socket)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit(
    request_or_user,
    action: AuditAction | str,
    obj: models.Model | None = None,
    *,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    username: str = "",
    actor=None,
) -> AuditEvent:
    """Append one line to the audit trail. Call it whenever personal data is revealed or exported.

    ``request_or_user`` is the request (user and IP are taken from it) or a user (for tasks);
    ``actor`` names the user when the request does not carry one yet (at login).
    """
    request = getattr(request_or_user, "_request", request_or_user)  # a DRF Request wraps the HttpRequest
    request = request if isinstance(request, HttpRequest) else None
    user = actor or (getattr(request, "user", None) if request is not None else request_or_user)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return audit_chain.append(
        AuditEvent(
            user=user,
            username=(user.get_username() if user else username)[:150],
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            reason=reason[:500],
            ip=client_ip(request),
        )
    )


def token_issue(*, request, user):
    """The user's API token (created on first use), with the login written to the audit trail."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    audit(request, AuditAction.LOGIN, user, actor=user, reason="API token")
    return token
