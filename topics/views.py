"""Community topic pages, mounted at /topics/: the meetings, recording a meeting with its topics
on a phone, a meeting, a topic with its timeline and the state actions, and the ledger with the
closure rate per grid.

Thin: parse the request, call ``topics.services`` (every write) or ``topics.selectors``, render.
Grid roles read in their scope; officers, auxiliaries, grid workers, chiefs and administrators
write (volunteers only read); landlords and mediators get 404, as does anything out of scope.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import GRID_ROLES
from accounts.permissions import role_required
from grid.models import CommunityGrid
from grid.selectors import grid_filter
from lib.forms import add_service_errors
from lib.paging import Paginator
from topics import selectors, services
from topics.forms import CloseForm, MeetingForm, PlanForm, ProgressForm, TopicFormSet, UnsolvableForm
from topics.models import PLACES, Category, State, Topic

grid_roles = role_required(GRID_ROLES)
writers = role_required(services.WRITER_ROLES)
PAGE_SIZE = 50
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_PERIOD = "365"


# --- meetings ---------------------------------------------------------------------------------


@grid_roles
@require_GET
def meetings(request):
    """The meetings of the user's grids, newest first, with how many topics each raised."""
    qs = (
        selectors.meetings_for_user(request.user)
        .select_related("grid", "host")
        .annotate(n_topics=Count("topics"))
        .order_by("-held_at", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "topics/meetings.html", {"page": page, "can_write": services.can_write(request.user)})


@writers
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    """Record a meeting and the topics raised at it on one phone form ("add a topic" rows).
    Any error saves nothing and keeps everything typed."""
    user = request.user
    grids = selectors.writable_grids(user)
    if request.method == "POST":
        form = MeetingForm(request.POST, grids=grids)
        formset = TopicFormSet(request.POST, prefix="topic")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            inputs, index = _topic_inputs(formset)
            try:
                meeting = services.meeting_create(
                    user=user, grid=data["grid"], held_at=data["held_at"], place=data["place"],
                    attendees=data["attendees"], attendee_count=data["attendee_count"], notes=data["notes"],
                    topics=inputs,
                )  # fmt: skip
            except ValidationError as exc:
                _meeting_errors(form, formset, exc, index)
            else:
                messages.success(request, _recorded(meeting.topics.count()))
                return redirect("topics:meeting", pk=meeting.pk)
    else:
        initial = {"held_at": timezone.localtime().replace(second=0, microsecond=0), "place": PLACES[0]}
        only = list(grids[:2])
        if len(only) == 1:
            initial["grid"] = only[0].pk
        form = MeetingForm(initial=initial, grids=grids)
        formset = TopicFormSet(prefix="topic")
    context = {"form": form, "formset": formset, "places": PLACES, "max_topics": services.MAX_TOPICS}
    return render(request, "topics/meeting_form.html", context)


def _recorded(n: int) -> str:
    return ngettext("%(n)d topic recorded.", "%(n)d topics recorded.", n) % {"n": n}


def _topic_inputs(formset) -> tuple[list[services.TopicInput], list[int]]:
    """The rows filled in (blank rows are skipped), and the row number of each on the page."""
    inputs, index = [], []
    for n, tf in enumerate(formset.forms):
        if not tf.has_changed():
            continue
        d = tf.cleaned_data
        inputs.append(
            services.TopicInput(
                raised_by=d.get("raised_by", ""), title=d.get("title", ""), description=d.get("description", ""),
                category=d.get("category") or Category.OTHER,
            )
        )  # fmt: skip
        index.append(n)
    return inputs, index


@writers
@require_http_methods(["GET", "POST"])
def topic_add(request, pk):
    """Add topics to a meeting already recorded (the same "add a topic" rows)."""
    m = selectors.get_meeting_for_user(request.user, pk)
    form = MeetingForm(grids=selectors.writable_grids(request.user))  # only carries non-field errors
    if request.method == "POST":
        formset = TopicFormSet(request.POST, prefix="topic")
        if formset.is_valid():
            inputs, index = _topic_inputs(formset)
            try:
                added = services.topic_add(user=request.user, meeting=m, topics=inputs)
            except ValidationError as exc:
                _meeting_errors(form, formset, exc, index)
            else:
                messages.success(request, _recorded(len(added)))
                return redirect("topics:meeting", pk=m.pk)
    else:
        formset = TopicFormSet(prefix="topic")
    remaining = max(services.MAX_TOPICS - m.topics.count(), 0)
    context = {"meeting": m, "form": form, "formset": formset, "max_topics": remaining}
    return render(request, "topics/topic_add.html", context)


def _meeting_errors(form, formset, exc: ValidationError, index: list[int]) -> None:
    """Service errors onto the meeting form and the topic rows (``topic-<n>-<field>``: n counts
    the rows that were filled in; ``index`` maps it back to the row on the page)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, msgs in exc.message_dict.items():
        if key.startswith("topic-"):
            _, n, field = key.split("-", 2)
            tf = formset.forms[index[int(n)]]
            for message in msgs:
                tf.add_error(field if field in tf.fields else None, message)
        else:
            for message in msgs:
                form.add_error(key if key in form.fields else None, message)


@grid_roles
@require_GET
def meeting(request, pk):
    m = selectors.get_meeting_for_user(request.user, pk)
    topics = list(m.topics.select_related("responsible_user").order_by("id"))
    today = timezone.localdate()
    for t in topics:
        _overdue(t, today)
    context = {"meeting": m, "topics": topics, "can_write": services.can_write(request.user)}
    return render(request, "topics/meeting_detail.html", context)


# --- one topic --------------------------------------------------------------------------------


def _overdue(topic: Topic, today: dt.date) -> Topic:
    topic.overdue = topic.state in (State.RAISED, State.PLANNED, State.IN_PROGRESS) and bool(
        topic.due_on and topic.due_on < today
    )
    return topic


def _detail(request, topic: Topic, **forms):
    user = request.user
    _overdue(topic, timezone.localdate())
    events = list(topic.events.select_related("user"))
    for e in events:
        e.label = services.ACTIONS.get(e.action, e.action)
    can = services.can_write(user)
    initial = {
        "plan": topic.plan, "responsible_party": topic.responsible_party, "responsible_name": topic.responsible_name,
        "responsible_user": topic.responsible_user_id, "due_on": topic.due_on,
    }  # fmt: skip
    context = {
        "topic": topic,
        "events": events,
        "can_plan": can and services.allowed(topic, "plan"),
        "can_progress": can and services.allowed(topic, "progress"),
        "can_close": can and services.allowed(topic, "close"),
        "can_unsolvable": can and services.allowed(topic, "unsolvable"),
        "plan_form": forms.get("plan_form") or PlanForm(initial=initial, grid=topic.grid),
        "progress_form": forms.get("progress_form") or ProgressForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "unsolvable_form": forms.get("unsolvable_form") or UnsolvableForm(),
        "open_form": next((name for name, f in forms.items() if f is not None and f.errors), ""),
    }
    return render(request, "topics/topic_detail.html", context)


@grid_roles
@require_GET
def topic(request, pk):
    return _detail(request, selectors.get_topic_for_user(request.user, pk))


def _act(request, topic: Topic, name: str, form, perform):
    """Run ``perform(cleaned_data)`` (a service call returning the success message). A refusal of
    the state goes to the messages; field errors show on the topic page, input kept."""
    if form.is_valid():
        try:
            message = perform(form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict") or "state" in exc.message_dict:
                messages.error(request, " ".join(exc.messages))
                return redirect("topics:topic", pk=topic.pk)
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("topics:topic", pk=topic.pk)
    return _detail(request, topic, **{name: form})


@writers
@require_POST
def topic_plan(request, pk):
    topic = selectors.get_topic_for_user(request.user, pk)

    def perform(d):
        services.topic_plan(
            user=request.user, topic=topic, plan=d["plan"], responsible_party=d["responsible_party"],
            responsible_name=d["responsible_name"], responsible_user=d["responsible_user"], due_on=d["due_on"],
        )  # fmt: skip
        return _("Plan saved.")

    return _act(request, topic, "plan_form", PlanForm(request.POST, grid=topic.grid), perform)


@writers
@require_POST
def topic_progress(request, pk):
    topic = selectors.get_topic_for_user(request.user, pk)

    def perform(d):
        services.topic_progress(user=request.user, topic=topic, note=d["note"])
        return _("Progress recorded.")

    return _act(request, topic, "progress_form", ProgressForm(request.POST), perform)


@writers
@require_POST
def topic_close(request, pk):
    topic = selectors.get_topic_for_user(request.user, pk)

    def perform(d):
        services.topic_close(user=request.user, topic=topic, result=d["result"])
        return _("Topic closed.")

    return _act(request, topic, "close_form", CloseForm(request.POST), perform)


@writers
@require_POST
def topic_unsolvable(request, pk):
    topic = selectors.get_topic_for_user(request.user, pk)

    def perform(d):
        services.topic_unsolvable(user=request.user, topic=topic, reason=d["reason"])
        return _("Recorded as not solvable.")

    return _act(request, topic, "unsolvable_form", UnsolvableForm(request.POST), perform)


# --- the ledger -------------------------------------------------------------------------------


def _filters(user, params) -> dict:
    grid = grid_filter(user, params)
    state = (params.get("state") or "").strip()
    category = (params.get("category") or "").strip()
    period = (params.get("period") or "").strip()
    return {
        "state": state if state in State.values else "",
        "category": category if category in Category.values else "",
        "grid": grid,
        "overdue": params.get("overdue") in ("1", "on", "true"),
        "period": period if period in PERIODS else DEFAULT_PERIOD,
    }


def _since(period: str):
    days = PERIODS[period]
    if days is None:
        return None
    start = timezone.localdate() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(start, dt.time.min))


@grid_roles
@require_GET
def ledger(request):
    """All topics of the user's grids with filters (state, category, grid, overdue, period), the
    closure rate per grid over the period and its bar chart."""
    user = request.user
    f = _filters(user, request.GET)
    since = _since(f["period"])
    qs = selectors.topics_for_user(user).select_related("grid", "meeting")
    if since is not None:
        qs = qs.filter(raised_at__gte=since)
    if f["state"]:
        qs = qs.filter(state=f["state"])
    if f["category"]:
        qs = qs.filter(category=f["category"])
    if f["grid"] is not None:
        qs = qs.filter(grid=f["grid"])
    if f["overdue"]:
        qs = qs.filter(selectors.overdue_q())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for t in page:
        _overdue(t, today)
    rates = selectors.closure_by_grid(user, since=since)
    values = {
        "state": f["state"],
        "category": f["category"],
        "grid": str(f["grid"].pk) if f["grid"] is not None else "",
        "overdue": "1" if f["overdue"] else "",
        "period": f["period"] if f["period"] != DEFAULT_PERIOD else "",
    }
    chart = {
        "labels": [r["grid"] for r in rates],
        "rate": [round(100 * r["rate"], 1) if r["rate"] is not None else None for r in rates],
        "on_time": [round(100 * r["on_time_rate"], 1) if r["on_time_rate"] is not None else None for r in rates],
        "rate_label": _("Closed"),
        "on_time_label": _("Closed by the due date"),
    }
    context = {
        "page": page,
        "f": values,
        "period": f["period"],
        "query": urlencode({k: v for k, v in values.items() if v}),
        "filtered": any(v for k, v in values.items()),
        "rates": rates,
        "total": selectors.totals(rates),
        "chart": chart,
        "options": {
            "states": State.choices,
            "categories": Category.choices,
            "grids": list(CommunityGrid.objects.visible_to(user).order_by("name").values_list("pk", "name")),
            "periods": [
                ("30", _("Last 30 days")),
                ("90", _("Last 90 days")),
                ("365", _("Last 12 months")),
                ("all", _("All time")),
            ],  # fmt: skip
        },
    }
    return render(request, "topics/ledger.html", context)
