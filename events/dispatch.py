"""The event cycle: report (or add to a similar open event) → accept → handle → report back →
rate, with tiered dispatch and the escalation clock.

Tiers: the community grid (its grid worker or auxiliary), the police grid (its officer), the
station (its chief), a named department (the station records its answer). Each tier has, per
category, a time to accept and a time to handle (``TierLimit`` rows, else ``DEFAULT_LIMITS``).
An event not accepted, or not handled, in time moves up a tier automatically (``escalate_due``,
run by Celery beat every five minutes) up to the station; the station passes an event on to a
department by hand. "采办分离": the reporter can never accept or handle their own event.
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from events.models import (
    OPEN_STATES,
    Category,
    Event,
    EventLog,
    EventPhoto,
    PhotoKind,
    PointAward,
    Source,
    State,
    Supporter,
    Tier,
    TierLimit,
)
from grid.models import Building, CommunityGrid
from grid.services import grid_for_point
from lib.images import ImageRejected, clean_photo

MAX_PHOTOS = 3
SIMILAR_METRES = 100
SIMILAR_HOURS = 48
POINTS_ACCEPTED = 10
POINTS_ADDED = 2
H = 60  # minutes

# (minutes to accept, minutes to handle) per tier; urgent categories are quicker.
_NORMAL = {Tier.GRID: (2 * H, 24 * H), Tier.POLICE_GRID: (2 * H, 48 * H), Tier.STATION: (4 * H, 72 * H),
           Tier.DEPARTMENT: (24 * H, 7 * 24 * H)}  # fmt: skip
_URGENT = {Tier.GRID: (30, 4 * H), Tier.POLICE_GRID: (30, 8 * H), Tier.STATION: (60, 24 * H),
           Tier.DEPARTMENT: (4 * H, 72 * H)}  # fmt: skip
URGENT_CATEGORIES = (Category.SAFETY, Category.FIRE, Category.DISPUTE)
DEFAULT_LIMITS = {(c, t): (_URGENT if c in URGENT_CATEGORIES else _NORMAL)[t] for c in Category.values for t in Tier}

ACTIONS = {
    "reported": gettext_lazy("Reported"),
    "joined": gettext_lazy("Also reported by"),
    "accepted": gettext_lazy("Accepted"),
    "escalated": gettext_lazy("Escalated"),
    "auto_escalated": gettext_lazy("Escalated automatically: time limit passed"),
    "handled": gettext_lazy("Handled and reported back"),
    "reopened": gettext_lazy("Reopened by the reporter"),
    "rated": gettext_lazy("Rated by the reporter"),
    "dispatched": gettext_lazy("Dispatched by the command room"),
}
URGENT_ACCEPT_MINUTES = 15


def now() -> dt.datetime:
    return timezone.now()


def limits(category: str, tier: int) -> tuple[int, int]:
    """(minutes to accept, minutes to handle) for a category at a tier."""
    row = TierLimit.objects.filter(category=category, tier=tier).values_list("accept_minutes", "handle_minutes").first()
    return tuple(row) if row else DEFAULT_LIMITS[(category, Tier(tier))]


def _log(event: Event, action: str, *, user=None, note: str = "", at=None) -> EventLog:
    return EventLog.objects.create(
        event=event, action=action, user=user, tier=event.tier, note=(note or "")[:500], at=at or now()
    )


# --- who handles ------------------------------------------------------------------------------


def candidates(event: Event) -> list[User]:
    """The users who may accept and handle the event at its current tier (never its reporter);
    an urgent event dispatched by the command room: the officer it was sent to."""
    if event.assigned_to_id and event.state == State.REPORTED:
        return [event.assigned_to] if event.assigned_to_id != event.reporter_id else []
    grid = event.grid
    if event.tier == Tier.GRID:
        users = [u for u in (grid.grid_worker, grid.auxiliary) if u is not None]
    elif event.tier == Tier.POLICE_GRID:
        users = [grid.police_grid.officer] if grid.police_grid.officer_id else []
    else:  # the station handles, and records a department's answer
        users = list(User.objects.filter(role=Role.CHIEF, station_id=grid.police_grid.station_id, is_active=True))
    return [u for u in users if u.is_active and u.pk != event.reporter_id]


def can_act(user, event: Event) -> bool:
    """May ``user`` accept, escalate or report back on the event now?"""
    if user.pk == event.reporter_id:
        return False
    if event.state == State.ACCEPTED and event.handler_id:
        return user.pk == event.handler_id or (user.is_superuser or user.role == Role.ADMIN)
    return user.is_superuser or user.role == Role.ADMIN or any(u.pk == user.pk for u in candidates(event))


def _first_tier(event: Event) -> int:
    """The lowest tier with someone other than the reporter to handle it."""
    for tier in (Tier.GRID, Tier.POLICE_GRID):
        event.tier = tier
        if candidates(event):
            return tier
    return Tier.STATION


def _arm(event: Event, at: dt.datetime) -> None:
    """Start the clock of the event's tier: accept by, and (once accepted) handle by."""
    accept, handle = limits(event.category, event.tier)
    if event.state == State.REPORTED:
        event.accept_by, event.handle_by = at + dt.timedelta(minutes=accept), None
    else:
        event.accept_by, event.handle_by = None, at + dt.timedelta(minutes=handle)


# --- reporting --------------------------------------------------------------------------------


def _clean_photos(photos) -> list:
    photos = [p for p in photos or [] if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most 3 photos.")})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(clean_photo(upload))
        except ImageRejected as exc:
            name = getattr(upload, "name", "")
            raise ValidationError({"photos": f"{name}: {exc}" if name else str(exc)}) from None
    return cleaned


def _save_photos(event: Event, cleaned, *, kind: str, user) -> None:
    for clean in cleaned:
        photo = EventPhoto(event=event, kind=kind, uploaded_by=user)
        photo.image.save(clean.image.name, clean.image, save=False)
        photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
        photo.save()


def _metres(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance (haversine) in metres."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def similar_open(*, category: str, lat: float, lng: float, at: dt.datetime | None = None, limit: int = 5):
    """Open events of the same category within 100 m, reported in the last 48 hours, nearest
    first — offered before filing, so the reporter can add to one instead."""
    at = at or now()
    dlat = SIMILAR_METRES / 111_000
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = Event.objects.filter(
        category=category, state__in=(*OPEN_STATES, State.HANDLED),
        lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng),
        reported_at__gte=at - dt.timedelta(hours=SIMILAR_HOURS), reported_at__lte=at,
    ).select_related("grid")  # fmt: skip
    near = [(m, e) for e in rows if (m := _metres(lat, lng, e.lat, e.lng)) <= SIMILAR_METRES]
    near.sort(key=lambda pair: pair[0])
    for metres, event in near:
        event.distance = round(metres)
    return [e for _m, e in near[:limit]]


def _locate(*, lat, lng, building: Building | None) -> tuple[float, float, CommunityGrid]:
    if building is not None:
        return building.lat, building.lng, building.grid
    if lat is None or lng is None:
        raise ValidationError(
            {"location": _("Give the location: use the phone's position, pick it on the map or scan the door plate.")}
        )
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"location": _("The location is not a valid position.")})
    grid = grid_for_point(lat=lat, lng=lng)
    if grid is None:
        raise ValidationError(
            {"location": _("This location lies outside every community grid: check the point on the map.")}
        )
    return lat, lng, grid


@transaction.atomic
def event_report(
    *, user, category: str, description: str, lat: float | None = None, lng: float | None = None,
    building: Building | None = None, photos=(), source: str = Source.APP,
) -> Event:  # fmt: skip
    """File an event: placed in its grid, dispatched to the lowest tier with a handler other than
    the reporter, with that tier's clock started. Photos are checked before anything is saved."""
    description = (description or "").strip()
    errors = {}
    if category not in Category.values:
        errors["category"] = _("Choose a category.")
    if not description:
        errors["description"] = _("Describe what you saw.")
    elif len(description) > 1000:
        errors["description"] = _("At most 1000 characters.")
    try:
        lat, lng, grid = _locate(lat=lat, lng=lng, building=building)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_photos(photos)
    at = now()
    event = Event(
        category=category, description=description, lat=lat, lng=lng, building=building, grid=grid,
        reporter=user, source=source, reported_at=at, state=State.REPORTED,
    )  # fmt: skip
    event.tier = _first_tier(event)
    _arm(event, at)
    event.save()
    _save_photos(event, cleaned, kind=PhotoKind.REPORT, user=user)
    _log(event, "reported", user=user, at=at)
    return event


@transaction.atomic
def event_join(*, event: Event, user, note: str = "", photos=()) -> Event:
    """Add to a similar open event instead of filing a duplicate."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.state == State.CLOSED:
        raise ValidationError(_("This event is already closed: report a new one."))
    if event.reporter_id == user.pk or Supporter.objects.filter(event=event, user=user).exists():
        raise ValidationError(_("You have already reported this event."))
    cleaned = _clean_photos(photos)
    Supporter.objects.create(event=event, user=user, note=(note or "").strip()[:500])
    _save_photos(event, cleaned, kind=PhotoKind.ADDITION, user=user)
    _log(event, "joined", user=user, note=(note or "").strip())
    _award(user, event, POINTS_ADDED, "joined")
    return event


def _award(user, event: Event, points: int, reason: str) -> None:
    if user.role in (Role.VOLUNTEER, Role.GRID_WORKER):
        PointAward.objects.get_or_create(
            user=user, event=event, reason=reason, defaults={"points": points, "grid_id": event.grid_id}
        )


# --- handling ---------------------------------------------------------------------------------


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("grid__police_grid").get(pk=event.pk)


def _refuse_reporter(event: Event, user) -> None:
    if user.pk == event.reporter_id:
        raise ValidationError(_("You reported this event: someone else handles it (采办分离)."))


@transaction.atomic
def event_accept(*, event: Event, user) -> Event:
    """A handler of the current tier takes the event on; the handling clock starts; the reporter
    earns points."""
    event = _locked(event)
    _refuse_reporter(event, user)
    if event.state != State.REPORTED:
        raise ValidationError(
            _("This event is “%(state)s”: it cannot be accepted now.") % {"state": event.get_state_display()}
        )
    if not can_act(user, event):
        raise ValidationError(_("This event is for the %(tier)s tier to accept.") % {"tier": event.get_tier_display()})
    at = now()
    event.state, event.handler, event.accepted_at = State.ACCEPTED, user, at
    _arm(event, at)
    event.save()
    _log(event, "accepted", user=user, at=at)
    _award(event.reporter, event, POINTS_ACCEPTED, "accepted")
    return event


def _next_tier(event: Event, department: str) -> int:
    if event.tier >= Tier.DEPARTMENT:
        raise ValidationError(_("This event is already with a department."))
    if event.tier == Tier.STATION:
        if not department.strip():
            raise ValidationError({"department": _("Name the department the station passes it to.")})
        return Tier.DEPARTMENT
    nxt = event.tier + 1
    if nxt == Tier.POLICE_GRID:
        event.tier = nxt
        if not candidates(event):  # no officer (or the officer reported it): straight to the station
            nxt = Tier.STATION
    return nxt


def _move_up(event: Event, *, tier: int, department: str, at: dt.datetime) -> None:
    event.tier, event.state, event.handler, event.assigned_to = tier, State.REPORTED, None, None
    event.department = department.strip() if tier == Tier.DEPARTMENT else ""
    event.escalations += 1
    _arm(event, at)
    event.save()


@transaction.atomic
def event_escalate(*, event: Event, user, reason: str, department: str = "") -> Event:
    """Pass the event up a tier by hand (the station: to a named department), with the reason."""
    event = _locked(event)
    _refuse_reporter(event, user)
    reason = (reason or "").strip()
    if event.state not in OPEN_STATES:
        raise ValidationError(
            _("This event is “%(state)s”: it cannot be escalated.") % {"state": event.get_state_display()}
        )
    if not can_act(user, event):
        raise ValidationError(_("Only a handler of the current tier can escalate this event."))
    if not reason:
        raise ValidationError({"reason": _("Give the reason for escalating.")})
    at = now()
    tier = _next_tier(event, department)
    event.tier = tier
    _move_up(event, tier=tier, department=department, at=at)
    where = event.get_tier_display() + (f"（{event.department}）" if event.department else "")
    _log(event, "escalated", user=user, at=at, note=f"→ {where}：{reason}")
    return event


def escalate_due(*, at: dt.datetime | None = None) -> int:
    """Move up every event whose tier's time limit has passed (not accepted, or not handled, in
    time), up to the station. Run by beat; each event in its own short transaction. Returns the
    number escalated."""
    at = at or now()
    late = Event.objects.filter(tier__lt=Tier.STATION).filter(
        Q(state=State.REPORTED, accept_by__lt=at) | Q(state=State.ACCEPTED, handle_by__lt=at)
    )
    done = 0
    for pk in late.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            event = (
                Event.objects.select_for_update(skip_locked=True)
                .select_related("grid__police_grid")
                .filter(pk=pk)
                .first()
            )
            if event is None or event.tier >= Tier.STATION:
                continue
            if event.state == State.REPORTED and event.accept_by and event.accept_by < at:
                why = _("not accepted within the time limit")
            elif event.state == State.ACCEPTED and event.handle_by and event.handle_by < at:
                why = _("not handled within the time limit")
            else:
                continue
            before = event.get_tier_display()
            tier = _next_tier(event, "")
            _move_up(event, tier=tier, department="", at=at)
            _log(event, "auto_escalated", at=at, note=f"{before} → {event.get_tier_display()}：{why}")
            done += 1
    return done


@transaction.atomic
def event_handle(*, event: Event, user, note: str, photos=()) -> Event:
    """The handler reports back with a note (and photos); the reporter is asked to rate."""
    event = _locked(event)
    _refuse_reporter(event, user)
    note = (note or "").strip()
    if event.state != State.ACCEPTED:
        raise ValidationError(_("Accept the event before reporting back."))
    if user.pk != event.handler_id and not (user.is_superuser or user.role == Role.ADMIN):
        raise ValidationError(_("Only the handler who accepted the event can report back."))
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if len(note) > 500:
        raise ValidationError({"note": _("At most 500 characters.")})
    cleaned = _clean_photos(photos)
    at = now()
    event.state, event.handled_at, event.handle_by = State.HANDLED, at, None
    event.save()
    _save_photos(event, cleaned, kind=PhotoKind.FEEDBACK, user=user)
    _log(event, "handled", user=user, at=at, note=note)
    return event


@transaction.atomic
def event_rate(*, event: Event, user, rating: int, comment: str = "") -> Event:
    """The reporter rates the result (1–5); the event is closed."""
    event = _locked(event)
    if user.pk != event.reporter_id:
        raise ValidationError(_("Only the reporter rates the result."))
    if event.state != State.HANDLED:
        raise ValidationError(_("The event can be rated once it has been handled."))
    if rating not in (1, 2, 3, 4, 5):
        raise ValidationError({"rating": _("Choose 1 to 5 stars.")})
    at = now()
    event.state, event.rating, event.rating_comment, event.closed_at = (
        State.CLOSED,
        rating,
        (comment or "").strip()[:300],
        at,
    )
    event.save()
    _log(event, "rated", user=user, at=at, note=f"{'★' * rating}{'☆' * (5 - rating)} {event.rating_comment}".strip())
    return event


@transaction.atomic
def event_reopen(*, event: Event, user, reason: str) -> Event:
    """The reporter, unsatisfied, sends it back to the same handler once."""
    event = _locked(event)
    reason = (reason or "").strip()
    if user.pk != event.reporter_id:
        raise ValidationError(_("Only the reporter can reopen the event."))
    if event.state != State.HANDLED:
        raise ValidationError(_("Only a handled event can be reopened."))
    if event.reopen_count >= 1:
        raise ValidationError(_("An event can be reopened once; rate it now."))
    if not reason:
        raise ValidationError({"reason": _("Say what is still wrong.")})
    at = now()
    event.state, event.reopen_count, event.handled_at = State.ACCEPTED, event.reopen_count + 1, None
    _arm(event, at)
    event.save()
    _log(event, "reopened", user=user, at=at, note=reason)
    return event


# --- time limits ------------------------------------------------------------------------------


@transaction.atomic
def limits_save(*, user, rows) -> int:
    """An administrator sets the time limits (the same for every station; chiefs read them):
    ``rows`` are ``(category, tier, accept_minutes, handle_minutes)``. Each must be a positive
    whole number of minutes, accepting quicker than handling; any error saves nothing
    (``ValidationError`` keyed ``"<category>-<tier>"``). A row equal to the default is stored as
    no row (the defaults keep applying). Returns the number of rows stored.
    """
    if not (user.is_superuser or user.role == Role.ADMIN):  # one policy for every station: the district's
        raise ValidationError(_("Only an administrator sets the time limits; they apply to every station."))
    errors, clean = {}, {}
    for category, tier, accept, handle in rows:
        key = f"{category}-{tier}"
        if category not in Category.values or tier not in Tier.values:
            errors[key] = _("Unknown category or tier.")
            continue
        if isinstance(accept, bool) or isinstance(handle, bool):
            accept = handle = None
        if not (isinstance(accept, int) and isinstance(handle, int)) or accept <= 0 or handle <= 0:
            errors[key] = _("Give both limits as a positive number of minutes.")
        elif accept >= handle:
            errors[key] = _("The time to accept must be shorter than the time to handle.")
        else:
            clean[(category, int(tier))] = (accept, handle)
    if errors:
        raise ValidationError(errors)
    stored = 0
    for (category, tier), (accept, handle) in clean.items():
        if DEFAULT_LIMITS[(category, Tier(tier))] == (accept, handle):
            TierLimit.objects.filter(category=category, tier=tier).delete()
            continue
        TierLimit.objects.update_or_create(
            category=category, tier=tier, defaults={"accept_minutes": accept, "handle_minutes": handle}
        )
        stored += 1
    return stored


@transaction.atomic
def event_dispatch_urgent(*, event: Event, by, officer: User, metres: float | None = None) -> Event:
    """The command room sends an open event to an officer (the nearest one out in the community):
    it waits for that officer, who sees it at once on the phone, to accept within 15 minutes; if not,
    the clock moves it up as usual."""
    event = _locked(event)
    if not (by.is_superuser or by.role in (Role.CHIEF, Role.ADMIN)):
        raise ValidationError(_("Only the command room dispatches urgent events."))
    if event.state not in OPEN_STATES:
        raise ValidationError(
            _("This event is “%(state)s”: it cannot be dispatched.") % {"state": event.get_state_display()}
        )
    if officer.pk == event.reporter_id:
        raise ValidationError(_("The officer reported this event: someone else handles it (采办分离)."))
    if officer.role not in (Role.OFFICER, Role.AUXILIARY) or not officer.is_active:
        raise ValidationError(_("Choose an officer."))
    at = now()
    event.tier = max(event.tier, Tier.POLICE_GRID)
    event.state, event.handler, event.assigned_to = State.REPORTED, None, officer
    event.accept_by, event.handle_by = at + dt.timedelta(minutes=URGENT_ACCEPT_MINUTES), None
    event.save()
    distance = f"（{round(metres)} m）" if metres is not None else ""
    _log(event, "dispatched", user=by, at=at, note=f"→ {officer.display_name}{distance}")
    return event
