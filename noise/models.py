"""Noise sensors (噪声监测): sensors placed in a community grid with their GB 3096-2008 zone
class, the short-interval LAeq readings they post, and the alerts raised on sustained (or, at
night, sudden) exceedance of the class's limit.

A sensor belongs to the community grid its point lies in; the grid's staff see it, and so does
its property contact (物业联系人), who sees only the sensors they are the contact of.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grid.models import Building, CommunityGrid
from grid.querysets import ScopedQuerySet


class ZoneClass(models.TextChoices):
    """声环境功能区 of GB 3096-2008."""

    C0 = "0", _("Class 0 (convalescent areas)")
    C1 = "1", _("Class 1 (residential, medical, education)")
    C2 = "2", _("Class 2 (mixed residential and commercial)")
    C3 = "3", _("Class 3 (industrial and storage)")
    C4A = "4a", _("Class 4a (along main roads)")
    C4B = "4b", _("Class 4b (along railways)")


class Kind(models.TextChoices):
    SUSTAINED = "sustained", _("Sustained exceedance (5-minute LAeq)")
    SUDDEN = "sudden", _("Sudden noise at night (over the limit by more than 15 dB(A))")


class Period(models.TextChoices):
    DAY = "day", _("Day (06:00–22:00)")
    NIGHT = "night", _("Night (22:00–06:00)")


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("noise alert", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("noise alert", "Acknowledged")


class SensorQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The grid scope for staff roles, plus the sensors the user is the property contact of."""
        from accounts.models import STAFF_ROLES

        if user is None or not user.is_authenticated:
            return self.none()
        mine = Q(contact=user)
        if user.is_superuser or user.role in STAFF_ROLES:
            scope = self.scope_q(user)
            return self.all() if scope is None else self.filter(scope | mine)
        return self.filter(mine)


class AlertQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """As for sensors: staff by grid scope, a property contact for their sensors only."""
        from accounts.models import STAFF_ROLES

        if user is None or not user.is_authenticated:
            return self.none()
        mine = Q(sensor__contact=user)
        if user.is_superuser or user.role in STAFF_ROLES:
            scope = self.scope_q(user)
            return self.all() if scope is None else self.filter(scope | mine)
        return self.filter(mine)


class Sensor(models.Model):
    """噪声监测点: a sound-level meter posting LAeq readings with its own key.

    ``grid`` is set from ``lat``/``lng`` by point-in-polygon when the sensor is registered. The
    key is shown once, at registration; only ``key_hash`` (``lib.crypto.keyed_hash``) is stored.
    """

    name = models.CharField(_("name"), max_length=100)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    zone_class = models.CharField(_("zone class (GB 3096)"), max_length=2, choices=ZoneClass.choices)
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("property contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_reading_at = models.DateTimeField(_("last reading"), null=True, blank=True)

    objects = SensorQuerySet.as_manager()

    class Meta:
        verbose_name = _("noise sensor")
        verbose_name_plural = _("noise sensors")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Reading(models.Model):
    """One short-interval LAeq (e.g. 1 minute) starting at ``at``, in dB(A)."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="readings")
    at = models.DateTimeField(_("time"))
    laeq = models.FloatField(_("LAeq, dB(A)"))

    class Meta:
        verbose_name = _("noise reading")
        verbose_name_plural = _("noise readings")
        ordering = ["sensor", "at"]
        constraints = [models.UniqueConstraint(fields=["sensor", "at"], name="noise_reading_unique_sensor_at")]


class Alert(models.Model):
    """A window in which a sensor's noise exceeded its class's limit: one per sensor, window and kind.

    ``measured`` is the window's 5-minute LAeq (sustained) or its loudest reading (sudden);
    ``limit`` the period's limit; ``exceedance`` = measured − limit.
    """

    sensor = models.ForeignKey(Sensor, verbose_name=_("sensor"), on_delete=models.CASCADE, related_name="alerts")
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=5, choices=Period.choices)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    measured = models.FloatField(_("measured, dB(A)"))
    limit = models.FloatField(_("limit, dB(A)"))
    exceedance = models.FloatField(_("over the limit, dB(A)"))
    state = models.CharField(_("state"), max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("noise alert")
        verbose_name_plural = _("noise alerts")
        ordering = ["-window_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sensor", "kind", "window_start"], name="noise_alert_unique_window"),
        ]
        indexes = [
            models.Index(fields=["grid", "state", "window_start"]),
            models.Index(fields=["sensor", "window_start"]),
        ]

    def __str__(self):
        return f"{self.sensor} {self.get_kind_display()} {self.window_start:%Y-%m-%d %H:%M}"

    @classmethod
    def from_finding(cls, sensor, finding) -> "Alert":
        """An unsaved alert for one finding of ``noise.laeq.evaluate``."""
        return cls(
            sensor=sensor, grid_id=sensor.grid_id, kind=finding.kind, period=finding.period,
            window_start=finding.window_start, window_end=finding.window_end, measured=finding.measured,
            limit=finding.limit, exceedance=finding.exceedance,
        )  # fmt: skip
