"""/api/v1/disputes/…: read-only, scoped like the pages (a mediator only their assigned disputes),
masked identifiers only, filters, a fixed number of queries per page, in the OpenAPI schema."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Dispute, DisputeState, FollowUp, FollowUpStatus, Outcome, Party
from tests.disputes.helpers import hold_session, make_dispute, parties, roster, sign_all, valid_id

pytestmark = pytest.mark.django_db

LISTS = ["dispute-list", "mediator-list", "mediationsession-list", "followup-list"]


def get(as_user, persona, name, *args, **params):
    return as_user(persona).get(reverse(name, args=args), params)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def agreed(world, **kw):
    """A dispute of 甲一 mediated by the lawyer (the ``mediator`` login), agreement signed."""
    dispute = make_dispute(world, **kw)
    session = hold_session(world, dispute)
    sign_all(world, session.agreement)
    dispute.refresh_from_db()
    return dispute


def test_officer_of_the_grid_sees_the_dispute_and_others_do_not(world, as_user):
    dispute = make_dispute(world)
    assert ids(get(as_user, "officer_a", "dispute-list")) == {dispute.pk}
    assert ids(get(as_user, "chief", "dispute-list")) == {dispute.pk}
    for persona in ("officer_b", "other_station_officer", "other_chief", "grid_worker", "volunteer", "landlord"):
        assert ids(get(as_user, persona, "dispute-list")) == set(), persona
        assert get(as_user, persona, "dispute-detail", dispute.pk).status_code == 404, persona
    assert get(as_user, "anonymous", "dispute-list").status_code == 401
    assert get(as_user, "anonymous", "dispute-detail", dispute.pk).status_code == 401


def test_a_mediator_sees_only_the_disputes_assigned_to_them(world, as_user):
    mine = agreed(world)
    other = make_dispute(world, parties=parties(world, seq=903))
    services.dispute_assign(dispute=other, user=world.users["officer_a"], mediators=[roster(world)["judge"]])
    assert ids(get(as_user, "mediator", "dispute-list")) == {mine.pk}
    assert get(as_user, "mediator", "dispute-detail", mine.pk).status_code == 200
    assert get(as_user, "mediator", "dispute-detail", other.pk).status_code == 404
    assert ids(get(as_user, "mediator", "mediationsession-list")) == set(mine.sessions.values_list("id", flat=True))
    assert ids(get(as_user, "mediator", "followup-list")) == set(mine.followups.values_list("id", flat=True))
    assert ids(get(as_user, "mediator", "mediator-list")) == {roster(world)["lawyer"].pk}
    assert get(as_user, "mediator", "mediator-detail", roster(world)["judge"].pk).status_code == 404


def test_grid_workers_see_no_dispute_data_at_all(world, as_user):
    dispute = agreed(world)
    for name in LISTS:
        assert ids(get(as_user, "grid_worker", name)) == set(), name
        assert get(as_user, "anonymous", name).status_code == 401, name
    assert get(as_user, "grid_worker", "followup-detail", dispute.followups.first().pk).status_code == 404
    assert get(as_user, "grid_worker", "mediator-detail", roster(world)["lawyer"].pk).status_code == 404


def test_the_roster_is_per_station(world, as_user):
    r = roster(world)
    assert ids(get(as_user, "officer_b", "mediator-list")) == {r["lawyer"].pk, r["judge"].pk}
    assert ids(get(as_user, "other_station_officer", "mediator-list")) == {r["other"].pk}
    row = get(as_user, "officer_a", "mediator-detail", r["lawyer"].pk).json()
    assert row == {
        "id": r["lawyer"].pk, "station": world.s1.pk, "name": "何律师", "type": "lawyer",
        "organisation": "宁夏某律师事务所", "phone": "13895177001", "active": True, "has_login": True,
    }  # fmt: skip
    assert get(as_user, "officer_a", "mediator-detail", r["judge"].pk).json()["has_login"] is False


def test_no_response_carries_a_full_id_phone_or_their_ciphertext(world, as_user):
    dispute = agreed(world)
    person = world.person("甲一网格")
    secrets = {valid_id(901), person.id_number, "13900000001", person.phone}
    for p in Party.objects.all():
        secrets |= {p.id_number_enc, p.id_number_hash, p.phone_enc, p.phone_hash}
    secrets.discard("")
    urls = [reverse(n) for n in LISTS] + [reverse("dispute-detail", args=[dispute.pk])]
    for url in urls:
        body = json.dumps(as_user("admin").get(url).json(), ensure_ascii=False)
        assert not [s for s in secrets if s in body], url
    row = as_user("officer_a").get(reverse("dispute-detail", args=[dispute.pk])).json()
    tenant, newcomer = row["parties"]
    assert set(tenant) == {"id", "name", "role", "id_number_masked", "phone_masked", "person"}
    assert tenant["person"] == person.pk and newcomer["person"] is None
    assert newcomer["id_number_masked"] == Party.objects.get(pk=newcomer["id"]).id_number_masked
    assert "*" in newcomer["id_number_masked"] and newcomer["phone_masked"] == "139****0001"


def test_the_dispute_row(world, as_user):
    dispute = agreed(world, house=world.house("甲一网格"))
    row = get(as_user, "officer_a", "dispute-detail", dispute.pk).json()
    assert row["reference"] == dispute.reference
    assert row["state"] == DisputeState.AGREED
    assert row["address"] == f"{world.building('甲一网格').address} 1单元101"
    assert row["grid"] == world.a1.pk and row["officer"] == world.users["officer_a"].pk
    assert row["officer_name"] == world.users["officer_a"].display_name
    assert row["mediators"] == [roster(world)["lawyer"].pk]
    assert row["agreed_at"] and row["resolved_at"] is None and row["reopen_count"] == 0
    assert row["repeat_party"] is False


def test_repeat_party_flags_a_person_in_another_dispute_within_90_days(world, as_user):
    now = timezone.now()
    first = make_dispute(world, received_at=now - dt.timedelta(days=60))
    lone = make_dispute(world, parties=parties(world, first=world.person("甲二网格"), seq=905))
    assert make_dispute(world, parties=parties(world, seq=907)).pk  # the same tenant again, now
    old = make_dispute(world, parties=parties(world, first=world.person("乙一网格"), seq=909),
                       received_at=now - dt.timedelta(days=200))  # fmt: skip
    make_dispute(world, parties=parties(world, first=world.person("乙一网格"), seq=911))  # 200 days later: no flag
    flags = {row["id"]: row["repeat_party"] for row in get(as_user, "admin", "dispute-list").json()["results"]}
    assert flags[first.pk] is True
    assert flags[lone.pk] is False
    assert flags[old.pk] is False


def test_dispute_filters(world, as_user):
    a = agreed(world, category="family")
    b = make_dispute(world, grid="甲二网格", parties=parties(world, first=world.person("甲二网格"), seq=913))
    c = make_dispute(world, grid="乙一网格", officer="officer_b",
                     parties=parties(world, first=world.person("乙一网格"), seq=915))  # fmt: skip
    Dispute.objects.filter(pk=c.pk).update(risk="high")

    def find(**params):
        return ids(get(as_user, "chief", "dispute-list", **params))

    assert find() == {a.pk, b.pk, c.pk}
    assert find(state="agreed") == {a.pk}
    assert find(state="intake") == {b.pk, c.pk}
    assert find(category="family") == {a.pk}
    assert find(grid=world.a2.pk) == {b.pk}
    assert find(officer=world.users["officer_b"].pk) == {c.pk}
    assert find(risk="high") == {c.pk}
    assert find(overdue="true") == set()
    FollowUp.objects.filter(dispute=a, day=7).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    assert find(overdue="true") == {a.pk}
    assert find(overdue="false") == {b.pk, c.pk}
    assert get(as_user, "chief", "dispute-list", state="nonsense").status_code == 400


def test_session_and_followup_rows_and_filters(world, as_user):
    a = agreed(world)
    b = make_dispute(world, parties=parties(world, seq=917))
    adjourned = hold_session(world, b, outcome=Outcome.ADJOURNED, notes="双方情绪激动，改日再谈")
    session = a.sessions.get()
    row = get(as_user, "officer_a", "mediationsession-detail", session.pk).json()
    assert row["agreement"] == session.agreement.pk and row["agreement_number"] == session.agreement.number
    assert row["mediators"] == [roster(world)["lawyer"].pk]
    assert set(row["parties_present"]) == set(a.parties.values_list("id", flat=True))
    row = get(as_user, "officer_a", "mediationsession-detail", adjourned.pk).json()
    assert row["agreement"] is None and row["agreement_number"] is None and row["notes"] == "双方情绪激动，改日再谈"
    assert ids(get(as_user, "officer_a", "mediationsession-list", dispute=b.pk)) == {adjourned.pk}
    assert ids(get(as_user, "officer_a", "mediationsession-list", outcome="agreed")) == {session.pk}

    today = timezone.localdate()
    seven, thirty, ninety = a.followups.order_by("day")
    assert seven.due_on == today + dt.timedelta(days=7)
    row = get(as_user, "officer_a", "followup-detail", seven.pk).json()
    assert row == {
        "id": seven.pk, "dispute": a.pk, "agreement": session.agreement.pk, "day": 7,
        "due_on": seven.due_on.isoformat(), "status": "scheduled", "method": "", "kept": None, "note": "",
        "done_at": None,
    }  # fmt: skip

    def find(**params):
        return ids(get(as_user, "officer_a", "followup-list", **params))

    assert find() == {seven.pk, thirty.pk, ninety.pk}
    assert find(due_before=(today + dt.timedelta(days=30)).isoformat()) == {seven.pk, thirty.pk}
    assert find(due_after=(today + dt.timedelta(days=8)).isoformat()) == {thirty.pk, ninety.pk}
    FollowUp.objects.filter(pk=ninety.pk).update(status=FollowUpStatus.CANCELLED)
    assert find(status="cancelled") == {ninety.pk}
    assert find(status="scheduled", dispute=a.pk) == {seven.pk, thirty.pk}


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("persona", ["chief", "mediator"])
def test_lists_cost_the_same_number_of_queries_for_one_or_five_disputes(world, as_user, name, persona):
    client = as_user(persona)
    url = reverse(name)
    agreed(world)
    client.get(url)  # session, user, scope: warm
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).json()["count"] >= 1
    for n in range(4):
        d = agreed(world, parties=parties(world, seq=921 + 2 * n))
        services.mediator_save(station=world.s1, name=f"调解员{n}", type="peoples")
        services.dispute_assign(dispute=d, user=world.users["officer_a"], mediators=list(d.mediators.all()))
    with CaptureQueriesContext(connection) as five:
        body = client.get(url).json()
    assert body["count"] >= (1 if name == "mediator-list" else 5)
    assert len(five) == len(one), [q["sql"] for q in five.captured_queries]
    assert len(five) <= 7  # session, user, scope (staff), count, page, + two prefetches (disputes, sessions)


def test_the_schema_documents_the_endpoints_and_generates_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "the OpenAPI schema has warnings: run manage.py spectacular --fail-on-warn"
    validate_schema(schema)
    for path in ("disputes/disputes/", "disputes/mediators/", "disputes/sessions/", "disputes/followups/{id}/"):
        assert f"/api/v1/{path}" in schema["paths"], path
    props = schema["components"]["schemas"]["Dispute"]["properties"]
    assert {"reference", "parties", "repeat_party", "officer_name"} <= set(props)
    party = schema["components"]["schemas"]["Party"]["properties"]
    assert "id_number_masked" in party and not any(k in party for k in ("id_number", "id_number_enc", "phone"))
