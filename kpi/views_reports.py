"""Report pages: the history (and a form to ask for one), a report's progress while it renders,
and the downloads (audited). A chief sees the station's reports, an officer their own lists."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import AuditAction, Role
from accounts.permissions import role_required
from accounts.services import audit
from grid.models import Station
from kpi import figures, reports
from kpi.models import Report, ReportKind, ReportStatus
from lib.paging import Paginator

READERS = frozenset({Role.CHIEF, Role.ADMIN, Role.OFFICER, Role.AUXILIARY})
readers = role_required(READERS)


def _stations(user):
    if user.is_superuser or user.role == Role.ADMIN:
        return Station.objects.filter(police_grids__isnull=False).distinct().order_by("code")
    return Station.objects.filter(pk=user.station_id)


def _request_from_post(request):
    """Ask for a report from the form; returns the report or None (errors are messages)."""
    user = request.user
    kind = request.POST.get("kind", "")
    raw = request.POST.get("month", "") if kind != ReportKind.STATION_WEEK else request.POST.get("week", "")
    try:
        day = dt.date.fromisoformat(raw + "-01") if kind != ReportKind.STATION_WEEK else dt.date.fromisoformat(raw)
    except ValueError:
        messages.error(request, _("Choose the month (or, for a weekly report, a day of the week)."))
        return None
    officer = None
    if figures.can_see_own(user):
        station, kind, officer = user.station or _officer_station(user), ReportKind.OFFICER_MONTH, user
    else:
        station = _stations(user).filter(pk=request.POST.get("station") or user.station_id).first()
        if kind == ReportKind.OFFICER_MONTH and station is not None:
            officer = (
                figures.officers_of_grids(reports.station_grid_ids_of(station))
                .filter(pk=request.POST.get("officer") or 0)
                .first()
            )
    if station is None:
        messages.error(request, _("Choose the station."))
        return None
    try:
        return reports.request(kind=kind, station=station, day=day, officer=officer, by=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None


def _officer_station(user):
    return Station.objects.filter(police_grids__community_grids__in=figures.own_grid_ids(user)).first()


@readers
def report_list(request):
    if request.method == "POST":
        report = _request_from_post(request)
        if report is not None:
            return redirect("kpi:report", pk=report.pk)
    qs = reports.reports_for(request.user)
    kind = request.GET.get("kind", "")
    if kind in ReportKind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    officers = []
    if figures.can_see_station(request.user):
        for station in _stations(request.user):
            officers += [(station, o) for o in figures.officers_of_grids(reports.station_grid_ids_of(station))]
    return render(
        request,
        "kpi/reports.html",
        {
            "page": page,
            "kinds": ReportKind.choices,
            "kind": kind,
            "query": f"kind={kind}" if kind else "",
            "stations": _stations(request.user) if figures.can_see_station(request.user) else [],
            "officers": officers,
            "own_only": figures.can_see_own(request.user),
            "last_month": last_month,
            "last_week": (today - dt.timedelta(days=7)).isoformat(),
        },
    )


def _report(request, pk) -> Report:
    report = get_object_or_404(Report.objects.select_related("station", "officer"), pk=pk)
    if not reports.can_read(request.user, report):
        raise Http404
    return report


@require_GET
@readers
def report_detail(request, pk):
    report = _report(request, pk)
    template = "kpi/_report_progress.html" if request.headers.get("HX-Request") else "kpi/report.html"
    return render(
        request, template, {"report": report, "finished": report.status in (ReportStatus.DONE, ReportStatus.FAILED)}
    )


def _download(request, report, field: str, suffix: str):
    file = getattr(report, field)
    if report.status != ReportStatus.DONE or not file:
        raise Http404
    audit(request, AuditAction.DOWNLOAD, report, reason=str(report))
    name = f"{report.get_kind_display()}-{report.first_day:%Y%m%d}{suffix}"
    return FileResponse(file.open("rb"), as_attachment=True, filename=name)


@require_GET
@readers
def report_pdf(request, pk):
    return _download(request, _report(request, pk), "pdf", ".pdf")


@require_GET
@readers
def report_xlsx(request, pk):
    return _download(request, _report(request, pk), "xlsx", ".xlsx")
