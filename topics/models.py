"""Community topics (民生茶馆): what residents raise at community meetings, and what became of it.

A ``Meeting`` (a tea-house session, a residents' council …) is held in one community grid; the
residents raise ``Topic``s there. Each topic gets a plan, a responsible party and a due date, is
worked on and is closed with a result — or recorded as one that cannot be solved, with the
reason. Every step is a ``TopicEvent`` on the topic's timeline. Meetings and topics carry the
grid, so they are scoped like every other record (``visible_to``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.models import CommunityGrid
from grid.querysets import ScopedQuerySet
from residents.models import Person

# Suggested places (free text; a datalist on the phone).
PLACES = ("民生茶馆", "社区议事厅", "小区广场", "党群服务中心")


class Meeting(models.Model):
    """One community meeting (民生茶馆 / 议事会) in a grid: when, where, who hosted, who came."""

    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(_("held at"), db_index=True)
    place = models.CharField(_("place"), max_length=100)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("host"), on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.TextField(_("attendees"), max_length=2000, blank=True, help_text=_("One name or unit a line."))
    attendee_count = models.PositiveIntegerField(_("number of attendees"), default=0)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("community meeting")
        verbose_name_plural = _("community meetings")
        ordering = ["-held_at", "-id"]
        indexes = [models.Index(fields=["grid", "held_at"])]

    def __str__(self):
        return f"{self.place} {self.held_at:%Y-%m-%d}"

    @property
    def attendee_list(self) -> list[str]:
        return [line.strip() for line in self.attendees.splitlines() if line.strip()]


class Category(models.TextChoices):
    PARKING = "parking", _("Parking")
    PROPERTY = "property", _("Property management")
    ENVIRONMENT = "environment", _("Environment and sanitation")
    SECURITY = "security", _("Public order and safety")
    NEIGHBOUR = "neighbour", _("Neighbours")
    FACILITY = "facility", _("Public facilities")
    OTHER = "other", _("Other")


class ResponsibleParty(models.TextChoices):
    COMMITTEE = "committee", _("Community residents' committee")
    PROPERTY = "property", _("Property management company")
    POLICE = "police", _("Police station")
    STREET = "street", _("Street office")
    DEPARTMENT = "department", _("Another department")


class State(models.TextChoices):
    RAISED = "raised", _("Raised")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
    UNSOLVABLE = "unsolvable", _("Cannot be solved")


OPEN_STATES = (State.RAISED, State.PLANNED, State.IN_PROGRESS)
FINAL_STATES = (State.CLOSED, State.UNSOLVABLE)


class Topic(models.Model):
    """A topic raised at a meeting: by whom (a name; optionally the registry person), what, the
    plan, who is responsible and by when, and its state until it is closed."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="topics")
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.CharField(_("raised by"), max_length=50)
    person = models.ForeignKey(
        Person, verbose_name=_("registry person"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("topic"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    plan = models.TextField(_("plan"), max_length=2000, blank=True)
    responsible_party = models.CharField(
        _("responsible party"), max_length=20, choices=ResponsibleParty.choices, blank=True
    )
    responsible_name = models.CharField(_("responsible unit or person"), max_length=100, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RAISED)
    result = models.TextField(_("result"), max_length=2000, blank=True)
    reason = models.CharField(_("why it cannot be solved"), max_length=500, blank=True)
    raised_at = models.DateTimeField(_("raised"), db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("community topic")
        verbose_name_plural = _("community topics")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "state", "raised_at"]),
            models.Index(fields=["state", "due_on"]),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """The number quoted at the next meeting: year raised and id."""
        return f"MS{self.raised_at:%Y}-{self.pk:06d}" if self.pk and self.raised_at else ""

    @property
    def responsible(self) -> str:
        label = self.get_responsible_party_display() if self.responsible_party else ""
        return "　".join(p for p in (label, self.responsible_name) if p)


class TopicEvent(models.Model):
    """The topic's timeline: raised, planned, progress notes, closed or not solvable — who,
    when, from which state to which, and the note."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=State.choices)
    note = models.CharField(max_length=2000, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["topic", "at"])]
