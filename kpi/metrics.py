"""What the KPI pages count, each figure defined once: how its daily rows are computed and which
records are behind it (the drill-down lists exactly the records the figure counted).

A *flow* counts what happened on a day (visits made, events closed); a month is the sum of its
days. A *stock* is a state at the end of a day (residents, rental houses, overdue hazards); a
month takes its last day. Days are Beijing days (``TIME_ZONE``), whatever the database's zone.

Every flow has a *source*: a queryset of records, the field that dates them, the value
(count or a sum) and optionally who is credited (``credit`` paths: a visit made together is
credited to the recorder and each participant). Flows that need Python (community hours from
check-in/check-out pairs; hazards rectified by their deadline) give their own ``compute``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute, FollowUp
from events.models import Event, State
from field.models import Check, Kind, Publicity
from incidents.models import Category as IncidentCategory
from incidents.models import Incident
from inspections.models import Hazard, HazardStatus, Inspection
from rentals.models import DeclarationKind, DeclarationStatus, RentalDeclaration
from residents.models import ChangeLog, House, HouseUse, Person, Residence, Venue, Visit

FLOW, STOCK = "flow", "stock"
# A check-in without its check-out counts at most this long (a phone that died, a forgotten tap).
MAX_SESSION = dt.timedelta(hours=12)
FAST_INSPECTION = dt.timedelta(minutes=2)

Rows = Iterable[tuple[dt.date, int, int | None, int]]  # (day, grid id, credited user id or None, value)


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware instants from the start of ``first`` to the end of ``last``, Beijing time."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


@dataclass(frozen=True)
class Source:
    """Records dated by ``date_field`` (a DateTimeField, or a DateField when ``is_date``)."""

    queryset: Callable[[], QuerySet]
    date_field: str
    is_date: bool = False
    value: Callable | None = None  # an aggregate over the records (default: count them)
    credit: tuple[str, ...] = ()  # user paths credited with each record
    grid_field: str = "grid_id"

    def in_period(self, first: dt.date, last: dt.date) -> QuerySet:
        if self.is_date:
            return self.queryset().filter(**{f"{self.date_field}__gte": first, f"{self.date_field}__lte": last})
        start, end = day_bounds(first, last)
        return self.queryset().filter(**{f"{self.date_field}__gte": start, f"{self.date_field}__lt": end})

    def _day(self):
        if self.is_date:
            return F(self.date_field)
        return TruncDate(self.date_field, tzinfo=timezone.get_current_timezone())

    def rows(self, first: dt.date, last: dt.date) -> Rows:
        qs = self.in_period(first, last).annotate(kpi_day=self._day(), kpi_grid=F(self.grid_field))
        value = self.value() if self.value else Count("pk", distinct=True)
        for r in qs.values("kpi_day", "kpi_grid").annotate(v=value).order_by():
            if r["v"] and r["kpi_grid"] is not None:
                yield r["kpi_day"], r["kpi_grid"], None, r["v"]
        if not self.credit:
            return
        if self.value is None:  # counts: each record once per credited person (set semantics)
            seen = set()
            for path in self.credit:
                for pk, day, grid, user in qs.filter(**{f"{path}__isnull": False}).values_list(
                    "pk", "kpi_day", "kpi_grid", path
                ):
                    seen.add((pk, day, grid, user))
            counts = defaultdict(int)
            for _pk, day, grid, user in seen:
                counts[day, grid, user] += 1
            for (day, grid, user), v in counts.items():
                yield day, grid, user, v
        else:  # sums: credited to the first path only (the recorder), never double-counted
            path = self.credit[0]
            for r in qs.filter(**{f"{path}__isnull": False}).values("kpi_day", "kpi_grid", path).annotate(v=value):
                if r["v"]:
                    yield r["kpi_day"], r["kpi_grid"], r[path], r["v"]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    group: str
    kind: str = FLOW
    source: Source | None = None
    compute: Callable[[dt.date, dt.date], Rows] | None = None  # flows computed in Python, and stocks
    records: Callable[[dt.date, dt.date], QuerySet] | None = None  # for computed flows
    records_credit: tuple[str, ...] = ()  # for computed flows: who a record is credited to
    describe: Callable | None = None  # record -> (time, text, url)
    flag: bool = False  # a quality flag: shown beside the figures, never a target
    unit: str = ""
    help: str = ""
    hidden: bool = field(default=False)  # used in rates only

    def rows(self, first: dt.date, last: dt.date) -> Rows:
        if self.source is not None:
            return self.source.rows(first, last)
        return self.compute(first, last)

    @property
    def drillable(self) -> bool:
        return self.kind == FLOW and (self.source is not None or self.records is not None)

    def records_in(self, first: dt.date, last: dt.date) -> QuerySet:
        if self.source is not None:
            return self.source.in_period(first, last)
        return self.records(first, last)

    @property
    def credit(self) -> tuple[str, ...]:
        """The user paths a record of this figure is credited to (empty: nobody's doing)."""
        return self.source.credit if self.source is not None else self.records_credit

    @property
    def grid_field(self) -> str:
        return self.source.grid_field if self.source is not None else "grid_id"


# --- computed flows and stocks ------------------------------------------------------------------


def _community_minutes(first: dt.date, last: dt.date) -> Rows:
    """Minutes from each check-in to the same person's next check-out (capped), on the day of the
    check-in, in the grid of the check-in. Time checked in outside every grid is the officer's
    (a credit) but no grid's."""
    start, end = day_bounds(first, last)
    checks = (
        Check.objects.filter(at__gte=start, at__lt=end + MAX_SESSION)
        .order_by("user_id", "at", "pk")
        .values_list("user_id", "kind", "at", "grid_id")
    )
    totals, credits = defaultdict(int), defaultdict(int)
    open_in = {}
    for user, kind, at, grid in checks:
        if kind == Kind.IN:
            open_in[user] = (at, grid) if start <= at < end else None
        elif kind == Kind.OUT and open_in.get(user):
            began, grid_in = open_in.pop(user)
            minutes = int(min(at - began, MAX_SESSION).total_seconds() // 60)
            if minutes > 0:
                day = timezone.localtime(began).date()
                if grid_in is not None:
                    totals[day, grid_in] += minutes
                credits[day, grid_in, user] += minutes
    for (day, grid), v in totals.items():
        yield day, grid, None, v
    for (day, grid, user), v in credits.items():
        yield day, grid, user, v


def _hazards_on_time(first: dt.date, last: dt.date) -> Rows:
    """Of the hazards due in the period (by deadline day): those closed by the end of that day."""
    rows = Hazard.objects.filter(deadline__gte=first, deadline__lte=last, closed_at__isnull=False).values_list(
        "deadline", "grid_id", "inspection__officer_id", "closed_at"
    )
    totals, credits = defaultdict(int), defaultdict(int)
    for deadline, grid, officer, closed_at in rows:
        if timezone.localtime(closed_at).date() <= deadline:
            totals[deadline, grid] += 1
            credits[deadline, grid, officer] += 1
    for (day, grid), v in totals.items():
        yield day, grid, None, v
    for (day, grid, user), v in credits.items():
        yield day, grid, user, v


def _hazards_on_time_records(first, last):
    closed_day = TruncDate("closed_at", tzinfo=timezone.get_current_timezone())
    return (
        Hazard.objects.select_related("inspection")
        .filter(deadline__gte=first, deadline__lte=last, closed_at__isnull=False)
        .annotate(kpi_closed_day=closed_day)
        .filter(kpi_closed_day__lte=F("deadline"))
    )


def _each_day(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _stock(per_day: Callable[[dt.date], QuerySet]) -> Callable[[dt.date, dt.date], Rows]:
    """A stock: ``per_day(day)`` gives the grid rows (``grid_id``, ``v``) as of the end of the day."""

    def compute(first, last):
        for day in _each_day(first, last):
            for grid, v in per_day(day).values_list("grid_id", "v"):
                if v:
                    yield day, grid, None, v

    return compute


def _residents(day):
    return (
        Residence.objects.filter(start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gt=day))
        .values("grid_id")
        .annotate(v=Count("person_id", distinct=True))
        .order_by()
    )


# A house's use has no history: the rental houses of a past day are today's. Declarations do
# have dates, so "declared by then" is exact.
def _rental_houses(day):
    return House.objects.filter(use=HouseUse.RENTAL).values("grid_id").annotate(v=Count("pk")).order_by()


def _rental_declared(day):
    _start, end = day_bounds(day, day)
    declared = RentalDeclaration.objects.filter(
        house=OuterRef("pk"), kind=DeclarationKind.MOVE_IN, status=DeclarationStatus.APPROVED, submitted_at__lt=end
    )
    return (
        House.objects.filter(use=HouseUse.RENTAL)
        .filter(Q(pk__in=Subquery(declared.values("house_id"))))
        .values("grid_id")
        .annotate(v=Count("pk"))
        .order_by()
    )


def _hazards_overdue(day):
    """Open at the end of the day and past their deadline (a hazard re-issued in a new round is
    followed by its successor; one referred to the fire department is no longer ours)."""
    _start, end = day_bounds(day, day)
    return (
        Hazard.objects.filter(deadline__lt=day, inspection__submitted_at__lt=end)
        .exclude(status=HazardStatus.ESCALATED)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        .filter(next__isnull=True)
        .values("grid_id")
        .annotate(v=Count("pk"))
        .order_by()
    )


def _registry_changes(action: str):
    """History rows of persons, houses and venues (``create`` or ``update``), in the record's grid."""

    def queryset():
        types = ContentType.objects.get_for_models(Person, House, Venue)
        grid = Coalesce(
            *[
                Subquery(model.objects.filter(pk=OuterRef("object_id")).values("grid_id")[:1])
                for model in (Person, House, Venue)
            ]
        )
        by_type = Q()
        for ct in types.values():
            by_type |= Q(content_type=ct)
        return (
            ChangeLog.objects.select_related("content_type", "user")
            .filter(by_type, action=action)
            .annotate(kpi_record_grid=grid)
            .filter(kpi_record_grid__isnull=False)
        )

    return queryset


# --- describing records for the drill-down --------------------------------------------------------


def _event(e):
    return (
        e.closed_at or e.reported_at,
        f"{e.get_category_display()} · {e.description[:40]}",
        reverse("events:detail", args=[e.pk]),
    )


def _visit(v):
    url = reverse("grid:building_detail", args=[v.building_id])
    return v.at, f"{v.building.address} · {v.purpose or _('Visit')}", url


def _hazard(h):
    return (
        h.inspection.submitted_at,
        f"{h.text} · {h.get_status_display()}",
        reverse("hazards:detail", args=[h.pk]),
    )


def _dispute(d):
    return d.received_at, f"{d.get_category_display()} · {d.building.address}", reverse("disputes:detail", args=[d.pk])


def _followup(f):
    return (
        f.done_at,
        f"{f.dispute.get_category_display()} · {f.get_status_display()}",
        reverse("disputes:detail", args=[f.dispute_id]),
    )


def _declaration(d):
    return d.submitted_at, f"{d.house} · {d.get_kind_display()}", reverse("rentals:declaration_detail", args=[d.pk])


def _check(c):
    url = reverse("field:diary") + f"?user={c.user_id}&date={timezone.localtime(c.at).date()}"
    return c.at, f"{c.user} · {c.get_kind_display()}", url


def _publicity(p):
    return p.held_on, f"{p.get_topic_display()} · {p.place} · {p.people}", reverse("field:publicity")


def _incident(i):
    url = reverse("incidents:list") + f"?q={i.number}"
    return i.occurred_at, f"{i.number} · {i.get_category_display()} · {i.address}", url


def _inspection(i):
    return i.submitted_at, f"{i.venue or i.house} · {i.officer}", reverse("inspections:detail", args=[i.pk])


def _change(c):
    return c.at, f"{c.content_type.name} · {c.user or '—'}", ""


# --- the catalogue ------------------------------------------------------------------------------

G_WORK, G_REGISTRY, G_RENTALS, G_HAZARDS, G_DISPUTES, G_EVENTS, G_INCIDENTS, G_FLAGS = (
    _("Community work"),
    _("Registries"),
    _("Rentals"),
    _("Hazards"),
    _("Disputes"),
    _("Grid events"),
    _("Incidents"),
    _("Quality flags"),
)

_visits = Source(lambda: Visit.objects.select_related("building"), "at", credit=("user", "participants"))
_closed_events = Source(lambda: Event.objects.filter(state=State.CLOSED), "closed_at", credit=("handler",))
_followups_90 = Source(
    lambda: FollowUp.objects.select_related("dispute").filter(day=90, done_at__isnull=False, kept__isnull=False),
    "done_at",
    credit=("dispute__officer",),
)

METRICS: list[Metric] = [
    Metric("visits", _("Visits"), G_WORK, source=_visits, describe=_visit),
    Metric(
        "community_minutes",
        _("Hours in the community"),
        G_WORK,
        compute=_community_minutes,
        records_credit=("user",),
        unit="h",
        records=lambda a, b: (
            Check.objects.filter(kind=Kind.IN)
            .filter(at__gte=day_bounds(a, b)[0], at__lt=day_bounds(a, b)[1])
            .select_related("user")
        ),
        describe=_check,
    ),  # fmt: skip
    Metric(
        "publicity",
        _("Publicity activities"),
        G_WORK,
        describe=_publicity,
        source=Source(lambda: Publicity.objects.all(), "held_on", is_date=True, credit=("user", "participants")),
    ),  # fmt: skip
    Metric(
        "publicity_people",
        _("People reached"),
        G_WORK,
        describe=_publicity,
        source=Source(
            lambda: Publicity.objects.all(), "held_on", is_date=True, value=lambda: Sum("people"), credit=("user",)
        ),
    ),  # fmt: skip
    Metric(
        "registry_added",
        _("Registry records added"),
        G_REGISTRY,
        describe=_change,
        source=Source(_registry_changes("create"), "at", credit=("user",), grid_field="kpi_record_grid"),
    ),  # fmt: skip
    Metric(
        "registry_corrected",
        _("Registry records corrected"),
        G_REGISTRY,
        describe=_change,
        source=Source(_registry_changes("update"), "at", credit=("user",), grid_field="kpi_record_grid"),
    ),  # fmt: skip
    Metric("residents", _("Residents"), G_REGISTRY, kind=STOCK, compute=_stock(_residents)),
    Metric("rental_houses", _("Known rental houses"), G_RENTALS, kind=STOCK, compute=_stock(_rental_houses)),
    Metric("rental_declared", _("Rental houses declared"), G_RENTALS, kind=STOCK, compute=_stock(_rental_declared)),
    Metric(
        "declarations",
        _("Declarations"),
        G_RENTALS,
        describe=_declaration,
        source=Source(lambda: RentalDeclaration.objects.select_related("house__building"), "submitted_at"),
    ),  # fmt: skip
    Metric(
        "declarations_late",
        _("Late declarations"),
        G_RENTALS,
        describe=_declaration,
        source=Source(
            lambda: RentalDeclaration.objects.select_related("house__building").filter(is_late=True), "submitted_at"
        ),
    ),  # fmt: skip
    Metric(
        "hazards_found",
        _("Hazards found"),
        G_HAZARDS,
        describe=_hazard,
        source=Source(
            lambda: Hazard.objects.select_related("inspection"),
            "inspection__submitted_at",
            credit=("inspection__officer",),
        ),
    ),  # fmt: skip
    Metric(
        "hazards_due",
        _("Hazards due"),
        G_HAZARDS,
        describe=_hazard,
        source=Source(
            lambda: Hazard.objects.select_related("inspection"),
            "deadline",
            is_date=True,
            credit=("inspection__officer",),
        ),
    ),  # fmt: skip
    Metric(
        "hazards_on_time",
        _("Rectified on time"),
        G_HAZARDS,
        compute=_hazards_on_time,
        records=_hazards_on_time_records,
        records_credit=("inspection__officer",),
        describe=_hazard,
    ),  # fmt: skip
    Metric("hazards_overdue", _("Overdue hazards"), G_HAZARDS, kind=STOCK, compute=_stock(_hazards_overdue)),
    Metric(
        "disputes_received",
        _("Disputes handled"),
        G_DISPUTES,
        describe=_dispute,
        source=Source(lambda: Dispute.objects.select_related("building"), "received_at", credit=("officer",)),
    ),  # fmt: skip
    Metric(
        "disputes_agreed",
        _("Agreements reached"),
        G_DISPUTES,
        describe=_dispute,
        source=Source(lambda: Dispute.objects.select_related("building"), "agreed_at", credit=("officer",)),
    ),  # fmt: skip
    Metric("followups_90", _("90-day follow-ups"), G_DISPUTES, source=_followups_90, describe=_followup),
    Metric(
        "followups_90_kept",
        _("Agreements kept at 90 days"),
        G_DISPUTES,
        describe=_followup,
        source=Source(lambda: _followups_90.queryset().filter(kept=True), "done_at", credit=("dispute__officer",)),
    ),  # fmt: skip
    Metric("events_closed", _("Events closed"), G_EVENTS, source=_closed_events, describe=_event),
    Metric(
        "events_in_time",
        _("Closed within the time limit"),
        G_EVENTS,
        describe=_event,
        # In time: no limit ever passed (the escalation clock never moved it up).
        source=Source(
            lambda: Event.objects.filter(state=State.CLOSED).exclude(log__action="auto_escalated"),
            "closed_at",
            credit=("handler",),
        ),
    ),  # fmt: skip
    Metric(
        "events_rated",
        _("Rated events"),
        G_EVENTS,
        describe=_event,
        hidden=True,
        source=Source(
            lambda: Event.objects.filter(state=State.CLOSED, rating__isnull=False), "closed_at", credit=("handler",)
        ),
    ),  # fmt: skip
    Metric(
        "events_rating_sum",
        _("Sum of ratings"),
        G_EVENTS,
        describe=_event,
        hidden=True,
        source=Source(
            lambda: Event.objects.filter(state=State.CLOSED, rating__isnull=False),
            "closed_at",
            value=lambda: Sum("rating"),
            credit=("handler",),
        ),
    ),  # fmt: skip
    Metric(
        "incidents",
        _("Incidents"),
        G_INCIDENTS,
        describe=_incident,
        source=Source(lambda: Incident.objects.filter(grid__isnull=False), "day", is_date=True),
    ),  # fmt: skip
    *[
        Metric(
            f"incidents.{value}",
            label,
            G_INCIDENTS,
            describe=_incident,
            source=Source(
                lambda value=value: Incident.objects.filter(grid__isnull=False, category=value), "day", is_date=True
            ),
        )  # fmt: skip
        for value, label in IncidentCategory.choices
    ],
    Metric(
        "inspections_fast",
        _("Inspections done in under two minutes"),
        G_FLAGS,
        flag=True,
        describe=_inspection,
        source=Source(
            lambda: Inspection.objects.filter(submitted_at__lt=F("started_at") + FAST_INSPECTION).select_related(
                "venue", "house", "officer"
            ),
            "submitted_at",
            credit=("officer",),
        ),
    ),  # fmt: skip
    Metric(
        "checkins_outside",
        _("Check-ins far from the grid"),
        G_FLAGS,
        flag=True,
        describe=_check,
        source=Source(
            lambda: Check.objects.filter(kind=Kind.IN, inside=False).select_related("user"),
            "at",
            credit=("user",),
            grid_field="grid_id",
        ),
    ),  # fmt: skip
    Metric(
        "visits_bare",
        _("Visits with nothing recorded"),
        G_FLAGS,
        flag=True,
        describe=_visit,
        source=Source(
            lambda: Visit.objects.select_related("building").filter(house__isnull=True, notes=""),
            "at",
            credit=("user", "participants"),
        ),
    ),  # fmt: skip
]
BY_KEY = {m.key: m for m in METRICS}
