"""Reports from the figures: the station's weekly and monthly report (PDF) and each officer's
monthly performance list (绩效清单, PDF and Excel). Requested on the reports page or by the beat
(the performance lists and the monthly report on the 1st, the weekly report on Mondays),
rendered in the background with a progress figure, kept for download with their SHA-256.

Who reads them: a chief (and admin) every report of their station; an officer their own lists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role
from disputes.models import Dispute
from documents import excel, report_pdf
from documents.report_pdf import Chart, Grid, Heading, ReportDoc, Text
from grid.models import CommunityGrid, PoliceGrid, Station
from grid.scope import scope_for
from kpi import figures
from kpi.aggregate import month_end, month_start
from kpi.metrics import BY_KEY, METRICS
from kpi.models import Report, ReportKind, ReportStatus

# The figures a report lists, in order: (metric or rate key, how to show it).
HEADLINE = [
    ("visits", "n"), ("hours", "h"), ("publicity", "n"), ("publicity_people", "n"),
    ("registry_added", "n"), ("registry_corrected", "n"),
    ("declarations", "n"), ("late_rate", "%"), ("coverage", "%"),
    ("hazards_found", "n"), ("on_time_rate", "%"), ("hazards_overdue", "n"),
    ("disputes_received", "n"), ("disputes_agreed", "n"), ("success_rate", "%"),
    ("events_closed", "n"), ("in_time_rate", "%"), ("rating", "r"),
    ("incidents", "n"),
]  # fmt: skip
FLAGS = [m.key for m in METRICS if m.flag]
RATE_LABELS = {
    "hours": lambda: _("Hours in the community"),
    "late_rate": lambda: _("Late declarations (%)"),
    "coverage": lambda: _("Rental houses declared (%)"),
    "on_time_rate": lambda: _("Hazards rectified on time (%)"),
    "success_rate": lambda: _("Agreements kept at 90 days (%)"),
    "in_time_rate": lambda: _("Events closed within the time limit (%)"),
    "rating": lambda: _("Reporters' average rating"),
}


def label(key: str) -> str:
    return RATE_LABELS[key]() if key in RATE_LABELS else str(BY_KEY[key].label)


SHOW = {"n": "count", "h": "decimal", "%": "percent", "r": "rating"}


def show(f: figures.Figures, key: str, how: str) -> str:
    value = f.rates.get(key) if key in RATE_LABELS else f[key]
    return figures.format_number(value, SHOW[how])


def period_label(report: Report) -> str:
    if report.kind == ReportKind.STATION_WEEK:
        return _("%(first)s to %(last)s") % {"first": report.first_day.isoformat(), "last": report.last_day.isoformat()}
    return _("%(year)d-%(month)02d") % {"year": report.first_day.year, "month": report.first_day.month}


# --- requesting -----------------------------------------------------------------------------------


def can_read(user, report: Report) -> bool:
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.role == Role.CHIEF:
        return user.station_id == report.station_id
    return report.officer_id == user.pk


def may_request(user, station: Station, officer=None) -> bool:
    """An admin any report; a chief their station's; an officer their own performance list."""
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.role == Role.CHIEF and user.station_id == station.pk:
        return True
    return officer is not None and officer.pk == user.pk


def reports_for(user):
    """The reports a user may download: a chief their station's, an officer their own lists."""
    qs = Report.objects.select_related("station", "officer")
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    if user.role == Role.CHIEF:
        return qs.filter(station_id=user.station_id)
    if user.role in (Role.OFFICER, Role.AUXILIARY):
        return qs.filter(officer=user)
    return qs.none()


def period_for(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday to Sunday) or month that contains ``day``."""
    if kind == ReportKind.STATION_WEEK:
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    return month_start(day), month_end(day)


def request(*, kind: str, station: Station, day: dt.date, officer=None, by=None) -> Report:
    """Queue a report for the week or month containing ``day``; rendered after the commit."""
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Choose a kind of report.")})
    if day > timezone.localdate():
        raise ValidationError({"day": _("The period has not begun yet.")})
    if kind == ReportKind.OFFICER_MONTH:
        if officer is None or officer not in figures.officers_of_grids(station_grid_ids_of(station)):
            raise ValidationError({"officer": _("Choose an officer of the station.")})
    else:
        officer = None
    if by is not None and not may_request(by, station, officer):
        raise ValidationError(_("You cannot ask for this report."))
    first, last = period_for(kind, day)
    report = Report.objects.create(kind=kind, station=station, officer=officer, first_day=first, last_day=last,
                                   requested_by=by)  # fmt: skip
    from kpi.tasks import report_render

    transaction.on_commit(lambda: report_render.delay(report.pk))
    return report


def station_grid_ids_of(station: Station) -> set[int]:
    return set(CommunityGrid.objects.filter(police_grid__station=station).values_list("pk", flat=True))


# --- rendering ------------------------------------------------------------------------------------


def _step(report: Report, progress: int) -> None:
    Report.objects.filter(pk=report.pk).update(progress=progress)


def render(report_id: int) -> Report:
    report = Report.objects.select_related("station", "officer").get(pk=report_id)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RENDERING, progress=5)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            if report.kind == ReportKind.OFFICER_MONTH:
                pdf, xlsx = _officer_month(report)
            else:
                pdf, xlsx = _station(report), None
    except Exception as exc:
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, error=str(exc)[:300],
                                                   finished_at=timezone.now())  # fmt: skip
        raise
    stem = f"{report.first_day:%Y%m%d}"
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    if xlsx is not None:
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    report.sha256 = hashlib.sha256(pdf).hexdigest()
    report.status, report.progress, report.finished_at = ReportStatus.DONE, 100, timezone.now()
    report.save(update_fields=["pdf", "xlsx", "sha256", "status", "progress", "finished_at"])
    return report


def _footer(report: Report) -> str:
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _("%(station)s · generated %(time)s from the recorded work") % {
        "station": report.station.name, "time": generated
    }  # fmt: skip


def _station(report: Report) -> bytes:
    rng = figures.Range(report.first_day, report.last_day)
    grid_ids = station_grid_ids_of(report.station)
    total = figures.grids_total(grid_ids, rng)
    last_year = figures.grids_total(grid_ids, rng.previous_year())
    _step(report, 25)
    police = PoliceGrid.objects.filter(station=report.station).select_related("officer").order_by("code")
    per_police = figures.police_grids_total(grid_ids, police, rng)
    yoy = figures.incidents_yoy_for(grid_ids, rng)
    trend = figures.trend_for(Q(user__isnull=True, grid_id__in=grid_ids), 12, until=report.last_day)
    _step(report, 50)
    weekly = report.kind == ReportKind.STATION_WEEK
    title = _("Weekly community policing report") if weekly else _("Monthly community policing report")
    blocks = [
        Heading(_("Headline figures")),
        Grid(
            [_("Figure"), _("This period"), _("Same period last year"), _("Per 1,000 residents")],
            [
                [label(k), show(total, k, how), show(last_year, k, how), _per_1000(total, k) if how == "n" else ""]
                for k, how in HEADLINE
            ],
            widths=[0.46, 0.18, 0.18, 0.18],
        ),  # fmt: skip
        Text(
            _("Residents: %(residents)s · known rental houses: %(rentals)s (at the end of the period).")
            % {"residents": show(total, "residents", "n"), "rentals": show(total, "rental_houses", "n")},
            small=True,
        ),
        Heading(_("Incidents by category, year on year")),
        Grid(
            [_("Category"), _("This period"), _("A year before"), _("Change")],
            [
                [
                    str(r["label"]),
                    str(r["now"]),
                    str(r["before"]),
                    figures.format_change(r["change"]),
                ]
                for r in yoy
            ],
            widths=[0.4, 0.2, 0.2, 0.2],
        ),  # fmt: skip
        Chart(
            _("Incidents by category"),
            [str(r["label"]) for r in yoy],
            [(_("This period"), [r["now"] for r in yoy]), (_("A year before"), [r["before"] for r in yoy])],
        ),
        Chart(
            _("The last twelve months"),
            [f"{m:%Y-%m}" for m, _f in trend],
            [
                (label("visits"), [f["visits"] for _m, f in trend]),
                (label("events_closed"), [f["events_closed"] for _m, f in trend]),
                (label("incidents"), [f["incidents"] for _m, f in trend]),
            ],
            kind="line",
        ),
        Heading(_("Police grids")),
        Grid(
            [
                _("Police grid"),
                _("Officer"),
                label("visits"),
                label("hours"),
                label("events_closed"),
                label("hazards_found"),
                label("incidents"),
            ],
            [
                [
                    pg.name,
                    pg.officer.display_name if pg.officer else "—",
                    show(f, "visits", "n"),
                    show(f, "hours", "h"),
                    show(f, "events_closed", "n"),
                    show(f, "hazards_found", "n"),
                    show(f, "incidents", "n"),
                ]
                for pg, f in per_police
            ],
            widths=[0.2, 0.12, 0.12, 0.14, 0.14, 0.14, 0.14],
            numeric_from=2,
        ),  # fmt: skip
    ]
    _step(report, 70)
    blocks += _highlights(grid_ids, rng, total)
    blocks += _flags_block(total)
    _step(report, 85)
    doc = ReportDoc(
        station=report.station.name,
        title=f"{report.station.name} {title}",
        subtitle=period_label(report),
        footer=_footer(report),
        blocks=blocks,
        signatures=[_("Prepared by"), _("Station chief")],
    )
    return report_pdf.render_report(doc)


def _per_1000(f: figures.Figures, key: str) -> str:
    residents = f["residents"]
    if not residents:
        return "—"
    return figures.format_number(1000 * f[key] / residents, "decimal")


def _highlights(grid_ids, rng: figures.Range, total: figures.Figures) -> list:
    start, end = rng.first, rng.last
    agreed = (
        Dispute.objects.filter(grid_id__in=grid_ids, agreed_at__date__gte=start, agreed_at__date__lte=end)
        .select_related("building")
        .order_by("agreed_at")[:10]
    )
    blocks = [Heading(_("Highlights"))]
    lines = [
        _("%(n)s hazards rectified on time, %(overdue)s still overdue.") % {
            "n": show(total, "hazards_on_time", "n"), "overdue": show(total, "hazards_overdue", "n")},
        _("%(n)s grid events closed, %(rate)s within their time limit; reporters rated them %(rating)s on average.") % {
            "n": show(total, "events_closed", "n"), "rate": show(total, "in_time_rate", "%"),
            "rating": show(total, "rating", "r")},
        _("%(n)s disputes received and %(agreed)s agreements reached.") % {
            "n": show(total, "disputes_received", "n"), "agreed": show(total, "disputes_agreed", "n")},
    ]  # fmt: skip
    blocks += [Text("· " + line) for line in lines]
    if agreed:
        blocks.append(Grid(
            [_("Agreement reached"), _("Category"), _("Address")],
            [[timezone.localtime(d.agreed_at).strftime("%m-%d"), d.get_category_display(), d.building.address]
             for d in agreed],
            widths=[0.18, 0.22, 0.6], numeric_from=99,
        ))  # fmt: skip
    return blocks


def _flags_block(f: figures.Figures) -> list:
    rows = [[str(BY_KEY[k].label), show(f, k, "n")] for k in FLAGS]
    return [
        Heading(_("Quality flags")),
        Text(_("Records that may need a second look; they are not targets."), small=True),
        Grid([_("Flag"), _("Count")], rows, widths=[0.8, 0.2]),
    ]


def _officer_rows(f: figures.Figures) -> list[list[str]]:
    return [[label(k), show(f, k, how)] for k, how in HEADLINE] + [
        [str(BY_KEY[k].label) + " ※", show(f, k, "n")] for k in FLAGS
    ]


def _officer_month(report: Report) -> tuple[bytes, bytes]:
    rng = figures.Range(report.first_day, report.last_day)
    officer = report.officer
    own = figures.own(officer, rng, person=officer)
    _step(report, 40)
    grids = ", ".join(CommunityGrid.objects.filter(pk__in=scope_for(officer).community_grid_ids)
                      .order_by("code").values_list("name", flat=True)) or "—"  # fmt: skip
    title = _("Monthly performance list")
    rows = _officer_rows(own)
    doc = ReportDoc(
        station=report.station.name,
        title=title,
        subtitle=f"{officer.display_name}{' · ' + officer.police_number if officer.police_number else ''} · "
        f"{period_label(report)}",
        footer=_footer(report),
        blocks=[
            Text(_("Grids: %(grids)s") % {"grids": grids}, small=True),
            Text(_("Compiled from the officer's recorded work; figures marked ※ are quality flags."), small=True),
            Grid([_("Figure"), _("This month")], rows, widths=[0.7, 0.3]),
        ],
        signatures=[_("Officer"), _("Station chief")],
    )
    pdf = report_pdf.render_report(doc)
    _step(report, 75)
    stream = io.BytesIO()
    excel.write_table(
        stream, title=f"{title} {officer.display_name}", subtitle=period_label(report),
        columns=[excel.Column(_("Figure"), width=40), excel.Column(_("This month"), width=14)], rows=rows,
    )  # fmt: skip
    return pdf, stream.getvalue()


# --- the beat -------------------------------------------------------------------------------------


def monthly(today: dt.date | None = None) -> int:
    """On the 1st: last month's performance list for every officer and auxiliary of every
    station, and each station's monthly report. Idempotent for a month."""
    today = today or timezone.localdate()
    day = month_start(today) - dt.timedelta(days=1)
    made = 0
    for station in Station.objects.filter(police_grids__isnull=False).distinct().order_by("pk"):
        if not Report.objects.filter(
            station=station, kind=ReportKind.STATION_MONTH, first_day=month_start(day)
        ).exists():
            request(kind=ReportKind.STATION_MONTH, station=station, day=day)
            made += 1
        for officer in figures.officers_of_grids(station_grid_ids_of(station)):
            if not Report.objects.filter(kind=ReportKind.OFFICER_MONTH, officer=officer,
                                         first_day=month_start(day)).exists():  # fmt: skip
                request(kind=ReportKind.OFFICER_MONTH, station=station, day=day, officer=officer)
                made += 1
    return made


def weekly(today: dt.date | None = None) -> int:
    """On Mondays: last week's report for every station. Idempotent for a week."""
    today = today or timezone.localdate()
    day = today - dt.timedelta(days=today.weekday() + 1)  # last Sunday
    first, _last = period_for(ReportKind.STATION_WEEK, day)
    made = 0
    for station in Station.objects.filter(police_grids__isnull=False).distinct().order_by("pk"):
        if not Report.objects.filter(station=station, kind=ReportKind.STATION_WEEK, first_day=first).exists():
            request(kind=ReportKind.STATION_WEEK, station=station, day=day)
            made += 1
    return made
