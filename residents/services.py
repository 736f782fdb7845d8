"""Writes for the registries. Every change is recorded in the record's history."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction
from accounts.services import audit
from lib import gb11643
from residents import history
from residents.models import House, IdType, Person, Relation, Residence, Venue, Visit, VisitSource

PERSON_FIELDS = (
    "name", "ethnicity", "household_status", "registration_place", "attention_tags", "attention_colour",
)  # fmt: skip


def _apply_identity(person: Person, *, id_type: str, id_number: str, sex: str = "", birth_date=None) -> None:
    """Set the ID (validated), and sex and birth date: derived from a resident ID, else as given."""
    person.id_type = id_type or IdType.RESIDENT_ID
    if person.id_type == IdType.RESIDENT_ID and id_number:
        try:
            number, birth, derived_sex = gb11643.parse(id_number)
        except gb11643.InvalidID as exc:
            raise ValidationError({"id_number": str(exc)}) from None
        if sex and sex != derived_sex:
            raise ValidationError({"sex": _("The sex does not match the resident ID (digit 17).")})
        if birth_date and birth_date != birth:
            raise ValidationError({"birth_date": _("The birth date does not match the resident ID.")})
        person.set_id_number(number)
        person.sex, person.birth_date = derived_sex, birth
    else:
        person.set_id_number(id_number or "")
        person.sex, person.birth_date = sex, birth_date
    if person.id_number_hash:
        clash = Person.objects.filter(id_type=person.id_type, id_number_hash=person.id_number_hash)
        if person.pk:
            clash = clash.exclude(pk=person.pk)
        if clash.exists():
            raise ValidationError({"id_number": _("A person with this ID number is already registered.")})


@transaction.atomic
def person_save(
    *,
    user,
    person: Person | None = None,
    name: str,
    id_type: str = IdType.RESIDENT_ID,
    id_number: str = "",
    phone: str = "",
    sex: str = "",
    birth_date=None,
    reason: str = "",
    grid=None,
    **fields,
) -> Person:
    """Create (``person=None``) or correct a person. Validates the ID; records the change."""
    before = None if person is None else history.snapshot(person)
    person = person or Person(grid=grid)
    person.name = name.strip()
    _apply_identity(person, id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date)
    person.set_phone(phone)
    for key in PERSON_FIELDS:
        if key in fields:
            setattr(person, key, fields[key])
    if grid is not None:
        person.grid = grid
    person.full_clean(exclude=["grid"])
    person.save()
    history.record(person, before=before, user=user, reason=reason)
    return person


@transaction.atomic
def person_register_at(*, user, house: House, relation: str, start: dt.date, **person_fields) -> Person:
    """Register a new person living at ``house``: the person and the residence, or neither."""
    person = person_save(user=user, grid=house.grid, **person_fields)
    residence_start(user=user, person=person, house=house, relation=relation, start=start)
    return person


def person_reveal(*, request, person: Person, reason: str) -> dict:
    """The full ID and phone of one person, written to the audit trail with the reason given."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for viewing the full data.")})
    audit(request, AuditAction.REVEAL, person, reason=reason)
    return {"id_number": person.id_number, "phone": person.phone}


@transaction.atomic
def house_save(
    *, user, house: House | None = None, building, unit: str, floor: int, use: str, area=None, owner=None
) -> House:
    before = None if house is None else history.snapshot(house)
    house = house or House()
    house.building, house.unit, house.floor, house.use, house.area, house.owner = (
        building, unit.strip(), floor, use, area, owner,
    )  # fmt: skip
    house.grid_id = building.grid_id
    if House.objects.filter(building=building, unit=house.unit).exclude(pk=house.pk).exists():
        raise ValidationError({"unit": _("This building already has a house with this unit number.")})
    house.full_clean()
    house.save()
    history.record(house, before=before, user=user)
    return house


@transaction.atomic
def residence_start(*, user, person: Person, house: House, relation: str, start: dt.date) -> Residence:
    """Someone lives at ``house`` from ``start``; the person's grid follows the house."""
    existing = Residence.objects.filter(person=person, house=house, end__isnull=True).first()
    if existing:
        return existing
    residence = Residence.objects.create(
        person=person, house=house, relation=relation, start=start, grid_id=house.grid_id
    )
    if person.grid_id != house.grid_id:
        before = history.snapshot(person)
        person.grid_id = house.grid_id
        person.save(update_fields=["grid", "updated_at"])
        history.record(person, before=before, user=user, reason=_("moved in: %(house)s") % {"house": house})
    history.record(residence, before=None, user=user)
    return residence


@transaction.atomic
def residence_end(*, user, residence: Residence, end: dt.date) -> Residence:
    if residence.end is not None:
        return residence
    if end < residence.start:
        raise ValidationError({"end": _("The move-out date is before the move-in date.")})
    before = history.snapshot(residence)
    residence.end = end
    residence.save(update_fields=["end"])
    history.record(residence, before=before, user=user)
    return residence


@transaction.atomic
def venue_save(
    *,
    user,
    venue: Venue | None = None,
    name: str,
    kind: str,
    licence_number: str,
    responsible_name: str,
    building,
    house=None,
) -> Venue:
    before = None if venue is None else history.snapshot(venue)
    venue = venue or Venue()
    venue.name, venue.kind, venue.licence_number, venue.responsible_name = (
        name.strip(),
        kind,
        licence_number.strip(),
        responsible_name.strip(),
    )
    venue.building, venue.house, venue.grid_id = building, house, building.grid_id
    venue.full_clean()
    venue.save()
    history.record(venue, before=before, user=user)
    return venue


@transaction.atomic
def visit_record(
    *, user, building, house=None, source: str = VisitSource.MANUAL, purpose: str = "", notes: str = "",
    participants=(),
) -> Visit:  # fmt: skip
    """Record a visit; ``participants`` (colleagues who came along, never the recorder) share it."""
    visit = Visit.objects.create(
        user=user, building=building, house=house, source=source, purpose=purpose, notes=notes, grid_id=building.grid_id
    )
    others = [p for p in participants if p.pk != user.pk]
    if others:
        visit.participants.set(others)
    return visit


def visits_of(user):
    """The visits that count for ``user``: recorded by them or made with them."""
    from django.db.models import Q

    return Visit.objects.filter(Q(user=user) | Q(participants=user)).distinct()


def relation_for_tenant() -> str:
    return Relation.TENANT


def today() -> dt.date:
    return timezone.localdate()
