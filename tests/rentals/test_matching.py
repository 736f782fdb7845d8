"""Cross-matching (百宝箱): the five mismatches, their tasks, the pages and who may see them."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rentals import matching
from rentals.models import (
    DeclarationKind,
    DeclarationStatus,
    DeclaredTenant,
    MismatchKind,
    MismatchTask,
    PermitBasis,
    PermitStatus,
    RentalDeclaration,
    ResidencePermit,
)
from rentals.tasks_matching import mismatch_tasks_sync_all
from residents.history import history_for
from residents.models import HouseUse, Person, Relation
from tests.factories import HouseFactory, PersonFactory, ResidenceFactory, resident_id

A1 = "甲一网格"


# --- building blocks --------------------------------------------------------------------------


def declare(world, house, *tenants, status=DeclarationStatus.SUBMITTED, days_ago=1, move_out=None):
    """A move-in declaration of ``tenants`` ((name, id_seq) pairs) at ``house``."""
    at = timezone.now() - dt.timedelta(days=days_ago)
    declaration = RentalDeclaration.objects.create(
        house=house,
        landlord=world.users["landlord"],
        kind=DeclarationKind.MOVE_IN,
        status=status,
        submitted_at=at,
        event_date=at.date(),
        deadline=at.date() + dt.timedelta(days=3),
        grid=house.grid,
    )
    for name, seq in tenants:
        tenant = DeclaredTenant(declaration=declaration, name=name, move_in=at.date(), move_out=move_out)
        tenant.set_id_number(resident_id(seq))
        tenant.save()
    return declaration


def permit(house, *, valid_until, status=PermitStatus.APPROVED, seq=70, number="640104202600001"):
    p = ResidencePermit(
        name="马小燕",
        house=house,
        basis=PermitBasis.WORK,
        basis_detail="宁夏某公司",
        status=status,
        submitted_at=timezone.now() - dt.timedelta(days=300),
        number=number,
        valid_from=valid_until - dt.timedelta(days=365),
        valid_until=valid_until,
        grid=house.grid,
    )
    p.set_id_number(resident_id(seq))
    p.save()
    return p


def kinds(grid, kind):
    return [m for m in matching.mismatches_for_grid(grid) if m.kind == kind]


def today():
    return timezone.localdate()


def new_rental(world, unit, grid=A1):
    return HouseFactory(building=world.building(grid), unit=unit, use=HouseUse.RENTAL)


# --- the five mismatches ----------------------------------------------------------------------


def test_the_world_as_built_has_no_mismatch(world):
    assert matching.mismatches_for_grid(world.a1) == []


def test_a_declared_tenant_missing_from_the_registry_is_a_mismatch(world):
    d = declare(world, world.house(A1), ("王五", 51), ("住户", 1))  # seq 1 is the registered tenant
    [m] = kinds(world.a1, MismatchKind.UNREGISTERED_TENANT)
    tenant = d.tenants.get(name="王五")
    assert m.subject == f"tenant:{tenant.pk}"
    assert m.grid_id == world.a1.pk
    assert m.url == f"/rentals/declarations/{d.pk}/"
    assert tenant.id_number_masked in m.description
    assert resident_id(51) not in m.description  # masked data only


def test_a_returned_declaration_or_a_moved_out_tenant_is_not_a_mismatch(world):
    declare(world, world.house(A1), ("王五", 51), status=DeclarationStatus.RETURNED)
    declare(world, world.house(A1), ("赵六", 53), move_out=today() - dt.timedelta(days=1))
    assert kinds(world.a1, MismatchKind.UNREGISTERED_TENANT) == []


def test_a_resident_whose_only_tenancy_ended_is_a_mismatch(world):
    gone = PersonFactory(name="离开者", id_seq=61, grid=world.a1)
    ResidenceFactory(person=gone, house=world.house(A1), start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))
    moved = PersonFactory(id_seq=63, grid=world.a1)  # moved within the grid: lives somewhere now
    ResidenceFactory(person=moved, house=world.house(A1), start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))
    ResidenceFactory(person=moved, house=world.houses[A1][1], start=dt.date(2025, 7, 1))
    owner = PersonFactory(id_seq=65, grid=world.a1)  # an owner who left is not a tenancy
    ResidenceFactory(
        person=owner, house=world.houses[A1][1], relation=Relation.HOUSEHOLDER, start=dt.date(2020, 1, 1),
        end=dt.date(2025, 1, 1),
    )  # fmt: skip
    leaving = PersonFactory(id_seq=67, grid=world.a1)  # tenancy ends next week: not ended yet
    ResidenceFactory(person=leaving, house=world.house(A1), start=dt.date(2025, 1, 1), end=today() + dt.timedelta(7))

    [m] = kinds(world.a1, MismatchKind.ENDED_TENANCY)
    assert m.subject == f"person:{gone.pk}"
    assert m.url == f"/residents/persons/{gone.pk}/"
    assert "2025-06-30" in m.description and gone.id_number_masked in m.description
    assert str(world.house(A1).unit) in m.description


def test_a_rental_house_without_declaration_or_tenant_for_30_days_is_a_mismatch(world):
    never = new_rental(world, "3单元301")
    stale = new_rental(world, "3单元302")
    declare(world, stale, days_ago=45)
    fresh = new_rental(world, "3单元303")
    declare(world, fresh, days_ago=10)
    HouseFactory(building=world.building(A1), unit="3单元304", use=HouseUse.VACANT)

    found = {m.subject: m for m in kinds(world.a1, MismatchKind.UNDECLARED_RENTAL)}
    assert set(found) == {f"house:{never.pk}", f"house:{stale.pk}"}  # the world's rental has a tenant
    assert found[f"house:{never.pk}"].url == f"/residents/houses/{never.pk}/"
    assert "3单元302" in found[f"house:{stale.pk}"].description


def test_a_permit_expiring_within_30_days_is_a_mismatch(world):
    soon = permit(world.house(A1), valid_until=today() + dt.timedelta(days=10))
    permit(world.house(A1), valid_until=today() + dt.timedelta(days=40), seq=71, number="2")
    permit(world.house(A1), valid_until=today() - dt.timedelta(days=1), seq=73, number="3")
    pending = PermitStatus.SUBMITTED
    permit(world.house(A1), valid_until=today() + dt.timedelta(days=5), seq=75, number="", status=pending)

    [m] = kinds(world.a1, MismatchKind.PERMIT_EXPIRING)
    assert m.subject == f"permit:{soon.pk}"
    assert m.url == f"/permits/{soon.pk}/"
    assert soon.valid_until.isoformat() in m.description and soon.id_number_masked in m.description


def test_one_id_declared_at_two_addresses_is_a_mismatch_of_the_newer_declarations_grid(world):
    other_house = new_rental(world, "4单元401")
    declare(world, world.house(A1), ("钱七", 81), days_ago=20)
    newer = declare(world, other_house, ("钱七", 81), days_ago=2)
    [m] = kinds(world.a1, MismatchKind.DOUBLE_DECLARATION)
    id_hash = DeclaredTenant.id_hash_for(resident_id(81))
    assert m.subject == f"id:{id_hash[:16]}"
    assert m.url == f"/rentals/declarations/{newer.pk}/"
    assert "4单元401" in m.description and world.house(A1).unit in m.description
    assert resident_id(81) not in m.description

    # Declared once more, in another grid: now that grid's task, naming all three addresses.
    declare(world, world.house("乙一网格"), ("钱七", 81), days_ago=0)
    assert kinds(world.a1, MismatchKind.DOUBLE_DECLARATION) == []
    [m] = kinds(world.b1, MismatchKind.DOUBLE_DECLARATION)
    assert "3" in m.description and m.grid_id == world.b1.pk


def test_the_selector_costs_the_same_queries_however_many_mismatches(world):
    def one_of_each(n):
        declare(world, world.house(A1), (f"甲{n}", 200 + n))
        gone = PersonFactory(id_seq=300 + n, grid=world.a1)
        ResidenceFactory(person=gone, house=world.house(A1), start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 1))
        new_rental(world, f"9单元{n:03d}")
        permit(world.house(A1), valid_until=today() + dt.timedelta(days=3), seq=400 + n, number=f"N{n}")
        declare(world, world.houses[A1][1], (f"乙{n}", 200 + n))

    one_of_each(1)
    with CaptureQueriesContext(connection) as few:
        assert len(matching.mismatches_for_grid(world.a1)) == 6  # two unregistered tenants
    for n in range(2, 7):
        one_of_each(n)
    with CaptureQueriesContext(connection) as many:
        assert len(matching.mismatches_for_grid(world.a1)) == 36
    # unregistered tenants, ended tenancies (persons + their last houses), undeclared rentals,
    # expiring permits, double declarations
    assert len(few.captured_queries) == len(many.captured_queries) == 6


# --- tasks: sync and close --------------------------------------------------------------------


def test_sync_opens_one_task_per_mismatch_and_is_idempotent(world, django_capture_on_commit_callbacks):
    declare(world, world.house(A1), ("王五", 51))
    with django_capture_on_commit_callbacks(execute=True):  # the time of the comparison, once committed
        result = matching.mismatch_tasks_sync(grid=world.a1)
    assert result.created == 1
    task = MismatchTask.objects.get()
    assert (task.grid, task.kind, task.closed_at) == (world.a1, MismatchKind.UNREGISTERED_TENANT, None)
    assert matching.mismatch_tasks_sync(grid=world.a1) == matching.SyncResult()
    assert MismatchTask.objects.count() == 1
    assert matching.mismatch_last_sync(world.a1.pk) is not None


def test_closing_a_task_requires_a_note(world):
    declare(world, world.house(A1), ("王五", 51))
    matching.mismatch_tasks_sync(grid=world.a1)
    task = MismatchTask.objects.get()
    with pytest.raises(ValidationError) as exc:
        matching.mismatch_task_close(task=task, user=world.users["grid_worker"], note="   ")
    assert "note" in exc.value.message_dict
    task.refresh_from_db()
    assert task.closed_at is None


def test_a_closed_task_stays_closed_until_its_data_change(world):
    d = declare(world, world.house(A1), ("王五", 51))
    matching.mismatch_tasks_sync(grid=world.a1)
    task = MismatchTask.objects.get()
    worker = world.users["grid_worker"]
    matching.mismatch_task_close(task=task, user=worker, note="已电话联系房东，本周内补登")

    assert matching.mismatch_tasks_sync(grid=world.a1).reopened == 0
    task.refresh_from_db()
    assert task.closed_by == worker and task.note == "已电话联系房东，本周内补登"

    RentalDeclaration.objects.filter(pk=d.pk).update(status=DeclarationStatus.APPROVED)  # person still missing
    assert matching.mismatch_tasks_sync(grid=world.a1).reopened == 1
    task.refresh_from_db()
    assert (task.closed_at, task.closed_by, task.note) == (None, None, "")
    reasons = [h.reason for h in history_for(task)]
    assert "已电话联系房东，本周内补登" in reasons and len(reasons) == 2  # closed by the worker, reopened


def test_a_task_whose_mismatch_is_fixed_closes_itself_and_returns_if_it_comes_back(world):
    soon = permit(world.house(A1), valid_until=today() + dt.timedelta(days=10))
    matching.mismatch_tasks_sync(grid=world.a1)
    ResidencePermit.objects.filter(pk=soon.pk).update(valid_until=today() + dt.timedelta(days=375))  # renewed

    assert matching.mismatch_tasks_sync(grid=world.a1).closed == 1
    task = MismatchTask.objects.get()
    assert task.closed_at is not None and task.closed_by is None and task.note

    ResidencePermit.objects.filter(pk=soon.pk).update(valid_until=today() + dt.timedelta(days=10))
    assert matching.mismatch_tasks_sync(grid=world.a1).reopened == 1
    task.refresh_from_db()
    assert task.closed_at is None and task.note == ""


def test_registering_the_tenant_closes_the_task(world):
    declare(world, world.house(A1), ("王五", 51))
    matching.mismatch_tasks_sync(grid=world.a1)
    PersonFactory(name="王五", id_seq=51, grid=world.a1)
    matching.mismatch_tasks_sync(grid=world.a1)
    assert MismatchTask.objects.get().closed_at is not None


def test_the_nightly_task_compares_every_grid(world):
    declare(world, world.house(A1), ("王五", 51))
    declare(world, world.house("丙一网格"), ("孙八", 91))
    assert mismatch_tasks_sync_all.delay().get() == 4
    assert set(MismatchTask.objects.values_list("grid__name", flat=True)) == {A1, "丙一网格"}
    names = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "rentals.tasks_matching.mismatch_tasks_sync_all" in names


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def a1_tasks(world):
    """Two open tasks in 甲一网格 (an unregistered tenant, an expiring permit), one in 乙一网格."""
    declare(world, world.house(A1), ("王五", 51))
    permit(world.house(A1), valid_until=today() + dt.timedelta(days=10))
    declare(world, world.house("乙一网格"), ("李四", 41))
    matching.mismatch_tasks_sync(grid=world.a1)
    matching.mismatch_tasks_sync(grid=world.b1)
    return list(MismatchTask.objects.filter(grid=world.a1).order_by("kind"))


def test_the_grid_page_lists_open_tasks_by_kind_with_the_reason_and_masked_ids_only(world, as_user, a1_tasks):
    response = as_user("grid_worker").get(reverse("matching:grid", args=[world.a1.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for task in a1_tasks:
        assert task.description in html and task.url in html
    assert str(matching.EXPLANATIONS[MismatchKind.PERMIT_EXPIRING]) in html
    assert resident_id(51) not in html and resident_id(70) not in html
    assert "李四" not in html  # the other grid's task


def test_the_kind_filter_shows_only_that_kind(world, as_user, a1_tasks):
    url = reverse("matching:grid", args=[world.a1.pk])
    response = as_user("grid_worker").get(url, {"kind": MismatchKind.PERMIT_EXPIRING})
    assert [t.kind for t in response.context["page"]] == [MismatchKind.PERMIT_EXPIRING]


def test_reading_the_page_writes_nothing_and_the_button_compares(world, as_user, django_capture_on_commit_callbacks):
    declare(world, world.house(A1), ("王五", 51))
    client = as_user("grid_worker")
    url = reverse("matching:grid", args=[world.a1.pk])
    assert client.get(url).context["last_sync"] is None
    assert not MismatchTask.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("matching:sync", args=[world.a1.pk]))
    assert response.status_code == 302 and response["Location"] == url
    assert MismatchTask.objects.filter(grid=world.a1, closed_at=None).count() == 1
    assert client.get(url).context["last_sync"] is not None


def test_closing_with_htmx_swaps_the_row_out(world, as_user, a1_tasks):
    task = a1_tasks[0]
    response = as_user("grid_worker").post(
        reverse("matching:task_close", args=[task.pk]), {"note": "房东已补登"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html and "房东已补登" in html
    assert f"fq-count-{task.kind}" in html  # the filter's count goes down (out of band)
    task.refresh_from_db()
    assert task.closed_by == world.users["grid_worker"] and task.note == "房东已补登"


def test_closing_without_a_note_explains_at_the_field_and_keeps_the_task_open(world, as_user, a1_tasks):
    task = a1_tasks[0]
    client = as_user("grid_worker")
    url = reverse("matching:task_close", args=[task.pk])
    response = client.post(url, {"note": "  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() and "invalid-feedback" in response.content.decode()

    long_note = "查" * 301
    response = client.post(url, {"note": long_note})  # without htmx: the whole page, input kept
    assert response.status_code == 200
    assert long_note in response.content.decode()
    task.refresh_from_db()
    assert task.closed_at is None


def test_closing_without_htmx_redirects_to_the_grid_page(world, as_user, a1_tasks):
    task = a1_tasks[0]
    response = as_user("officer_a").post(reverse("matching:task_close", args=[task.pk]), {"note": "核实无误"})
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:grid", args=[world.a1.pk])
    page = as_user("officer_a").get(response["Location"]).content.decode()
    assert "核实无误" in page  # in the recently closed section


def test_the_index_counts_open_tasks_per_grid_and_kind(world, as_user, a1_tasks):
    response = as_user("chief").get(reverse("matching:index"))
    rows = {r["grid"].name: r for r in response.context["rows"]}
    assert rows[A1]["total"] == 2 and rows["乙一网格"]["total"] == 1 and rows["甲二网格"]["total"] == 0
    assert "丙一网格" not in rows  # another station


@pytest.mark.parametrize("persona", ["officer_b", "volunteer", "landlord", "mediator", "other_chief"])
def test_outsiders_cannot_see_or_close_a_grids_tasks(world, as_user, a1_tasks, persona):
    task = a1_tasks[0]
    client = as_user(persona)
    assert client.get(reverse("matching:grid", args=[world.a1.pk])).status_code == 404
    assert client.post(reverse("matching:task_close", args=[task.pk]), {"note": "x"}).status_code == 404
    assert client.post(reverse("matching:sync", args=[world.a1.pk])).status_code == 404
    task.refresh_from_db()
    assert task.closed_at is None


def test_the_grid_worker_of_another_grid_gets_404(world, as_user, a1_tasks):
    b1_task = MismatchTask.objects.get(grid=world.b1)
    client = as_user("grid_worker")
    assert client.get(reverse("matching:grid", args=[world.b1.pk])).status_code == 404
    assert client.post(reverse("matching:task_close", args=[b1_task.pk]), {"note": "x"}).status_code == 404


def test_volunteers_do_not_get_the_index(world, as_user):
    assert as_user("volunteer").get(reverse("matching:index")).status_code == 404


# --- query counts -----------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more_tasks(world, n0):
    for n in range(n0, n0 + 4):
        declare(world, world.house(A1), (f"甲{n}", 500 + n))
        permit(world.house(A1), valid_until=today() + dt.timedelta(days=3), seq=600 + n, number=f"P{n}")
        new_rental(world, f"8单元{n:03d}", grid="甲二网格")
    matching.mismatch_tasks_sync(grid=world.a1)
    matching.mismatch_tasks_sync(grid=world.a2)
    task = MismatchTask.objects.filter(grid=world.a1, closed_at=None).first()
    matching.mismatch_task_close(task=task, user=world.users["grid_worker"], note="已处理")


# user, scope (sessions live in the cache), then the page's own queries
PAGES = {
    "index": (lambda w: reverse("matching:index"), 4),  # + grids, open counts (one aggregate)
    # + grid, open counts, paginator count, open tasks, recently closed (with their closers)
    "grid": (lambda w: reverse("matching:grid", args=[w.a1.pk]), 7),
}


@pytest.mark.parametrize("persona", ["grid_worker", "chief"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_query_counts_do_not_grow_with_tasks(world, as_user, page, persona):
    url_for, ceiling = PAGES[page]
    client = as_user(persona)
    url = url_for(world)
    _more_tasks(world, 1)
    client.get(url)  # warm caches that are not per request
    before = _queries(client, url)
    _more_tasks(world, 10)
    after = _queries(client, url)
    assert before == after <= ceiling, (before, after)


def test_person_model_is_untouched_by_the_selector(world):
    # The selector only reads: no registry row is created or changed by comparing.
    declare(world, world.house(A1), ("王五", 51))
    before = Person.objects.count()
    matching.mismatches_for_grid(world.a1)
    matching.mismatch_tasks_sync(grid=world.a1)
    assert Person.objects.count() == before
