"""The home page, and the KPI pages (/kpi/): the chief's station page, an officer's own page, the
records behind a figure, and recomputing a period with a progress bar.

Who: chiefs and admins read the station (and any officer of it); officers and auxiliaries read
their own figures; everyone else gets a 404. Thin: parse → ``kpi.figures`` → cells → render. The
cells (formatted values with their drill-down links) are built here so the templates only print.
"""

from __future__ import annotations

import datetime as dt
import html
from functools import lru_cache
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, User
from accounts.permissions import role_required
from grid.models import PoliceGrid
from kpi import aggregate
from kpi import figures as kpi
from kpi.aggregate import month_end, month_start
from kpi.metrics import BY_KEY, FLOW, METRICS
from kpi.models import Figure, Period, Run
from kpi.selectors import home_figures
from lib.paging import Paginator


def home(request):
    return render(request, "home.html", {"figures": home_figures(request.user)})


STATION_ROLES = frozenset({Role.CHIEF, Role.ADMIN})
KPI_ROLES = STATION_ROLES | {Role.OFFICER, Role.AUXILIARY}
RECORDS_PER_PAGE = 50

# Derived rates, shown in the group of the figures they come from: (key, label, group of, format).
RATES = [
    ("visits_per_1000", gettext_lazy("Visits per 1,000 residents"), "visits", "decimal"),
    ("coverage", gettext_lazy("Rental houses declared (share)"), "rental_declared", "percent"),
    ("declarations_per_100", gettext_lazy("Declarations per 100 rental houses"), "declarations", "decimal"),
    ("late_rate", gettext_lazy("Late declaration rate"), "declarations_late", "percent"),
    ("hazards_per_100", gettext_lazy("Hazards per 100 rental houses"), "hazards_found", "decimal"),
    ("on_time_rate", gettext_lazy("Rectified on time (share)"), "hazards_on_time", "percent"),
    ("success_rate", gettext_lazy("Agreements kept at 90 days (share)"), "followups_90_kept", "percent"),
    ("events_per_1000", gettext_lazy("Events closed per 1,000 residents"), "events_closed", "decimal"),
    ("in_time_rate", gettext_lazy("Closed within the time limit (share)"), "events_in_time", "percent"),
    ("rating", gettext_lazy("Average rating (1–5)"), "events_in_time", "decimal"),
    ("incidents_per_1000", gettext_lazy("Incidents per 1,000 residents"), "incidents", "decimal"),
]
# The columns of the per-police-grid and per-officer tables: a metric key or a rate key.
GRID_COLUMNS = [
    "residents", "visits", "community_minutes", "visits_per_1000", "events_closed", "in_time_rate",
    "hazards_found", "on_time_rate", "declarations", "late_rate", "disputes_received", "incidents",
    "incidents_per_1000",
]  # fmt: skip
OFFICER_COLUMNS = [
    "visits", "community_minutes", "publicity", "registry_added", "events_closed", "in_time_rate", "hazards_found",
    "on_time_rate", "disputes_received", "followups_90_kept",
]  # fmt: skip
SHORT_LABELS = {
    "community_minutes": gettext_lazy("Hours"),
    "visits_per_1000": gettext_lazy("Visits per 1,000"),
    "in_time_rate": gettext_lazy("In time"),
    "on_time_rate": gettext_lazy("On time"),
    "late_rate": gettext_lazy("Late"),
    "incidents_per_1000": gettext_lazy("Incidents per 1,000"),
    "inspections_fast": gettext_lazy("Fast inspections"),
    "checkins_outside": gettext_lazy("Far check-ins"),
    "visits_bare": gettext_lazy("Bare visits"),
}
RATE_FORMATS = {key: fmt for key, _label, _of, fmt in RATES}
RATE_LABELS = {key: label for key, label, _of, _fmt in RATES}


# --- formatting ---------------------------------------------------------------------------------


_number = kpi.format_number
_change = kpi.format_change


def _metric_text(metric, fig: kpi.Figures, rates: dict | None = None) -> str:
    if metric.key == "community_minutes":  # stored in minutes, read in hours
        return _number((rates or fig.rates)["hours"], "decimal")
    return _number(fig[metric.key])


# --- the period ---------------------------------------------------------------------------------


def _range(request, params=None) -> kpi.Range:
    """The period asked for; a bad one falls back to this month with a warning, never a 404."""
    params = request.GET if params is None else params
    try:
        rng = kpi.parse_range(params)
        if rng.first.year < 1000 or rng.last.year > 9000:  # kept clear of date arithmetic's limits
            raise Http404
        return rng
    except (Http404, OverflowError):
        messages.warning(request, _("That period could not be read: this month is shown instead."))
        return kpi.month_range(timezone.localdate())


def _range_params(rng: kpi.Range) -> dict:
    if rng.first == month_start(rng.first) and rng.last == month_end(rng.first):
        return {"month": rng.first.strftime("%Y-%m")}
    return {"from": rng.first.isoformat(), "to": rng.last.isoformat()}


def _range_label(rng: kpi.Range) -> str:
    params = _range_params(rng)
    if "month" in params:
        return params["month"]
    return f"{rng.first.isoformat()} – {rng.last.isoformat()}"


def _picker(rng: kpi.Range, path: str) -> dict:
    today = timezone.localdate()
    this = kpi.month_range(today)
    last = kpi.month_range(this.first - dt.timedelta(days=1))
    year = kpi.Range(today.replace(month=1, day=1), today.replace(month=12, day=31))
    quick = [
        (_("This month"), this),
        (_("Last month"), last),
        (_("This year"), year),
    ]
    return {
        "month": rng.first.strftime("%Y-%m") if "month" in _range_params(rng) else "",
        "from": rng.first.isoformat(),
        "to": rng.last.isoformat(),
        "label": _range_label(rng),
        "quick": [
            {"label": label, "url": f"{path}?{urlencode(_range_params(r))}", "active": r == rng} for label, r in quick
        ],
    }


# --- cells: a formatted figure and the records behind it ----------------------------------------


@lru_cache(maxsize=128)
def _records_path(key: str) -> str:
    return reverse("kpi:records", args=[key])


@lru_cache(maxsize=512)
def _records_link(key: str, first: dt.date, last: dt.date) -> str:
    """The start of a figure's records link for a range ("" if the figure has none)."""
    metric = BY_KEY.get(key)
    if metric is None or metric.kind != FLOW or not metric.drillable:
        return ""
    return f"{_records_path(key)}?{_range_query(first, last)}"


@lru_cache(maxsize=512)
def _drill_prefix(key: str, first: dt.date, last: dt.date) -> str:
    """:func:`_records_link`, escaped for an attribute (thousands of cells share a few)."""
    return html.escape(_records_link(key, first, last))


def _subject_tail(subject: dict, sep: str = "&") -> str:
    # The subject is ids (police_grid=, person=): nothing to quote.
    return "".join(f"{sep}{k}={v}" for k, v in subject.items() if v is not None)


def _drill_url(metric, rng: kpi.Range, **subject) -> str:
    link = _records_link(metric.key, rng.first, rng.last)
    return f"{link}{_subject_tail(subject)}" if link else ""


@lru_cache(maxsize=64)
def _range_query(first: dt.date, last: dt.date) -> str:
    return urlencode(_range_params(kpi.Range(first, last)))


def _cell(key: str, fig: kpi.Figures, rng: kpi.Range, *, rates: dict | None = None, **subject) -> dict:
    """A figure, formatted and linked to its records (for cards and flags); ``html`` is what a
    table cell shows (:func:`_cell_html`, which the big tables call directly)."""
    rates = rates or fig.rates
    cell = SafeString(_cell_html(key, fig, rates, rng, _subject_tail(subject, "&amp;")))
    if key in RATE_FORMATS:
        return {"key": key, "text": _number(rates[key], RATE_FORMATS[key]), "url": "", "html": cell}
    metric = BY_KEY[key]
    text = _metric_text(metric, fig, rates)
    return {"key": key, "text": text, "url": _drill_url(metric, rng, **subject), "zero": not fig[key], "html": cell}


def _cell_html(key: str, fig: kpi.Figures, rates: dict, rng: kpi.Range, subject: str) -> str:
    """A figure's table cell content: the formatted number, linked to its records when it has
    them (grey when zero). ``subject`` is the escaped tail of the link ("&amp;person=12"). Built
    with the standard library's escape, not Django's lazy-aware one: thousands of cells a page."""
    if key in RATE_FORMATS:
        return html.escape(_number(rates[key], RATE_FORMATS[key]))
    text = html.escape(_metric_text(BY_KEY[key], fig, rates))
    prefix = _drill_prefix(key, rng.first, rng.last)
    if not prefix:
        return text
    zero = "" if fig[key] else ' class="fq-kpi-zero"'
    return f'<a{zero} href="{prefix}{subject}">{text}</a>'


def _row_tds(keys, fig: kpi.Figures, rng: kpi.Range, **subject):
    """A table row's figure cells and then its flags (highlighted when not zero), one string: a
    station's table has two hundred rows of twenty cells, each link's start built once a page."""
    rates = fig.rates
    tail = _subject_tail(subject, "&amp;")
    tds = [f'<td class="text-end text-nowrap">{_cell_html(k, fig, rates, rng, tail)}</td>' for k in keys]
    for m in FLAG_METRICS:
        cell = _cell_html(m.key, fig, rates, rng, tail)
        tds.append(f'<td class="text-end text-nowrap{" table-warning" if fig[m.key] else ""}">{cell}</td>')
    return SafeString("".join(tds))


def _header(keys) -> list[str]:
    return [SHORT_LABELS.get(k) or RATE_LABELS.get(k) or BY_KEY[k].label for k in keys]


FLAG_METRICS = [m for m in METRICS if m.flag]


def _flags(fig: kpi.Figures, rng: kpi.Range, **subject) -> list[dict]:
    return [{"label": m.label, "value": fig[m.key], **_cell(m.key, fig, rng, **subject)} for m in FLAG_METRICS]


def _groups(fig: kpi.Figures, rng: kpi.Range, **subject) -> list[dict]:
    """The headline cards, by metric group: each shown metric, then the rates that follow from it.
    Incidents per category are left to the year-on-year table; hidden metrics feed rates only."""
    groups: dict[str, dict] = {}
    rates_after: dict[str, list] = {}
    for key, label, of, fmt in RATES:
        rates_after.setdefault(of, []).append({"label": label, "text": _number(fig.rates[key], fmt), "url": ""})
    for m in METRICS:
        if m.hidden or m.flag or m.key.startswith("incidents."):
            continue
        group = groups.setdefault(str(m.group), {"label": m.group, "cards": []})
        group["cards"].append({"label": m.label, "stock": m.kind != FLOW, **_cell(m.key, fig, rng, **subject)})
        group["cards"] += [{**r, "rate": True} for r in rates_after.get(m.key, [])]
    return list(groups.values())


TREND_METRICS = ("visits", "events_closed", "incidents", "community_minutes")  # what _trend_chart draws


def _trend_chart(rows, *, incidents: bool) -> dict:
    series = [
        {"label": str(BY_KEY["visits"].label), "data": [f["visits"] for _m, f in rows]},
        {"label": str(BY_KEY["events_closed"].label), "data": [f["events_closed"] for _m, f in rows]},
    ]
    if incidents:
        series.append({"label": str(BY_KEY["incidents"].label), "data": [f["incidents"] for _m, f in rows]})
    series.append({"label": _("Hours in the community"), "data": [f.rates["hours"] for _m, f in rows], "hours": True})
    return {"labels": [m.strftime("%Y-%m") for m, _f in rows], "series": series, "hours_axis": _("Hours")}


def _as_of():
    """When the figures were last written: the last finished run, else the latest day figured."""
    run = Run.objects.filter(finished_at__isnull=False, error="").order_by("-finished_at").first()
    if run is not None:
        return {"time": run.finished_at}
    day = Figure.objects.filter(period=Period.DAY).order_by("-start").values_list("start", flat=True).first()
    return {"day": day}


# --- pages --------------------------------------------------------------------------------------


@require_GET
@role_required(KPI_ROLES)
def station(request):
    """The chief's page: the station at a glance, per police grid and per officer, with charts."""
    user = request.user
    if not kpi.can_see_station(user):
        if kpi.can_see_own(user):
            query = request.META.get("QUERY_STRING", "")
            return redirect(reverse("kpi:mine") + (f"?{query}" if query else ""))
        raise Http404
    rng = _range(request)
    fig = kpi.station(user, rng)
    yoy = kpi.incidents_yoy(user, rng)
    for row in yoy:
        row["url"] = _drill_url(BY_KEY[row["key"]], rng)
        row["change_text"] = _change(row["change"])
    # Links and role names per row from one reverse and one choices dict (``get_role_display``
    # rebuilds its choices, translating every label, for each of two hundred rows).
    officer_path = reverse("kpi:officer", args=[0])[:-2]  # "/kpi/officers/"
    range_query = urlencode(_range_params(rng))
    roles = dict(Role.choices)
    grids = [
        {"grid": pg, "tds": _row_tds(GRID_COLUMNS, f, rng, police_grid=pg.pk),
         "officer_url": f"{officer_path}{pg.officer_id}/?{range_query}" if pg.officer_id else ""}
        for pg, f in kpi.by_police_grid(user, rng)
    ]  # fmt: skip
    officers = [
        {"person": p, "tds": _row_tds(OFFICER_COLUMNS, f, rng, person=p.pk), "role": roles.get(p.role, p.role),
         "url": f"{officer_path}{p.pk}/?{range_query}"}
        for p, f in kpi.by_officer(user, rng)
    ]  # fmt: skip
    return render(
        request,
        "kpi/station.html",
        {
            "rng": rng,
            "range_query": range_query,
            "picker": _picker(rng, reverse("kpi:station")),
            "groups": _groups(fig, rng),
            "flags": _flags(fig, rng),
            "trend": _trend_chart(kpi.trend(user, metrics=TREND_METRICS), incidents=True),
            "yoy": yoy,
            "yoy_chart": {
                "labels": [str(r["label"]) for r in yoy],
                "now": [r["now"] for r in yoy],
                "before": [r["before"] for r in yoy],
                "label_now": _range_label(rng),
                "label_before": _range_label(rng.previous_year()),
            },
            "previous_label": _range_label(rng.previous_year()),
            "grids": grids,
            "grid_header": _header(GRID_COLUMNS),
            "officers": officers,
            "officer_header": _header(OFFICER_COLUMNS),
            "flag_header": _header([m.key for m in METRICS if m.flag]),
            "as_of": _as_of(),
        },
    )


def _person_page(request, person: User, *, own: bool):
    rng = _range(request)
    fig = kpi.own(request.user, rng, person=person)
    path = reverse("kpi:mine") if own else reverse("kpi:officer", args=[person.pk])
    return render(
        request,
        "kpi/person.html",
        {
            "person": person,
            "own": own,
            "rng": rng,
            "range_query": urlencode(_range_params(rng)),
            "picker": _picker(rng, path),
            "groups": _groups(fig, rng, person=person.pk),
            "flags": _flags(fig, rng, person=person.pk),
            "trend": _trend_chart(kpi.trend(request.user, person=person, metrics=TREND_METRICS), incidents=False),
            "as_of": _as_of(),
        },
    )


@require_GET
@role_required(KPI_ROLES)
def mine(request):
    """An officer's or auxiliary's own figures: what they are credited with, and their grids'."""
    user = request.user
    if kpi.can_see_station(user):
        query = request.META.get("QUERY_STRING", "")
        return redirect(reverse("kpi:station") + (f"?{query}" if query else ""))
    if not kpi.can_see_own(user):
        raise Http404
    return _person_page(request, user, own=True)


@require_GET
@role_required(STATION_ROLES)
def officer(request, pk):
    """One officer of the chief's station, as they see their own page."""
    person = get_object_or_404(kpi.officers_of(request.user), pk=pk)
    return _person_page(request, person, own=False)


def _int_param(request, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404 from None


def _records_figure(user, metric, rng, *, police_grid, person):
    """The figure the records are behind, read the same way as on the page that linked here."""
    if person is not None:
        fig = kpi.own(user, rng, person=person)
    elif police_grid is not None:
        fig = next((f for pg, f in kpi.by_police_grid(user, rng) if pg.pk == police_grid.pk), kpi.Figures())
    else:
        fig = kpi.station(user, rng)
    return _metric_text(metric, fig), fig[metric.key]


def _order(qs, metric):
    date_field = metric.source.date_field if metric.source is not None else None
    return qs.order_by(f"-{date_field}", "-pk") if date_field else qs.order_by("-pk")


def _row(metric, record) -> dict:
    if metric.describe is None:
        return {"time": None, "has_time": False, "text": str(record), "url": ""}
    time, text, url = metric.describe(record)
    return {"time": time, "has_time": isinstance(time, dt.datetime), "text": text, "url": url}


@require_GET
@role_required(KPI_ROLES)
def records(request, metric):
    """The records behind one figure, as ``kpi.figures.drill`` lets the viewer see them."""
    police_grid_id, person_id = _int_param(request, "police_grid"), _int_param(request, "person")
    rng = _range(request)
    m = BY_KEY.get(metric)
    if m is None:
        raise Http404
    qs = kpi.drill(request.user, metric, rng, police_grid=police_grid_id, person=person_id)
    police_grid = person = None
    if person_id is not None:
        person = get_object_or_404(User, pk=person_id)
    elif police_grid_id is not None:
        police_grid = get_object_or_404(PoliceGrid.objects.visible_to(request.user), pk=police_grid_id)
    page = Paginator(_order(qs, m), RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    figure_text, figure_value = _records_figure(request.user, m, rng, police_grid=police_grid, person=person)
    subject = {"police_grid": police_grid_id, "person": person_id}
    params = {**_range_params(rng), **{k: v for k, v in subject.items() if v is not None}}
    if person is not None:
        back = reverse("kpi:mine") if person.pk == request.user.pk else reverse("kpi:officer", args=[person.pk])
    else:
        back = reverse("kpi:station")
    return render(
        request,
        "kpi/records.html",
        {
            "metric": m,
            "rng": rng,
            "range_label": _range_label(rng),
            "police_grid": police_grid,
            "person": person,
            "page": page,
            "rows": [_row(m, r) for r in page],
            "query": urlencode(params),
            "figure_text": figure_text,
            # Counts: the figure is the number of records. Sums (hours, people reached) are not.
            "is_count": m.source is not None and m.source.value is None,
            "stale": m.source is not None and m.source.value is None and figure_value != page.paginator.count,
            "back": f"{back}?{urlencode(_range_params(rng))}",
        },
    )


@role_required(STATION_ROLES)
@require_POST
def recompute(request):
    """Recompute the figures of a period in the background; the run page shows the progress."""
    rng = _range(request, request.POST)
    today = timezone.localdate()
    if rng.first > today:
        messages.warning(request, _("That period has not begun yet: there is nothing to recompute."))
        return redirect(f"{reverse('kpi:station')}?{urlencode(_range_params(rng))}")
    job = aggregate.request_recompute(rng.first, rng.last, by=request.user)
    return redirect("kpi:run", pk=job.pk)


def _run_for(request, pk) -> Run:
    runs = Run.objects.all()
    if not (request.user.is_superuser or request.user.role == Role.ADMIN):
        runs = runs.filter(requested_by=request.user)  # a chief follows the runs they asked for
    return get_object_or_404(runs, pk=pk)


@require_GET
@role_required(STATION_ROLES)
def run_page(request, pk):
    """A recomputation's progress bar; it polls itself (htmx) until the run has finished."""
    r = _run_for(request, pk)
    rng = kpi.Range(r.first_day, r.last_day)
    context = {
        "run": r,
        "range_label": _range_label(rng),
        "back": f"{reverse('kpi:station')}?{urlencode(_range_params(rng))}",
    }
    if request.headers.get("HX-Request"):
        return render(request, "kpi/_run_progress.html", context)
    return render(request, "kpi/run.html", context)
