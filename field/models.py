"""Officers' time in the community: check-in and check-out with the phone's position.

A check-in outside the officer's own grids is recorded but flagged (``inside`` false), so the
hours cannot be gamed quietly. Rows are the officer's own; the chief sees the station's.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Role
from grid.models import CommunityGrid, Station
from grid.querysets import ScopedQuerySet


class Kind(models.TextChoices):
    IN = "in", _("Check-in")
    OUT = "out", _("Check-out")


class CheckQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An officer's own rows; a chief's station; an administrator everything."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role == Role.ADMIN:
            return self.all()
        if user.role == Role.CHIEF and user.station_id:
            return self.filter(models.Q(station_id=user.station_id) | models.Q(user=user))
        return self.filter(user=user)


class Check(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    at = models.DateTimeField(_("time"), db_index=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    accuracy = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    station = models.ForeignKey(Station, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    inside = models.BooleanField(_("inside own grids"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in or check-out")
        verbose_name_plural = _("check-ins and check-outs")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["station", "at"])]


class Topic(models.TextChoices):
    ANTI_FRAUD = "anti_fraud", _("Anti-fraud")
    FIRE = "fire", _("Fire safety")
    TRAFFIC = "traffic", _("Road safety")
    DRUGS = "drugs", _("Drug prevention")
    LAW = "law", _("Law and legal aid")
    RENTAL = "rental", _("Rental declaration and residence permits")
    OTHER = "other", _("Other")


class Publicity(models.Model):
    """宣传: a publicity activity in the community — topic, place, leaflets, people reached."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("together with"), blank=True, related_name="+"
    )
    held_on = models.DateField(_("date"), db_index=True)
    topic = models.CharField(pgettext_lazy("publicity", "topic"), max_length=20, choices=Topic.choices)
    place = models.CharField(_("place"), max_length=100)
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    leaflets = models.PositiveIntegerField(_("leaflets handed out"), default=0)
    people = models.PositiveIntegerField(_("people reached"), default=0)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("publicity activity")
        verbose_name_plural = _("publicity activities")
        ordering = ["-held_on", "-id"]


class Patrol(models.Model):
    """A patrol: started and stopped on the phone, which posts its position every 30 s meanwhile."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(Station, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"), db_index=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]


class TrackPoint(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    at = models.DateTimeField()
    lat = models.FloatField()
    lng = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["patrol", "at"], name="trackpoint_once")]
