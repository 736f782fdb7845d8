"""The mediation workflow: intake → sessions → agreement → signatures → follow-ups → resolved,
with the repeat-party flag, the follow-up schedule in time travel and the lasting-success rule."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes import selectors, services
from disputes.models import (
    AgreementStatus,
    DisputeEvent,
    DisputeState,
    FollowUp,
    FollowUpStatus,
    Outcome,
    Party,
)
from tests.disputes.helpers import TERMS, hold_session, make_dispute, parties, pdf_text, roster, sign_all, valid_id

pytestmark = pytest.mark.django_db


def _at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00"))


def test_intake_records_parties_linked_to_the_registry_and_encrypted(world):
    dispute = make_dispute(world)
    assert dispute.state == DisputeState.INTAKE
    assert dispute.grid == world.a1
    tenant, newcomer = dispute.parties.order_by("order")
    assert tenant.person == world.person("甲一网格")
    assert tenant.id_number_hash == world.person("甲一网格").id_number_hash
    assert newcomer.person is None
    assert newcomer.id_number == valid_id(901)
    assert newcomer.id_number_masked.startswith("640106") and "*" in newcomer.id_number_masked
    assert valid_id(901) not in newcomer.id_number_enc
    assert [e.action for e in dispute.events.all()] == ["received"]


def test_intake_rejects_a_bad_id_and_saves_nothing(world):
    bad = parties(world)
    bad[1].id_number = "640106198001019999"
    with pytest.raises(ValidationError) as exc:
        make_dispute(world, parties=bad)
    assert "party-1-id_number" in exc.value.message_dict
    assert not Party.objects.exists()


def test_intake_needs_two_distinct_parties(world):
    one = parties(world)[:1]
    with pytest.raises(ValidationError) as exc:
        make_dispute(world, parties=one)
    assert "parties" in exc.value.message_dict
    twice = parties(world)
    twice[1] = services.PartyInput(person=world.person("甲一网格"))
    with pytest.raises(ValidationError) as exc:
        make_dispute(world, parties=twice)
    assert "party-1-id_number" in exc.value.message_dict


def test_a_new_party_with_a_registry_id_is_linked(world):
    person = world.person("乙一网格")
    ps = parties(world)
    ps[1] = services.PartyInput(name=person.name, id_number=person.id_number)
    dispute = make_dispute(world, parties=ps)
    assert dispute.parties.get(order=1).person == person


def test_whole_workflow_to_lasting_success(world):
    start = _at("2026-03-02")
    with time_machine.travel(start, tick=False):
        dispute = make_dispute(world)
        hold_session(world, dispute, outcome=Outcome.ADJOURNED, facts="", terms="")
        dispute.refresh_from_db()
        assert dispute.state == DisputeState.MEDIATING
        session = hold_session(world, dispute)
        dispute.refresh_from_db()
        assert dispute.state == DisputeState.AGREED and dispute.agreed_at == start
        agreement = session.agreement
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.ISSUED and agreement.pdf  # rendered on commit
        assert agreement.number == "上海西路调协字〔2026〕第0001号"
        assert not FollowUp.objects.exists()  # not in force before every party signed
        agreement = sign_all(world, agreement)
        assert agreement.status == AgreementStatus.SIGNED
        with agreement.signed_pdf.open("rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == agreement.sha256
    due = list(FollowUp.objects.filter(dispute=dispute).order_by("day").values_list("day", "due_on"))
    assert due == [(7, dt.date(2026, 3, 9)), (30, dt.date(2026, 4, 1)), (90, dt.date(2026, 5, 31))]
    officer = world.users["officer_a"]
    f7, f30, f90 = FollowUp.objects.filter(dispute=dispute).order_by("day")
    with time_machine.travel(_at("2026-03-05"), tick=False):
        assert selectors.followups_due(officer).count() == 0
        with pytest.raises(ValidationError):  # not before its day
            services.followup_record(followup=f7, user=officer, method="visit", kept=True)
    with time_machine.travel(_at("2026-03-09"), tick=False):  # Monday: due this week
        assert list(selectors.followups_due(officer)) == [f7]
        assert selectors.followups_due(world.users["officer_b"]).count() == 0
        services.followup_record(followup=f7, user=officer, method="visit", kept=True)
    with time_machine.travel(_at("2026-06-01"), tick=False):
        with pytest.raises(ValidationError):  # the 30-day one first
            services.followup_record(followup=f90, user=officer, method="phone", kept=True)
        services.followup_record(followup=f30, user=officer, method="phone", kept=True)
        dispute.refresh_from_db()
        assert dispute.state == DisputeState.AGREED  # not yet a success
        services.followup_record(followup=f90, user=officer, method="visit", kept=True)
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.RESOLVED and dispute.resolved_at is not None
    actions = list(dispute.events.values_list("action", flat=True))
    assert actions[0] == "received" and actions[-1] == "resolved"
    assert actions.count("signed_party") == 2 and "signed" in actions


def test_a_recurrence_reopens_the_dispute_and_cancels_the_rest(world):
    with time_machine.travel(_at("2026-03-02"), tick=False):
        dispute = make_dispute(world)
        agreement = sign_all(world, hold_session(world, dispute).agreement)
    f7 = FollowUp.objects.get(dispute=dispute, day=7)
    with time_machine.travel(_at("2026-03-10"), tick=False):
        with pytest.raises(ValidationError) as exc:  # a recurrence needs its story
            services.followup_record(followup=f7, user=world.users["officer_a"], method="visit", kept=False)
        assert "note" in exc.value.message_dict
        services.followup_record(
            followup=f7, user=world.users["officer_a"], method="visit", kept=False, note="又漏水，双方争吵"
        )
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATING and dispute.reopen_count == 1
    assert set(FollowUp.objects.filter(agreement=agreement).values_list("day", "status")) == {
        (7, FollowUpStatus.DONE), (30, FollowUpStatus.CANCELLED), (90, FollowUpStatus.CANCELLED),
    }  # fmt: skip
    # Mediated again: a second agreement with the next number and its own follow-ups.
    with time_machine.travel(_at("2026-03-12"), tick=False):
        second = sign_all(world, hold_session(world, dispute).agreement)
    assert second.number.endswith("第0002号")
    assert FollowUp.objects.filter(agreement=second, status=FollowUpStatus.SCHEDULED).count() == 3


def test_no_agreement_and_referral_need_a_reason_and_close_the_dispute(world):
    dispute = make_dispute(world)
    with pytest.raises(ValidationError) as exc:
        hold_session(world, dispute, outcome=Outcome.REFERRED)
    assert {"reason", "referred_to"} <= set(exc.value.message_dict)
    hold_session(world, dispute, outcome=Outcome.REFERRED, reason="涉及工伤认定", referred_to="department",
                 referred_department="区人社局")  # fmt: skip
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.REFERRED and dispute.referred_department == "区人社局"
    with pytest.raises(ValidationError):  # closed: no more sessions
        hold_session(world, dispute, outcome=Outcome.ADJOURNED)
    other = make_dispute(world, parties=parties(world, seq=903))
    hold_session(world, other, outcome=Outcome.NO_AGREEMENT, reason="双方分歧过大")
    other.refresh_from_db()
    assert other.state == DisputeState.NO_AGREEMENT


def test_an_agreement_needs_facts_terms_and_every_party(world):
    dispute = make_dispute(world)
    with pytest.raises(ValidationError) as exc:
        services.session_record(
            dispute=dispute, user=world.users["officer_a"], held_at=timezone.now(), place="警务室",
            mediators=[roster(world)["judge"]], parties_present=list(dispute.parties.all())[:1],
            outcome=Outcome.AGREED, facts="", terms="",
        )  # fmt: skip
    assert {"facts", "terms", "parties_present"} <= set(exc.value.message_dict)
    assert not dispute.sessions.exists()


def test_mediators_come_from_the_station_roster(world):
    dispute = make_dispute(world)
    with pytest.raises(ValidationError) as exc:
        hold_session(world, dispute, outcome=Outcome.ADJOURNED, mediators=[roster(world)["other"]])
    assert "mediators" in exc.value.message_dict


def test_a_party_signs_once_and_a_signed_agreement_never_changes(world):
    dispute = make_dispute(world)
    agreement = hold_session(world, dispute).agreement
    first = dispute.parties.first()
    services.agreement_sign(agreement=agreement, party=first, signature_png=b"\x89PNG-ish", user=None)
    with pytest.raises(ValidationError):
        services.agreement_sign(agreement=agreement, party=first, signature_png=b"\x89PNG-ish", user=None)
    agreement = sign_all_remaining(world, agreement)
    sha = agreement.sha256
    with pytest.raises(ValidationError):
        services.agreement_sign(agreement=agreement, party=first, signature_png=b"x", user=None)
    agreement.refresh_from_db()
    assert agreement.sha256 == sha


def sign_all_remaining(world, agreement):
    from tests.disputes.helpers import signature_png

    signed = set(agreement.signatures.values_list("party_id", flat=True))
    for party in agreement.dispute.parties.exclude(pk__in=signed):
        agreement = services.agreement_sign(agreement=agreement, party=party, signature_png=signature_png(), user=None)
    return agreement


def test_the_agreement_pdf_carries_parties_facts_terms_mediators_and_signatures(world):
    dispute = make_dispute(world)
    agreement = hold_session(world, dispute, mediators=[roster(world)["lawyer"], roster(world)["judge"]]).agreement
    agreement.refresh_from_db()
    with agreement.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert "人民调解协议书" in text and agreement.number in text
    assert "住户甲一网格" in text and "李四" in text
    assert valid_id(901) not in text and "640106" in text  # masked
    assert "楼上漏水" in text and "3000" in text
    assert "何律师" in text and "王法官" in text and "金凤区人民法院" in text
    assert "三十日" in text or "30" in text
    signed = sign_all(world, agreement)
    with signed.signed_pdf.open("rb") as f:
        text = pdf_text(f.read())
    deadline = services.judicial_confirmation_deadline(signed)
    assert deadline.isoformat() in text
    assert TERMS.splitlines()[0][:10] in text


def test_repeat_party_flag_within_90_days(world):
    person = world.person("甲一网格")
    with time_machine.travel(_at("2026-01-05"), tick=False):
        old = make_dispute(world, parties=parties(world, seq=905))
    with time_machine.travel(_at("2026-05-20"), tick=False):  # > 90 days later: no flag
        first = make_dispute(world, parties=parties(world, seq=907))
        assert selectors.repeat_flags(first, world.users["officer_a"]) == []
        assert selectors.person_flag(person, world.users["officer_a"]) is None
    with time_machine.travel(_at("2026-06-10"), tick=False):
        second = make_dispute(world, grid="乙一网格", officer="officer_b", parties=parties(world, seq=909))
        flags = selectors.repeat_flags(second, world.users["officer_b"])
        assert [f.name for f in flags] == [person.name]
        # officer_b cannot open the dispute in 甲一: it is counted, not linked.
        assert flags[0].disputes == [] and flags[0].hidden == 1
        flags = selectors.repeat_flags(second, world.users["chief"])
        assert flags[0].disputes == [first] and flags[0].hidden == 0
        flag = selectors.person_flag(person, world.users["officer_a"])
        assert flag is not None and flag.total == 2 and old not in flag.disputes
    with time_machine.travel(_at("2026-09-15"), tick=False):  # the window has passed
        assert selectors.person_flag(person, world.users["officer_a"]) is None


def test_success_rate_counts_only_lasting_resolutions(world):
    resolved = make_dispute(world, category="neighbour")
    agreed = make_dispute(world, category="neighbour", parties=parties(world, seq=911))
    failed = make_dispute(world, category="neighbour", parties=parties(world, seq=913))
    make_dispute(world, category="consumer", parties=parties(world, seq=915))
    from disputes.models import Dispute

    Dispute.objects.filter(pk=resolved.pk).update(state=DisputeState.RESOLVED)
    Dispute.objects.filter(pk=agreed.pk).update(state=DisputeState.AGREED)
    Dispute.objects.filter(pk=failed.pk).update(state=DisputeState.NO_AGREEMENT)
    fig = selectors.figures(selectors.disputes_for_user(world.users["chief"]))
    assert fig["total"] == 4 and fig["final"] == 2 and fig["success_rate"] == 50.0
    neighbour = next(r for r in fig["by_category"] if r["key"] == "neighbour")
    assert (neighbour["total"], neighbour["final"], neighbour["resolved"], neighbour["rate"]) == (3, 2, 1, 50.0)
    consumer = next(r for r in fig["by_category"] if r["key"] == "consumer")
    assert consumer["rate"] is None  # nothing final yet: no rate, not 0 %


def test_timeline_orders_events(world):
    dispute = make_dispute(world)
    hold_session(world, dispute, outcome=Outcome.ADJOURNED)
    assert list(DisputeEvent.objects.filter(dispute=dispute).values_list("action", flat=True)) == [
        "received", "session",
    ]  # fmt: skip
