"""Pre-aggregated figures: one row per (period, day, metric, community grid, credited user).

``user`` empty: the grid's total; ``user`` set: what that person is credited with (a visit made
together counts for each participant, so credits do not add up to the total). Police grids and
stations are sums of their grids' totals. Rows are written only by ``kpi.aggregate``, which
replaces a whole period at once, so recomputing a range gives the same rows as the beat job.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class Figure(models.Model):
    period = models.CharField(_("period"), max_length=5, choices=Period.choices)
    start = models.DateField(_("period start"))
    metric = models.CharField(_("figure"), max_length=40)
    # Empty only on a credit for something outside every grid (a check-in far from any grid).
    grid = models.ForeignKey(
        "grid.CommunityGrid", verbose_name=_("community grid"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("credited to"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    value = models.BigIntegerField(_("value"))

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        indexes = [
            models.Index(fields=["period", "start", "metric"], name="kpi_period_metric_idx"),
            models.Index(fields=["user", "period", "start"], name="kpi_user_idx"),
            # The pages' sums over a station's or police grid's grids: an index-only scan of those grids.
            models.Index(
                fields=["period", "grid", "start"],
                include=["metric", "value"],
                condition=models.Q(user=None),
                name="kpi_grid_idx",
            ),
        ]

    def __str__(self):
        return f"{self.start} {self.metric} {self.grid_id}/{self.user_id}: {self.value}"


class Run(models.Model):
    """One aggregation: the beat's (today and yesterday) or a recomputation asked for a range."""

    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    days_done = models.PositiveIntegerField(_("days done"), default=0)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("aggregation run")
        verbose_name_plural = _("aggregation runs")
        ordering = ["-started_at"]

    @property
    def total_days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def percent(self) -> int:
        return round(100 * self.days_done / max(self.total_days, 1))


class ReportKind(models.TextChoices):
    OFFICER_MONTH = "officer_month", _("Monthly performance list")
    STATION_WEEK = "station_week", _("Weekly station report")
    STATION_MONTH = "station_month", _("Monthly station report")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RENDERING = "rendering", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def _report_path(report, filename):
    return f"reports/{report.first_day:%Y}/{report.kind}-{report.pk or 'new'}-{filename}"


class Report(models.Model):
    """A generated report, kept for download: the station's weekly or monthly report (PDF) or an
    officer's monthly performance list (绩效清单, PDF and Excel). Rendered by Celery; the page
    polls ``progress``. Numbers come from the pre-aggregated figures, never the big tables."""

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    station = models.ForeignKey("grid.Station", verbose_name=_("station"), on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="kpi_reports",
    )  # fmt: skip
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    pdf = models.FileField(_("PDF"), upload_to=_report_path, blank=True)
    xlsx = models.FileField(_("Excel"), upload_to=_report_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-first_day", "-created_at"]
        indexes = [models.Index(fields=["station", "kind", "first_day"])]

    def __str__(self):
        who = f" {self.officer}" if self.officer_id else ""
        return f"{self.get_kind_display()}{who} {self.first_day}–{self.last_day}"
