"""The work diary (工作日志): an officer's day compiled from what they recorded — community time,
visits (their own and those made with them), inspections, disputes, follow-ups, grid events and
publicity — never typed twice. One query per kind of record, whatever the day held."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Dispute, FollowUp, MediationSession
from events.models import EventLog
from field.models import Check, Kind, Publicity
from inspections.models import Inspection, InspectionStatus
from residents.models import Visit


@dataclass
class Entry:
    at: dt.datetime
    kind: str  # check, visit, inspection, dispute, session, followup, event, publicity
    title: str
    detail: str = ""
    url: str = ""
    flagged: bool = False
    code: str = ""  # check-ins: "in" or "out"


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def day_entries(user, day: dt.date) -> list[Entry]:
    """Everything ``user`` did on ``day`` (local), in time order."""
    start, end = _bounds(day)
    entries: list[Entry] = []
    for c in Check.objects.filter(user=user, at__gte=start, at__lt=end).select_related("grid"):
        entries.append(
            Entry(
                c.at,
                "check",
                str(c.get_kind_display()),
                c.grid.name if c.grid else _("outside every grid"),
                flagged=not c.inside,
                code=c.kind,
            )  # fmt: skip
        )
    visits = (
        Visit.objects.filter(Q(user=user) | Q(participants=user), at__gte=start, at__lt=end)
        .distinct()
        .select_related("building", "house", "user")
    )
    for v in visits:
        where = v.building.address + (f" {v.house.unit}" if v.house_id else "")
        with_whom = "" if v.user_id == user.pk else _("with %(name)s") % {"name": v.user.display_name}
        entries.append(
            Entry(
                v.at,
                "visit",
                _("Visit") + (f"：{v.purpose}" if v.purpose else ""),
                "；".join(x for x in (where, with_whom) if x),
            )  # fmt: skip
        )
    inspections = Inspection.objects.filter(
        Q(officer=user) | Q(companions=user), status=InspectionStatus.SUBMITTED, submitted_at__gte=start,
        submitted_at__lt=end,
    ).distinct().select_related("venue", "house__building")  # fmt: skip
    for i in inspections:
        entries.append(
            Entry(
                i.submitted_at,
                "inspection",
                _("Inspection"),
                i.venue.name if i.venue_id else str(i.house),
                reverse("inspections:detail", args=[i.pk]),
            )  # fmt: skip
        )
    for d in Dispute.objects.filter(created_by=user, created_at__gte=start, created_at__lt=end):
        entries.append(
            Entry(
                d.created_at,
                "dispute",
                _("Dispute recorded"),
                f"{d.reference} {d.get_category_display()}",
                reverse("disputes:detail", args=[d.pk]),
            )  # fmt: skip
        )
    sessions = MediationSession.objects.filter(recorded_by=user, held_at__gte=start, held_at__lt=end).select_related(
        "dispute"
    )
    for s in sessions:
        entries.append(
            Entry(
                s.held_at,
                "session",
                _("Mediation session"),
                f"{s.dispute.reference} · {s.get_outcome_display()}",
                reverse("disputes:detail", args=[s.dispute_id]),
            )  # fmt: skip
        )
    for f in FollowUp.objects.filter(done_by=user, done_at__gte=start, done_at__lt=end).select_related("dispute"):
        kept = _("agreement kept") if f.kept else _("recurred")
        entries.append(
            Entry(
                f.done_at,
                "followup",
                _("Follow-up visit"),
                f"{f.dispute.reference} · {f.day} · {kept}",
                reverse("disputes:detail", args=[f.dispute_id]),
            )  # fmt: skip
        )
    logs = EventLog.objects.filter(
        user=user, at__gte=start, at__lt=end, action__in=("reported", "accepted", "escalated", "handled")
    ).select_related("event")
    labels = {"reported": _("Event reported"), "accepted": _("Event accepted"), "escalated": _("Event escalated"),
              "handled": _("Event handled")}  # fmt: skip
    for log in logs:
        entries.append(
            Entry(
                log.at,
                "event",
                labels[log.action],
                f"{log.event.reference} {log.event.get_category_display()}",
                reverse("events:detail", args=[log.event_id]),
            )  # fmt: skip
        )
    publicity = Publicity.objects.filter(Q(user=user) | Q(participants=user), held_on=day).distinct()
    for p in publicity:
        noon = start + dt.timedelta(hours=12)
        detail = _("%(place)s; %(leaflets)d leaflets, %(people)d people") % {
            "place": p.place, "leaflets": p.leaflets, "people": p.people}  # fmt: skip
        entries.append(Entry(p.created_at if start <= p.created_at < end else noon, "publicity",
                             _("Publicity: %(topic)s") % {"topic": p.get_topic_display()}, detail))  # fmt: skip
    entries.sort(key=lambda e: e.at)
    return entries


def summary(entries: list[Entry]) -> dict:
    """Counts per kind, and the hours between check-ins and check-outs of the day."""
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    hours, start = 0.0, None
    for e in entries:
        if e.kind != "check":
            continue
        if e.code == Kind.IN:
            start = e.at
        elif start is not None:
            hours += (e.at - start).total_seconds() / 3600
            start = None
    counts["hours"] = round(hours, 1)
    return counts
