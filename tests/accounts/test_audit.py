"""The audit trail: ``audit()`` records who, what, which record, why and from where; rows are never changed."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from rest_framework.request import Request

from accounts.models import AuditEvent
from accounts.services import audit
from tests.conftest import need, postgres_available
from tests.factories import BuildingFactory, UserFactory


@pytest.fixture
def officer(db):
    return UserFactory(username="officer_a")


@pytest.fixture
def building(db):
    return BuildingFactory(address="测试路1号")


def request_from(user, ip="10.1.2.3"):
    request = RequestFactory().get("/grid/buildings/1/", REMOTE_ADDR=ip)
    request.user = user
    return request


# --- What audit() records --------------------------------------------------------------


def test_audit_records_user_action_object_reason_and_ip_from_the_request(officer, building):
    event = audit(request_from(officer), "reveal", building, reason="核查租户身份")

    event = AuditEvent.objects.get(pk=event.pk)
    assert event.user == officer
    assert event.username == "officer_a"
    assert event.action == "reveal"
    assert event.object_type == "grid.building"
    assert event.object_id == str(building.pk)
    assert event.object_repr == str(building)
    assert event.reason == "核查租户身份"
    assert event.ip == "10.1.2.3"
    assert event.at is not None


def test_audit_accepts_a_drf_request(officer, building):
    event = audit(Request(request_from(officer, ip="10.9.9.9")), "export", building)

    assert event.user == officer
    assert event.ip == "10.9.9.9"


def test_audit_from_a_task_takes_the_user_and_has_no_address(officer, building):
    event = audit(officer, "export", building, reason="月报")

    assert event.user == officer
    assert event.username == "officer_a"
    assert event.ip is None


def test_audit_of_an_anonymous_request_keeps_only_the_given_username(db):
    event = audit(request_from(AnonymousUser()), "login_failed", username="somebody")

    assert event.user is None
    assert event.username == "somebody"
    assert event.ip == "10.1.2.3"


def test_explicit_object_fields_win_over_the_object(officer, building):
    event = audit(request_from(officer), "view", building, object_type="grid.address", object_repr="某地址")

    assert event.object_type == "grid.address"
    assert event.object_id == str(building.pk)
    assert event.object_repr == "某地址"


def test_an_overlong_reason_is_cut_to_the_column_size(officer):
    event = audit(request_from(officer), "reveal", reason="理" * 600)

    assert len(AuditEvent.objects.get(pk=event.pk).reason) == 500


# --- Append-only in Python -------------------------------------------------------------


@pytest.fixture
def event(officer, building):
    return audit(request_from(officer), "reveal", building, reason="original")


def reason_in_db(event) -> str:
    return AuditEvent.objects.values_list("reason", flat=True).get(pk=event.pk)


def test_an_audit_event_cannot_be_saved_again(event):
    event.reason = "edited"

    with pytest.raises(PermissionError):
        event.save()
    assert reason_in_db(event) == "original"


def test_audit_events_cannot_be_updated_through_a_queryset(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="edited")
    assert reason_in_db(event) == "original"


def test_audit_events_cannot_be_bulk_updated(event):
    event.reason = "edited"

    # bulk_update opens atomic(savepoint=False): give it a savepoint so the test transaction survives.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["reason"])
    assert reason_in_db(event) == "original"


def test_an_audit_event_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_events_cannot_be_deleted_through_a_queryset(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_user_with_audit_events_cannot_be_deleted(event, officer):
    with pytest.raises(ProtectedError):
        officer.delete()
    assert AuditEvent.objects.filter(pk=event.pk, user=officer).exists()


# --- Append-only in PostgreSQL (trigger from accounts/migrations/0003) -----------------


@pytest.fixture
def pg_event(event):
    need(postgres_available(), "the append-only trigger exists only on PostgreSQL (set DATABASE_URL)")
    return event


def test_raw_sql_update_of_the_audit_trail_is_refused_by_postgres(pg_event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET reason = %s WHERE id = %s", ["edited", pg_event.pk])

    assert reason_in_db(pg_event) == "original"


def test_raw_sql_delete_from_the_audit_trail_is_refused_by_postgres(pg_event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [pg_event.pk])

    assert AuditEvent.objects.filter(pk=pg_event.pk).exists()


def test_raw_sql_insert_into_the_audit_trail_is_still_allowed_on_postgres(pg_event):
    before = AuditEvent.objects.count()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditevent (at, username, action, object_type, object_id, object_repr, reason)"
            " VALUES (now(), 'script', 'export', '', '', '', '')"
        )

    assert AuditEvent.objects.count() == before + 1
