"""Reads for inspections: scoped fetches, the checklist with its answers and photos, my inspections,
checklist templates. Every read of a scoped model goes through ``visible_to``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from inspections.models import Answer, ChecklistItem, ChecklistTemplate, Hazard, Inspection, Photo
from residents.models import House, Venue


def inspections_for_user(user):
    return Inspection.objects.visible_to(user)


def get_inspection_for_user(user, pk) -> Inspection:
    """An inspection the user may see (404 otherwise), with what its pages show."""
    return get_object_or_404(
        inspections_for_user(user).select_related(
            "venue__building", "house__building", "template", "officer", "grid", "notice"
        ),
        pk=pk,
    )


def get_item_of(inspection: Inspection, item_id) -> ChecklistItem:
    """An item of the inspection's own checklist version (404 for any other)."""
    return get_object_or_404(
        ChecklistItem.objects.select_related("template"), pk=item_id, template_id=inspection.template_id
    )


def get_venue_for_user(user, pk) -> Venue:
    return get_object_or_404(Venue.objects.visible_to(user).select_related("building"), pk=pk)


def get_house_for_user(user, pk) -> House:
    return get_object_or_404(House.objects.visible_to(user).select_related("building"), pk=pk)


@dataclass
class ItemRow:
    """One checklist item with its saved answer (None: not checked yet) and the answer's photos."""

    item: ChecklistItem
    answer: Answer | None = None
    photos: list = field(default_factory=list)

    @property
    def result(self) -> str:
        return self.answer.result if self.answer else ""

    @property
    def grade(self) -> str:
        return (self.answer.grade if self.answer else "") or self.item.default_grade

    @property
    def note(self) -> str:
        return self.answer.note if self.answer else ""


def _answers(inspection: Inspection) -> dict[int, Answer]:
    photos = Prefetch("photos", queryset=Photo.objects.order_by("uploaded_at", "id"))
    return {a.item_id: a for a in Answer.objects.filter(inspection=inspection).prefetch_related(photos)}


def item_rows(inspection: Inspection) -> list[ItemRow]:
    """Every item of the inspection's checklist version with its answer: three queries however many items."""
    answers = _answers(inspection)
    rows = []
    for item in ChecklistItem.objects.filter(template_id=inspection.template_id).order_by("order"):
        a = answers.get(item.pk)
        rows.append(ItemRow(item=item, answer=a, photos=list(a.photos.all()) if a else []))
    return rows


def item_row(inspection: Inspection, item: ChecklistItem) -> ItemRow:
    a = Answer.objects.filter(inspection=inspection, item=item).prefetch_related("photos").first()
    return ItemRow(item=item, answer=a, photos=list(a.photos.order_by("uploaded_at", "id")) if a else [])


def progress_of(inspection: Inspection) -> tuple[int, int]:
    """(items answered, items on the checklist)."""
    return (
        Answer.objects.filter(inspection=inspection).count(),
        ChecklistItem.objects.filter(template_id=inspection.template_id).count(),
    )


def my_inspections(user):
    """The user's own inspections in scope: drafts first, then the latest submitted."""
    return (
        inspections_for_user(user)
        .filter(officer=user)
        .select_related("venue__building", "house__building", "template", "notice")
        .annotate(hazard_count=Count("hazards"))
        .order_by("status", "-started_at", "-id")  # "draft" sorts before "submitted"
    )


def hazards_of(inspection: Inspection) -> list[Hazard]:
    return list(Hazard.objects.filter(inspection=inspection).order_by("id"))


def get_photo_for_user(user, pk) -> Photo:
    """A photo of an inspection (or of a reported fix) the user may see; 404 otherwise."""
    visible = Q(answer__inspection__in=Inspection.objects.visible_to(user).values("pk")) | Q(
        hazard_fix__in=Hazard.objects.visible_to(user).values("pk")
    )
    photo = Photo.objects.filter(visible, pk=pk).first()
    if photo is None:
        raise Http404
    return photo


# ---- checklist templates (not scoped: the same standard for every station) -------------------


def current_checklists() -> list[ChecklistTemplate]:
    """Current versions with their item count and how many older versions each has."""
    older = dict(
        ChecklistTemplate.objects.filter(is_current=False)
        .values_list("venue_kind")
        .annotate(n=Count("id"))
        .values_list("venue_kind", "n")
    )
    rows = list(
        ChecklistTemplate.objects.filter(is_current=True).annotate(item_count=Count("items")).order_by("venue_kind")
    )
    for t in rows:
        t.older_count = older.get(t.venue_kind, 0)
    return rows


def get_checklist(pk) -> ChecklistTemplate:
    return get_object_or_404(
        ChecklistTemplate.objects.select_related("created_by").prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.order_by("order"))
        ),
        pk=pk,
    )


def versions_of(template: ChecklistTemplate) -> list[ChecklistTemplate]:
    return list(
        ChecklistTemplate.objects.filter(venue_kind=template.venue_kind)
        .select_related("created_by")
        .annotate(inspection_count=Count("inspections"))
        .order_by("-version")
    )
