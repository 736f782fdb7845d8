"""Incident pages, mounted at /incidents/: the scoped list, the import (upload, template, job page
with progress and row errors), the heat map and its JSON cells, the hotspots with year-on-year.

Police work: officers, auxiliaries, chiefs and admins; everyone else gets a 404, as does an
import job of another user. Thin: parse → ``incidents.selectors`` / ``incidents.importer`` → render.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import STAFF_ROLES
from accounts.permissions import role_required
from grid.models import CommunityGrid
from incidents import importer, selectors
from incidents.models import CATEGORY_ZH, Category, IncidentImport
from lib.paging import Paginator

police = role_required(STAFF_ROLES)
PAGE_SIZE = 50
HOTSPOT_DEFAULT_DAYS = 30


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Dispatch-system export (.csv or .xlsx)"))


def _grid_options(user):
    return list(CommunityGrid.objects.visible_to(user).order_by("code").values_list("pk", "name"))


def _values(f: selectors.Filters) -> dict:
    return {
        "category": f.category,
        "grid": str(f.grid.pk) if f.grid is not None else "",
        "start": f.start.isoformat() if f.start else "",
        "end": f.end.isoformat() if f.end else "",
    }


@require_GET
@police
def incident_list(request):
    """Visible incidents, newest first, filtered by category, grid and dates; 50 a page."""
    f = selectors.filters_from(request.user, request.GET)
    values = _values(f)
    page = Paginator(selectors.incidents_for(request.user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "f": values,
            "query": urlencode({k: v for k, v in values.items() if v}),
            "filtered": any(values.values()),
            "categories": Category.choices,
            "grids": _grid_options(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@police
def import_page(request):
    """Upload an export; the rows are imported in the background (job page)."""
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = importer.import_start(user=request.user, file=form.cleaned_data["file"])
            except importer.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("incidents:import_job", pk=job.pk)
    jobs = IncidentImport.objects.filter(created_by=request.user)[:10]
    return render(
        request,
        "incidents/import.html",
        {
            "form": form,
            "jobs": jobs,
            "columns": importer.COLUMNS,
            "required": importer.REQUIRED,
            "categories": list(CATEGORY_ZH.values()),
            "max_rows": importer.MAX_ROWS,
        },
    )


@require_GET
@police
def import_template(request):
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            importer.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = "incidents-template.xlsx"
    else:
        response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
        name = "incidents-template.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _job_context(request, pk) -> dict:
    job = get_object_or_404(IncidentImport, pk=pk, created_by=request.user)
    errors = [{**e, "message": importer.error_message(e)} for e in job.errors]
    return {"job": job, "errors": errors, "truncated": len(errors) >= importer.MAX_ERRORS_KEPT}


@require_GET
@police
def import_job(request, pk):
    return render(request, "incidents/job.html", _job_context(request, pk))


@require_GET
@police
def import_job_progress(request, pk):
    return render(request, "incidents/_job_progress.html", _job_context(request, pk))


@require_GET
@police
def heat_map(request):
    """The heat layer over the grids, with category and date filters."""
    f = selectors.filters_from(request.user, request.GET, default_days=selectors.HEAT_DEFAULT_DAYS)
    return render(
        request,
        "incidents/map.html",
        {
            "f": _values(f),
            "categories": Category.choices,
            "map_tile_url": settings.MAP_TILE_URL,
            "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


@require_GET
@police
def heat_cells(request):
    """``{"cells": [[lat, lng, weight], …], …}`` summed from the heat cells of the user's scope."""
    f = selectors.filters_from(request.user, request.GET, default_days=selectors.HEAT_DEFAULT_DAYS)
    data = selectors.heat_cells(request.user, f)
    data["start"], data["end"] = f.start.isoformat(), f.end.isoformat()
    return JsonResponse(data)


@require_GET
@police
def hotspots(request):
    """Per community grid the top cells and addresses; year-on-year per category and grid."""
    f = selectors.filters_from(request.user, request.GET, default_days=HOTSPOT_DEFAULT_DAYS)
    yoy = selectors.year_on_year(request.user, f)
    chart = {
        "labels": [r.label for r in yoy["by_category"]],
        "now": [r.now for r in yoy["by_category"]],
        "before": [r.before for r in yoy["by_category"]],
        "label_now": f"{yoy['start']:%Y-%m-%d} – {yoy['end']:%Y-%m-%d}",
        "label_before": f"{yoy['prev_start']:%Y-%m-%d} – {yoy['prev_end']:%Y-%m-%d}",
    }
    return render(
        request,
        "incidents/hotspots.html",
        {
            "f": _values(f),
            "yoy": yoy,
            "chart": chart,
            "hotspots": selectors.hotspots(request.user, f),
            "categories": Category.choices,
            "grids": _grid_options(request.user),
            "today": timezone.localdate(),
        },
    )
