"""The audit trail's hash chain: append one row after the last, and check the whole chain.

Each row stores ``prev_hash`` (its predecessor's ``hash``) and ``hash`` = SHA-256 of that link and
the row's own content. Changing a row's content breaks its own hash; removing a row breaks its
successor's link; inserting a row in the middle breaks the row after it. The first row links to
:data:`GENESIS`. Appends are serialised (a PostgreSQL advisory lock held to the end of the
transaction; SQLite has one writer at a time anyway), so two requests never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent

GENESIS = "0" * 64
# pg_advisory_xact_lock key: any fixed bigint unique to this purpose ("FQAUDIT" in ASCII).
_LOCK_KEY = 0x46514155444954


def content_hash(prev_hash: str, row: AuditEvent) -> str:
    """The row's hash: its link and every field a reader relies on, in a fixed JSON form."""
    payload = [
        prev_hash,
        row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        row.user_id,
        row.username,
        str(row.action),
        row.object_type,
        row.object_id,
        row.object_repr,
        row.reason,
        row.ip or "",
    ]
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def queries_per_append() -> int:
    """Queries one append costs: read the last hash and insert, plus the lock on PostgreSQL."""
    return 3 if connection.vendor == "postgresql" else 2


def append(row: AuditEvent) -> AuditEvent:
    """Insert ``row`` (unsaved) at the end of the chain. No savepoint: a failed audit write fails the
    action it records."""
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        row.at = row.at or timezone.now()
        row.prev_hash = last or GENESIS
        row.hash = content_hash(row.prev_hash, row)
        row.save(force_insert=True)
    return row


@dataclass
class Break:
    """The first row where the chain does not hold, and why."""

    row_id: int
    reason: str


def verify(*, batch: int = 5000) -> tuple[int, Break | None]:
    """Walk the chain in id order. Returns (rows checked, first break or None)."""
    expected_prev = GENESIS
    checked = 0
    for row in _rows(batch):
        if row.prev_hash != expected_prev:
            return checked, Break(row.id, "link")
        if row.hash != content_hash(row.prev_hash, row):
            return checked, Break(row.id, "content")
        expected_prev = row.hash
        checked += 1
    return checked, None


def _rows(batch: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
