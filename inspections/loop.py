"""The loop after a notice: deadlines, the daily sweep, re-inspection, the escalation ladder, the
hazard ledger and a venue's history. Services (writes) and selectors (reads) for the loop.

Rules, in one place:

- A hazard is *due* from its deadline day on (``deadline <= today``) while it is open or reported
  fixed; it is *overdue* from the day after (``deadline < today``). Both are computed from the
  date, so lists need no stored state.
- The daily sweep (``hazards_sweep``, Celery beat 06:30) only writes history: one ``due`` event per
  hazard when its deadline comes, so the hazard's timeline shows when the officer was asked to
  come back. Running it twice writes nothing the second time.
- Re-inspection of a notice (``reinspection_submit``) records a new submitted inspection
  (``reinspection_of`` = the notice) with one answer per hazard checked:
    * pass → the hazard is closed;
    * fail in round 1 → the hazard is closed as *reissued* and a round-2 hazard (``previous`` = the
      old one) with a shorter deadline goes on a second numbered notice;
    * fail in round 2 → the hazard is escalated: referred to the fire department.
  So at any time one hazard of a chain is live, and the ledger never counts a finding twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from grid.models import CommunityGrid, PoliceGrid
from inspections.models import (
    Answer,
    Grade,
    Hazard,
    HazardEvent,
    HazardStatus,
    Inspection,
    InspectionStatus,
    Photo,
    RectificationNotice,
    Result,
)
from lib.images import ImageRejected, clean_photo
from lib.tasks import enqueue_on_commit
from residents.models import House, VenueKind

POLICE_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN})
LIVE = (HazardStatus.OPEN, HazardStatus.FIXED_REPORTED)
# Round-2 deadlines are at most this many days (immediate stays immediate).
ROUND2_MAX_DAYS = 3


def today() -> dt.date:
    return timezone.localdate()


# ---- states -------------------------------------------------------------------------------------

STATES = {
    "open": gettext_lazy("Being rectified"),
    "due": gettext_lazy("Due today"),
    "overdue": gettext_lazy("Overdue"),
    "closed": gettext_lazy("Closed"),
    "escalated": gettext_lazy("Referred"),
}


def state_filter(state: str, *, on: dt.date) -> Q:
    """The ledger's states are disjoint: open (before the deadline), due (deadline today), overdue,
    closed, escalated."""
    live = Q(status__in=LIVE)
    return {
        "open": live & Q(deadline__gt=on),
        "due": live & Q(deadline=on),
        "overdue": live & Q(deadline__lt=on),
        "closed": Q(status=HazardStatus.CLOSED),
        "escalated": Q(status=HazardStatus.ESCALATED),
    }.get(state, Q())


def hazard_state(hazard: Hazard, *, on: dt.date) -> str:
    if hazard.status == HazardStatus.CLOSED:
        return "closed"
    if hazard.status == HazardStatus.ESCALATED:
        return "escalated"
    if hazard.deadline < on:
        return "overdue"
    if hazard.deadline == on:
        return "due"
    return "open"


# ---- the daily sweep ----------------------------------------------------------------------------


def hazards_sweep(*, on: dt.date | None = None) -> int:
    """Record a ``due`` event on every live hazard whose deadline has come and has none yet.

    Idempotent (a hazard gets one ``due`` event however often the sweep runs); returns how many
    events were written. The re-inspection lists themselves are selectors on the date.
    """
    on = on or today()
    # Two plain queries and a set difference: PostgreSQL planned the NOT EXISTS form as a nested
    # loop that took 15 s on the city's 210,000 hazards; these take well under a second.
    live = Hazard.objects.filter(status__in=LIVE, deadline__lte=on).order_by()
    recorded = set(
        HazardEvent.objects.filter(action="due", hazard__in=live.values("pk")).values_list("hazard_id", flat=True)
    )
    due = [(pk, deadline) for pk, deadline in live.values_list("id", "deadline") if pk not in recorded]
    events = [HazardEvent(hazard_id=pk, action="due", note=deadline.isoformat()) for pk, deadline in due]
    HazardEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


# ---- selectors ----------------------------------------------------------------------------------


def _hazard_rows(qs):
    """A page of hazards with what the ledger shows of each. Three relations are joined; the rest
    come in three small queries for the page: ten tables in one join took PostgreSQL longer to plan
    (25 ms on the city data) than to run."""
    return qs.select_related("notice", "venue", "grid").prefetch_related(
        Prefetch("house", queryset=House.objects.select_related("building")),
        Prefetch("inspection", queryset=Inspection.objects.select_related("officer")),
        Prefetch("next", queryset=Hazard.objects.select_related("notice")),
    )


def hazards_due_for(user, *, on: dt.date | None = None):
    """Re-inspections waiting for ``user``: live hazards in scope whose deadline has come, or that
    the merchant reported fixed. Ordered by deadline, then notice (to group a page by notice)."""
    on = on or today()
    qs = Hazard.objects.visible_to(user).filter(
        Q(status=HazardStatus.FIXED_REPORTED) | Q(status=HazardStatus.OPEN, deadline__lte=on)
    )
    return _hazard_rows(qs).order_by("deadline", "notice_id", "id")


@dataclass
class NoticeGroup:
    notice: RectificationNotice | None
    venue: object
    house: object
    hazards: list
    overdue: bool


def group_by_notice(hazards, *, on: dt.date) -> list[NoticeGroup]:
    """Consecutive hazards of one notice become one group (the list is ordered by notice)."""
    groups = []
    for _key, rows in itertools.groupby(hazards, key=lambda h: h.notice_id):
        rows = list(rows)
        h = rows[0]
        for r in rows:
            r.state = hazard_state(r, on=on)
        groups.append(
            NoticeGroup(
                notice=h.notice,
                venue=h.venue,
                house=h.house,
                hazards=rows,
                overdue=any(r.deadline < on for r in rows),
            )
        )
    return groups


def ledger_options(user) -> dict:
    """Choices for the ledger's filters, from the user's scope (two queries)."""
    grids = list(CommunityGrid.objects.visible_to(user).order_by("name").values_list("id", "name"))
    officers = list(
        PoliceGrid.objects.visible_to(user)
        .exclude(officer=None)
        .order_by("officer_id")
        .values_list("officer_id", "officer__full_name", "officer__username")
        .distinct()
    )
    return {
        "grids": grids,
        "officers": [(pk, full or username) for pk, full, username in officers],
        "grades": Grade.choices,
        "kinds": [(k.value, k.label) for k in VenueKind if k != VenueKind.OTHER],
        "states": list(STATES.items()),
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def hazards_ledger(user, *, state: str = "", grid=None, grade: str = "", kind: str = "", officer=None, on=None):
    """The hazard ledger in scope, filtered. Unknown filter values are ignored."""
    on = on or today()
    qs = Hazard.objects.visible_to(user)
    if state in STATES:
        qs = qs.filter(state_filter(state, on=on))
    if (g := _int(grid)) is not None:
        qs = qs.filter(grid_id=g)
    if grade in Grade.values:
        qs = qs.filter(grade=grade)
    if kind == VenueKind.GROUP_RENTAL:
        qs = qs.filter(Q(venue__kind=kind) | Q(house__isnull=False))
    elif kind in VenueKind.values:
        qs = qs.filter(venue__kind=kind)
    if (o := _int(officer)) is not None:
        qs = qs.filter(inspection__officer_id=o)
    order = ["deadline", "id"] if state in ("", "open", "due", "overdue") else ["-deadline", "-id"]
    return _hazard_rows(qs).order_by(*order)


def ledger_counts(user, *, on: dt.date | None = None) -> dict:
    """Re-inspections due (as on ``hazards_due_for``) and overdue live hazards in scope: one query."""
    on = on or today()
    return Hazard.objects.visible_to(user).aggregate(
        due=Count("id", filter=Q(status=HazardStatus.FIXED_REPORTED) | Q(status=HazardStatus.OPEN, deadline__lte=on)),
        overdue=Count("id", filter=Q(status__in=LIVE, deadline__lt=on)),
    )


def get_hazard_for_user(user, pk) -> Hazard:
    qs = _hazard_rows(Hazard.objects.visible_to(user)).select_related("previous__notice")
    qs = qs.prefetch_related("events__user", "fix_photos", "answer__photos")
    return get_object_or_404(qs, pk=pk)


def get_notice_for_reinspection(user, pk) -> RectificationNotice:
    qs = RectificationNotice.objects.visible_to(user).select_related(
        "inspection__venue__building", "inspection__house__building", "inspection__officer", "grid"
    )
    return get_object_or_404(qs, pk=pk)


def hazards_to_reinspect(notice: RectificationNotice) -> list[Hazard]:
    """The notice's hazards still to check, with the inspection photos and the merchant's "fixed" photos."""
    return list(
        notice.hazards.filter(status__in=LIVE)
        .select_related("answer")
        .prefetch_related("fix_photos", "answer__photos")
        .order_by("id")
    )


def venue_history(venue, *, limit: int = 50) -> dict:
    """A venue's inspections (with their notices) and hazards, newest first: two queries."""
    inspections = list(
        Inspection.objects.filter(venue=venue, status=InspectionStatus.SUBMITTED)
        .select_related("officer", "notice", "reinspection_of")
        .order_by("-submitted_at", "-id")[:limit]
    )
    hazards = list(
        Hazard.objects.filter(venue=venue).select_related("notice").order_by("-inspection__submitted_at", "-id")[:limit]
    )
    on = today()
    for h in hazards:
        h.state = hazard_state(h, on=on)
    return {
        "inspections": inspections,
        "hazards": hazards,
        "escalated": [h for h in hazards if h.status == HazardStatus.ESCALATED],
    }


# ---- re-inspection ------------------------------------------------------------------------------


@dataclass
class Finding:
    passed: bool
    note: str = ""
    photo: object = None  # an upload, required when failed


@dataclass
class ReinspectionResult:
    inspection: Inspection
    closed: list
    reissued: list
    escalated: list
    notice: RectificationNotice | None


def round2_days(grade: str) -> int:
    """The deadline of a second notice: immediate stays immediate, else half the first, at most 3 days."""
    days = int(grade)
    if days == 0:
        return 0
    return max(1, min(ROUND2_MAX_DAYS, days // 2))


def _save_photo(answer: Answer, clean) -> Photo:
    photo = Photo(answer=answer)
    photo.image.save(clean.image.name, clean.image, save=False)
    photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
    photo.save()
    return photo


def _event(hazard, user, action, note, at) -> None:
    event = HazardEvent.objects.create(hazard=hazard, user=user, action=action, note=note)
    if at is not None and abs((timezone.now() - at).total_seconds()) > 60:  # entered after the fact
        HazardEvent.objects.filter(pk=event.pk).update(at=at)


def reinspection_submit(*, notice: RectificationNotice, results: dict, user, at=None) -> ReinspectionResult:
    """Re-inspect every live hazard of ``notice`` (``results``: hazard id → :class:`Finding`, or a
    ``(passed, note, photo)`` tuple).

    Atomic; the notice row is locked, so a double submit finds nothing left to check and raises.
    Every live hazard needs a result; a failed one needs a note and a photo (checked and
    re-encoded before anything is written). Raises ``ValidationError`` keyed ``result_<id>``,
    ``note_<id>``, ``photo_<id>``. A second notice is rendered in the background after commit.
    ``at`` (default now) is for records entered after the fact (the demo seed).
    """
    from inspections import services

    findings = {int(k): (v if isinstance(v, Finding) else Finding(*v)) for k, v in results.items()}
    # Photos are checked before the transaction: decoding is slow and a bad file writes nothing.
    errors, cleaned = {}, {}
    for pk, f in findings.items():
        if f.passed:
            continue
        if not (f.note or "").strip():
            errors[f"note_{pk}"] = [_("Describe what is still wrong.")]
        if f.photo is None:
            errors[f"photo_{pk}"] = [_("A failed item needs a photo.")]
        else:
            try:
                cleaned[pk] = clean_photo(f.photo)
            except ImageRejected as exc:
                errors[f"photo_{pk}"] = [str(exc)]
    with transaction.atomic():
        notice = (
            RectificationNotice.objects.select_for_update().select_related("inspection", "station").get(pk=notice.pk)
        )
        live = list(
            notice.hazards.select_for_update(of=("self",))
            .filter(status__in=LIVE)
            .select_related("answer__item")
            .order_by("id")
        )
        if not live:
            raise ValidationError(_("Every hazard of this notice has already been re-inspected."))
        for h in live:
            if h.pk not in findings:
                errors[f"result_{h.pk}"] = [_("Choose pass or fail.")]
        if errors:
            raise ValidationError(errors)
        now = at or timezone.now()
        on = timezone.localdate(now)
        old = notice.inspection
        inspection = Inspection.objects.create(
            venue_id=old.venue_id, house_id=old.house_id, template_id=old.template_id, officer=user,
            status=InspectionStatus.SUBMITTED, submitted_at=now, reinspection_of=notice, grid_id=old.grid_id,
        )  # fmt: skip
        closed, reissued, escalated, new_notice = [], [], [], None
        for h in live:
            f = findings[h.pk]
            answer = Answer.objects.create(
                inspection=inspection, item=h.answer.item, result=Result.PASS if f.passed else Result.FAIL,
                note=(f.note or "").strip()[:500], grade="" if f.passed else h.grade,
            )  # fmt: skip
            if f.passed:
                h.status, h.closed_at = HazardStatus.CLOSED, now
                h.save(update_fields=["status", "closed_at"])
                _event(h, user, "closed", _("Re-inspection passed."), now)
                closed.append(h)
                continue
            _save_photo(answer, cleaned[h.pk])
            if h.round >= 2:
                h.status, h.closed_at = HazardStatus.ESCALATED, now
                h.save(update_fields=["status", "closed_at"])
                _event(h, user, "escalated", _("Second re-inspection failed: referred to the fire department."), now)
                escalated.append(h)
                continue
            if new_notice is None:
                seq = services._next_seq(notice.station, on.year)
                new_notice = RectificationNotice.objects.create(
                    inspection=inspection, station=notice.station, year=on.year, seq=seq,
                    number=services.notice_number(notice.station, on.year, seq), round=notice.round + 1,
                    grid_id=notice.grid_id,
                )  # fmt: skip
            days = round2_days(h.grade)
            successor = Hazard.objects.create(
                inspection=inspection, answer=answer, notice=new_notice, venue_id=h.venue_id, house_id=h.house_id,
                text=h.text, legal_basis=h.legal_basis, note=answer.note,
                grade=Grade.IMMEDIATE if days == 0 else Grade.DAYS_3, deadline=on + dt.timedelta(days=days),
                round=h.round + 1, previous=h, grid_id=h.grid_id,
            )  # fmt: skip
            _event(successor, user, "issued", new_notice.number, now)
            h.status, h.closed_at = HazardStatus.CLOSED, now
            h.save(update_fields=["status", "closed_at"])
            _event(h, user, "reissued", new_notice.number, now)
            reissued.append(successor)
        if new_notice is not None:
            from inspections.tasks import notice_render

            enqueue_on_commit(notice_render, new_notice.pk)
    return ReinspectionResult(inspection, closed, reissued, escalated, new_notice)
