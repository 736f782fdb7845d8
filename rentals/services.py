"""Writes for landlord self-declaration: registration, declarations, review."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from lib import crypto, gb11643, sms
from lib.tasks import enqueue_on_commit
from rentals.models import (
    DECLARATION_TRANSITIONS,
    DeclarationEvent,
    DeclarationKind,
    DeclarationStatus,
    DeclaredTenant,
    LandlordKind,
    LandlordProfile,
    RentalDeclaration,
)
from residents import services as residents_services
from residents.models import HouseholdStatus, Person, Relation, Residence


def landlord_register(
    *, phone: str, code: str, name: str, password: str, kind: str = LandlordKind.LANDLORD, company: str = ""
) -> User:
    """Create a landlord account after the phone proved itself with the SMS code."""
    if LandlordProfile.objects.filter(phone_hash=LandlordProfile.phone_hash_for(phone)).exists():
        raise ValidationError({"phone": _("This phone number is already registered: log in instead.")})
    user = User(username="landlord-" + crypto.keyed_hash("user:" + phone)[:12], role=Role.LANDLORD, full_name=name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    if not sms.code_check(phone, code):
        raise ValidationError({"code": _("The code is wrong or has expired: ask for a new one.")})
    with transaction.atomic():
        user.set_password(password)
        user.save()
        LandlordProfile.objects.create(
            user=user,
            kind=kind,
            company=company.strip(),
            phone_enc=crypto.encrypt(phone),
            phone_hash=LandlordProfile.phone_hash_for(phone),
            phone_masked=gb11643.mask_phone(phone),
            phone_verified_at=timezone.now(),
        )
    return user


def _transition(declaration: RentalDeclaration, to: str, *, user, reason: str = "") -> None:
    if (declaration.status, to) not in DECLARATION_TRANSITIONS:
        raise ValidationError(
            _("A declaration that is %(status)s cannot be changed this way.")
            % {"status": declaration.get_status_display()}
        )
    DeclarationEvent.objects.create(
        declaration=declaration, user=user, from_status=declaration.status, to_status=to, reason=reason[:300]
    )
    declaration.status = to


def _tenant_rows(tenants: list[dict], kind: str) -> list[dict]:
    """Validate tenant dicts (name, id_number, phone, move_in/move_out); raise with row numbers."""
    if not tenants:
        raise ValidationError({"tenants": _("Declare at least one tenant.")})
    errors, seen, rows = [], set(), []
    date_key = "move_in" if kind == DeclarationKind.MOVE_IN else "move_out"
    for n, t in enumerate(tenants, start=1):
        try:
            number = gb11643.parse(t.get("id_number", ""))[0]
        except gb11643.InvalidID as exc:
            errors.append(_("Tenant %(n)d: %(error)s") % {"n": n, "error": exc})
            continue
        if number in seen:
            errors.append(_("Tenant %(n)d: the same resident ID appears twice.") % {"n": n})
        seen.add(number)
        if not t.get(date_key):
            errors.append(_("Tenant %(n)d: enter the date.") % {"n": n})
        rows.append({**t, "id_number": number, "name": t.get("name", "").strip()})
    if errors:
        raise ValidationError({"tenants": errors})
    return rows


def _save_tenants(declaration: RentalDeclaration, rows: list[dict]) -> None:
    for t in rows:
        tenant = DeclaredTenant(
            declaration=declaration, name=t["name"], move_in=t.get("move_in"), move_out=t.get("move_out")
        )
        tenant.set_id_number(t["id_number"])
        tenant.set_phone(t.get("phone", ""))
        tenant.save()


def _followup_enqueue(declaration: RentalDeclaration) -> None:
    """The submission's follow-up, queued after the commit. A broker outage does not fail the
    submission: the row stays without ``followup_done_at`` and the sweeper queues it later."""
    from rentals.tasks_declarations import declaration_followup as task

    enqueue_on_commit(task, declaration.pk)


def declaration_followup(*, declaration_id: int) -> bool:
    """The follow-up of a (re)submission: an SMS receipt to the landlord's verified phone, naming
    the house, the number of tenants and the deadline the officer reviews against.

    Runs once per submission: the row is locked and marked done in the same transaction, so a
    task delivered twice (a worker killed before acknowledging it, the sweeper and a late task)
    sends one receipt. The message is sent before the commit: if the gateway fails, nothing is
    marked and the sweeper tries again. Returns whether it sent.
    """
    with transaction.atomic():
        declaration = (
            RentalDeclaration.objects.select_for_update(of=("self",))
            .select_related("house__building", "landlord__landlord_profile")
            .filter(pk=declaration_id, followup_done_at__isnull=True)
            .first()
        )
        if declaration is None:
            return False
        profile = getattr(declaration.landlord, "landlord_profile", None)
        if profile is not None and profile.phone_enc:
            with translation.override(settings.LANGUAGE_CODE):
                text = _(
                    "[Fengqiao] Your declaration for %(house)s (%(count)d tenants, %(kind)s) was received. "
                    "The community officer will review it; follow it under “My declarations”."
                ) % {
                    "house": str(declaration.house),
                    "count": declaration.tenants.count(),
                    "kind": declaration.get_kind_display(),
                }
            sms.send(crypto.decrypt(profile.phone_enc), text)
        declaration.followup_done_at = timezone.now()
        declaration.save(update_fields=["followup_done_at"])
    return True


FOLLOWUP_GRACE = dt.timedelta(minutes=5)
FOLLOWUP_GIVE_UP = dt.timedelta(days=2)


def declarations_followup_pending(*, now=None) -> list[int]:
    """Declarations whose follow-up has waited more than five minutes (its task was lost: the
    broker was down, a worker died), oldest first. A receipt later than two days helps nobody:
    older ones are left alone (and stay visible as pending to an administrator)."""
    now = now or timezone.now()
    return list(
        RentalDeclaration.objects.filter(
            followup_done_at__isnull=True,
            submitted_at__lt=now - FOLLOWUP_GRACE,
            submitted_at__gte=now - FOLLOWUP_GIVE_UP,
        )
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:1000]
    )


@transaction.atomic
def declaration_submit(*, landlord, house, kind: str, rental_type: str, tenants: list[dict]) -> RentalDeclaration:
    """A landlord declares tenants moving in or out of ``house``.

    The deadline is the earliest move date plus the station's days (default 3); a later
    submission is flagged late. Everything is saved, or nothing.
    """
    rows = _tenant_rows(tenants, kind)
    key = "move_in" if kind == DeclarationKind.MOVE_IN else "move_out"
    event_date = min(r[key] for r in rows)
    station = house.grid.police_grid.station
    now = timezone.now()
    deadline = event_date + dt.timedelta(days=station.declaration_deadline_days)
    declaration = RentalDeclaration.objects.create(
        house=house,
        landlord=landlord,
        kind=kind,
        rental_type=rental_type,
        submitted_at=now,
        event_date=event_date,
        deadline=deadline,
        is_late=timezone.localdate(now) > deadline,
        grid_id=house.grid_id,
    )
    _save_tenants(declaration, rows)
    DeclarationEvent.objects.create(declaration=declaration, user=landlord, to_status=DeclarationStatus.SUBMITTED)
    _followup_enqueue(declaration)
    return declaration


@transaction.atomic
def declaration_resubmit(*, declaration: RentalDeclaration, landlord, rental_type: str, tenants: list[dict]):
    """The landlord corrects a returned declaration; it goes back to the officer."""
    declaration = RentalDeclaration.objects.select_for_update().get(pk=declaration.pk, landlord=landlord)
    rows = _tenant_rows(tenants, declaration.kind)
    _transition(declaration, DeclarationStatus.SUBMITTED, user=landlord)
    declaration.tenants.all().delete()
    _save_tenants(declaration, rows)
    declaration.rental_type = rental_type
    declaration.return_reason = ""
    declaration.followup_done_at = None  # submitted again: a new receipt
    declaration.save(update_fields=["status", "rental_type", "return_reason", "followup_done_at"])
    _followup_enqueue(declaration)
    return declaration


@transaction.atomic
def declaration_return(*, declaration: RentalDeclaration, user, reason: str) -> RentalDeclaration:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the landlord must correct.")})
    declaration = RentalDeclaration.objects.select_for_update().get(pk=declaration.pk)
    _transition(declaration, DeclarationStatus.RETURNED, user=user, reason=reason)
    declaration.return_reason, declaration.reviewed_by, declaration.reviewed_at = reason, user, timezone.now()
    declaration.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at"])
    return declaration


@transaction.atomic
def declaration_approve(*, declaration: RentalDeclaration, user) -> RentalDeclaration:
    """Approve: move-in tenants become persons (floating population if new) living in the house;
    move-out tenants' residences end. One transaction: all of it, or none."""
    declaration = RentalDeclaration.objects.select_for_update().select_related("house__grid").get(pk=declaration.pk)
    _transition(declaration, DeclarationStatus.APPROVED, user=user)
    house = declaration.house
    tenants = list(declaration.tenants.all())
    known = {p.id_number_hash: p for p in Person.objects.filter(id_number_hash__in=[t.id_number_hash for t in tenants])}
    for t in tenants:
        person = known.get(t.id_number_hash)
        if declaration.kind == DeclarationKind.MOVE_IN:
            if person is None:
                person = residents_services.person_save(
                    user=user,
                    name=t.name,
                    id_number=t.id_number,
                    phone=t.phone,
                    household_status=HouseholdStatus.FLOATING,
                    grid=house.grid,
                    reason=_("from rental declaration #%(id)d") % {"id": declaration.pk},
                )
            t.residence = residents_services.residence_start(
                user=user, person=person, house=house, relation=Relation.TENANT, start=t.move_in
            )
        elif person is not None:
            residence = Residence.objects.filter(person=person, house=house, end__isnull=True).first()
            if residence is not None:
                t.residence = residents_services.residence_end(user=user, residence=residence, end=t.move_out)
        t.person = person
        t.save(update_fields=["person", "residence"])
    declaration.reviewed_by, declaration.reviewed_at = user, timezone.now()
    declaration.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return declaration
