"""Grid pages: map, stations, police grids, community grids and buildings. Thin: scope in selectors."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.permissions import ADDRESS_EDITOR_ROLES, grid_role_required, role_required
from documents import qr
from grid import members, selectors, services
from grid.forms import BuildingForm, BuildingSearchForm, StationSettingsForm
from grid.models import GridMember, MemberStatus
from lib import geo
from lib.paging import Paginator

PAGE_SIZE = 50


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@grid_role_required
def map_view(request):
    return render(
        request,
        "grid/map.html",
        {
            "can_edit": request.user.role in ADDRESS_EDITOR_ROLES or request.user.is_superuser,
        },
    )


@require_GET
@grid_role_required
def grids_geojson(request):
    return JsonResponse(selectors.grids_geojson(request.user))


@require_GET
@grid_role_required
def buildings_geojson(request):
    box = None
    if "bbox" in request.GET:
        try:
            min_lng, min_lat, max_lng, max_lat = (float(v) for v in request.GET["bbox"].split(","))
        except ValueError:
            return JsonResponse({"error": _("bbox must be min_lng,min_lat,max_lng,max_lat")}, status=400)
        box = geo.BBox(min_lng, min_lat, max_lng, max_lat)
    return JsonResponse(selectors.buildings_geojson(request.user, bbox=box, limit=settings.MAP_BUILDINGS_LIMIT))


@grid_role_required
def station_list(request):
    return render(
        request, "grid/station_list.html", {"page": _page(request, selectors.stations_for_user(request.user))}
    )


@grid_role_required
def station_detail(request, pk):
    station = selectors.get_station_for_user(request.user, pk)
    grids = selectors.police_grids_for_user(request.user).filter(station=station)
    can_configure = request.user.is_superuser or request.user.role in (Role.CHIEF, Role.ADMIN)
    form = None
    if can_configure:
        initial = {
            "declaration_deadline_days": station.declaration_deadline_days,
            "permit_prefix": station.permit_prefix,
            "notice_pattern": station.notice_pattern,
        }
        form = StationSettingsForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            services.station_settings_update(station=station, **form.cleaned_data)
            messages.success(request, _("Station settings saved."))
            return redirect("grid:station_detail", pk=station.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "grid/station_detail.html", {"station": station, "police_grids": grids, "form": form})


@grid_role_required
def policegrid_list(request):
    return render(
        request, "grid/policegrid_list.html", {"page": _page(request, selectors.police_grids_for_user(request.user))}
    )


@grid_role_required
def policegrid_detail(request, pk):
    police_grid = selectors.get_police_grid_for_user(request.user, pk)
    grids = selectors.community_grids_for_user(request.user).filter(police_grid=police_grid)
    return render(request, "grid/policegrid_detail.html", {"police_grid": police_grid, "community_grids": grids})


@grid_role_required
def communitygrid_list(request):
    return render(
        request,
        "grid/communitygrid_list.html",
        {"page": _page(request, selectors.community_grids_for_user(request.user))},
    )


@grid_role_required
def communitygrid_detail(request, pk):
    grid = selectors.get_community_grid_for_user(request.user, pk)
    buildings = _page(request, selectors.buildings_for_user(request.user, grid_id=grid.id))
    roster = None
    if members.can_read(request.user, grid):
        roster = {
            "active": GridMember.objects.filter(grid=grid, status=MemberStatus.ACTIVE).order_by("name"),
            "pending": GridMember.objects.filter(grid=grid, status=MemberStatus.PENDING).count(),
            "can_manage": members.can_manage(request.user, grid),
            "apply_url": settings.PUBLIC_BASE_URL + reverse("members:apply") + "?" + urlencode({"grid": grid.code}),
        }
        roster["apply_qr"] = qr.qr_svg(roster["apply_url"])
    return render(request, "grid/communitygrid_detail.html", {"grid": grid, "page": buildings, "roster": roster})


@grid_role_required
def building_list(request):
    form = BuildingSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = _page(request, selectors.buildings_for_user(request.user, q=q))
    template = "grid/_building_rows.html" if request.headers.get("HX-Request") else "grid/building_list.html"
    return render(request, template, {"page": page, "form": form, "q": q})


@grid_role_required
def building_detail(request, pk):
    building = selectors.get_building_for_user(request.user, pk)
    return render(
        request,
        "grid/building_detail.html",
        {"building": building, "can_edit": request.user.role in ADDRESS_EDITOR_ROLES or request.user.is_superuser},
    )


def _building_form_page(request, *, building=None):
    initial = {}
    if building is not None:
        initial = {f: getattr(building, f) for f in ("address", "compound", "floors", "lat", "lng")}
    form = BuildingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if building is None:
                building = services.building_create(user=request.user, **form.cleaned_data)
                messages.success(request, _("Address added to grid %(grid)s.") % {"grid": building.grid.name})
            else:
                building = services.building_update(building=building, user=request.user, **form.cleaned_data)
                messages.success(request, _("Address saved."))
            return redirect("grid:building_detail", pk=building.pk)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
    return render(
        request,
        "grid/building_form.html",
        {"form": form, "building": building},
    )


@role_required(ADDRESS_EDITOR_ROLES)
def building_create(request):
    return _building_form_page(request)


@role_required(ADDRESS_EDITOR_ROLES)
def building_edit(request, pk):
    building = selectors.get_building_for_user(request.user, pk)
    return _building_form_page(request, building=building)
