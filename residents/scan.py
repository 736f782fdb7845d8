"""Door-plate QR pages (/q/): the scan page, visits recorded from it, and QR label sheets.

The scan page is public: the plate hangs in the street and shows its address anyway. Anyone,
landlords and staff of other grids included, gets the public page (the address, the rental
declaration, whom to call). Police staff and grid members whose grids cover the address get
the working page instead, and each of their scans is recorded as a visit. Everything beyond
the address is read through ``visible_to``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import GRID_ROLES, AuditAction, User
from accounts.permissions import has_role, role_required
from accounts.services import audit
from grid.models import Building, CommunityGrid
from grid.scope import scope_for
from lib.ratelimit import TOKEN_PAGE, ratelimit
from residents import labels
from residents.models import House, JobStatus, LabelSheet, Residence, Venue, Visit, VisitSource
from residents.services import visit_record

# Volunteers in scope see the working page and their scans count as visits, but they are
# read-only members: writing visit notes and printing plates is for the grid's staff.
VISIT_ROLES = labels.LABEL_ROLES
VISITS_SHOWN = 10
PURPOSE_SUGGESTIONS = [
    gettext_lazy("Routine home visit"),
    gettext_lazy("Rental check"),
    gettext_lazy("Fire-safety check"),
    gettext_lazy("Dispute follow-up"),
    gettext_lazy("Care visit"),
]


class VisitForm(forms.Form):
    """A visit recorded by hand at the door. ``houses``: the units to choose from (building scans)."""

    house = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=100)
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=2000, required=False, widget=forms.Textarea)
    participants = forms.MultipleChoiceField(label=gettext_lazy("Visited together with"), required=False)

    def __init__(self, *args, houses: list[House] | None = None, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The building's grid team (officer, auxiliary, grid worker, volunteers) but the recorder.
        self.team = {str(u.pk): u for u in team}
        self.fields["participants"].choices = [(k, u.display_name) for k, u in self.team.items()]
        # Choices from the houses already on the page: no extra query to draw the select.
        self.houses = {str(h.pk): h for h in houses or []}
        if houses is None:
            del self.fields["house"]
        else:
            self.fields["house"].choices = [("", _("The whole building"))] + [
                (k, h.unit) for k, h in self.houses.items()
            ]

    def clean_participants(self):
        return [self.team[k] for k in self.cleaned_data.get("participants") or [] if k in self.team]

    def clean_house(self):
        value = self.cleaned_data.get("house")
        return self.houses.get(value) if value else None


def _door(token: str) -> tuple[Building, House | None]:
    """The building (and house) a door-plate token belongs to: a house's first (there are ten
    house plates to every building plate, so most scans cost one query), then a building's.

    The grid's people (officer, grid worker, auxiliary) come in one more query: joined into the
    token's query, eight tables took PostgreSQL longer to plan (10 ms) than to run."""
    related = "grid__police_grid__station"
    house = House.objects.select_related(f"building__{related}").filter(qr_token=token).order_by()[:1]
    house = next(iter(house), None)
    if house is not None:
        building = house.building
    else:
        building = next(iter(Building.objects.select_related(related).filter(qr_token=token).order_by()[:1]), None)
        if building is None:
            raise Http404
    grid = building.grid
    ids = {grid.police_grid.officer_id, grid.grid_worker_id, grid.auxiliary_id} - {None}
    people = {u.pk: u for u in User.objects.filter(pk__in=ids)} if ids else {}
    grid.police_grid.officer = people.get(grid.police_grid.officer_id)
    grid.grid_worker, grid.auxiliary = people.get(grid.grid_worker_id), people.get(grid.auxiliary_id)
    return building, house


def _works_here(user, building: Building) -> bool:
    """Staff or grid member whose scope covers the building's grid."""
    if not has_role(user, GRID_ROLES):
        return False
    scope = scope_for(user)
    return scope.everything or building.grid_id in scope.community_grid_ids


def _declare_url(**params) -> str:
    try:
        base = reverse("rentals:declare")
    except NoReverseMatch:  # the declaration form ships with the rentals pages
        base = "/rentals/declare/"
    return f"{base}?{urlencode(params)}"


def _public_context(request, building: Building, house: House | None) -> dict:
    units = []
    if house is None:
        # Unit numbers and their plates' tokens only: what the landlord needs to pick a door.
        units = [
            {"unit": h.unit, "declare_url": _declare_url(house=h.qr_token)}
            for h in House.objects.filter(building=building).only("unit", "qr_token").order_by("floor", "unit")
        ]
    police_grid = building.grid.police_grid
    return {
        "building": building,
        "house": house,
        "units": units,
        "declare_url": _declare_url(house=house.qr_token) if house else _declare_url(building=building.qr_token),
        "officer": police_grid.officer,
        "station": police_grid.station,
        "is_grid_member": has_role(request.user, GRID_ROLES),
    }


def _staff_houses(user, building: Building, house: House | None) -> list[House]:
    """The scanned house, or every house of the scanned building, each with ``current`` residences."""
    current = Prefetch(
        "residences",
        queryset=Residence.objects.visible_to(user)
        .filter(end__isnull=True)
        .select_related("person")
        .order_by("start", "id"),
        to_attr="current",
    )
    if house is not None:
        prefetch_related_objects([house], current)
        return [house]
    return list(
        House.objects.visible_to(user).filter(building=building).order_by("floor", "unit").prefetch_related(current)
    )


def _team(user, building: Building) -> list:
    """Who may be named as having visited together: the grid's officer, auxiliary and grid worker
    (loaded with the building, no query), not the user."""
    grid = building.grid
    seen, team = {user.pk}, []
    for p in (grid.police_grid.officer, grid.auxiliary, grid.grid_worker):
        if p is not None and p.is_active and p.pk not in seen:
            seen.add(p.pk)
            team.append(p)
    return team


def _visits(user, building: Building, house: House | None) -> list[Visit]:
    qs = (
        Visit.objects.visible_to(user)
        .select_related("user", "house")
        .annotate(together=Count("participants"))
        .order_by("-at", "-id")
    )
    qs = qs.filter(house=house) if house is not None else qs.filter(building=building)
    return list(qs[:VISITS_SHOWN])


def _visits_context(request, building, house, houses, form=None, saved=False) -> dict:
    can_record = has_role(request.user, VISIT_ROLES)
    if can_record and form is None:
        form = VisitForm(houses=None if house is not None else houses, team=_team(request.user, building))
    return {
        "building": building,
        "house": house,
        "token": (house or building).qr_token,
        "visits": _visits(request.user, building, house),
        "visit_form": form if can_record else None,
        "purpose_suggestions": PURPOSE_SUGGESTIONS,
        "saved": saved,
    }


def _staff_page(request, building, house, houses, *, form=None, recorded=False):
    context = {
        "building": building,
        "house": house,
        "houses": houses,
        "recorded": recorded,
        "resident_count": sum(len(h.current) for h in houses),
        "can_print": has_role(request.user, labels.LABEL_ROLES),
        # The venues to inspect at this address, read through the scope like every other record.
        "venues": list(Venue.objects.visible_to(request.user).filter(building=building).order_by("name"))
        if house is None
        else [],
        **_visits_context(request, building, house, houses, form=form),
    }
    return render(request, "residents/scan_staff.html", context)


@login_not_required
@require_http_methods(["GET", "HEAD"])
@ratelimit("door-plate", **TOKEN_PAGE)
def scan(request, token):
    """What a phone opens from a door plate. A staff scan in scope is recorded as a visit."""
    building, house = _door(token)
    if not _works_here(request.user, building):
        return render(request, "residents/scan_public.html", _public_context(request, building, house))
    recorded = request.method == "GET"  # not a HEAD from a link preview
    if recorded:
        visit_record(user=request.user, building=building, house=house, source=VisitSource.QR_SCAN)
    return _staff_page(request, building, house, _staff_houses(request.user, building, house), recorded=recorded)


@require_POST
@role_required(VISIT_ROLES)
def visit_create(request, token):
    """Record a visit by hand (purpose, notes). htmx gets the form back, and the visit list out of band."""
    building, house = _door(token)
    if not _works_here(request.user, building):
        raise Http404
    houses = _staff_houses(request.user, building, house)
    form = VisitForm(request.POST, houses=None if house is not None else houses, team=_team(request.user, building))
    htmx = bool(request.headers.get("HX-Request"))
    if form.is_valid():
        visit_record(
            user=request.user,
            building=building,
            house=house or form.cleaned_data.get("house"),
            source=VisitSource.MANUAL,
            purpose=form.cleaned_data["purpose"].strip(),
            notes=form.cleaned_data["notes"].strip(),
            participants=form.cleaned_data["participants"],
        )
        if htmx:
            context = _visits_context(request, building, house, houses, saved=True)
            return render(request, "residents/scan_visit_form.html", context)
        messages.success(request, _("Visit recorded."))
        return redirect("scan:scan", token=token)
    if htmx:
        return render(
            request, "residents/scan_visit_form.html", _visits_context(request, building, house, houses, form)
        )
    return _staff_page(request, building, house, houses, form=form)


# --- QR label sheets -----------------------------------------------------------------------


def _label_target(request):
    """The building or community grid named in the POST, in the user's scope (else 404)."""
    user = request.user
    try:
        if request.POST.get("building"):
            return None, get_object_or_404(Building.objects.visible_to(user), pk=int(request.POST["building"]))
        if request.POST.get("grid"):
            return get_object_or_404(CommunityGrid.objects.visible_to(user), pk=int(request.POST["grid"])), None
    except ValueError:
        pass
    raise Http404


@require_POST
@role_required(labels.LABEL_ROLES)
def label_create(request):
    """Ask for a label sheet (``grid=<id>`` or ``building=<id>``); it renders in the background."""
    grid, building = _label_target(request)
    try:
        sheet = labels.label_sheet_create(user=request.user, grid=grid, building=building)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if building is not None:
            return redirect("grid:building_detail", pk=building.pk)
        return redirect("grid:communitygrid_detail", pk=grid.pk)
    return redirect("scan:label_detail", pk=sheet.pk)


def _get_sheet_for_user(user, pk) -> LabelSheet:
    qs = LabelSheet.objects.visible_to(user).select_related("grid", "building", "created_by")
    return get_object_or_404(qs, pk=pk)


def _sheet_context(sheet: LabelSheet) -> dict:
    return {
        "sheet": sheet,
        "target": labels.sheet_target(sheet),
        "finished": sheet.status in (JobStatus.DONE, JobStatus.FAILED),
        "is_done": sheet.status == JobStatus.DONE,
        "is_failed": sheet.status == JobStatus.FAILED,
    }


@require_GET
@role_required(labels.LABEL_ROLES)
def label_detail(request, pk):
    sheet = _get_sheet_for_user(request.user, pk)
    return render(request, "residents/labels_detail.html", _sheet_context(sheet))


@require_GET
@role_required(labels.LABEL_ROLES)
def label_progress(request, pk):
    """The progress bar alone, polled by htmx every second until the sheet is finished."""
    sheet = _get_sheet_for_user(request.user, pk)
    return render(request, "residents/labels_progress.html", _sheet_context(sheet))


@require_GET
@role_required(labels.LABEL_ROLES)
def label_download(request, pk):
    sheet = _get_sheet_for_user(request.user, pk)
    if sheet.status != JobStatus.DONE or not sheet.file:
        raise Http404
    target = labels.sheet_target(sheet)
    audit(request, AuditAction.DOWNLOAD, sheet, object_repr=_("QR labels: %(target)s") % {"target": target})
    filename = _("QR labels %(target)s %(date)s.pdf") % {
        "target": target,
        "date": f"{timezone.localtime(sheet.created_at):%Y%m%d}",
    }
    return FileResponse(sheet.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")
