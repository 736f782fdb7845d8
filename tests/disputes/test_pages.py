"""The pages of one dispute, driven through the test client as the officer does on the phone:
intake with parties, the dispute page, mediators, a session, the parties signing, the PDF and
the follow-up visits — and who may open which."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, Role
from disputes import services
from disputes.models import (
    AgreementStatus,
    Dispute,
    DisputeState,
    FollowUp,
    FollowUpStatus,
    MediationSession,
    MediatorType,
    Outcome,
    Party,
)
from tests.conftest import login
from tests.disputes.helpers import (
    FACTS,
    TERMS,
    hold_session,
    make_dispute,
    roster,
    sign_all,
    signature_data_url,
    valid_id,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _english_pages(settings):
    # These tests read messages on rendered pages by their English msgid.
    settings.LANGUAGE_CODE = "en"


def _at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00"))


def intake(world, **over) -> dict:
    """The intake form as posted: the registry tenant of 甲一 picked, and 李四 typed in."""
    data = {
        "source": "walk_in", "category": "neighbour", "risk": "medium",
        "building": world.building("甲一网格").pk, "house": world.house("甲一网格").pk,
        "place_detail": "楼道", "description": "楼上漏水，楼下天花板受损。",
        "officer": world.users["officer_a"].pk, "received_at": "",
        "party-TOTAL_FORMS": "2", "party-INITIAL_FORMS": "0", "party-MIN_NUM_FORMS": "2", "party-MAX_NUM_FORMS": "10",
        "party-0-role": "applicant", "party-0-person": world.person("甲一网格").pk, "party-0-id_type": "resident_id",
        "party-0-name": "", "party-0-id_number": "", "party-0-phone": "",
        "party-1-role": "respondent", "party-1-person": "", "party-1-name": "李四", "party-1-id_type": "resident_id",
        "party-1-id_number": valid_id(901), "party-1-phone": "13900000001",
    }  # fmt: skip
    data.update(over)
    return data


def _row(html: str, n: int) -> str:
    """The HTML of party row ``n`` (0-based) of the intake form."""
    rows = html.split("data-party-row>")
    return rows[n + 1].split("</template>")[0]


def _session(world, dispute, **over) -> dict:
    data = {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "place": "民生茶馆",
        "mediators": [roster(world)["lawyer"].pk], "parties_present": [p.pk for p in dispute.parties.all()],
        "notes": "双方陈述", "outcome": Outcome.AGREED, "reason": "", "referred_to": "", "referred_department": "",
        "facts": FACTS, "terms": TERMS,
    }  # fmt: skip
    data.update(over)
    return data


# --- intake -----------------------------------------------------------------------------------


def test_the_intake_form_records_a_dispute_with_a_registry_person_and_a_new_party(world, as_user):
    client = as_user("officer_a")
    page = client.get(reverse("disputes:create") + f"?building={world.building('甲一网格').pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.building("甲一网格").address in html and "1单元101" in html  # preset address with its houses
    assert html.count("data-party-row>") == 3  # two rows and the template of a third

    response = client.post(reverse("disputes:create"), intake(world))
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("disputes:detail", args=[dispute.pk])
    assert dispute.grid == world.a1 and dispute.house == world.house("甲一网格") and dispute.risk == "medium"
    assert dispute.officer == world.users["officer_a"] and dispute.created_by == world.users["officer_a"]
    tenant, newcomer = dispute.parties.order_by("order")
    assert tenant.person == world.person("甲一网格") and tenant.name == world.person("甲一网格").name
    assert newcomer.name == "李四" and newcomer.role == "respondent" and newcomer.id_number == valid_id(901)
    page = client.get(response["Location"])
    assert f"Dispute {dispute.reference} recorded." in page.content.decode()


def test_a_bad_id_is_shown_on_its_row_everything_typed_is_kept_and_nothing_saved(world, as_user):
    client = as_user("officer_a")
    response = client.post(reverse("disputes:create"), intake(world, **{"party-1-id_number": "640106198001019999"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The check character of this resident ID is wrong" in _row(html, 1)
    assert "The check character" not in _row(html, 0)
    assert 'value="640106198001019999"' in _row(html, 1) and 'value="李四"' in _row(html, 1)
    assert "楼上漏水，楼下天花板受损。" in html and 'value="楼道"' in html
    # The picked registry person stays picked, shown masked, never with the full ID.
    person = world.person("甲一网格")
    assert person.id_number_masked in _row(html, 0) and person.id_number not in html
    assert not Dispute.objects.exists() and not Party.objects.exists()


def test_every_problem_shows_at_once_and_a_third_blank_row_is_ignored(world, as_user):
    data = intake(world, description="", officer="", **{"party-1-phone": "12", "party-TOTAL_FORMS": "3"})
    data.update({"party-2-role": "respondent", "party-2-id_type": "resident_id"})
    response = as_user("officer_a").post(reverse("disputes:create"), data)
    html = response.content.decode()
    assert "Describe what happened." in html and "Choose an officer of the station." in html
    assert "Enter a phone number of 7 to 15 digits." in _row(html, 1)
    assert "Enter the party" not in _row(html, 2)  # the blank third row is no party
    assert not Dispute.objects.exists()

    ok = as_user("officer_a").post(reverse("disputes:create"), {**intake(world), "party-TOTAL_FORMS": "3",
                                                                "party-2-role": "respondent"})  # fmt: skip
    assert ok.status_code == 302 and Party.objects.count() == 2


def test_intake_refuses_what_the_user_may_not_choose(world, as_user):
    client = as_user("officer_a")
    other = world.building("乙一网格")  # officer_b's grid
    assert client.get(reverse("disputes:create") + f"?building={other.pk}").status_code == 404
    html = client.post(reverse("disputes:create"), intake(world, building=other.pk)).content.decode()
    assert "Choose an address in your area." in html
    outsider = world.person("乙一网格")
    html = client.post(reverse("disputes:create"), intake(world, **{"party-0-person": outsider.pk})).content.decode()
    assert "Choose a person from the registry again." in html and outsider.name not in html
    stranger = UserFactory(username="officer_s2", role=Role.OFFICER, station=world.s2)
    html = client.post(reverse("disputes:create"), intake(world, officer=stranger.pk)).content.decode()
    assert "Choose an officer of the station." in html
    assert not Dispute.objects.exists()


def test_the_address_and_registry_searches_stay_in_the_users_area(world, as_user):
    client = as_user("officer_a")
    mine, theirs = world.building("甲一网格"), world.building("乙一网格")
    html = client.get(reverse("disputes:building_search"), {"q": "测试路"}).content.decode()
    assert mine.address in html and theirs.address not in html
    picked = client.get(reverse("disputes:building_search"), {"pick": mine.pk}).content.decode()
    assert f'name="building" value="{mine.pk}"' in picked and "1单元101" in picked
    assert client.get(reverse("disputes:building_search"), {"pick": theirs.pk}).status_code == 404

    person = world.person("甲一网格")
    for q in (person.name, person.id_number):
        html = client.get(reverse("disputes:person_search"), {"q": q}).content.decode()
        assert f'data-pick-person="{person.pk}"' in html and person.id_number_masked in html
        assert person.id_number not in html
    html = client.get(reverse("disputes:person_search"), {"q": world.person("乙一网格").name}).content.decode()
    assert "data-pick-person" not in html


# --- who sees the dispute ---------------------------------------------------------------------


def test_an_assigned_mediator_sees_the_dispute_and_an_unassigned_one_gets_404(world, as_user):
    dispute = make_dispute(world)
    lawyer = roster(world)["lawyer"]
    services.dispute_assign(dispute=dispute, user=world.users["officer_a"], mediators=[lawyer])
    other = UserFactory(username="mediator2", role=Role.MEDIATOR)
    services.mediator_save(station=world.s1, user_account=other, name="陈调解", type=MediatorType.PEOPLES)
    url = reverse("disputes:detail", args=[dispute.pk])
    page = as_user("mediator").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert dispute.reference in html and "何律师" in html
    assert reverse("disputes:session_create", args=[dispute.pk]) in html  # may record their session
    assert reverse("disputes:assign", args=[dispute.pk]) not in html  # but not assign
    assert login(other).get(url).status_code == 404
    assert as_user("mediator").get(reverse("disputes:assign", args=[dispute.pk])).status_code == 404


def test_grid_workers_and_staff_of_other_grids_get_404(world, as_user):
    dispute = make_dispute(world)
    url = reverse("disputes:detail", args=[dispute.pk])
    for persona in ("grid_worker", "volunteer", "landlord", "officer_b", "other_station_officer"):
        assert as_user(persona).get(url).status_code == 404, persona
    assert as_user("grid_worker").get(reverse("disputes:create")).status_code == 404


def test_the_dispute_page_flags_a_party_in_another_dispute_with_a_link_and_a_count(world, as_user):
    earlier = make_dispute(world)
    elsewhere = make_dispute(world, grid="乙一网格", officer="officer_b")  # the same two parties, officer_b's grid
    dispute = make_dispute(world)
    html = as_user("officer_a").get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert "Key attention" in html
    assert reverse("disputes:detail", args=[earlier.pk]) in html
    assert reverse("disputes:detail", args=[elsewhere.pk]) not in html and "1 more outside your area" in html
    assert reverse("residents:person_detail", args=[world.person("甲一网格").pk]) in html
    calm = make_dispute(world, grid="甲二网格", parties=[
        services.PartyInput(name="王五", id_number=valid_id(911)), services.PartyInput(name="赵六", id_number=valid_id(913)),
    ])  # fmt: skip
    assert "Key attention" not in as_user("officer_a").get(reverse("disputes:detail", args=[calm.pk])).content.decode()


def test_assigning_mediators_from_the_stations_roster(world, as_user):
    dispute = make_dispute(world)
    r = roster(world)
    url = reverse("disputes:assign", args=[dispute.pk])
    html = as_user("officer_a").get(url).content.decode()
    assert "何律师" in html and "王法官" in html and "赵调解" not in html  # station 1's roster only
    response = as_user("officer_a").post(url, {"mediators": [r["lawyer"].pk, r["judge"].pk]})
    assert response.status_code == 302
    assert set(dispute.mediators.all()) == {r["lawyer"], r["judge"]}
    html = as_user("officer_a").post(url, {"mediators": [r["other"].pk]}).content.decode()
    assert "Select a valid choice" in html and dispute.mediators.count() == 2


# --- session, agreement, signatures -----------------------------------------------------------


def test_a_session_with_an_agreement_leads_to_the_signing_page(world, as_user):
    dispute = make_dispute(world)
    roster(world)
    client = as_user("officer_a")
    form = client.get(reverse("disputes:session_create", args=[dispute.pk])).content.decode()
    assert "民生茶馆" in form and "楼上漏水" in form  # the place suggested, the facts prefilled
    with TestCase.captureOnCommitCallbacks(execute=True):  # the agreement is rendered on commit
        response = client.post(reverse("disputes:session_create", args=[dispute.pk]), _session(world, dispute))
    agreement = MediationSession.objects.get().agreement
    assert response.status_code == 302 and response["Location"] == reverse(
        "disputes:agreement_sign", args=[agreement.pk]
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and agreement.number in html
    first = dispute.parties.order_by("order").first()
    assert f">{first.name}</div>" in html and "data-signature-pad" in html
    assert reverse("disputes:agreement_pdf", args=[agreement.pk]) in html


def test_a_session_keeps_what_was_typed_when_the_outcome_needs_more(world, as_user):
    dispute = make_dispute(world)
    roster(world)
    data = _session(world, dispute, outcome=Outcome.REFERRED, referred_to="department", notes="需要人社局介入")
    response = as_user("officer_a").post(reverse("disputes:session_create", args=[dispute.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give the reason." in html and "Name the department." in html and "需要人社局介入" in html
    assert not MediationSession.objects.exists()
    data.update(reason="涉及工伤认定", referred_department="区人社局")
    response = as_user("officer_a").post(reverse("disputes:session_create", args=[dispute.pk]), data)
    assert response.status_code == 302 and response["Location"] == reverse("disputes:detail", args=[dispute.pk])
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.REFERRED and dispute.referred_department == "区人社局"
    # Closed: no more sessions.
    again = as_user("officer_a").get(reverse("disputes:session_create", args=[dispute.pk]))
    assert again.status_code == 302


def test_an_assigned_mediator_records_a_session_and_the_officer_has_it_signed(world, as_user):
    dispute = make_dispute(world)
    services.dispute_assign(dispute=dispute, user=world.users["officer_a"], mediators=[roster(world)["lawyer"]])
    form = as_user("mediator").get(reverse("disputes:session_create", args=[dispute.pk])).content.decode()
    assert f'value="{roster(world)["lawyer"].pk}" checked' in form  # the assigned one ticked
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = as_user("mediator").post(
            reverse("disputes:session_create", args=[dispute.pk]), _session(world, dispute)
        )
    assert response["Location"] == reverse("disputes:detail", args=[dispute.pk])  # mediators do not sign
    agreement = MediationSession.objects.get().agreement
    assert as_user("mediator").get(reverse("disputes:agreement_sign", args=[agreement.pk])).status_code == 404


def test_signing_both_parties_through_the_page_archives_the_pdf_and_schedules_the_follow_ups(world, as_user):
    dispute = make_dispute(world)
    agreement = hold_session(world, dispute).agreement
    client = as_user("officer_a")
    url = reverse("disputes:agreement_sign", args=[agreement.pk])
    first, second = dispute.parties.order_by("order")

    empty = client.post(url, {"party": first.pk, "signature": ""})
    assert empty.status_code == 200 and "Sign in the box first." in empty.content.decode()

    response = client.post(url, {"party": first.pk, "signature": signature_data_url(0)})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert f"{first.name} has signed." in page and f">{second.name}</div>" in page

    response = client.post(url, {"party": second.pk, "signature": signature_data_url(5)})
    assert response["Location"] == reverse("disputes:detail", args=[dispute.pk])
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED and agreement.signed_pdf and len(agreement.sha256) == 64
    assert FollowUp.objects.filter(agreement=agreement, status=FollowUpStatus.SCHEDULED).count() == 3
    html = client.get(response["Location"]).content.decode()
    assert "Signed by all parties: the agreement is archived and the follow-ups are scheduled." in html
    deadline = services.judicial_confirmation_deadline(agreement)
    assert f"judicial confirmation (司法确认) of this agreement within 30 days — until {deadline:%Y-%m-%d}" in html
    # Signed: the signing page sends back to the dispute.
    assert client.get(url).status_code == 302


def test_the_signing_page_takes_the_party_chosen(world, as_user):
    dispute = make_dispute(world)
    agreement = hold_session(world, dispute).agreement
    second = dispute.parties.order_by("order").last()
    url = reverse("disputes:agreement_sign", args=[agreement.pk])
    html = as_user("officer_a").get(url, {"party": second.pk}).content.decode()
    assert f'name="party" value="{second.pk}"' in html


def test_the_pdf_download_is_audited_and_not_cached(world, as_user):
    dispute = make_dispute(world)
    agreement = hold_session(world, dispute).agreement
    # The mediator of the session is assigned by it and may download the agreement.
    response = as_user("mediator").get(reverse("disputes:agreement_pdf", args=[agreement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action=AuditAction.DOWNLOAD)
    assert event.user == world.users["mediator"] and event.reason == agreement.number
    assert event.object_id == str(agreement.pk)
    sign_all(world, agreement)
    response = as_user("officer_a").get(reverse("disputes:agreement_pdf", args=[agreement.pk]))
    assert "-signed.pdf" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action=AuditAction.DOWNLOAD).count() == 2


# --- follow-ups -------------------------------------------------------------------------------


def test_recording_a_follow_up_through_the_page(world, as_user):
    with time_machine.travel(_at("2026-03-02"), tick=False):
        dispute = make_dispute(world)
        sign_all(world, hold_session(world, dispute).agreement)
    f7 = FollowUp.objects.get(dispute=dispute, day=7)
    url = reverse("disputes:followup_record", args=[f7.pk])
    with time_machine.travel(_at("2026-03-05"), tick=False):
        client = as_user("officer_a")  # a new login on each day (idle sessions end after 30 minutes)
        html = client.get(url).content.decode()
        assert "it cannot be recorded before then" in html and '<form method="post"' not in html.split("</nav>")[-1]
        detail = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
        assert url not in detail  # not due yet: no Record button
    with time_machine.travel(_at("2026-03-09"), tick=False):
        client = as_user("officer_a")
        assert url in client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
        missing = client.post(url, {"method": "", "kept": "", "note": ""}).content.decode()
        assert "Choose how the follow-up was made." in missing and "Say whether the agreement is kept." in missing
        response = client.post(url, {"method": "visit", "kept": "yes", "note": "双方和好"})
        assert response.status_code == 302 and response["Location"] == reverse("disputes:detail", args=[dispute.pk])
        assert "Follow-up recorded." in client.get(response["Location"]).content.decode()
    f7.refresh_from_db()
    assert f7.status == FollowUpStatus.DONE and f7.kept is True and f7.done_by == world.users["officer_a"]
    assert as_user("mediator").get(url).status_code == 404


def test_a_recurrence_at_a_follow_up_reopens_the_dispute(world, as_user):
    with time_machine.travel(_at("2026-03-02"), tick=False):
        dispute = make_dispute(world)
        sign_all(world, hold_session(world, dispute).agreement)
    f7 = FollowUp.objects.get(dispute=dispute, day=7)
    url = reverse("disputes:followup_record", args=[f7.pk])
    with time_machine.travel(_at("2026-03-10"), tick=False):
        client = as_user("officer_a")
        html = client.post(url, {"method": "phone", "kept": "no", "note": ""}).content.decode()
        assert "Describe how the dispute recurred." in html
        response = client.post(url, {"method": "phone", "kept": "no", "note": "又漏水"})
        page = client.get(response["Location"]).content.decode()
    assert "The dispute is reopened for mediation." in page
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATING and dispute.reopen_count == 1
    assert reverse("disputes:session_create", args=[dispute.pk]) in page


def test_the_dispute_page_costs_the_same_queries_however_long_its_history(world, as_user):
    def count(dispute):
        client = as_user("officer_a")
        client.get(reverse("disputes:detail", args=[dispute.pk]))  # session, scope: warm
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("disputes:detail", args=[dispute.pk])).status_code == 200
        return len(ctx.captured_queries)

    short = make_dispute(world)
    hold_session(world, short, outcome=Outcome.ADJOURNED)
    sign_all(world, hold_session(world, short).agreement)
    long = make_dispute(world, parties=[
        services.PartyInput(person=world.person("甲二网格")), services.PartyInput(name="赵六", id_number=valid_id(913)),
        services.PartyInput(name="钱七", id_number=valid_id(915)),
    ])  # fmt: skip
    for _ in range(3):
        hold_session(
            world, long, outcome=Outcome.ADJOURNED, mediators=[roster(world)["lawyer"], roster(world)["judge"]]
        )
    sign_all(world, hold_session(world, long).agreement)
    assert count(long) == count(short)
