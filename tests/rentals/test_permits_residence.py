"""The six-month check: continuous residence from approved declarations and registry residences."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rentals import permits
from rentals.models import DeclarationKind, DeclarationStatus, DeclaredTenant, RentalDeclaration
from residents.models import EncryptedIdentifiers
from tests.factories import PersonFactory, ResidenceFactory, resident_id
from tests.routes_permits import permit_in

TODAY = dt.date(2026, 11, 22)
ID = resident_id(901)  # the applicant of tests.routes_permits.permit_in
HASH = EncryptedIdentifiers.id_hash_for(ID)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def declare(world, *, kind=DeclarationKind.MOVE_IN, status=DeclarationStatus.APPROVED, move_in=None, move_out=None,
            id_number=ID, event_date=None):  # fmt: skip
    """An approved declaration of one tenant, built directly (the landlord flow is tested elsewhere)."""
    event = event_date or move_in or move_out
    declaration = RentalDeclaration.objects.create(
        house=world.house("甲一网格"),
        landlord=world.users["landlord"],
        kind=kind,
        status=status,
        submitted_at=timezone.now(),
        event_date=event,
        deadline=event + dt.timedelta(days=3),
        grid=world.a1,
    )
    tenant = DeclaredTenant(declaration=declaration, name="申请人甲一", move_in=move_in, move_out=move_out)
    tenant.set_id_number(id_number)
    tenant.save()
    return declaration


def days_ago(n):
    return TODAY - dt.timedelta(days=n)


def test_nothing_declared_or_registered_is_said_plainly(world):
    check = permits.residence_check(HASH, on=TODAY)
    assert not check.found and not check.ok
    assert check.message == "No rental declaration or residence registration found" or "未找到" in check.message


def test_an_approved_move_in_more_than_six_months_ago_passes(world):
    declare(world, move_in=days_ago(200))
    check = permits.residence_check(HASH, on=TODAY)
    assert check.ok and check.start == days_ago(200) and check.days == 200 and check.missing_days == 0


def test_a_recent_move_in_says_since_when_and_how_many_days_are_missing(world):
    declare(world, move_in=days_ago(100))
    check = permits.residence_check(HASH, on=TODAY)
    assert not check.ok and check.current
    assert check.missing_days == 83
    assert days_ago(100).isoformat() in check.message and "83" in check.message


def test_declarations_not_yet_approved_or_of_someone_else_do_not_count(world):
    declare(world, move_in=days_ago(300), status=DeclarationStatus.SUBMITTED)
    declare(world, move_in=days_ago(300), id_number=resident_id(903))
    assert not permits.residence_check(HASH, on=TODAY).found


def test_a_move_out_declaration_ends_the_residence(world):
    declare(world, move_in=days_ago(400))
    declare(world, kind=DeclarationKind.MOVE_OUT, move_out=days_ago(30))
    check = permits.residence_check(HASH, on=TODAY)
    assert check.found and not check.current and not check.ok
    assert check.last_end == days_ago(30)
    assert days_ago(30).isoformat() in check.message


def test_a_declared_tenancy_followed_by_a_registry_residence_counts_as_one_stay(world):
    declare(world, move_in=days_ago(250), move_out=days_ago(100))
    person = PersonFactory(id_seq=901, grid=world.a1)
    ResidenceFactory(person=person, house=world.house("甲二网格"), start=days_ago(99))
    check = permits.residence_check(HASH, on=TODAY)
    assert check.ok and check.start == days_ago(250)


def test_a_gap_between_two_stays_restarts_the_count(world):
    declare(world, move_in=days_ago(400), move_out=days_ago(150))
    declare(world, move_in=days_ago(120))
    check = permits.residence_check(HASH, on=TODAY)
    assert not check.ok and check.start == days_ago(120)


def test_the_officer_sees_the_shortfall_prominently_and_the_applicant_sees_it_too(world, as_user, client):
    declare(world, move_in=permits.today() - dt.timedelta(days=40))
    permit = permit_in(world, approve=False)
    detail = as_user("officer_a").get(reverse("permits:detail", args=[permit.pk]))
    html = detail.content.decode()
    assert not detail.context["check"].ok
    assert "alert-danger" in html and detail.context["check"].message in html
    status = client.get(reverse("permits:status", args=[permit.status_token]))
    assert status.context["check"].message in status.content.decode()
