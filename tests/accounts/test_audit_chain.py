"""The audit trail's hash chain: every line linked to the one before; `audit_verify` finds the first
line changed, removed or slipped in behind the application's back."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import audit_chain
from accounts.models import AuditEvent
from accounts.services import audit
from tests.factories import UserFactory


@pytest.fixture
def trail(db):
    officer = UserFactory(username="officer_a")
    return [audit(officer, "reveal", officer, reason=f"核查 {i}") for i in range(5)]


def raw(sql, params):
    """Write behind the application's back (on PostgreSQL with triggers switched off for the session,
    as an intruder with superuser rights could)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def test_each_line_links_to_the_one_before(trail):
    rows = list(AuditEvent.objects.order_by("id"))
    assert rows[0].prev_hash == audit_chain.GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
        assert len(after.hash) == 64 and after.hash != before.hash
    assert audit_chain.verify() == (5, None)


def test_audit_verify_reports_an_intact_trail(trail, capsys):
    call_command("audit_verify")
    assert "5 rows" in capsys.readouterr().out


def test_a_changed_reason_breaks_that_line(trail):
    raw("UPDATE accounts_auditevent SET reason = %s WHERE id = %s", ["无", trail[2].pk])

    checked, broken = audit_chain.verify()
    assert (checked, broken.row_id, broken.reason) == (2, trail[2].pk, "content")
    with pytest.raises(CommandError, match=f"row {trail[2].pk}"):
        call_command("audit_verify")


def test_a_removed_line_breaks_the_next_link(trail):
    raw("DELETE FROM accounts_auditevent WHERE id = %s", [trail[1].pk])

    checked, broken = audit_chain.verify()
    assert (checked, broken.row_id, broken.reason) == (1, trail[2].pk, "link")


def test_a_line_rewritten_with_its_own_hash_still_breaks_the_next_link(trail):
    """Recomputing the changed row's hash does not help: its successor holds the old one."""
    row = AuditEvent.objects.get(pk=trail[3].pk)
    row.reason = "篡改"
    new_hash = audit_chain.content_hash(row.prev_hash, row)
    raw("UPDATE accounts_auditevent SET reason = %s, hash = %s WHERE id = %s", ["篡改", new_hash, row.pk])

    _, broken = audit_chain.verify()
    assert (broken.row_id, broken.reason) == (trail[4].pk, "link")


def test_the_chain_survives_small_verification_batches(trail):
    assert audit_chain.verify(batch=2) == (5, None)
