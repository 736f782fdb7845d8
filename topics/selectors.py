"""Reads for community topics: the permission-checked fetches, the ledger filters and the
closure rate per grid.

Closure rate, over the topics *raised in the period* (meeting date in [since, until)):

* ``closed / raised`` — closed with a result (today, whenever that was); topics that cannot be
  solved, and those still open, count against it;
* ``on_time / raised`` — closed with a result no later than their due date (local date).

A grid with no topics raised in the period has no rate (shown as "—"), not 0 %.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from grid.models import CommunityGrid
from topics.models import OPEN_STATES, Meeting, State, Topic


def topics_for_user(user):
    return Topic.objects.visible_to(user)


def meetings_for_user(user):
    return Meeting.objects.visible_to(user)


def get_topic_for_user(user, pk) -> Topic:
    qs = topics_for_user(user).select_related("meeting__host", "grid", "person", "responsible_user", "created_by")
    return get_object_or_404(qs, pk=pk)


def get_meeting_for_user(user, pk) -> Meeting:
    return get_object_or_404(meetings_for_user(user).select_related("grid", "host"), pk=pk)


def overdue_q(today: dt.date | None = None) -> Q:
    """Past the due date and not closed (nor given up)."""
    return Q(state__in=OPEN_STATES, due_on__lt=today or timezone.localdate())


def closure_by_grid(user, *, since: dt.datetime | None, until: dt.datetime | None = None) -> list[dict]:
    """Per visible grid with topics raised in [since, until): raised, closed, on time, cannot be
    solved, still open, overdue; and the two rates (``None`` when nothing was raised). One query."""
    qs = topics_for_user(user)
    if since is not None:
        qs = qs.filter(raised_at__gte=since)
    if until is not None:
        qs = qs.filter(raised_at__lt=until)
    today = timezone.localdate()
    rows = (
        qs.values("grid_id", "grid__name")
        .annotate(
            raised=Count("id"),
            closed=Count("id", filter=Q(state=State.CLOSED)),
            on_time=Count("id", filter=Q(state=State.CLOSED, closed_at__date__lte=F("due_on"))),
            unsolvable=Count("id", filter=Q(state=State.UNSOLVABLE)),
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("id", filter=overdue_q(today)),
        )
        .order_by("grid__name", "grid_id")
    )
    out = []
    for row in rows:
        raised = row["raised"]
        out.append(
            {
                "grid_id": row["grid_id"],
                "grid": row["grid__name"],
                "raised": raised,
                "closed": row["closed"],
                "on_time": row["on_time"],
                "unsolvable": row["unsolvable"],
                "open": row["open"],
                "overdue": row["overdue"],
                "rate": row["closed"] / raised if raised else None,
                "on_time_rate": row["on_time"] / raised if raised else None,
            }
        )
    return out


def totals(rows: list[dict]) -> dict:
    keys = ("raised", "closed", "on_time", "unsolvable", "open", "overdue")
    total = {k: sum(r[k] for r in rows) for k in keys}
    total["rate"] = total["closed"] / total["raised"] if total["raised"] else None
    total["on_time_rate"] = total["on_time"] / total["raised"] if total["raised"] else None
    return total


def writable_grids(user):
    return CommunityGrid.objects.visible_to(user).order_by("name")
