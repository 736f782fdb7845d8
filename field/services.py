"""Check-in and check-out of community time, and the hours they add up to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, User
from field.models import Check, Kind
from grid.scope import scope_for
from grid.services import grid_for_point

MAX_SHIFT = dt.timedelta(hours=14)  # an open check-in older than this does not count on


def home_station_id(user) -> int | None:
    """The officer's station: their account's, else that of the grids they work."""
    if user.station_id:
        return user.station_id
    scope = scope_for(user)
    return min(scope.station_ids) if scope.station_ids else None


def station_officers(station_id: int):
    """The active officers and auxiliaries of a station: by account or by the grids they work."""
    from grid.models import CommunityGrid, PoliceGrid

    by_grid = PoliceGrid.objects.filter(station_id=station_id).values("officer_id")
    by_aux = CommunityGrid.objects.filter(police_grid__station_id=station_id).values("auxiliary_id")
    return User.objects.filter(is_active=True, role__in=("officer", "auxiliary")).filter(
        Q(station_id=station_id) | Q(pk__in=by_grid) | Q(pk__in=by_aux)
    )


def last_check(user) -> Check | None:
    return Check.objects.filter(user=user).order_by("-at", "-id").first()


def checked_in(user) -> Check | None:
    """The open check-in (the last row is a check-in, less than 14 hours old), or None."""
    last = last_check(user)
    if last is not None and last.kind == Kind.IN and timezone.now() - last.at < MAX_SHIFT:
        return last
    return None


@transaction.atomic
def check(*, user, kind: str, lat, lng, accuracy=None, note: str = "") -> Check:
    """Record a check-in or check-out at the phone's position. Outside the user's own grids it is
    recorded but flagged; a check-in while checked in (or a check-out while not) is refused."""
    if not (user.is_superuser or user.role in STAFF_ROLES):
        raise ValidationError(_("Only officers record community time."))
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Check in or check out.")})
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationError(
            {"location": _("The phone did not give its position: allow location access and try again.")}
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"location": _("The location is not a valid position.")})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one check at a time per user
    open_ = checked_in(user)
    if kind == Kind.IN and open_ is not None:
        raise ValidationError(_("You are already checked in since %(time)s.") % {
            "time": timezone.localtime(open_.at).strftime("%H:%M")})  # fmt: skip
    if kind == Kind.OUT and open_ is None:
        raise ValidationError(_("You are not checked in."))
    grid = grid_for_point(lat=lat, lng=lng)
    scope = scope_for(user)
    inside = grid is not None and (scope.everything or grid.pk in scope.community_grid_ids)
    station_id = home_station_id(user) or (grid.police_grid.station_id if grid is not None else None)
    return Check.objects.create(
        user=user, kind=kind, at=timezone.now(), lat=lat, lng=lng,
        accuracy=float(accuracy) if accuracy not in (None, "") else None,
        grid=grid, station_id=station_id, inside=inside, note=(note or "").strip()[:200],
    )  # fmt: skip


@dataclass
class Shift:
    start: Check
    end: Check | None

    @property
    def hours(self) -> float:
        end = self.end.at if self.end else min(timezone.now(), self.start.at + MAX_SHIFT)
        return max((end - self.start.at).total_seconds(), 0) / 3600

    @property
    def flagged(self) -> bool:
        return not self.start.inside or (self.end is not None and not self.end.inside)


def shifts(checks) -> list[Shift]:
    """Pair check-ins with the following check-out (in time order). A check-in without one runs to
    now, at most 14 hours; a check-out without a check-in is ignored."""
    out, open_ = [], None
    for c in sorted(checks, key=lambda c: (c.at, c.id)):
        if c.kind == Kind.IN:
            if open_ is not None:
                out.append(Shift(open_, None))
            open_ = c
        elif open_ is not None:
            out.append(Shift(open_, c))
            open_ = None
    if open_ is not None:
        out.append(Shift(open_, None))
    return out


def hours(user, start: dt.date, end: dt.date) -> float:
    """Hours in the community between two local dates (inclusive), by check-in day."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = Check.objects.filter(user=user, at__gte=since, at__lt=until + MAX_SHIFT)
    return round(sum(s.hours for s in shifts(rows) if s.start.at < until), 2)


@transaction.atomic
def publicity_record(
    *, user, held_on: dt.date, topic: str, place: str, grid, leaflets: int = 0, people: int = 0, notes: str = "",
    participants=(),
):  # fmt: skip
    """Record a publicity activity in one of the user's grids (colleagues may share it)."""
    from field.models import Publicity, Topic

    errors = {}
    scope = scope_for(user)
    if grid is None or not (scope.everything or grid.pk in scope.community_grid_ids):
        errors["grid"] = _("Choose one of your grids.")
    if topic not in Topic.values:
        errors["topic"] = _("Choose the topic.")
    place = (place or "").strip()
    if not place:
        errors["place"] = _("Enter where it took place.")
    if held_on is None:
        errors["held_on"] = _("Enter the date.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("The date cannot be in the future.")
    for key, value in (("leaflets", leaflets), ("people", people)):
        if value is None or value < 0 or value > 100_000:
            errors[key] = _("Enter a number from 0 to 100,000.")
    if errors:
        raise ValidationError(errors)
    activity = Publicity.objects.create(
        user=user, held_on=held_on, topic=topic, place=place[:100], grid=grid, leaflets=leaflets, people=people,
        notes=(notes or "").strip()[:500],
    )  # fmt: skip
    others = [p for p in participants if p.pk != user.pk]
    if others:
        activity.participants.set(others)
    return activity


# --- patrols --------------------------------------------------------------------------------------

MAX_POINTS_PER_POST = 120  # a phone that was offline sends what it kept, up to an hour


def open_patrol(user):
    from field.models import Patrol

    return Patrol.objects.filter(user=user, ended_at__isnull=True).order_by("-started_at").first()


@transaction.atomic
def patrol_start(*, user):
    from field.models import Patrol

    if not (user.is_superuser or user.role in STAFF_ROLES):
        raise ValidationError(_("Only officers record patrols."))
    User.objects.select_for_update().filter(pk=user.pk).first()
    if open_patrol(user) is not None:
        raise ValidationError(_("A patrol is already running."))
    return Patrol.objects.create(user=user, station_id=home_station_id(user), started_at=timezone.now())


@transaction.atomic
def patrol_stop(*, user):
    patrol = open_patrol(user)
    if patrol is None:
        raise ValidationError(_("No patrol is running."))
    patrol.ended_at = timezone.now()
    patrol.save(update_fields=["ended_at"])
    return patrol


def track_add(*, user, points: list) -> int:
    """Positions posted by the phone during the running patrol: ``[{"at": ISO time, "lat", "lng",
    "accuracy"}]``; points outside the patrol's time, or already stored, are skipped. Returns the
    number stored."""
    from field.models import TrackPoint

    patrol = open_patrol(user)
    if patrol is None:
        raise ValidationError(_("No patrol is running."))
    if not isinstance(points, list) or not points or len(points) > MAX_POINTS_PER_POST:
        raise ValidationError({"points": _("Send between 1 and 120 positions.")})
    now = timezone.now()
    rows = []
    for n, p in enumerate(points):
        try:
            at = dt.datetime.fromisoformat(str(p["at"]))
            lat, lng = float(p["lat"]), float(p["lng"])
            accuracy = float(p["accuracy"]) if p.get("accuracy") not in (None, "") else None
        except (KeyError, TypeError, ValueError):
            raise ValidationError({"points": _("Position %(n)d cannot be read.") % {"n": n + 1}}) from None
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError({"points": _("Position %(n)d is not a valid position.") % {"n": n + 1}})
        if patrol.started_at - dt.timedelta(minutes=1) <= at <= now + dt.timedelta(minutes=1):
            rows.append(TrackPoint(patrol=patrol, at=at, lat=lat, lng=lng, accuracy=accuracy))
    stored = set(TrackPoint.objects.filter(patrol=patrol, at__in=[r.at for r in rows]).values_list("at", flat=True))
    new = [r for r in rows if r.at not in stored]
    TrackPoint.objects.bulk_create(new, ignore_conflicts=True)  # a retried post adds nothing twice
    return len(new)


def checked_in_count(officers) -> int:
    """How many of ``officers`` are checked in now (their last check, within 14 hours, is a check-in):
    one query however many officers."""
    since = timezone.now() - MAX_SHIFT
    last = {}
    for user_id, kind in (
        Check.objects.filter(user_id__in=[o.pk for o in officers], at__gte=since)
        .order_by("user_id", "-at")
        .values_list("user_id", "kind")
    ):
        last.setdefault(user_id, kind)
    return sum(1 for kind in last.values() if kind == Kind.IN)


def last_positions(officers) -> dict[int, tuple]:
    """Each officer's latest known position today: (at, lat, lng, source) from the last track
    point or check, whichever is newer."""
    from field.models import TrackPoint

    since = timezone.now() - MAX_SHIFT
    ids = [o.pk for o in officers]
    out: dict[int, tuple] = {}
    for c in Check.objects.filter(user_id__in=ids, at__gte=since).order_by("user_id", "-at"):
        out.setdefault(c.user_id, (c.at, c.lat, c.lng, "check"))
    # The newest point of each recent patrol: one aggregate, then those points (never all of them).
    from django.db.models import Max

    from field.models import Patrol

    latest = dict(
        Patrol.objects.filter(user_id__in=ids, started_at__gte=since - MAX_SHIFT)
        .annotate(last=Max("points__at"))
        .exclude(last=None)
        .values_list("pk", "last")
    )
    q = Q(pk__in=[])
    for patrol_id, at in latest.items():
        q |= Q(patrol_id=patrol_id, at=at)
    for user_id, at, lat, lng in TrackPoint.objects.filter(q).values_list("patrol__user_id", "at", "lat", "lng"):
        if at >= since and (user_id not in out or out[user_id][0] < at):
            out[user_id] = (at, lat, lng, "track")
    return out
