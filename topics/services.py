"""Writes for community topics (民生茶馆). Every change goes on the topic's timeline.

Workflow (``State``; the one table is ``TRANSITIONS``)::

    raised ──plan──▶ planned ──progress──▶ in_progress ──close──▶ closed
      │               │  ▲ plan (revised)    │  ▲ progress (more notes)
      │               └──┴──close────────────┼──┘
      └───────────────┴──────unsolvable──────┴──▶ unsolvable (with the reason)

Officers, auxiliaries, grid workers, chiefs and administrators write, in the grids of their scope;
volunteers read. Refusals are ``ValidationError``s keyed by field (``state`` for a step the topic's
state does not allow, ``__all__`` for who may not write).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from grid.models import CommunityGrid
from residents.models import Person
from topics.models import OPEN_STATES, Category, Meeting, ResponsibleParty, State, Topic, TopicEvent

WRITER_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.GRID_WORKER, Role.CHIEF, Role.ADMIN})
MAX_TOPICS = 20

# action → (states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "plan": ((State.RAISED, State.PLANNED), State.PLANNED),
    "progress": ((State.PLANNED, State.IN_PROGRESS), State.IN_PROGRESS),
    "close": ((State.PLANNED, State.IN_PROGRESS), State.CLOSED),
    "unsolvable": (OPEN_STATES, State.UNSOLVABLE),
}

# Timeline actions → their label (translated when shown).
ACTIONS = {
    "raised": gettext_lazy("Raised at the meeting"),
    "plan": gettext_lazy("Plan made"),
    "replan": gettext_lazy("Plan revised"),
    "progress": gettext_lazy("Progress"),
    "close": gettext_lazy("Closed with a result"),
    "unsolvable": gettext_lazy("Cannot be solved"),
}


def can_write(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.role in WRITER_ROLES))


def allowed(topic: Topic, action: str) -> bool:
    """May ``action`` be taken on the topic in its current state?"""
    return topic.state in TRANSITIONS[action][0]


def _check_writer(user, grid_id: int) -> None:
    if not can_write(user) or not CommunityGrid.objects.visible_to(user).filter(pk=grid_id).exists():
        raise ValidationError(_("You may not record topics of this grid."))


def _text(value, field: str, *, required: str | None = None, limit: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return value


def _log(topic: Topic, action: str, *, user, from_state: str, note: str = "") -> TopicEvent:
    return TopicEvent.objects.create(
        topic=topic, action=action, user=user, from_state=from_state, to_state=topic.state,
        note=(note or "")[:2000], at=timezone.now(),
    )  # fmt: skip


# --- meetings and topics --------------------------------------------------------------------------


@dataclass
class TopicInput:
    """One topic as raised: who raised it (a name; optionally the registry person), what, which kind."""

    raised_by: str = ""
    title: str = ""
    description: str = ""
    category: str = Category.OTHER
    person: Person | None = None


def _build_topic(user, meeting: Meeting, data: TopicInput) -> Topic:
    errors = {}
    raised_by, title, description = (data.raised_by or "").strip(), (data.title or "").strip(), ""
    if data.person is not None:
        if not Person.objects.visible_to(user).filter(pk=data.person.pk, grid_id=meeting.grid_id).exists():
            errors["person"] = _("Choose a resident of this grid.")
        raised_by = raised_by or data.person.name
    if not raised_by:
        errors["raised_by"] = _("Enter who raised the topic (a name, or e.g. 3号楼居民).")
    elif len(raised_by) > 50:
        errors["raised_by"] = _("At most %(n)d characters.") % {"n": 50}
    if not title:
        errors["title"] = _("Enter the topic in a few words.")
    elif len(title) > 100:
        errors["title"] = _("At most %(n)d characters.") % {"n": 100}
    try:
        description = _text(data.description, "description")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if data.category not in Category.values:
        errors["category"] = _("Choose a category.")
    if errors:
        raise ValidationError(errors)
    return Topic(
        meeting=meeting, grid_id=meeting.grid_id, raised_by=raised_by, person=data.person, title=title,
        description=description, category=data.category, raised_at=meeting.held_at, created_by=user,
    )  # fmt: skip


def _build_all(user, meeting: Meeting, topics: list[TopicInput]) -> tuple[list[Topic], dict]:
    """Unsaved topics, and their errors keyed ``topic-<n>-<field>`` (n: the position in ``topics``)."""
    built, errors = [], {}
    for n, data in enumerate(topics):
        try:
            built.append(_build_topic(user, meeting, data))
        except ValidationError as exc:
            errors.update({f"topic-{n}-{k}": v for k, v in exc.message_dict.items()})
    return built, errors


def _save_all(user, meeting: Meeting, built: list[Topic]) -> list[Topic]:
    for topic in built:
        topic.meeting = meeting
        topic.save()
        _log(topic, "raised", user=user, from_state="", note=topic.raised_by)
    return built


@transaction.atomic
def meeting_create(
    *,
    user,
    grid: CommunityGrid,
    held_at: dt.datetime | None,
    place: str,
    attendees: str = "",
    attendee_count: int | None = None,
    notes: str = "",
    host=None,
    topics: list[TopicInput] | None = None,
) -> Meeting:
    """Record a meeting with the topics raised at it (all or nothing). Topic errors are keyed
    ``topic-<n>-<field>``. The attendee count defaults to the number of attendee lines."""
    if grid is None:
        raise ValidationError({"grid": _("Choose the community grid.")})
    _check_writer(user, grid.pk)
    errors = {}
    now = timezone.now()
    if held_at is None:
        errors["held_at"] = _("Enter when the meeting was held.")
    elif held_at > now + dt.timedelta(minutes=5):
        errors["held_at"] = _("The time cannot be in the future.")
    place = (place or "").strip()
    if not place:
        errors["place"] = _("Enter where the meeting was held.")
    elif len(place) > 100:
        errors["place"] = _("At most %(n)d characters.") % {"n": 100}
    lines = [line.strip() for line in (attendees or "").splitlines() if line.strip()]
    if len("\n".join(lines)) > 2000:
        errors["attendees"] = _("At most %(n)d characters.") % {"n": 2000}
    if attendee_count is None:
        attendee_count = len(lines)
    elif attendee_count < 0 or attendee_count > 10_000:
        errors["attendee_count"] = _("Enter a number between 0 and 10000.")
    elif attendee_count < len(lines):
        errors["attendee_count"] = _("At least as many as the attendees listed (%(n)d).") % {"n": len(lines)}
    if len((notes or "").strip()) > 4000:
        errors["notes"] = _("At most %(n)d characters.") % {"n": 4000}
    topics = topics or []
    if not topics:
        errors["topics"] = _("Record at least one topic raised at the meeting.")
    elif len(topics) > MAX_TOPICS:
        errors["topics"] = _("At most %(n)d topics per meeting.") % {"n": MAX_TOPICS}
    meeting = Meeting(
        grid=grid, held_at=held_at or now, place=place, host=host or user, attendees="\n".join(lines),
        attendee_count=attendee_count or 0, notes=(notes or "").strip(), created_by=user,
    )  # fmt: skip
    built, topic_errors = _build_all(user, meeting, topics)
    errors.update(topic_errors)
    if errors:
        raise ValidationError(errors)
    meeting.save()
    _save_all(user, meeting, built)
    return meeting


@transaction.atomic
def topic_add(*, user, meeting: Meeting, topics: list[TopicInput]) -> list[Topic]:
    """Add topics to a meeting already recorded (several at once; all or nothing)."""
    _check_writer(user, meeting.grid_id)
    if not topics:
        raise ValidationError({"topics": _("Record at least one topic raised at the meeting.")})
    if meeting.topics.count() + len(topics) > MAX_TOPICS:
        raise ValidationError({"topics": _("At most %(n)d topics per meeting.") % {"n": MAX_TOPICS}})
    built, errors = _build_all(user, meeting, topics)
    if errors:
        raise ValidationError(errors)
    return _save_all(user, meeting, built)


# --- the workflow ---------------------------------------------------------------------------------


def _begin(user, topic: Topic, action: str) -> tuple[Topic, str]:
    """Lock the topic's row and check the writer and the transition; returns (fresh topic, old state)."""
    _check_writer(user, topic.grid_id)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if not allowed(topic, action):
        raise ValidationError(
            {"state": _("This cannot be done to a topic that is “%(state)s”.") % {"state": topic.get_state_display()}}
        )
    return topic, topic.state


@transaction.atomic
def topic_plan(
    *,
    user,
    topic: Topic,
    plan: str,
    responsible_party: str,
    responsible_name: str = "",
    responsible_user=None,
    due_on: dt.date | None,
) -> Topic:
    """The plan, who is responsible and by when → planned (also revises the plan of a planned topic)."""
    topic, old = _begin(user, topic, "plan")
    errors = {}
    try:
        plan = _text(plan, "plan", required=_("Describe what will be done."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if responsible_party not in ResponsibleParty.values:
        errors["responsible_party"] = _("Choose who is responsible.")
    name = (responsible_name or "").strip()
    if responsible_party == ResponsibleParty.DEPARTMENT and not name:
        errors["responsible_name"] = _("Name the department.")
    elif len(name) > 100:
        errors["responsible_name"] = _("At most %(n)d characters.") % {"n": 100}
    if due_on is None:
        errors["due_on"] = _("Enter the due date.")
    elif due_on < timezone.localdate(topic.raised_at):
        errors["due_on"] = _("The due date cannot be before the meeting.")
    if responsible_user is not None and not responsible_user.is_active:
        errors["responsible_user"] = _("Choose an active user.")
    if errors:
        raise ValidationError(errors)
    topic.plan, topic.responsible_party, topic.responsible_name = plan, responsible_party, name
    topic.responsible_user, topic.due_on, topic.state = responsible_user, due_on, State.PLANNED
    topic.save(update_fields=["plan", "responsible_party", "responsible_name", "responsible_user", "due_on", "state",
                              "updated_at"])  # fmt: skip
    note = f"{topic.responsible}，{due_on:%Y-%m-%d}：{plan}"
    _log(topic, "replan" if old == State.PLANNED else "plan", user=user, from_state=old, note=note)
    return topic


@transaction.atomic
def topic_progress(*, user, topic: Topic, note: str) -> Topic:
    """A progress note → in progress (further notes keep it there)."""
    topic, old = _begin(user, topic, "progress")
    note = _text(note, "note", required=_("Describe what was done."))
    topic.state = State.IN_PROGRESS
    topic.save(update_fields=["state", "updated_at"])
    _log(topic, "progress", user=user, from_state=old, note=note)
    return topic


@transaction.atomic
def topic_close(*, user, topic: Topic, result: str) -> Topic:
    """The result → closed."""
    topic, old = _begin(user, topic, "close")
    result = _text(result, "result", required=_("Describe the result."))
    topic.state, topic.result, topic.closed_at = State.CLOSED, result, timezone.now()
    topic.save(update_fields=["state", "result", "closed_at", "updated_at"])
    _log(topic, "close", user=user, from_state=old, note=result)
    return topic


@transaction.atomic
def topic_unsolvable(*, user, topic: Topic, reason: str) -> Topic:
    """The reason → cannot be solved (a final state; it counts as not closed in the closure rate)."""
    topic, old = _begin(user, topic, "unsolvable")
    reason = _text(reason, "reason", required=_("Give the reason."), limit=500)
    topic.state, topic.reason, topic.closed_at = State.UNSOLVABLE, reason, timezone.now()
    topic.save(update_fields=["state", "reason", "closed_at", "updated_at"])
    _log(topic, "unsolvable", user=user, from_state=old, note=reason)
    return topic
