"""Incidents (警情) imported from the dispatch system, their heat-map cells and the import jobs.

An incident is placed in the community grid that covers its point (``grid`` is null when it has
no point or lies outside every grid: only admins see those). ``day``, ``cell_lat`` and ``cell_lng``
are derived on import so that the heat map and the year-on-year figures group on plain columns.

Heat cells: a cell is ``CELL_DEG`` (0.002°) of latitude by 0.002° of longitude — about 220 m
north–south and 175 m east–west at Yinchuan's 38.5° N — indexed by ``floor(deg / 0.002)``. One
``HeatCell`` row counts the incidents of one (cell, day, category, grid); the import recomputes
the rows of the days it touched, so heat queries never scan incidents.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.querysets import ScopedQuerySet

CELL_DEG = 0.002


def cell_index(deg: float) -> int:
    """The cell index of a latitude or longitude (``floor(deg / CELL_DEG)``, stable at edges)."""
    return math.floor(round(deg / CELL_DEG, 9))


def cell_centre(index: int) -> float:
    return round((index + 0.5) * CELL_DEG, 6)


class Category(models.TextChoices):
    """警情类别 of the dispatch system. The file format uses the Chinese names (``CATEGORY_ZH``)."""

    CRIMINAL = "criminal", _("criminal")
    PUBLIC_ORDER = "public_order", _("public order")
    ASSISTANCE = "assistance", _("assistance")
    DISPUTE = "dispute", _("dispute")
    TRAFFIC = "traffic", _("traffic")
    FIRE = "fire", _("fire")


CATEGORY_ZH = {
    Category.CRIMINAL: "刑事", Category.PUBLIC_ORDER: "治安", Category.ASSISTANCE: "求助",
    Category.DISPUTE: "纠纷", Category.TRAFFIC: "交通", Category.FIRE: "火灾",
}  # fmt: skip


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IncidentImport(models.Model):
    """A dispatch-system export being imported in the background (only its creator sees it).

    Unlike the registry imports this one is not all-or-nothing: valid rows are saved chunk by
    chunk (each chunk commits, so ``done`` is the progress), wrong rows are listed in ``errors``
    as ``{"row", "column", "code", "params"}`` and translated when shown.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to="incident-imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("incidents created"), default=0)
    updated = models.PositiveIntegerField(_("incidents updated"), default=0)
    skipped = models.PositiveIntegerField(_("incidents unchanged"), default=0)
    outside = models.PositiveIntegerField(_("outside every grid"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("incident import")
        verbose_name_plural = _("incident imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.original_name}"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(99, round(100 * self.done / self.total)) if self.total else 0


class Incident(models.Model):
    """警情: one incident of the dispatch system, keyed by its number (警情编号)."""

    number = models.CharField(_("incident number"), max_length=32, unique=True)
    occurred_at = models.DateTimeField(_("reported at"))
    day = models.DateField(_("day"), editable=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    subcategory = models.CharField(_("sub-category"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    cell_lat = models.IntegerField(null=True, blank=True, editable=False)
    cell_lng = models.IntegerField(null=True, blank=True, editable=False)
    grid = models.ForeignKey(
        "grid.CommunityGrid", verbose_name=_("community grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="incidents",
    )  # fmt: skip
    summary = models.TextField(_("summary"), blank=True)
    imported_at = models.DateTimeField(_("imported at"))
    import_job = models.ForeignKey(
        IncidentImport, verbose_name=_("import"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "day"], name="incident_grid_day_idx"),
            models.Index(fields=["day", "category"], name="incident_day_cat_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="incident_recent_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def category_zh(self) -> str:
        return CATEGORY_ZH.get(self.category, "")


class HeatCell(models.Model):
    """How many incidents of one category fell in one ~200 m cell on one day, in one grid.

    Maintained by ``incidents.services.heat_cells_rebuild`` (and the city seed's SQL); never
    edited by hand. ``grid`` is null for incidents outside every grid.
    """

    cell_lat = models.IntegerField()
    cell_lng = models.IntegerField()
    day = models.DateField()
    category = models.CharField(max_length=20, choices=Category.choices)
    grid = models.ForeignKey(
        "grid.CommunityGrid", null=True, blank=True, on_delete=models.CASCADE, related_name="heat_cells"
    )
    count = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("heat cell")
        verbose_name_plural = _("heat cells")
        constraints = [
            models.UniqueConstraint(
                fields=["cell_lat", "cell_lng", "day", "category", "grid"], name="heatcell_unique_cell_day"
            )
        ]
        indexes = [
            # The heat query reads only these columns: an index-only scan on PostgreSQL.
            models.Index(fields=["day", "category", "grid", "cell_lat", "cell_lng", "count"], name="heatcell_day_idx"),
            models.Index(fields=["grid", "day"], name="heatcell_grid_day_idx"),
        ]

    def __str__(self):
        return f"{self.cell_lat},{self.cell_lng} {self.day} {self.category} ×{self.count}"
