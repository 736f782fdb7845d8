"""Grid events (网格吹哨): reported from a phone, handled at the lowest tier that can — community
grid, police grid, station, a named department — within each tier's time limit, escalated
automatically when a limit passes, reported back, and rated by the reporter.

"采办分离": the reporter is never the handler. An event belongs to the community grid its point
lies in; its reporter always sees it, as do the users whose scope covers the grid.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grid.models import Building, CommunityGrid
from grid.querysets import ScopedQuerySet
from lib.choices import FastChoiceLabels


class Category(models.TextChoices):
    SAFETY = "safety", _("Public-order hazard")
    FIRE = "fire", _("Fire hazard")
    DISPUTE = "dispute", _("Neighbourhood conflict")
    NOISE = "noise", _("Noise nuisance")
    RENTAL = "rental", _("Rental house problem")
    FACILITY = "facility", _("Broken public facility")
    ENVIRONMENT = "environment", _("Sanitation and environment")
    TRAFFIC = "traffic", _("Traffic and parking")
    OTHER = "other", _("Other")


class Tier(models.IntegerChoices):
    GRID = 1, _("Community grid")
    POLICE_GRID = 2, _("Police grid")
    STATION = 3, _("Police station")
    DEPARTMENT = 4, _("Functional department")


class State(models.TextChoices):
    REPORTED = "reported", _("Waiting to be accepted")
    ACCEPTED = "accepted", _("Being handled")
    HANDLED = "handled", _("Handled, waiting for the rating")
    CLOSED = "closed", _("Done and closed")


OPEN_STATES = (State.REPORTED, State.ACCEPTED)


class Source(models.TextChoices):
    APP = "app", _("Reported from a phone")
    OPEN311 = "open311", _("Open311 client")


class EventQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The grid scope, plus the events the user reported themselves."""
        if user is None or not user.is_authenticated:
            return self.none()
        q = self.scope_q(user)
        return self.all() if q is None else self.filter(q | Q(reporter=user))


def new_token() -> str:
    return secrets.token_urlsafe(12)


class Event(FastChoiceLabels, models.Model):
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), max_length=1000)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    building = models.ForeignKey(
        Building, verbose_name=_("address"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.APP)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.GRID)
    department = models.CharField(_("department"), max_length=100, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("An urgent event the command room sent to the nearest officer."),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REPORTED)
    accept_by = models.DateTimeField(_("to be accepted by"), null=True, blank=True)
    handle_by = models.DateTimeField(_("to be handled by"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    token = models.CharField(max_length=20, unique=True, default=new_token, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid event")
        verbose_name_plural = _("grid events")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "state", "reported_at"]),
            models.Index(fields=["state", "accept_by"]),
            models.Index(fields=["state", "handle_by"]),
            models.Index(fields=["category", "state", "lat"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="event_rating_1_to_5"
            ),
            models.CheckConstraint(condition=~Q(handler=models.F("reporter")), name="event_reporter_not_handler"),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_category_display()}"

    @property
    def reference(self) -> str:
        return f"SJ{self.reported_at:%Y}-{self.pk:06d}" if self.pk and self.reported_at else ""


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Report")
    FEEDBACK = "feedback", _("Feedback")
    ADDITION = "addition", _("Added by another reporter")


class EventPhoto(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    image = models.ImageField(upload_to="events/%Y/%m/")
    thumbnail = models.ImageField(upload_to="events/%Y/%m/thumbs/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]


class EventLog(models.Model):
    """The event's timeline: reported, joined, accepted, escalated (by whom or by the clock),
    handled, reopened, rated — with the tier it happened at."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Supporter(models.Model):
    """Someone else who saw the same thing and added to the event instead of filing a duplicate."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="supporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="supporter_once")]


class TierLimit(models.Model):
    """A tier's time limits for one category, in minutes (the chief or admin sets them; without a
    row the defaults in ``events.dispatch.DEFAULT_LIMITS`` apply)."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    accept_minutes = models.PositiveIntegerField(_("minutes to accept"))
    handle_minutes = models.PositiveIntegerField(_("minutes to handle"))

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [models.UniqueConstraint(fields=["category", "tier"], name="tier_limit_once")]


class PointAward(models.Model):
    """Points for a grid worker's or volunteer's report the handlers accepted (the leaderboard)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(CommunityGrid, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField()
    reason = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event", "reason"], name="points_once")]
        indexes = [models.Index(fields=["grid", "user"])]


class Open311Client(models.Model):
    """A civic-reporting client allowed to file and follow events through Open311 GeoReport v2.

    Its key is stored as a keyed hash; events it files are reported under ``user`` and it reads
    the events of ``station`` only.
    """

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("grid.Station", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self):
        return self.name
