"""Door-plate QR label sheets: which labels a sheet holds, creating a sheet, rendering it.

A sheet is for one building (the building's own label, then one per house) or one community
grid (each building followed by its houses). It is created here, rendered in the background by
``residents.tasks.label_sheet_render`` and downloaded from ``/q/labels/<pk>/download/``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import ADDRESS_EDITOR_ROLES
from documents.labels import Label, label_sheet_pdf
from grid.models import Building, CommunityGrid
from lib.tasks import enqueue_on_commit
from residents.models import House, JobStatus, LabelSheet

log = logging.getLogger(__name__)

# Who may print door plates: those who may correct addresses (not volunteers, not the public).
LABEL_ROLES = ADDRESS_EDITOR_ROLES
PROGRESS_EVERY = 10
# A sheet still waiting after this long lost its task (broker down): the sweeper sends it again.
STALE_PENDING = timedelta(minutes=5)


def scan_url(token: str) -> str:
    """The absolute URL a door-plate QR code carries."""
    return settings.PUBLIC_BASE_URL + reverse("scan:scan", args=[token])


def _buildings(*, grid_id: int, building_id: int | None):
    qs = Building.objects.filter(pk=building_id) if building_id else Building.objects.filter(grid_id=grid_id)
    houses = House.objects.only("id", "building_id", "unit", "floor", "qr_token").order_by("floor", "unit")
    return qs.order_by("address").prefetch_related(Prefetch("houses", queryset=houses))


def sheet_labels(*, grid_id: int, building_id: int | None = None) -> list[Label]:
    """The labels of a sheet, in print order: each building, then its houses floor by floor."""
    labels = []
    for b in _buildings(grid_id=grid_id, building_id=building_id):
        labels.append(Label(url=scan_url(b.qr_token), title=b.address, subtitle=b.compound))
        labels.extend(Label(url=scan_url(h.qr_token), title=h.unit, subtitle=b.address) for h in b.houses.all())
    return labels


def label_count(*, grid: CommunityGrid | None = None, building: Building | None = None) -> int:
    if building is not None:
        return 1 + House.objects.filter(building=building).count()
    return Building.objects.filter(grid=grid).count() + House.objects.filter(building__grid=grid).count()


def sheet_target(sheet: LabelSheet) -> str:
    """What the sheet is for, as people say it: the building's address or the grid's name."""
    return sheet.building.address if sheet.building_id else sheet.grid.name


@transaction.atomic
def label_sheet_create(*, user, grid: CommunityGrid | None = None, building: Building | None = None) -> LabelSheet:
    """A pending sheet for ``building`` or ``grid`` (exactly one), rendered after commit.

    The caller has checked that the user may see the target. A second click while the user's
    sheet for the same target is still waiting (and not yet stale) returns that sheet.
    """
    if (grid is None) == (building is None):
        raise ValueError("label_sheet_create needs a grid or a building, not both")
    grid_id = building.grid_id if building is not None else grid.pk
    waiting = LabelSheet.objects.filter(
        created_by=user,
        grid_id=grid_id,
        building=building,
        status__in=[JobStatus.PENDING, JobStatus.RUNNING],
        created_at__gte=timezone.now() - STALE_PENDING,
    ).first()
    if waiting is not None:
        return waiting
    total = label_count(grid=grid, building=building)
    if total == 0:
        raise ValidationError(_("This community grid has no addresses yet: there is nothing to print."))
    sheet = LabelSheet.objects.create(grid_id=grid_id, building=building, created_by=user, total=total)
    _enqueue(sheet.pk)
    return sheet


def _enqueue(sheet_id: int) -> None:
    from residents.tasks import label_sheet_render  # tasks import this module

    enqueue_on_commit(label_sheet_render, sheet_id)


def label_sheet_render(*, sheet_id: int) -> LabelSheet | None:
    """Render the sheet's PDF, moving ``done`` every ``PROGRESS_EVERY`` labels.

    Idempotent: a sheet that is already done is returned untouched; one left half-rendered by
    a lost worker is rendered again from the start. A failure is recorded on the sheet (the
    page shows it) rather than retried: the user may simply ask for a new sheet.
    """
    sheet = LabelSheet.objects.select_related("grid__police_grid__station", "building").filter(pk=sheet_id).first()
    if sheet is None or (sheet.status == JobStatus.DONE and sheet.file):
        return sheet
    rows = LabelSheet.objects.filter(pk=sheet.pk)
    try:
        labels = sheet_labels(grid_id=sheet.grid_id, building_id=sheet.building_id)
        rows.update(status=JobStatus.RUNNING, done=0, total=len(labels), error="")
        with translation.override(settings.LANGUAGE_CODE):
            heading = _("%(station)s · %(target)s · door-plate QR codes") % {
                "station": sheet.grid.police_grid.station.name,
                "target": sheet_target(sheet),
            }
            pdf = label_sheet_pdf(
                labels,
                heading=heading,
                caption=_("Scan to register or declare"),
                on_progress=lambda n: rows.update(done=n),
                progress_every=PROGRESS_EVERY,
            )
        old = sheet.file.name if sheet.file else ""
        sheet.file.save(f"labels-{sheet.pk}.pdf", ContentFile(pdf), save=False)
        rows.update(
            file=sheet.file.name, status=JobStatus.DONE, done=len(labels), total=len(labels), finished_at=timezone.now()
        )
        if old and old != sheet.file.name:
            sheet.file.storage.delete(old)
    except Exception as exc:
        log.exception("label sheet %s failed", sheet.pk)
        rows.update(status=JobStatus.FAILED, error=str(exc)[:300], finished_at=timezone.now())
    sheet.refresh_from_db()
    return sheet


def label_sheets_stale(*, now=None) -> list[int]:
    """Sheets whose task was lost: waiting for ``STALE_PENDING``, or running past the task time limit."""
    now = now or timezone.now()
    running_limit = timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)
    return list(
        LabelSheet.objects.filter(
            Q(status=JobStatus.PENDING, created_at__lt=now - STALE_PENDING)
            | Q(status=JobStatus.RUNNING, created_at__lt=now - running_limit)
        ).values_list("pk", flat=True)
    )
