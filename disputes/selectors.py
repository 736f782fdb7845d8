"""Reads for the mediation ledger: scoped lists, the repeat-party flag, follow-ups due, figures.

Everything reads through ``visible_to``: staff see their grids' disputes, a mediator only the
disputes they are assigned to, grid workers, volunteers and landlords none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from statistics import median

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import STAFF_ROLES, Role
from disputes.models import (
    FINAL_STATES,
    Category,
    Dispute,
    DisputeState,
    FollowUp,
    FollowUpStatus,
    MediationSession,
    Mediator,
    MediatorType,
    Party,
)
from grid.models import CommunityGrid
from grid.selectors import grid_filter
from lib import paging
from lib.api_fields import query_id
from residents.models import Person

REPEAT_WINDOW_DAYS = 90
DISPUTE_ROLES = STAFF_ROLES | {Role.MEDIATOR}


def today() -> dt.date:
    return timezone.localdate()


def is_staff(user) -> bool:
    return user.is_superuser or user.role in STAFF_ROLES


def disputes_for_user(user):
    return Dispute.objects.visible_to(user)


def get_dispute_for_user(user, pk) -> Dispute:
    qs = disputes_for_user(user).select_related(
        "building", "house", "officer", "grid__police_grid__station", "created_by"
    ).prefetch_related(
        Prefetch("parties", queryset=Party.objects.select_related("person").order_by("order", "id")),
        Prefetch("mediators", queryset=Mediator.objects.order_by("type", "name")),
    )  # fmt: skip
    return get_object_or_404(qs, pk=pk)


def sessions_of(dispute: Dispute) -> list[MediationSession]:
    return list(
        dispute.sessions.select_related("recorded_by", "agreement")
        .prefetch_related("mediators", "parties_present")
        .order_by("held_at", "id")
    )


def timeline(dispute: Dispute):
    return list(dispute.events.select_related("user").order_by("at", "id"))


def mediators_for_user(user):
    return Mediator.objects.visible_to(user).select_related("station", "user")


def roster_for_dispute(dispute: Dispute):
    """The active mediators of the dispute's station (to assign or to record a session with)."""
    return Mediator.objects.filter(station_id=dispute.grid.police_grid.station_id, active=True).order_by("type", "name")


# --- the ledger -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilters:
    state: str = ""
    category: str = ""
    grid: CommunityGrid | None = None
    officer: int | None = None
    mediator_type: str = ""
    overdue: bool = False
    q: str = ""


def ledger_filters(user, params) -> LedgerFilters:
    """Filters from the query string; a grid the user cannot see is a 404, nonsense is ignored."""
    grid = grid_filter(user, params)
    officer = (params.get("officer") or "").strip()
    state = (params.get("state") or "").strip()
    category = (params.get("category") or "").strip()
    mediator_type = (params.get("mediator_type") or "").strip()
    return LedgerFilters(
        state=state if state in DisputeState.values else "",
        category=category if category in Category.values else "",
        grid=grid,
        officer=int(officer) if query_id(officer) is not None else None,
        mediator_type=mediator_type if mediator_type in MediatorType.values else "",
        overdue=params.get("overdue") in ("1", "on", "true"),
        q=(params.get("q") or "").strip()[:50],
    )


def overdue_followups(on: dt.date | None = None):
    return FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, due_on__lt=on or today())


def apply_filters(qs, f: LedgerFilters, *, with_state: bool = True):
    if with_state and f.state:
        qs = qs.filter(state=f.state)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.grid is not None:
        qs = qs.filter(grid=f.grid)
    if f.officer:
        qs = qs.filter(officer_id=f.officer)
    if f.mediator_type:
        qs = qs.filter(Exists(Mediator.disputes.through.objects.filter(
            dispute_id=OuterRef("pk"), mediator__type=f.mediator_type)))  # fmt: skip
    if with_state and f.overdue:
        qs = qs.filter(Exists(overdue_followups().filter(dispute_id=OuterRef("pk"))))
    if f.q:
        qs = qs.filter(Q(parties__name__icontains=f.q) | Q(building__address__icontains=f.q)).distinct()
    return qs


def ledger(user, f: LedgerFilters):
    """The ledger rows, newest first, with what a row shows."""
    return (
        apply_filters(disputes_for_user(user), f)
        .select_related("building", "house", "officer", "grid")
        .prefetch_related(Prefetch("parties", queryset=Party.objects.order_by("order", "id")))
        # Overdue follow-ups counted for the page's rows only (a GROUP BY over every dispute in scope
        # kept PostgreSQL from stopping at the page's 50 rows).
        .annotate(
            overdue_count=paging.count_of(FollowUp, "dispute", status=FollowUpStatus.SCHEDULED, due_on__lt=today())
        )  # fmt: skip
        .order_by("-received_at", "-id")
    )


def officers_for_filter(user):
    """The officers responsible for the disputes the user sees (for the ledger's filter)."""
    from accounts.models import User

    ids = disputes_for_user(user).order_by().values("officer_id").distinct()
    return User.objects.filter(pk__in=ids).order_by("full_name", "username")


# --- follow-ups -------------------------------------------------------------------------------


def week_end(on: dt.date) -> dt.date:
    """The Sunday of ``on``'s week (weeks run Monday to Sunday)."""
    return on + dt.timedelta(days=6 - on.weekday())


def followups_due(user, *, on: dt.date | None = None, mine: bool = True):
    """Scheduled follow-ups due by the end of this week, overdue ones first. ``mine``: only those
    of disputes the user is responsible for (a chief's or admin's list shows everyone's)."""
    on = on or today()
    qs = FollowUp.objects.visible_to(user).filter(status=FollowUpStatus.SCHEDULED, due_on__lte=week_end(on))
    if mine and user.role in (Role.OFFICER, Role.AUXILIARY) and not user.is_superuser:
        qs = qs.filter(dispute__officer=user)
    return (
        qs.select_related("dispute__building", "dispute__officer", "agreement")
        .prefetch_related(Prefetch("dispute__parties", queryset=Party.objects.order_by("order", "id")))
        .order_by("due_on", "id")
    )


def get_followup_for_user(user, pk) -> FollowUp:
    if not is_staff(user):
        raise Http404
    qs = FollowUp.objects.visible_to(user).select_related("dispute__building", "agreement", "dispute__officer")
    return get_object_or_404(qs, pk=pk)


# --- the repeat-party flag (重点关注) ----------------------------------------------------------


@dataclass
class RepeatFlag:
    """A party (or person) in two or more disputes within 90 days: the other disputes the user
    may open, and how many more there are outside the user's scope."""

    name: str
    party_id: int | None = None
    person_id: int | None = None
    disputes: list = field(default_factory=list)
    hidden: int = 0

    @property
    def total(self) -> int:
        return len(self.disputes) + self.hidden


def _identity_q(id_hashes: set[str], person_ids: set[int]) -> Q:
    q = Q(pk__in=[])
    if id_hashes:
        q |= Q(parties__id_number_hash__in=sorted(id_hashes))
    if person_ids:
        q |= Q(parties__person_id__in=sorted(person_ids))
    return q


def repeat_flags(dispute: Dispute, user) -> list[RepeatFlag]:
    """For each party of ``dispute``: the other disputes within 90 days of it (either side)."""
    parties = list(dispute.parties.all())
    if not parties:
        return []
    window = dt.timedelta(days=REPEAT_WINDOW_DAYS)
    hashes = {p.id_number_hash for p in parties if p.id_number_hash}
    persons = {p.person_id for p in parties if p.person_id}
    near = (
        Dispute.objects.filter(_identity_q(hashes, persons))
        .filter(received_at__gte=dispute.received_at - window, received_at__lte=dispute.received_at + window)
        .exclude(pk=dispute.pk)
        .distinct()
    )
    others = list(near.prefetch_related("parties").order_by("-received_at")[:50])
    visible = set(disputes_for_user(user).filter(pk__in=[d.pk for d in others]).values_list("pk", flat=True))
    flags = []
    for p in parties:
        flag = RepeatFlag(name=p.name, party_id=p.pk, person_id=p.person_id)
        for d in others:
            if any(
                (p.id_number_hash and o.id_number_hash == p.id_number_hash)
                or (p.person_id and o.person_id == p.person_id)
                for o in d.parties.all()
            ):
                if d.pk in visible:
                    flag.disputes.append(d)
                else:
                    flag.hidden += 1
        if flag.total:
            flags.append(flag)
    return flags


def person_flag(person: Person, user, *, on: dt.date | None = None) -> RepeatFlag | None:
    """重点关注 on a person's page: in two or more disputes received in the last 90 days."""
    on = on or today()
    since = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=REPEAT_WINDOW_DAYS), dt.time.min))
    hashes = {person.id_number_hash} if person.id_number_hash else set()
    disputes = list(
        Dispute.objects.filter(_identity_q(hashes, {person.pk}), received_at__gte=since)
        .distinct()
        .order_by("-received_at")[:50]
    )
    if len(disputes) < 2:
        return None
    visible = set(disputes_for_user(user).filter(pk__in=[d.pk for d in disputes]).values_list("pk", flat=True))
    flag = RepeatFlag(name=person.name, person_id=person.pk)
    for d in disputes:
        if d.pk in visible:
            flag.disputes.append(d)
        else:
            flag.hidden += 1
    return flag


# --- figures ----------------------------------------------------------------------------------


def _rate(resolved: int, final: int) -> float | None:
    return round(100 * resolved / final, 1) if final else None


def _success_rows(qs, key: str, labels: dict) -> list[dict]:
    """Lasting success by ``key``: resolved / (resolved + no agreement + referred)."""
    rows = (
        qs.order_by()
        .values(key)
        .annotate(
            total=Count("id", distinct=True),
            final=Count("id", filter=Q(state__in=FINAL_STATES), distinct=True),
            resolved=Count("id", filter=Q(state=DisputeState.RESOLVED), distinct=True),
            recurred=Count("id", filter=Q(reopen_count__gt=0), distinct=True),
        )
    )
    out = [
        {
            "key": r[key],
            "label": str(labels.get(r[key], r[key] or "—")),
            "total": r["total"],
            "final": r["final"],
            "resolved": r["resolved"],
            "recurred": r["recurred"],
            "rate": _rate(r["resolved"], r["final"]),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["total"], r["label"]))


def figures(qs, *, grids=None) -> dict:
    """The ledger's figures over the disputes ``qs`` (already scoped and filtered):

    - ``days_to_agreement``: median and mean days from intake to the (first) agreement;
    - ``success``: lasting success rate overall and by category, officer and mediator type —
      a dispute counts as successful only once its 90-day follow-up found no recurrence, over
      the disputes with a final outcome (resolved, no agreement, referred);
    - ``per_grid``: disputes per 1,000 residents of each community grid in ``grids``.
    """
    states = dict(qs.order_by().values_list("state").annotate(n=Count("id")))
    final = sum(states.get(s, 0) for s in FINAL_STATES)
    resolved = states.get(DisputeState.RESOLVED, 0)
    durations = [
        (agreed - received).total_seconds() / 86400
        for received, agreed in qs.filter(agreed_at__isnull=False)
        .order_by()
        .values_list("received_at", "agreed_at")[:20000]
    ]
    from accounts.models import User

    by_officer = _success_rows(qs, "officer_id", {})
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[r["key"] for r in by_officer])}
    for r in by_officer:
        r["label"] = names.get(r["key"], "—")
    by_type = _success_rows(qs.filter(mediators__isnull=False), "mediators__type", dict(MediatorType.choices))
    result = {
        "total": sum(states.values()),
        "states": {s: states.get(s, 0) for s in DisputeState.values},
        "final": final,
        "resolved": resolved,
        "success_rate": _rate(resolved, final),
        "days_to_agreement": {
            "median": round(median(durations), 1) if durations else None,
            "mean": round(sum(durations) / len(durations), 1) if durations else None,
            "n": len(durations),
        },
        "by_category": _success_rows(qs, "category", dict(Category.choices)),
        "by_officer": by_officer,
        "by_mediator_type": by_type,
        "per_grid": per_thousand(qs, grids) if grids is not None else [],
    }
    return result


def per_thousand(qs, grids) -> list[dict]:
    """Disputes per 1,000 residents of each grid (residents: registry persons living there)."""
    grids = list(grids.order_by("name").values("id", "name")[:500])
    ids = [g["id"] for g in grids]
    counts = dict(qs.filter(grid_id__in=ids).order_by().values_list("grid_id").annotate(n=Count("id")))
    residents = dict(Person.objects.filter(grid_id__in=ids).order_by().values_list("grid_id").annotate(n=Count("id")))
    rows = []
    for g in grids:
        n, people = counts.get(g["id"], 0), residents.get(g["id"], 0)
        rows.append(
            {
                "grid_id": g["id"],
                "label": g["name"],
                "disputes": n,
                "residents": people,
                "rate": round(1000 * n / people, 2) if people else None,
            }
        )
    return sorted(rows, key=lambda r: (-(r["rate"] or 0), r["label"]))
