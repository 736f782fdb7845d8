"""Writes for inspections: checklists, drafts saved item by item, submission into hazards and a
numbered notice, signing, the re-inspection loop. Views, API and tasks call these."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import Station
from inspections import checklists
from inspections.models import (
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    Grade,
    Hazard,
    HazardEvent,
    HazardStatus,
    Inspection,
    InspectionStatus,
    NoticeStatus,
    Photo,
    RectificationNotice,
    Result,
)
from lib.images import ImageRejected, clean_photo
from lib.tasks import enqueue_on_commit
from residents.models import VenueKind

# ---- checklists -------------------------------------------------------------------------------


def checklists_seed_standard(*, user=None) -> int:
    """Create version 1 of every standard checklist that does not exist yet. Idempotent."""
    made = 0
    for kind, name in checklists.NAMES.items():
        if ChecklistTemplate.objects.filter(venue_kind=kind).exists():
            continue
        template = ChecklistTemplate.objects.create(venue_kind=kind, name=name, version=1, created_by=user)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, order=n, text=t, legal_basis=b, default_grade=g)
            for n, (t, b, g) in enumerate(checklists.standard_items(kind), start=1)
        )
        made += 1
    return made


@transaction.atomic
def checklist_new_version(*, template: ChecklistTemplate, name: str, items: list[dict], user) -> ChecklistTemplate:
    """Editing a checklist makes a new current version; inspections keep the version they used.

    ``items``: dicts with ``text``, ``legal_basis``, ``default_grade``, in order.
    """
    if not items:
        raise ValidationError({"items": _("A checklist needs at least one item.")})
    current = ChecklistTemplate.objects.select_for_update().get(venue_kind=template.venue_kind, is_current=True)
    ChecklistTemplate.objects.filter(pk=current.pk).update(is_current=False)
    new = ChecklistTemplate.objects.create(
        venue_kind=current.venue_kind, name=name.strip() or current.name, version=current.version + 1, created_by=user
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=new, order=n, text=i["text"].strip(), legal_basis=i["legal_basis"].strip(),
                      default_grade=i.get("default_grade") or Grade.DAYS_7)
        for n, i in enumerate(items, start=1)
    )  # fmt: skip
    return new


def current_template(kind: str) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.filter(venue_kind=kind, is_current=True).first()
    if template is None:
        checklists_seed_standard()
        template = ChecklistTemplate.objects.get(venue_kind=kind, is_current=True)
    return template


# ---- the inspection ---------------------------------------------------------------------------


@transaction.atomic
def inspection_start(*, user, venue=None, house=None, reinspection_of=None) -> Inspection:
    """A draft inspection of a venue (its type's checklist) or of a group-rental house.

    An officer's open draft for the same place is returned instead of a second one.
    """
    if (venue is None) == (house is None):
        raise ValidationError(_("Inspect either a venue or a house."))
    kind = venue.kind if venue is not None else VenueKind.GROUP_RENTAL
    if kind == VenueKind.OTHER:
        kind = VenueKind.SHOP
    draft = Inspection.objects.filter(
        officer=user, venue=venue, house=house, status=InspectionStatus.DRAFT, reinspection_of=reinspection_of
    ).first()
    if draft:
        return draft
    place = venue or house
    return Inspection.objects.create(
        venue=venue, house=house, template=current_template(kind), officer=user, grid_id=place.grid_id,
        reinspection_of=reinspection_of,
    )  # fmt: skip


def _draft(inspection: Inspection) -> None:
    # Asks the database: another request (or the other phone) may have submitted it meanwhile.
    if not Inspection.objects.filter(pk=inspection.pk, status=InspectionStatus.DRAFT).exists():
        raise ValidationError(_("This inspection has been submitted and can no longer be changed."))


def answer_save(*, inspection: Inspection, item: ChecklistItem, result: str, note: str = "", grade: str = "") -> Answer:
    """Save one item of the draft (the phone saves as the officer goes)."""
    _draft(inspection)
    if item.template_id != inspection.template_id:
        raise ValidationError(_("This item is not on the inspection's checklist."))
    if result not in Result.values:
        raise ValidationError({"result": _("Choose pass, fail or not applicable.")})
    if grade and grade not in Grade.values:
        raise ValidationError({"grade": _("Choose a deadline.")})
    answer, _created = Answer.objects.update_or_create(
        inspection=inspection, item=item,
        defaults={
            "result": result, "note": note.strip()[:500],
            "grade": grade or (item.default_grade if result == Result.FAIL else ""),
        },
    )  # fmt: skip
    return answer


def photo_add(*, answer: Answer, upload) -> Photo:
    """Attach a photo to a (failed) item: checked, re-encoded, thumbnailed. Raises ValidationError."""
    _draft(answer.inspection)
    try:
        clean = clean_photo(upload)
    except ImageRejected as exc:
        raise ValidationError({"photo": str(exc)}) from None
    photo = Photo(answer=answer)
    photo.image.save(clean.image.name, clean.image, save=False)
    photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
    photo.save()
    return photo


def missing_for_submit(inspection: Inspection) -> list[str]:
    """What stops the draft from being submitted, one line per problem (empty: complete)."""
    answers = {a.item_id: a for a in inspection.answers.prefetch_related("photos")}
    problems = []
    for item in inspection.template.items.all():
        a = answers.get(item.pk)
        if a is None:
            problems.append(_("%(n)d. %(item)s: not checked yet.") % {"n": item.order, "item": item.text})
        elif a.result == Result.FAIL:
            if not a.photos.all():
                problems.append(
                    _("%(n)d. %(item)s: a failed item needs a photo.") % {"n": item.order, "item": item.text}
                )
            if not a.note:
                problems.append(_("%(n)d. %(item)s: describe the hazard.") % {"n": item.order, "item": item.text})
    return problems


def _deadline(grade: str, *, on: dt.date) -> dt.date:
    return on + dt.timedelta(days=int(grade))


def _next_seq(station: Station, year: int) -> int:
    """The next notice number of the station's year; the station row is locked (gap-free, unique)."""
    Station.objects.select_for_update().get(pk=station.pk)
    last = RectificationNotice.objects.filter(station=station, year=year).aggregate(m=Max("seq"))["m"]
    return (last or 0) + 1


def notice_number(station: Station, year: int, seq: int) -> str:
    return station.notice_pattern.format(
        station=station.name.removesuffix("派出所"), district=station.district, year=year, seq=seq
    )


@transaction.atomic
def inspection_submit(*, inspection: Inspection, user) -> Inspection:
    """Submit a complete draft: one hazard per failed item and, if any failed, a numbered notice
    rendered in the background. Submitting twice changes nothing."""
    inspection = (
        Inspection.objects.select_for_update().select_related("grid__police_grid__station").get(pk=inspection.pk)
    )
    if inspection.status == InspectionStatus.SUBMITTED:
        return inspection
    problems = missing_for_submit(inspection)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    today = timezone.localdate(now)
    failed = list(inspection.answers.filter(result=Result.FAIL).select_related("item"))
    notice = None
    if failed:
        station = inspection.grid.police_grid.station
        seq = _next_seq(station, today.year)
        round_ = 1
        if inspection.reinspection_of_id:
            round_ = inspection.reinspection_of.round + 1
        notice = RectificationNotice.objects.create(
            inspection=inspection, station=station, year=today.year, seq=seq,
            number=notice_number(station, today.year, seq), round=round_, grid_id=inspection.grid_id,
        )  # fmt: skip
        for a in failed:
            grade = a.grade or a.item.default_grade
            hazard = Hazard.objects.create(
                inspection=inspection, answer=a, notice=notice, venue=inspection.venue, house=inspection.house,
                text=a.item.text, legal_basis=a.item.legal_basis, note=a.note, grade=grade,
                deadline=_deadline(grade, on=today), round=round_, grid_id=inspection.grid_id,
            )  # fmt: skip
            HazardEvent.objects.create(hazard=hazard, user=user, action="issued", note=notice.number)
    inspection.status, inspection.submitted_at = InspectionStatus.SUBMITTED, now
    inspection.save(update_fields=["status", "submitted_at"])
    if notice is not None:
        from inspections.tasks import notice_render

        enqueue_on_commit(notice_render, notice.pk)
    return inspection


__all__ = ["NoticeStatus", "HazardStatus"]
