"""Change history of registry records (who, when, old → new), personal data masked."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from residents.models import ChangeLog

# Encrypted columns are never compared or logged; their masked twin stands for them.
HIDDEN = {"id_number_enc", "id_number_hash", "phone_enc", "phone_hash", "qr_token", "created_at", "updated_at"}


def snapshot(obj: models.Model) -> dict:
    """The loggable field values of ``obj`` (FKs as ids, choices as stored values)."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key or f.name in HIDDEN:
            continue
        value = getattr(obj, f.attname)
        data[f.name] = value if isinstance(value, int | float | bool | str | list | type(None)) else str(value)
    return data


def record(obj: models.Model, *, before: dict | None, user, reason: str = "") -> ChangeLog | None:
    """Write one history row for ``obj``; nothing when an update changed nothing."""
    after = snapshot(obj)
    if before is None:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [])}
        action = "create"
    else:
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        action = "update"
        if not changes:
            return None
    return ChangeLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        changes=changes,
        reason=reason[:200],
    )


def history_for(obj: models.Model):
    return ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("user")
