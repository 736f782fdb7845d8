"""Community time pages: the officer's check-in button, the chief's view of the station."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import STAFF_ROLES, Role, User
from accounts.permissions import role_required
from events import selectors as event_selectors
from field import services
from field.models import Check, Kind
from lib.api_fields import query_id
from lib.forms import add_service_errors

staff_required = role_required(STAFF_ROLES)
chief_required = role_required({Role.CHIEF, Role.ADMIN})


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@staff_required
@require_GET
def home(request):
    user, today = request.user, timezone.localdate()
    recent = list(Check.objects.filter(user=user).order_by("-at", "-id")[:40])
    return render(
        request,
        "field/home.html",
        {
            "open": services.checked_in(user),
            "shifts": list(reversed(services.shifts(recent)))[:10],
            "hours_today": services.hours(user, today, today),
            "hours_month": services.hours(user, _month_start(today), today),
            "patrol": services.open_patrol(user),
            "urgent": list(event_selectors.urgent_for(user)[:5]),
        },
    )


@staff_required
@require_POST
def check(request):
    kind = request.POST.get("kind", "")
    try:
        made = services.check(
            user=request.user, kind=kind, lat=request.POST.get("lat"), lng=request.POST.get("lng"),
            accuracy=request.POST.get("accuracy"), note=request.POST.get("note", "")[:200],
        )  # fmt: skip
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("field:home")
    if made.kind == Kind.IN:
        text = _("Checked in at %(time)s.") % {"time": timezone.localtime(made.at).strftime("%H:%M")}
    else:
        text = _("Checked out at %(time)s.") % {"time": timezone.localtime(made.at).strftime("%H:%M")}
    if not made.inside:
        text += " " + _("The position is outside your own grids: the record is flagged.")
        messages.warning(request, text)
    else:
        messages.success(request, text)
    return redirect("field:home")


@chief_required
@require_GET
def station(request):
    """Who is in the community now, where they last checked, and this month's hours."""
    user, today = request.user, timezone.localdate()
    if user.is_superuser or user.role == Role.ADMIN:
        officers = User.objects.filter(is_active=True, role__in=(Role.OFFICER, Role.AUXILIARY))
    else:
        officers = services.station_officers(user.station_id)
    officers = list(officers.order_by("role", "full_name", "username")[:200])
    checks = (
        Check.objects.visible_to(user)
        .filter(user__in=officers, at__gte=timezone.now() - dt.timedelta(days=31))
        .select_related("grid")
    )
    by_user: dict[int, list[Check]] = {}
    for c in checks:
        by_user.setdefault(c.user_id, []).append(c)
    month = timezone.make_aware(dt.datetime.combine(_month_start(today), dt.time.min))
    rows = []
    for o in officers:
        mine = by_user.get(o.pk, [])
        last = max(mine, key=lambda c: (c.at, c.id), default=None)
        month_shifts = [s for s in services.shifts(mine) if s.start.at >= month]
        rows.append(
            {
                "officer": o,
                "last": last,
                "in_now": last is not None and last.kind == Kind.IN and timezone.now() - last.at < services.MAX_SHIFT,
                "hours_month": round(sum(s.hours for s in month_shifts), 1),
                "flagged": sum(1 for s in month_shifts if s.flagged),
            }
        )
    return render(request, "field/station.html", {"rows": rows, "in_now": sum(r["in_now"] for r in rows)})


def _diary_user(request):
    """The officer whose diary is shown: oneself, or (chief, admin) ``?user=`` of their station."""
    raw = request.GET.get("user", "")
    me = request.user
    if not raw or raw == str(me.pk):
        return me
    if query_id(raw) is None or not (me.is_superuser or me.role in (Role.CHIEF, Role.ADMIN)):
        raise Http404
    if me.is_superuser or me.role == Role.ADMIN:
        return get_object_or_404(User.objects.filter(is_active=True), pk=int(raw))
    return get_object_or_404(services.station_officers(me.station_id), pk=int(raw))


@staff_required
@require_GET
def diary(request):
    """工作日志: the officer's day, compiled from their records."""
    from field import diary as diary_mod

    officer = _diary_user(request)
    try:
        day = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    entries = diary_mod.day_entries(officer, day)
    return render(
        request,
        "field/diary.html",
        {
            "officer": officer,
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1) if day < timezone.localdate() else None,
            "entries": entries,
            "summary": diary_mod.summary(entries),
            "is_self": officer.pk == request.user.pk,
        },
    )


@staff_required
def publicity(request):
    """Record a publicity activity (phone) and list the user's recent ones."""
    from field.forms import PublicityForm
    from field.models import Publicity

    form = PublicityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.publicity_record(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Publicity activity recorded."))
            return redirect("field:publicity")
    recent = (
        Publicity.objects.filter(Q(user=request.user) | Q(participants=request.user))
        .distinct()
        .select_related("grid")
        .order_by("-held_on", "-id")[:20]
    )
    form.mark_errors()
    return render(request, "field/publicity.html", {"form": form, "recent": recent})


@staff_required
@require_POST
def patrol(request):
    """Start or stop a patrol (the phone page then posts positions every 30 s)."""
    try:
        if request.POST.get("action") == "stop":
            services.patrol_stop(user=request.user)
            messages.success(request, _("Patrol ended."))
        else:
            services.patrol_start(user=request.user)
            messages.success(request, _("Patrol started: keep this page open; the position is sent every 30 seconds."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("field:home")


@staff_required
@require_POST
def track(request):
    """Positions from the phone during a patrol (JSON body ``{"points": [...]}``) → 201 / 400 JSON."""
    import json

    try:
        body = json.loads(request.body or b"{}")
        stored = services.track_add(user=request.user, points=body.get("points"))
    except (ValueError, AttributeError):
        return JsonResponse({"errors": {"points": [_("The positions cannot be read.")]}}, status=400)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"points": exc.messages}
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse({"stored": stored}, status=201)


def _patrol_lines(patrols) -> list[dict]:
    """Each patrol as a line for the map: points (thinned to at most 2,000), start and end times."""
    from field.models import TrackPoint

    by_patrol: dict[int, list] = {}
    rows = (
        TrackPoint.objects.filter(patrol__in=patrols).order_by("patrol_id", "at").values_list("patrol_id", "lat", "lng")
    )
    for patrol_id, lat, lng in rows.iterator(chunk_size=5000):
        by_patrol.setdefault(patrol_id, []).append([round(lat, 6), round(lng, 6)])
    lines = []
    for p in patrols:
        points = by_patrol.get(p.pk, [])
        step = max(1, len(points) // 2000)
        lines.append(
            {
                "officer": p.user.display_name,
                "start": timezone.localtime(p.started_at).strftime("%H:%M"),
                "end": timezone.localtime(p.ended_at).strftime("%H:%M") if p.ended_at else "…",
                "points": points[::step],
            }
        )
    return [line for line in lines if line["points"]]


@staff_required
@require_GET
def tracks(request):
    """The day's patrol tracks on the map: the user's own, or (chief, admin) the station's."""
    from field.models import Patrol

    try:
        day = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    patrols = Patrol.objects.visible_to(request.user).filter(
        started_at__gte=start, started_at__lt=start + dt.timedelta(days=1)
    )
    if not (request.user.role in (Role.CHIEF, Role.ADMIN) or request.user.is_superuser):
        patrols = patrols.filter(user=request.user)
    patrols = list(patrols.select_related("user").order_by("started_at")[:200])
    return render(request, "field/tracks.html", {"day": day, "lines": _patrol_lines(patrols), "count": len(patrols)})


def _command_officers(user):
    if user.is_superuser or user.role == Role.ADMIN:
        return list(User.objects.filter(is_active=True, role__in=(Role.OFFICER, Role.AUXILIARY))[:500])
    return list(services.station_officers(user.station_id)[:500])


def _urgent_candidates(user):
    """Open urgent events of the chief's area not yet accepted, each with the nearest officer out in
    the community (by their last position)."""
    from events.dispatch import URGENT_CATEGORIES, _metres
    from events.models import Event, State

    events = list(
        Event.objects.visible_to(user)
        .filter(state=State.REPORTED, category__in=URGENT_CATEGORIES)
        .select_related("grid", "building", "assigned_to")
        .order_by("-reported_at")[:20]
    )
    officers = _command_officers(user)
    positions = services.last_positions(officers)
    by_id = {o.pk: o for o in officers}
    for e in events:
        options = sorted(
            (_metres(e.lat, e.lng, lat, lng), by_id[uid])
            for uid, (_at, lat, lng, _src) in positions.items()
            if uid != e.reporter_id
        )
        e.nearest = options[0][1] if options else None
        e.nearest_m = round(options[0][0]) if options else None
    return events


@chief_required
@require_GET
def command(request):
    """The command room: where the officers out in the community last were, refreshing itself, and
    the open urgent events with the nearest officer to send each to."""
    return render(
        request,
        "field/command.html",
        {
            "urgent": _urgent_candidates(request.user),
            "counts": _live_counts(request.user, _command_officers(request.user)),
            "wall": request.GET.get("wall") == "1",
        },
    )


@chief_required
@require_POST
def dispatch_urgent(request):
    from events import dispatch as event_dispatch
    from events import selectors as event_selectors

    event = event_selectors.get_event_for_user(request.user, request.POST.get("event") or 0)
    candidates = {e.pk: e for e in _urgent_candidates(request.user)}
    chosen = candidates.get(event.pk)
    if chosen is None or chosen.nearest is None:
        messages.error(request, _("No officer out in the community to send it to."))
        return redirect("field:command")
    try:
        event_dispatch.event_dispatch_urgent(
            event=event, by=request.user, officer=chosen.nearest, metres=chosen.nearest_m
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Sent to %(name)s: it shows on their phone now.") % {"name": chosen.nearest.display_name}
        )
    return redirect("field:command")


@staff_required
@require_GET
def urgent(request):
    """The urgent events sent to the user (the phone page polls this every 15 seconds)."""
    from events import selectors as event_selectors

    return render(request, "field/_urgent.html", {"urgent": list(event_selectors.urgent_for(request.user)[:5])})


@chief_required
@require_GET
def command_positions(request):
    officers = _command_officers(request.user)
    positions = services.last_positions(officers)
    rows = []
    for o in officers:
        pos = positions.get(o.pk)
        if pos is None:
            continue
        at, lat, lng, source = pos
        rows.append(
            {
                "id": o.pk,
                "name": o.display_name,
                "role": str(o.get_role_display()),
                "at": timezone.localtime(at).strftime("%H:%M"),
                "lat": lat,
                "lng": lng,
                "source": source,
            }
        )
    return JsonResponse(
        {
            "officers": rows,
            "counts": _live_counts(request.user, officers),
            "updated": timezone.localtime().strftime("%H:%M:%S"),
        }
    )


def _live_counts(user, officers) -> dict:
    """The command room's big numbers: open events, officers checked in, today's incidents."""
    from events import selectors as event_selectors
    from events.models import OPEN_STATES
    from incidents.models import Incident

    return {
        "open_events": event_selectors.events_for_user(user).filter(state__in=OPEN_STATES).count(),
        "checked_in": services.checked_in_count(officers),
        "incidents_today": Incident.objects.visible_to(user).filter(day=timezone.localdate()).count(),
    }
