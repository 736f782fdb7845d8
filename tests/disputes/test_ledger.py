"""The ledger-level pages: the ledger's filters and figures, the Excel export, my follow-ups,
the mediator roster, the 重点关注 flag on a person's page and the menu."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.context_processors import _menu
from accounts.models import AuditAction, AuditEvent, Role
from disputes import services
from disputes.models import Dispute, DisputeState, FollowUp, Mediator, MediatorType, Outcome, Party
from tests.disputes.helpers import hold_session, make_dispute, parties, roster, sign_all, valid_id
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00"))


@pytest.fixture
def as_en(as_user):
    """``as_en("officer_a")``: a client of that persona reading the pages in English."""

    def _client(name):
        client = as_user(name)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _client


def _refs(response) -> set[str]:
    """The dispute references linked in the ledger's table."""
    assert response.status_code == 200
    return set(re.findall(r'font-monospace" href="/disputes/\d+/">(JF\d{4}-\d{6})<', response.content.decode()))


@pytest.fixture
def ledger(world):
    """Four disputes of station 1, each picked out by one filter:

    - ``neighbour``: 甲一, officer_a, the lawyer assigned, received;
    - ``consumer``: 甲二, officer_a, a session with the judge, being mediated;
    - ``family``: 乙一, officer_b, received;
    - ``agreed``: 甲一, officer_a, agreed with the lawyer 20 days ago, its 7-day follow-up overdue.
    """
    r = roster(world)
    neighbour = make_dispute(world, category="neighbour")
    services.dispute_assign(dispute=neighbour, user=world.users["officer_a"], mediators=[r["lawyer"]])
    consumer = make_dispute(world, grid="甲二网格", category="consumer")
    hold_session(world, consumer, outcome=Outcome.ADJOURNED, mediators=[r["judge"]])
    family = make_dispute(world, grid="乙一网格", officer="officer_b", category="family")
    with time_machine.travel(timezone.now() - dt.timedelta(days=20), tick=False):
        agreed = make_dispute(world, category="tenancy")
        sign_all(world, hold_session(world, agreed).agreement)
    return {"neighbour": neighbour, "consumer": consumer, "family": family, "agreed": agreed}


# ---- the ledger ----------------------------------------------------------------------------------


def test_each_filter_narrows_the_ledger(world, ledger, as_user):
    refs = {k: d.reference for k, d in ledger.items()}
    client = as_user("chief")
    url = reverse("disputes:ledger")
    assert _refs(client.get(url)) == set(refs.values())
    cases = {
        "state=mediating": {"consumer"},
        "state=agreed": {"agreed"},
        "category=family": {"family"},
        f"grid={world.a2.pk}": {"consumer"},
        f"officer={world.users['officer_b'].pk}": {"family"},
        f"mediator_type={MediatorType.JUDGE}": {"consumer"},
        f"mediator_type={MediatorType.LAWYER}": {"neighbour", "agreed"},
        "overdue=1": {"agreed"},
        "q=" + world.building("乙一网格").address: {"family"},
        "category=neighbour&mediator_type=lawyer": {"neighbour"},
    }
    for query, expected in cases.items():
        assert _refs(client.get(f"{url}?{query}")) == {refs[k] for k in expected}, query


def test_an_overdue_follow_up_is_a_red_badge_in_its_row(world, ledger, as_user):
    html = as_user("officer_a").get(reverse("disputes:ledger")).content.decode()
    row = next(r for r in html.split("<tr") if ledger["agreed"].reference in r)
    assert 'class="table-danger"' in row and "badge text-bg-danger" in row
    other = next(r for r in html.split("<tr") if ledger["neighbour"].reference in r)
    assert "table-danger" not in other


def test_an_officer_sees_only_the_disputes_of_their_grids(world, ledger, as_user):
    refs = _refs(as_user("officer_b").get(reverse("disputes:ledger")))
    assert refs == {ledger["family"].reference}
    assert _refs(as_user("other_station_officer").get(reverse("disputes:ledger"))) == set()


def test_a_mediator_sees_only_the_disputes_assigned_to_them_and_no_figures(world, ledger, as_user):
    response = as_user("mediator").get(reverse("disputes:ledger"))
    assert _refs(response) == {ledger["neighbour"].reference, ledger["agreed"].reference}
    html = response.content.decode()
    assert reverse("disputes:export") not in html and reverse("disputes:create") not in html
    assert "fq-dispute-charts" not in html
    # the filters narrow within their own disputes only
    assert _refs(as_user("mediator").get(reverse("disputes:ledger") + "?category=consumer")) == set()


@pytest.mark.parametrize("persona", ["grid_worker", "volunteer", "landlord"])
def test_grid_members_and_landlords_get_404(persona, world, ledger, as_user):
    assert as_user(persona).get(reverse("disputes:ledger")).status_code == 404


def test_a_grid_outside_the_users_scope_in_the_filter_is_404(world, ledger, as_user):
    client = as_user("officer_a")
    url = reverse("disputes:ledger")
    for grid in (world.b1.pk, world.c1.pk, "x"):
        assert client.get(url, {"grid": grid}).status_code == 404
        assert client.get(reverse("disputes:export"), {"grid": grid}).status_code == 404
    assert client.get(url, {"grid": world.a1.pk}).status_code == 200


def test_the_filters_stay_in_the_page_links(world, as_user):
    for n in range(51):
        make_dispute(world, category="labour", parties=parties(world, seq=300 + 2 * n))
    html = as_user("officer_a").get(reverse("disputes:ledger"), {"category": "labour", "overdue": ""}).content.decode()
    assert "?category=labour&amp;page=2" in html
    assert f"{reverse('disputes:export')}?category=labour" in html


def _success(html: str) -> str:
    return re.search(r'data-testid="success-rate">([^<]*)<', html).group(1).strip()


def test_the_success_rate_counts_only_final_outcomes(world, as_user, as_en):
    url = reverse("disputes:ledger")
    open_ones = [make_dispute(world), make_dispute(world, category="consumer")]
    assert _success(as_user("chief").get(url).content.decode()) == "—"  # none final: no rate, never 0 %
    cache.clear()
    Dispute.objects.filter(pk=open_ones[0].pk).update(state=DisputeState.RESOLVED)
    make_dispute(world, category="family")  # still open: not counted
    no_agreement = make_dispute(world, category="family")
    Dispute.objects.filter(pk=no_agreement.pk).update(state=DisputeState.NO_AGREEMENT)
    html = as_en("chief").get(url).content.decode()
    assert _success(html) == "50.0 %"
    assert "Counted as a success only when the 90-day follow-up found no recurrence" in html
    # A dispute received more than 12 months ago is not in the figures.
    old = make_dispute(world, received_at=timezone.now() - dt.timedelta(days=400))
    Dispute.objects.filter(pk=old.pk).update(state=DisputeState.RESOLVED)
    cache.clear()
    assert _success(as_user("chief").get(url).content.decode()) == "50.0 %"


def test_the_figures_are_cached_for_the_user_and_the_filters(world, as_user):
    d = make_dispute(world)
    Dispute.objects.filter(pk=d.pk).update(state=DisputeState.RESOLVED)
    url = reverse("disputes:ledger")
    client = as_user("chief")
    assert _success(client.get(url).content.decode()) == "100.0 %"
    failed = make_dispute(world)
    Dispute.objects.filter(pk=failed.pk).update(state=DisputeState.NO_AGREEMENT)
    assert _success(client.get(url).content.decode()) == "100.0 %"  # from the cache
    assert _success(client.get(url, {"category": "neighbour"}).content.decode()) == "50.0 %"  # other filters
    assert _success(as_user("admin").get(url).content.decode()) == "50.0 %"  # another user


def test_the_chart_data_is_passed_as_json_and_drawn_by_the_static_script(world, ledger, as_en):
    html = as_en("chief").get(reverse("disputes:ledger")).content.decode()
    assert '<script id="fq-dispute-charts" type="application/json">' in html
    assert "js/dispute-charts.js" in html and "vendor/chartjs/chart.umd.min.js" in html
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert not inline, inline
    assert "Lasting success rate by category" in html and "By responsible officer" in html


def test_the_ledger_costs_a_fixed_number_of_queries(world, ledger, as_user):
    client = as_user("chief")
    url = reverse("disputes:ledger")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(3):
        d = make_dispute(world, grid="甲二网格", parties=parties(world, seq=500 + 2 * n))
        services.dispute_assign(dispute=d, user=world.users["officer_a"], mediators=[roster(world)["judge"]])
    cache.clear()
    client.get(url)  # figures recomputed and cached again
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(after.captured_queries) <= 10  # session, user, scope, filter lists, count, rows, parties …


# ---- the Excel export -------------------------------------------------------------------------


def _book(response):
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _cells(wb) -> list[list]:
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def test_the_export_is_masked_filtered_and_audited(world, ledger, as_user):
    client = as_user("chief")
    rows = _cells(_book(client.get(reverse("disputes:export"))))
    assert str(rows[0][0]).startswith("矛盾纠纷调解台账")
    header = rows[1]
    for column in ("编号", "受理时间", "类别", "当事人", "地点", "所属网格", "责任民警", "调解员", "状态", "回访逾期"):
        assert column in header
    body = rows[2:]
    assert {r[0] for r in body} == {d.reference for d in ledger.values()}
    text = "\n".join(str(c) for r in rows for c in r if c is not None)
    secrets = [p.id_number for p in Party.objects.all()] + [p.phone for p in Party.objects.all()]
    secrets += [world.person("甲一网格").id_number, valid_id(901)]
    assert not [s for s in secrets if s and s in text]
    assert Party.objects.first().id_number_masked in text
    agreed = next(r for r in body if r[0] == ledger["agreed"].reference)
    assert agreed[header.index("状态")] == "已达成协议（回访中）"
    assert agreed[header.index("回访逾期")] == 1
    assert "何律师（律师）" in agreed[header.index("调解员")]

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.user, event.object_type, event.object_repr) == (
        world.users["chief"],
        "disputes.dispute",
        "矛盾纠纷调解台账 4 条",
    )
    assert event.reason == "all"

    # The same filters as the page.
    rows = _cells(_book(client.get(reverse("disputes:export"), {"category": "consumer", "grid": world.a2.pk})))
    assert [r[0] for r in rows[2:]] == [ledger["consumer"].reference]
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("-id").first()
    assert "category=consumer" in event.reason and f"grid={world.a2.pk}" in event.reason


def test_the_export_holds_only_the_users_scope_and_is_staff_only(world, ledger, as_user):
    rows = _cells(_book(as_user("officer_b").get(reverse("disputes:export"))))
    assert [r[0] for r in rows[2:]] == [ledger["family"].reference]
    for persona in ("mediator", "grid_worker", "volunteer", "landlord"):
        assert as_user(persona).get(reverse("disputes:export")).status_code == 404


# ---- my follow-ups ----------------------------------------------------------------------------


def test_a_due_follow_up_is_listed_for_its_officer_and_not_for_another(world, as_user):
    with time_machine.travel(_at("2026-03-02"), tick=False):  # a Monday
        dispute = make_dispute(world)
        sign_all(world, hold_session(world, dispute).agreement)
    f7, f30 = (FollowUp.objects.get(dispute=dispute, day=day) for day in (7, 30))
    assert (f7.due_on, f30.due_on) == (dt.date(2026, 3, 9), dt.date(2026, 4, 1))
    url = reverse("disputes:followups")
    with time_machine.travel(_at("2026-03-03"), tick=False):  # f7 is due next week
        html = as_user("officer_a").get(url).content.decode()
        assert reverse("disputes:followup_record", args=[f7.pk]) not in html
    with time_machine.travel(_at("2026-03-09"), tick=False):  # Monday: the 7-day one is due
        due, upcoming = as_user("officer_a").get(url).content.decode().split('id="fq-upcoming"')
        assert dispute.reference in due and "2026-03-09" in due
        assert reverse("disputes:followup_record", args=[f7.pk]) in due
        assert dispute.reference in upcoming and "2026-04-01" in upcoming  # the 30-day one, within 4 weeks
        assert reverse("disputes:followup_record", args=[f30.pk]) not in upcoming  # not yet recordable
        assert "2026-06-01" not in upcoming  # the 90-day one is further away
        # aux_a sees grid 甲一 but is not responsible: not in their follow-ups; the chief sees all.
        assert dispute.reference not in as_user("aux_a").get(url).content.decode()
        assert dispute.reference not in as_user("officer_b").get(url).content.decode()
        assert reverse("disputes:followup_record", args=[f7.pk]) in as_user("chief").get(url).content.decode()
    with time_machine.travel(_at("2026-03-17"), tick=False):  # overdue: in red
        html = as_user("officer_a").get(url).content.decode()
        card = html.split(reverse("disputes:followup_record", args=[f7.pk]))[0].rsplit('<div class="col">', 1)[-1]
        assert "border-danger" in card


def test_mediators_cannot_open_the_follow_ups(world, as_user):
    assert as_user("mediator").get(reverse("disputes:followups")).status_code == 404


# ---- the roster -------------------------------------------------------------------------------


def _form(**kw):
    data = {
        "name": "陈律师",
        "type": MediatorType.LAWYER,
        "organisation": "某律所",
        "phone": "0951-5012345",
        "active": "on",
    }
    data.update(kw)
    return data


def test_the_roster_shows_the_stations_mediators_with_their_counts(world, ledger, as_user):
    html = as_user("officer_a").get(reverse("disputes:mediators")).content.decode()
    assert "何律师" in html and "王法官" in html and "赵调解" not in html
    assert reverse("disputes:mediator_create") not in html  # officers view, chiefs edit
    chief = as_user("chief").get(reverse("disputes:mediators"))
    lawyer = next(m for m in chief.context["mediators"] if m.name == "何律师")
    assert (lawyer.assigned, lawyer.resolved) == (2, 0)
    assert reverse("disputes:mediator_edit", args=[lawyer.pk]) in chief.content.decode()
    assert "赵调解" in as_user("other_chief").get(reverse("disputes:mediators")).content.decode()


def test_a_chief_adds_to_their_own_station_and_edits_only_its_roster(world, as_user):
    r = roster(world)
    chief = as_user("chief")
    response = chief.post(reverse("disputes:mediator_create"), _form())
    assert response.status_code == 302
    added = Mediator.objects.get(name="陈律师")
    assert (added.station, added.type, added.active, added.user) == (world.s1, MediatorType.LAWYER, True, None)

    response = chief.post(reverse("disputes:mediator_edit", args=[added.pk]), _form(name="陈大律师", active=""))
    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.name, added.active) == ("陈大律师", False)

    assert as_user("other_chief").get(reverse("disputes:mediator_edit", args=[added.pk])).status_code == 404
    assert chief.get(reverse("disputes:mediator_edit", args=[r["other"].pk])).status_code == 404
    for persona in ("officer_a", "aux_a", "mediator", "grid_worker"):
        client = as_user(persona)
        assert client.get(reverse("disputes:mediator_create")).status_code == 404
        assert client.post(reverse("disputes:mediator_create"), _form(name="偷加")).status_code == 404
        assert client.get(reverse("disputes:mediator_edit", args=[added.pk])).status_code == 404
    assert not Mediator.objects.filter(name="偷加").exists()


def test_an_admin_picks_the_station(world, as_user):
    admin = as_user("admin")
    assert admin.post(reverse("disputes:mediator_create"), _form()).status_code == 200  # station missing
    assert admin.post(reverse("disputes:mediator_create"), _form(station=world.s2.pk)).status_code == 302
    assert Mediator.objects.get(name="陈律师").station == world.s2


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(world, as_user):
    r = roster(world)
    chief = as_user("chief")
    response = chief.post(reverse("disputes:mediator_create"), _form(name="", phone="abc"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "phone"}
    assert 'value="某律所"' in response.content.decode()  # what was typed is kept
    # the mediator login is already on the roster (the lawyer's): not offered, and refused
    response = chief.post(reverse("disputes:mediator_create"), _form(user=world.users["mediator"].pk))
    assert response.status_code == 200 and "user" in response.context["form"].errors
    assert not Mediator.objects.filter(name="陈律师").exists()
    assert Mediator.objects.filter(user=world.users["mediator"]).get() == r["lawyer"]


def test_a_login_may_be_a_free_mediator_account_or_an_officer_of_the_station(world, as_user):
    roster(world)
    free = UserFactory(username="mediator2", role=Role.MEDIATOR)
    chief = as_user("chief")
    choices = {u.pk for u in chief.get(reverse("disputes:mediator_create")).context["form"].fields["user"].queryset}
    assert free.pk in choices and world.users["officer_a"].pk in choices
    assert world.users["mediator"].pk not in choices  # on the roster already
    assert world.users["other_station_officer"].pk not in choices and world.users["grid_worker"].pk not in choices
    assert chief.post(reverse("disputes:mediator_create"), _form(user=free.pk)).status_code == 302
    assert Mediator.objects.get(name="陈律师").user == free
    # the other station's officer is refused (admin picks station 1 but links station 2's officer)
    response = as_user("admin").post(
        reverse("disputes:mediator_create"),
        _form(name="错配", station=world.s1.pk, user=world.users["other_station_officer"].pk),
    )
    assert response.status_code == 200 and "user" in response.context["form"].errors


# ---- the person page: 重点关注 -----------------------------------------------------------------------


def test_a_person_in_two_disputes_within_90_days_is_flagged_on_their_page(world, as_en):
    person = world.person("甲一网格")
    first = make_dispute(world, received_at=timezone.now() - dt.timedelta(days=30))
    url = reverse("residents:person_detail", args=[person.pk])
    assert "Key attention" not in as_en("officer_a").get(url).content.decode()  # one dispute: no flag

    other = make_dispute(world, grid="乙一网格", officer="officer_b", parties=parties(world, first=person, seq=903))
    html = as_en("officer_a").get(url).content.decode()
    assert "Key attention" in html and "In 2 disputes in the last 90 days" in html
    assert reverse("disputes:detail", args=[first.pk]) in html
    assert reverse("disputes:detail", args=[other.pk]) not in html  # in 乙一: not officer_a's
    assert "1 more outside your area" in html
    chief = as_en("chief").get(url).content.decode()
    assert reverse("disputes:detail", args=[other.pk]) in chief and "outside your area" not in chief
    # Grid workers see the person page but not the disputes.
    assert "Key attention" not in as_en("grid_worker").get(url).content.decode()


def test_disputes_older_than_90_days_do_not_flag(world, as_en):
    person = world.person("甲一网格")
    make_dispute(world, received_at=timezone.now() - dt.timedelta(days=120))
    make_dispute(world)
    html = as_en("officer_a").get(reverse("residents:person_detail", args=[person.pk])).content.decode()
    assert "Key attention" not in html


def test_the_flag_costs_a_fixed_number_of_queries(world, as_user):
    person = world.person("甲一网格")
    make_dispute(world)
    make_dispute(world)
    url = reverse("residents:person_detail", args=[person.pk])
    client = as_user("officer_a")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(3):
        make_dispute(world, parties=parties(world, seq=601 + 2 * n))
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


# ---- the menu ---------------------------------------------------------------------------------


def _labels(user) -> dict:
    out = {}
    for item in _menu(user):
        out[str(item["label"])] = [str(c["label"]) for c in item.get("children", [])]
    return out


def test_the_menu_has_the_disputes_group_for_staff_and_my_disputes_for_mediators(world, english):
    for persona in ("officer_a", "aux_a", "chief", "admin"):
        assert _labels(world.users[persona])["Disputes"] == [
            "Dispute ledger",
            "Record a dispute",
            "My follow-ups",
            "Mediators",
        ], persona
    mediator = _labels(world.users["mediator"])
    assert "My disputes" in mediator and "Disputes" not in mediator and "Map" not in mediator
    for persona in ("grid_worker", "volunteer", "landlord"):
        labels = _labels(world.users[persona])
        assert "Disputes" not in labels and "My disputes" not in labels
