"""Grid event pages, mounted at /events/: reporting from a phone (similar open events offered
first), the event page with the actions its user may take, a handler's tasks, a reporter's own
events, the scoped list, the per-grid leaderboard, the time limits and the photos.

Thin: parse the request, call ``events.dispatch`` (every write) or ``events.selectors``, render.
Grid roles only: landlords and mediators get 404, as does an event outside the user's scope.
Who may accept, escalate, report back, rate or reopen is the service's decision; the buttons
show only when it would agree, and its message is shown when it refuses.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import GRID_ROLES, Role
from accounts.permissions import role_required
from events import dispatch, selectors
from events.forms import EscalateForm, HandleForm, JoinForm, RateForm, ReopenForm, ReportForm
from events.models import OPEN_STATES, Category, Event, EventPhoto, PhotoKind, State, Tier, TierLimit
from grid.models import Building, CommunityGrid
from grid.selectors import grid_filter
from lib.api_fields import query_id
from lib.forms import add_service_errors
from lib.paging import Paginator

grid_roles = role_required(GRID_ROLES)
limit_editors = role_required({Role.CHIEF, Role.ADMIN})
PAGE_SIZE = 50
SIMILAR_SHOWN = 5
ICONS = {
    Category.SAFETY: "shield-exclamation", Category.FIRE: "fire", Category.DISPUTE: "people",
    Category.NOISE: "volume-up", Category.RENTAL: "house-door", Category.FACILITY: "lightbulb",
    Category.ENVIRONMENT: "trash3", Category.TRAFFIC: "car-front", Category.OTHER: "three-dots",
}  # fmt: skip


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _visible_building(user, raw) -> Building | None:
    """A building of the user's area from a query-string id; another area's, or nonsense, is a 404."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if query_id(raw) is None:
        raise Http404
    return get_object_or_404(Building.objects.visible_to(user).select_related("grid__police_grid"), pk=int(raw))


def _clock(event: Event, at) -> Event:
    """The deadline that runs now (accept by, or handle by) and whether it has passed."""
    if event.state == State.REPORTED:
        event.deadline = event.accept_by
    elif event.state == State.ACCEPTED:
        event.deadline = event.handle_by
    else:
        event.deadline = None
    event.overdue = bool(event.deadline and event.deadline < at)
    return event


# --- reporting --------------------------------------------------------------------------------


@grid_roles
@require_http_methods(["GET", "POST"])
def report(request):
    """Report an event from a phone: category, location (position, map or the building of a QR
    scan), similar open events offered before filing, description and up to three photos."""
    user = request.user
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            data = form.cleaned_data
            where = {"location": form.location_errors}
            try:
                event = dispatch.event_report(
                    user=user, category=data["category"], description=data["description"], lat=data["lat"],
                    lng=data["lng"], building=data["building"], photos=data["photos"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc, elsewhere=where)
            else:
                messages.success(request, _reported_message(event))
                return redirect("events:detail", pk=event.pk)
        building = form.cleaned_data.get("building") if hasattr(form, "cleaned_data") else None
        for field in ("lat", "lng", "building"):
            form.location_errors.extend(form.errors.get(field, []))
    else:
        building = _visible_building(user, request.GET.get("building"))
        form = ReportForm(user=user, initial={"building": building.pk if building else None})
    chosen = form["category"].value() or ""
    context = {
        "form": form,
        "categories": [(value, label, ICONS[value], value == chosen) for value, label in Category.choices],
        "building": building,
        "photo_slots": range(dispatch.MAX_PHOTOS),
        "max_photos": dispatch.MAX_PHOTOS,
        "photos_lost": form.is_bound and bool(request.FILES) and bool(form.errors),
    }
    return render(request, "events/report.html", context)


def _reported_message(event: Event) -> str:
    return _("Event %(ref)s reported. It went to the %(tier)s tier, which must accept it by %(deadline)s.") % {
        "ref": event.reference,
        "tier": event.get_tier_display(),
        "deadline": _when(event.accept_by),
    }


@grid_roles
@require_GET
def similar(request):
    """htmx: open events of the same category within 100 m and 48 h that the user may see, nearest
    first, with their first photo — offered before filing so the reporter can add to one instead."""
    user = request.user
    category = request.GET.get("category", "")
    building = _visible_building(user, request.GET.get("building"))
    if building is not None:
        lat, lng = building.lat, building.lng
    else:
        lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    rows = []
    ready = category in Category.values and lat is not None and lng is not None
    if ready:
        near = dispatch.similar_open(category=category, lat=lat, lng=lng, limit=20)
        seen = set(selectors.events_for_user(user).filter(pk__in=[e.pk for e in near]).values_list("pk", flat=True))
        rows = [e for e in near if e.pk in seen][:SIMILAR_SHOWN]
        first = {}
        for p in EventPhoto.objects.filter(event_id__in=[e.pk for e in rows]).exclude(kind=PhotoKind.FEEDBACK):
            first.setdefault(p.event_id, p)
        for e in rows:
            e.thumb = first.get(e.pk)
            e.mine = e.reporter_id == user.pk
    return render(request, "events/_similar.html", {"rows": rows, "ready": ready, "join_form": JoinForm()})


def _float(raw) -> float | None:
    try:
        value = float((raw or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@grid_roles
@require_POST
def join(request, pk):
    """Add to a similar open event instead of filing a duplicate (an optional note)."""
    event = selectors.get_event_for_user(request.user, pk)
    form = JoinForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        dispatch.event_join(event=event, user=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("You were added to event %(ref)s: its handlers see that you reported it too.") % {"ref": event.reference},
        )
    return redirect("events:detail", pk=event.pk)


# --- one event --------------------------------------------------------------------------------


def _detail(request, event: Event, **forms):
    user = request.user
    at = timezone.now()
    _clock(event, at)
    photos = list(event.photos.all())
    log = list(event.log.select_related("user"))
    for row in log:
        row.label = dispatch.ACTIONS.get(row.action, row.action)
    is_reporter = user.pk == event.reporter_id
    acting = event.state in OPEN_STATES and dispatch.can_act(user, event)
    if event.state == State.REPORTED:
        who = dispatch.candidates(event)
    elif event.state == State.ACCEPTED and event.handler_id:
        who = [event.handler]
    else:
        who = []
    can_rate = is_reporter and event.state == State.HANDLED
    context = {
        "event": event,
        "report_photos": [p for p in photos if p.kind != PhotoKind.FEEDBACK],
        "feedback_photos": [p for p in photos if p.kind == PhotoKind.FEEDBACK],
        "supporters": list(event.supporters.select_related("user").order_by("at", "id")),
        "log": log,
        "who": who,
        "is_reporter": is_reporter,
        "can_accept": acting and event.state == State.REPORTED,
        "can_escalate": acting and event.tier < Tier.DEPARTMENT,
        "needs_department": event.tier == Tier.STATION,
        "can_handle": acting and event.state == State.ACCEPTED,
        "can_rate": can_rate,
        "can_reopen": can_rate and event.reopen_count < 1,
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "handle_form": forms.get("handle_form") or HandleForm(),
        "rate_form": forms.get("rate_form") or RateForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "open_form": next((name for name, f in forms.items() if f is not None and f.errors), ""),
        "max_photos": dispatch.MAX_PHOTOS,
        "stars": range(1, 6),
    }
    return render(request, "events/detail.html", context)


@grid_roles
@require_GET
def detail(request, pk):
    return _detail(request, selectors.get_event_for_user(request.user, pk))


def _act(request, event: Event, name: str, form, perform):
    """Run ``perform(cleaned_data)`` (a dispatch call returning the success message). A refusal
    without a field goes to the messages; field errors show on the event page, input kept."""
    if form.is_valid():
        try:
            message = perform(form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return redirect("events:detail", pk=event.pk)
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("events:detail", pk=event.pk)
    return _detail(request, event, **{name: form})


@grid_roles
@require_POST
def accept(request, pk):
    event = selectors.get_event_for_user(request.user, pk)
    try:
        event = dispatch.event_accept(event=event, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Accepted: report back by %(deadline)s.") % {"deadline": _when(event.handle_by)})
    return redirect("events:detail", pk=event.pk)


@grid_roles
@require_POST
def escalate(request, pk):
    event = selectors.get_event_for_user(request.user, pk)

    def perform(data):
        done = dispatch.event_escalate(
            event=event, user=request.user, reason=data["reason"], department=data["department"]
        )
        where = done.get_tier_display() + (f"（{done.department}）" if done.department else "")
        return _("Escalated to: %(where)s.") % {"where": where}

    return _act(request, event, "escalate_form", EscalateForm(request.POST), perform)


@grid_roles
@require_POST
def handle(request, pk):
    event = selectors.get_event_for_user(request.user, pk)

    def perform(data):
        dispatch.event_handle(event=event, user=request.user, note=data["note"], photos=data["photos"])
        return _("Reported back: the reporter is asked to rate the result.")

    return _act(request, event, "handle_form", HandleForm(request.POST, request.FILES), perform)


@grid_roles
@require_POST
def rate(request, pk):
    event = selectors.get_event_for_user(request.user, pk)

    def perform(data):
        dispatch.event_rate(event=event, user=request.user, rating=data["rating"], comment=data["comment"])
        return _("Thank you for rating: the event is closed.")

    return _act(request, event, "rate_form", RateForm(request.POST), perform)


@grid_roles
@require_POST
def reopen(request, pk):
    event = selectors.get_event_for_user(request.user, pk)

    def perform(data):
        dispatch.event_reopen(event=event, user=request.user, reason=data["reason"])
        return _("Reopened: it is back with its handler.")

    return _act(request, event, "reopen_form", ReopenForm(request.POST), perform)


@grid_roles
@require_GET
def photo(request, pk):
    """A stored photo (``?size=thumb``: its thumbnail, as for inspection photos), only for users
    who may see its event."""
    visible = selectors.events_for_user(request.user).values("pk")
    p = get_object_or_404(EventPhoto.objects.filter(event_id__in=visible), pk=pk)
    f = p.thumbnail if request.GET.get("size") == "thumb" and p.thumbnail else p.image
    try:
        handle = f.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=600"
    return response


# --- lists ------------------------------------------------------------------------------------


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    at = timezone.now()
    for event in page:
        _clock(event, at)
    return page


@grid_roles
@require_GET
def tasks(request):
    """The handler's to-do: events to accept at a tier they handle and those they accepted, the
    most urgent deadline first, overdue in red."""
    return render(request, "events/tasks.html", {"page": _page(request, selectors.tasks_for(request.user))})


@grid_roles
@require_GET
def mine(request):
    """The user's own reports (and those they added to); handled ones waiting for a rating on top."""
    user = request.user
    to_rate = list(selectors.to_rate(user).select_related("grid", "building", "handler").order_by("handled_at"))
    page = _page(request, selectors.reported_by(user))
    return render(request, "events/mine.html", {"page": page, "to_rate": to_rate})


def _list_filters(user, params) -> dict:
    """Filters from the query string; a grid the user cannot see is a 404, nonsense is ignored."""
    grid = grid_filter(user, params)
    state = (params.get("state") or "").strip()
    category = (params.get("category") or "").strip()
    tier = (params.get("tier") or "").strip()
    return {
        "state": state if state in State.values else "",
        "category": category if category in Category.values else "",
        "tier": int(tier) if query_id(tier) is not None and int(tier) in Tier.values else None,
        "grid": grid,
        "overdue": params.get("overdue") in ("1", "on", "true"),
    }


@grid_roles
@require_GET
def event_list(request):
    """Every event in the user's scope (and their own reports), with filters, 50 a page."""
    user = request.user
    f = _list_filters(user, request.GET)
    qs = selectors.events_for_user(user).select_related("grid", "building", "handler")
    if f["state"]:
        qs = qs.filter(state=f["state"])
    if f["category"]:
        qs = qs.filter(category=f["category"])
    if f["tier"]:
        qs = qs.filter(tier=f["tier"])
    if f["grid"] is not None:
        qs = qs.filter(grid=f["grid"])
    if f["overdue"]:
        qs = qs.filter(selectors.overdue_q())
    values = {
        "state": f["state"],
        "category": f["category"],
        "tier": str(f["tier"] or ""),
        "grid": str(f["grid"].pk) if f["grid"] is not None else "",
        "overdue": "1" if f["overdue"] else "",
    }
    context = {
        "page": _page(request, qs),
        "f": values,
        "query": urlencode({k: v for k, v in values.items() if v}),
        "filtered": any(values.values()),
        "options": {
            "states": State.choices,
            "categories": Category.choices,
            "tiers": Tier.choices,
            "grids": list(CommunityGrid.objects.visible_to(user).order_by("name").values_list("pk", "name")),
        },
    }
    return render(request, "events/list.html", context)


def _since(period: str):
    today = timezone.localdate()
    if period == "month":
        start = today.replace(day=1)
    elif period == "year":
        start = today.replace(month=1, day=1)
    else:
        return None
    return timezone.make_aware(dt.datetime.combine(start, dt.time.min))


@grid_roles
@require_GET
def leaderboard(request):
    """Points per community grid for reports the handlers accepted (and additions to events)."""
    user = request.user
    grids = list(CommunityGrid.objects.visible_to(user).order_by("id").values_list("pk", "name"))
    raw = (request.GET.get("grid") or "").strip()
    if raw:
        if query_id(raw) is None:
            raise Http404
        grid = get_object_or_404(CommunityGrid.objects.visible_to(user), pk=int(raw))
    else:
        grid = CommunityGrid.objects.filter(pk=grids[0][0]).first() if grids else None
    period = request.GET.get("period", "")
    period = period if period in ("month", "year") else ""
    rows = selectors.leaderboard(grid, since=_since(period)) if grid is not None else []
    rank, last = 0, None
    for n, row in enumerate(rows, start=1):
        if row["points"] != last:
            rank, last = n, row["points"]
        row["rank"] = rank
        row["me"] = row["user_id"] == user.pk
    context = {
        "grids": grids,
        "grid": grid,
        "rows": rows,
        "period": period,
        "points_accepted": dispatch.POINTS_ACCEPTED,
        "points_added": dispatch.POINTS_ADDED,
    }
    return render(request, "events/leaderboard.html", context)


# --- time limits ------------------------------------------------------------------------------


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def _minutes(raw: str) -> int | None:
    """Hours as typed ("2", "0.5", "1,5") → whole minutes; ``None`` when it is not a number."""
    try:
        hours = Decimal((raw or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not hours.is_finite():
        return None
    return int((hours * 60).to_integral_value())


@limit_editors
@require_http_methods(["GET", "POST"])
def limits(request):
    """The time limits per category and tier (hours to accept, hours to handle); the chief or an
    administrator edits them. Any error saves nothing and keeps what was typed."""
    current = {(c, t): dispatch.DEFAULT_LIMITS[(c, Tier(t))] for c in Category.values for t in Tier.values}
    stored = set()
    for row in TierLimit.objects.values_list("category", "tier", "accept_minutes", "handle_minutes"):
        current[(row[0], row[1])] = (row[2], row[3])
        stored.add((row[0], row[1]))
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        rows, unreadable = [], False
        for c in Category.values:
            for t in Tier.values:
                key = f"{c}-{t}"
                a_raw, h_raw = request.POST.get(f"accept-{key}", ""), request.POST.get(f"handle-{key}", "")
                typed[f"accept-{key}"], typed[f"handle-{key}"] = a_raw[:20], h_raw[:20]
                accept, handle = _minutes(a_raw), _minutes(h_raw)
                if accept is None or handle is None:
                    errors[key] = [_("Give both limits in hours, e.g. 2 or 0.5.")]
                    unreadable = True
                rows.append((c, t, accept, handle))
        if not unreadable:
            try:
                dispatch.limits_save(user=request.user, rows=rows)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    errors = exc.message_dict
                else:
                    messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Time limits saved. They apply to events from their next step on."))
                return redirect("events:limits")
    table = []
    for c, label in Category.choices:
        cells = []
        for t, tier_label in Tier.choices:
            key = f"{c}-{t}"
            accept, handle = current[(c, t)]
            cells.append(
                {
                    "key": key,
                    "tier": tier_label,
                    "accept": typed.get(f"accept-{key}", _hours(accept)),
                    "handle": typed.get(f"handle-{key}", _hours(handle)),
                    "custom": (c, t) in stored,
                    "errors": errors.get(key, []),
                }
            )
        table.append({"category": label, "urgent": c in dispatch.URGENT_CATEGORIES, "cells": cells})
    can_edit = request.user.is_superuser or request.user.role == Role.ADMIN
    context = {"table": table, "has_errors": bool(errors), "can_edit": can_edit}
    return render(request, "events/limits.html", context)
