"""Writes for the mediation ledger. Every step goes on the dispute's timeline.

Workflow (``DisputeState``)::

    intake ──session──▶ mediating ──session: agreed──▶ agreed ──90-day follow-up kept──▶ resolved
       │                   │    ▲                         │
       └──session──────────┤    └── recurrence at any follow-up (reopens; the rest cancelled)
                           ├──session: no agreement──▶ no_agreement
                           └──session: referred──────▶ referred

An agreement (人民调解协议书) is numbered per station and year under the station's row lock,
rendered in the background, signed by every party on the officer's phone and archived with its
SHA-256 once the last party has signed; the follow-ups (7, 30, 90 days) are scheduled from that
day, when the agreement takes effect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES, Role
from disputes.models import (
    FOLLOW_UP_DAYS,
    OPEN_STATES,
    Agreement,
    AgreementStatus,
    Dispute,
    DisputeEvent,
    DisputeState,
    FollowUp,
    FollowUpStatus,
    MediationSession,
    Mediator,
    Outcome,
    Party,
    PartyRole,
    ReferredTo,
    Signature,
)
from documents.signatures import save_exact
from grid.models import Building, Station
from lib import gb11643
from residents.models import House, IdType, Person

AGREEMENT_NUMBER = "{station}调协字〔{year}〕第{seq:04d}号"
JUDICIAL_CONFIRMATION_DAYS = 30
MAX_PARTIES = 10

# Timeline actions → their label (translated when shown).
ACTIONS = {
    "received": gettext_lazy("Received"),
    "assigned": gettext_lazy("Mediators assigned"),
    "session": gettext_lazy("Mediation session"),
    "agreement": gettext_lazy("Agreement drafted"),
    "signed_party": gettext_lazy("Party signed"),
    "signed": gettext_lazy("Agreement signed by all parties and archived"),
    "followup": gettext_lazy("Follow-up visit"),
    "recurred": gettext_lazy("Dispute recurred: reopened"),
    "resolved": gettext_lazy("Resolved for good"),
    "no_agreement": gettext_lazy("No agreement"),
    "referred": gettext_lazy("Referred"),
}


def today() -> dt.date:
    return timezone.localdate()


def _event(dispute: Dispute, action: str, *, user=None, note: str = "", at=None) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute, action=action, user=user, note=(note or "")[:300], at=at or timezone.now()
    )


# --- intake -----------------------------------------------------------------------------------


@dataclass
class PartyInput:
    """One party as entered: a registry person (``person``), or a name with an ID."""

    name: str = ""
    role: str = PartyRole.APPLICANT
    person: Person | None = None
    id_type: str = IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""


def party_build(data: PartyInput) -> Party:
    """An unsaved party from the input, its ID validated; linked to the registry person with
    that ID if there is one. Raises ValidationError keyed by the input's field names."""
    party = Party(role=data.role if data.role in PartyRole.values else PartyRole.APPLICANT)
    phone = (data.phone or "").strip()
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
        raise ValidationError({"phone": _("Enter a phone number of 7 to 15 digits.")})
    if data.person is not None:
        person = data.person
        party.person, party.name, party.id_type = person, person.name, person.id_type
        party.id_number_enc, party.id_number_hash = person.id_number_enc, person.id_number_hash
        party.id_number_masked = person.id_number_masked
        if phone:
            party.set_phone(phone)
        else:
            party.phone_enc, party.phone_hash, party.phone_masked = (
                person.phone_enc,
                person.phone_hash,
                person.phone_masked,
            )
        return party
    name = (data.name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter the party's name.")
    elif len(name) > 50:
        errors["name"] = _("At most 50 characters.")
    id_type = data.id_type if data.id_type in IdType.values else IdType.RESIDENT_ID
    number = (data.id_number or "").strip().upper()
    if not number:
        errors["id_number"] = _("Enter the party's ID number.")
    elif id_type == IdType.RESIDENT_ID:
        try:
            number = gb11643.parse(number)[0]
        except gb11643.InvalidID as exc:
            errors["id_number"] = str(exc)
    elif not (5 <= len(number) <= 20 and number.isalnum()):
        errors["id_number"] = _("Enter the document number: 5 to 20 letters or digits.")
    if errors:
        raise ValidationError(errors)
    party.name, party.id_type = name, id_type
    party.set_id_number(number)
    party.set_phone(phone)
    party.person = Person.objects.filter(id_type=id_type, id_number_hash=party.id_number_hash).first()
    return party


def _check_parties(parties: list[PartyInput]) -> list[Party]:
    if len(parties) < 2:
        raise ValidationError({"parties": _("A dispute has at least two parties.")})
    if len(parties) > MAX_PARTIES:
        raise ValidationError({"parties": _("At most 10 parties.")})
    built, errors, seen = [], {}, set()
    for n, data in enumerate(parties):
        try:
            party = party_build(data)
        except ValidationError as exc:
            errors.update({f"party-{n}-{k}": v for k, v in exc.message_dict.items()})
            continue
        if party.id_number_hash in seen:
            errors[f"party-{n}-id_number"] = [_("This person is already a party to this dispute.")]
        seen.add(party.id_number_hash)
        party.order = n
        built.append(party)
    if errors:
        raise ValidationError(errors)
    return built


@transaction.atomic
def dispute_create(
    *,
    user,
    source: str,
    category: str,
    risk: str,
    building: Building,
    description: str,
    officer,
    parties: list[PartyInput],
    house: House | None = None,
    place_detail: str = "",
    received_at: dt.datetime | None = None,
) -> Dispute:
    """Record a dispute with its parties (all or nothing). The grid follows the building."""
    built = _check_parties(parties)
    if house is not None and house.building_id != building.pk:
        raise ValidationError({"house": _("This house is not in the chosen building.")})
    if officer is None or officer.role not in (Role.OFFICER, Role.AUXILIARY, Role.CHIEF) or not officer.is_active:
        raise ValidationError({"officer": _("Choose an officer of the station.")})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The time cannot be in the future.")})
    dispute = Dispute(
        source=source, category=category, risk=risk, building=building, house=house,
        place_detail=(place_detail or "").strip(), description=(description or "").strip(), officer=officer,
        received_at=received_at, grid_id=building.grid_id, created_by=user,
    )  # fmt: skip
    dispute.full_clean(exclude=["grid", "created_by", "officer", "building", "house"])
    dispute.save()
    for party in built:
        party.dispute = dispute
    Party.objects.bulk_create(built)
    _event(dispute, "received", user=user, at=received_at, note=", ".join(p.name for p in built))
    return dispute


# --- mediators --------------------------------------------------------------------------------


def mediator_save(*, station: Station, mediator: Mediator | None = None, user_account=None, **fields) -> Mediator:
    """Add or change a roster entry. A login, if given, must be a mediator account or an officer
    of the station, and not already on the roster."""
    mediator = mediator or Mediator(station=station)
    for key in ("name", "type", "organisation", "phone", "active"):
        if key in fields:
            setattr(mediator, key, fields[key].strip() if isinstance(fields[key], str) else fields[key])
    if user_account is not None:
        allowed = user_account.role == Role.MEDIATOR or (
            user_account.role in STAFF_ROLES and user_account.station_id in (None, station.pk)
        )
        if not allowed:
            raise ValidationError({"user": _("Only a mediator account or an officer of this station can be linked.")})
        clash = Mediator.objects.filter(user=user_account).exclude(pk=mediator.pk).exists()
        if clash:
            raise ValidationError({"user": _("This login is already on the roster.")})
    mediator.user = user_account
    mediator.full_clean(exclude=["station", "user"])
    mediator.save()
    return mediator


def _check_roster(dispute: Dispute, mediators) -> list[Mediator]:
    station_id = dispute.grid.police_grid.station_id
    mediators = list(mediators)
    if any(m.station_id != station_id or not m.active for m in mediators):
        raise ValidationError({"mediators": _("Choose mediators from this station's active roster.")})
    return mediators


@transaction.atomic
def dispute_assign(*, dispute: Dispute, user, mediators) -> Dispute:
    """Set the mediators assigned to a dispute (those with a login then see it)."""
    dispute = Dispute.objects.select_for_update().select_related("grid__police_grid").get(pk=dispute.pk)
    mediators = _check_roster(dispute, mediators)
    before = set(dispute.mediators.values_list("pk", flat=True))
    dispute.mediators.set(mediators)
    if before != {m.pk for m in mediators}:
        _event(dispute, "assigned", user=user, note="、".join(m.name for m in mediators) or "—")
    return dispute


# --- sessions and outcome ---------------------------------------------------------------------


def _next_seq(station: Station, year: int) -> int:
    """The next agreement number of the station's year, under the station's row lock (gap-free)."""
    Station.objects.select_for_update().get(pk=station.pk)
    last = Agreement.objects.filter(station=station, year=year).aggregate(m=Max("seq"))["m"]
    return (last or 0) + 1


def agreement_number(station: Station, year: int, seq: int) -> str:
    return AGREEMENT_NUMBER.format(station=station.name.removesuffix("派出所"), year=year, seq=seq)


@transaction.atomic
def session_record(
    *,
    dispute: Dispute,
    user,
    held_at: dt.datetime,
    place: str,
    mediators,
    parties_present,
    outcome: str,
    notes: str = "",
    reason: str = "",
    referred_to: str = "",
    referred_department: str = "",
    facts: str = "",
    terms: str = "",
) -> MediationSession:
    """Record a mediation session and its outcome; an agreement reached drafts the agreement
    (numbered, rendered in the background once the transaction commits)."""
    dispute = Dispute.objects.select_for_update().select_related("grid__police_grid__station").get(pk=dispute.pk)
    if dispute.state not in OPEN_STATES:
        raise ValidationError(
            _("This dispute is “%(state)s”: no more sessions can be recorded.") % {"state": dispute.get_state_display()}
        )
    errors = {}
    place = (place or "").strip()
    reason, notes = (reason or "").strip(), (notes or "").strip()
    facts, terms = (facts or "").strip(), (terms or "").strip()
    if held_at is None:
        errors["held_at"] = _("Enter the time of the session.")
    elif held_at > timezone.now() + dt.timedelta(minutes=5):
        errors["held_at"] = _("The time cannot be in the future.")
    elif held_at < dispute.received_at - dt.timedelta(minutes=5):
        errors["held_at"] = _("The session cannot be before the dispute was received.")
    if not place:
        errors["place"] = _("Enter where the session was held.")
    mediators = list(mediators)
    if not mediators:
        errors["mediators"] = _("Choose at least one mediator.")
    present = list(parties_present)
    if any(p.dispute_id != dispute.pk for p in present):
        errors["parties_present"] = _("Choose parties of this dispute.")
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if outcome in (Outcome.NO_AGREEMENT, Outcome.REFERRED) and not reason:
        errors["reason"] = _("Give the reason.")
    if outcome == Outcome.REFERRED:
        if referred_to not in ReferredTo.values:
            errors["referred_to"] = _("Choose where the dispute is referred to.")
        elif referred_to == ReferredTo.DEPARTMENT and not referred_department.strip():
            errors["referred_department"] = _("Name the department.")
    if outcome == Outcome.AGREED:
        if len(present) < dispute.parties.count():
            errors["parties_present"] = _("An agreement needs every party present.")
        if not facts:
            errors["facts"] = _("State the facts of the dispute for the agreement.")
        if not terms:
            errors["terms"] = _("State the terms the parties agreed.")
    if errors:
        raise ValidationError(errors)
    mediators = _check_roster(dispute, mediators)
    session = MediationSession(
        dispute=dispute, held_at=held_at, place=place, notes=notes, outcome=outcome, reason=reason,
        referred_to=referred_to if outcome == Outcome.REFERRED else "",
        referred_department=referred_department.strip() if referred_to == ReferredTo.DEPARTMENT else "",
        recorded_by=user, grid_id=dispute.grid_id,
    )  # fmt: skip
    session.full_clean(exclude=["dispute", "recorded_by", "grid"])
    session.save()
    session.mediators.set(mediators)
    session.parties_present.set(present)
    dispute.mediators.add(*mediators)  # who mediated is assigned (and, with a login, sees the dispute)
    note = f"{place}；" + "、".join(m.name for m in mediators) + f"；{Outcome(outcome).label}"
    _event(dispute, "session", user=user, at=held_at, note=note)
    fields = ["state", "updated_at"]
    if outcome == Outcome.ADJOURNED:
        dispute.state = DisputeState.MEDIATING
    elif outcome == Outcome.AGREED:
        dispute.state = DisputeState.AGREED
        if dispute.agreed_at is None:
            dispute.agreed_at = held_at
            fields.append("agreed_at")
        _draft_agreement(dispute, session, facts=facts, terms=terms, user=user)
    else:
        dispute.state = DisputeState.NO_AGREEMENT if outcome == Outcome.NO_AGREEMENT else DisputeState.REFERRED
        dispute.outcome_reason, dispute.referred_to = reason, session.referred_to
        dispute.referred_department = session.referred_department
        fields += ["outcome_reason", "referred_to", "referred_department"]
        where = session.get_referred_to_display() if session.referred_to else ""
        if session.referred_department:
            where = f"{where}（{session.referred_department}）"
        _event(dispute, dispute.state, user=user, at=held_at, note="；".join(x for x in (where, reason) if x))
    dispute.save(update_fields=fields)
    return session


def _draft_agreement(dispute: Dispute, session: MediationSession, *, facts: str, terms: str, user) -> Agreement:
    station = dispute.grid.police_grid.station
    year = timezone.localdate(session.held_at).year
    seq = _next_seq(station, year)
    agreement = Agreement.objects.create(
        dispute=dispute, session=session, station=station, year=year, seq=seq,
        number=agreement_number(station, year, seq), facts=facts, terms=terms, grid_id=dispute.grid_id,
    )  # fmt: skip
    _event(dispute, "agreement", user=user, at=session.held_at, note=agreement.number)
    transaction.on_commit(lambda: _enqueue_render(agreement.pk))
    return agreement


def _enqueue_render(agreement_id: int) -> None:
    from disputes.tasks import agreement_render

    agreement_render.delay(agreement_id)


# --- the agreement PDF ------------------------------------------------------------------------


def _locked_agreement(agreement_id: int) -> Agreement | None:
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("dispute__building", "dispute__house", "dispute__officer", "station", "session")
        .filter(pk=agreement_id)
        .first()
    )


def _render(agreement: Agreement, *, signed: bool) -> bytes:
    from disputes.documents import agreement_doc
    from documents.agreement_pdf import render_agreement

    with translation.override(settings.LANGUAGE_CODE):  # the document is in the site's language
        return render_agreement(agreement_doc(agreement, signed=signed))


def agreement_render(*, agreement_id: int, force: bool = False) -> bool:
    """Render the agreement for signing (pending → issued). Idempotent; returns whether it rendered."""
    with transaction.atomic():
        agreement = _locked_agreement(agreement_id)
        if agreement is None or (agreement.pdf and not force):
            return False
        pdf = _render(agreement, signed=False)
        save_exact(agreement.pdf, agreement, f"agreement-{agreement.pk}.pdf", pdf)
        fields = ["pdf"]
        if agreement.status == AgreementStatus.PENDING:
            agreement.status = AgreementStatus.ISSUED
            fields.append("status")
        agreement.save(update_fields=fields)
    return True


def agreement_ensure_rendered(agreement: Agreement) -> Agreement:
    if not agreement.pdf:
        agreement_render(agreement_id=agreement.pk)
        agreement.refresh_from_db(fields=["pdf", "status"])
    return agreement


def agreement_sign(*, agreement: Agreement, party: Party, signature_png: bytes, user) -> Agreement:
    """One party signs on the officer's phone. When the last party has signed, the final PDF
    (every signature stamped in) is archived with its SHA-256, the agreement takes effect and the
    follow-ups are scheduled. Atomic under the agreement's row lock; files of a rolled-back
    attempt are removed."""
    if not signature_png:
        raise ValidationError({"signature": _("Sign in the box first.")})
    written = []
    try:
        with transaction.atomic():
            locked = _locked_agreement(agreement.pk)
            if locked is None:
                raise ValidationError(_("This agreement does not exist."))
            if locked.status == AgreementStatus.SIGNED:
                raise ValidationError(_("This agreement has already been signed by all parties."))
            if party.dispute_id != locked.dispute_id:
                raise ValidationError(_("This person is not a party to this agreement."))
            if locked.signatures.filter(party=party).exists():
                raise ValidationError(_("%(name)s has already signed.") % {"name": party.name})
            signature = Signature(agreement=locked, party=party)
            save_exact(signature.image, signature, f"agreement-{locked.pk}-party-{party.pk}.png", signature_png)
            written.append(signature.image.name)
            signature.save()
            _event(locked.dispute, "signed_party", user=user, note=party.name)
            if locked.signatures.count() >= locked.dispute.parties.count():
                _archive(locked, user=user, written=written)
    except Exception:
        storage = Signature._meta.get_field("image").storage
        for name in written:
            storage.delete(name)
        raise
    return locked


def _archive(agreement: Agreement, *, user, written: list) -> None:
    now = timezone.now()
    agreement.signed_at = now
    pdf = _render(agreement, signed=True)
    save_exact(agreement.signed_pdf, agreement, f"agreement-{agreement.pk}-signed.pdf", pdf)
    written.append(agreement.signed_pdf.name)
    agreement.sha256 = hashlib.sha256(pdf).hexdigest()
    agreement.status = AgreementStatus.SIGNED
    agreement.save(update_fields=["signed_at", "signed_pdf", "sha256", "status"])
    _event(agreement.dispute, "signed", user=user, note=agreement.number)
    schedule_followups(agreement, start=timezone.localdate(now))


def schedule_followups(agreement: Agreement, *, start: dt.date) -> list[FollowUp]:
    """The 7-, 30- and 90-day follow-ups from ``start`` (idempotent per agreement and day)."""
    made = []
    for day in FOLLOW_UP_DAYS:
        followup, _created = FollowUp.objects.get_or_create(
            agreement=agreement, day=day,
            defaults={"dispute_id": agreement.dispute_id, "due_on": start + dt.timedelta(days=day),
                      "grid_id": agreement.grid_id},
        )  # fmt: skip
        made.append(followup)
    return made


def judicial_confirmation_deadline(agreement: Agreement) -> dt.date | None:
    """The last day to apply for judicial confirmation (司法确认): 30 days from signing."""
    if agreement.signed_at is None:
        return None
    return timezone.localdate(agreement.signed_at) + dt.timedelta(days=JUDICIAL_CONFIRMATION_DAYS)


# --- follow-ups -------------------------------------------------------------------------------


@transaction.atomic
def followup_record(*, followup: FollowUp, user, method: str, kept: bool | None, note: str = "") -> FollowUp:
    """Record a follow-up visit. Kept at 90 days: resolved for good. Not kept: the dispute recurs,
    is reopened for mediation and the remaining follow-ups are cancelled."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    dispute = Dispute.objects.select_for_update().get(pk=followup.dispute_id)
    note = (note or "").strip()
    errors = {}
    if method not in ("visit", "phone"):
        errors["method"] = _("Choose how the follow-up was made.")
    if kept is None:
        errors["kept"] = _("Say whether the agreement is kept.")
    if kept is False and not note:
        errors["note"] = _("Describe how the dispute recurred.")
    if len(note) > 500:
        errors["note"] = _("At most 500 characters.")
    if errors:
        raise ValidationError(errors)
    if followup.status != FollowUpStatus.SCHEDULED:
        raise ValidationError(_("This follow-up is already “%(status)s”.") % {"status": followup.get_status_display()})
    on = today()
    if followup.due_on > on:
        raise ValidationError(
            _("This follow-up is due on %(date)s; it cannot be recorded before then.")
            % {"date": followup.due_on.isoformat()}
        )
    earlier = FollowUp.objects.filter(
        agreement_id=followup.agreement_id, day__lt=followup.day, status=FollowUpStatus.SCHEDULED
    ).order_by("day")
    if earlier.exists():
        raise ValidationError(_("Record the %(day)s-day follow-up first.") % {"day": earlier.first().day})
    now = timezone.now()
    followup.status, followup.method, followup.kept, followup.note = FollowUpStatus.DONE, method, kept, note
    followup.done_at, followup.done_by = now, user
    followup.save(update_fields=["status", "method", "kept", "note", "done_at", "done_by"])
    label = _("kept") if kept else _("not kept")
    _event(dispute, "followup", user=user, note=f"{followup.day}天：{label}" + (f"；{note}" if note else ""))
    if kept is False:
        FollowUp.objects.filter(agreement_id=followup.agreement_id, status=FollowUpStatus.SCHEDULED).update(
            status=FollowUpStatus.CANCELLED
        )
        dispute.state = DisputeState.MEDIATING
        dispute.reopen_count += 1
        dispute.resolved_at = None
        dispute.save(update_fields=["state", "reopen_count", "resolved_at", "updated_at"])
        _event(dispute, "recurred", user=user, note=note)
    elif followup.day == FOLLOW_UP_DAYS[-1] and dispute.state == DisputeState.AGREED:
        dispute.state, dispute.resolved_at = DisputeState.RESOLVED, now
        dispute.save(update_fields=["state", "resolved_at", "updated_at"])
        _event(dispute, "resolved", user=user)
    return followup
