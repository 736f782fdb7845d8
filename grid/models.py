import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.querysets import BuildingQuerySet, CommunityGridQuerySet, PoliceGridQuerySet, StationQuerySet
from lib import geo


def validate_boundary(value):
    if value in (None, {}, ""):
        return
    try:
        geo.validate_polygon(value)
    except geo.BoundaryError as exc:
        raise ValidationError(str(exc), code="invalid_boundary") from exc


def new_qr_token() -> str:
    """Unguessable token for a door-plate QR (128 bits)."""
    return secrets.token_urlsafe(16)


class BoundedArea(models.Model):
    """A named area with a GeoJSON boundary (WGS84) and its bounding box for quick lookups.

    The boundary is validated on every save (closed rings, no self-intersection) and the
    bounding box is kept in step with it.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True, validators=[validate_boundary])
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        validate_boundary(self.boundary)
        self.set_bbox()
        if kwargs.get("update_fields") is not None and "boundary" in kwargs["update_fields"]:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"min_lng", "min_lat", "max_lng", "max_lat"}
        super().save(*args, **kwargs)

    def set_bbox(self) -> None:
        if self.boundary:
            b = geo.bbox(self.boundary)
            self.min_lng, self.min_lat, self.max_lng, self.max_lat = b.min_lng, b.min_lat, b.max_lng, b.max_lat
        else:
            self.min_lng = self.min_lat = self.max_lng = self.max_lat = None


class Station(BoundedArea):
    """派出所: a police station, headed by a chief. Its area is the union of its police grids."""

    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    declaration_deadline_days = models.PositiveSmallIntegerField(
        _("days to declare a move-in"), default=3, help_text=_("Landlords must declare within this many days.")
    )
    permit_prefix = models.CharField(
        _("residence permit number prefix"), max_length=20, blank=True, help_text=_("e.g. 640106")
    )

    notice_pattern = models.CharField(
        _("rectification notice number pattern"),
        max_length=80,
        default="{station}消改字〔{year}〕第{seq:04d}号",
        help_text=_("Fields: {station}, {district}, {year}, {seq}; e.g. 金凤(上海西路)消改字〔{year}〕第{seq:04d}号"),
    )

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")
        ordering = ["code"]


class PoliceGrid(BoundedArea):
    """警务区 / 警格: a beat with one community officer (一警格一民警)."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="police_grids"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("community officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="police_grids",
        limit_choices_to={"role": "officer"},
    )

    objects = PoliceGridQuerySet.as_manager()

    class Meta:
        verbose_name = _("police grid")
        verbose_name_plural = _("police grids")
        ordering = ["code"]


class CommunityGrid(BoundedArea):
    """网格: a community grid with one grid worker and one auxiliary officer; lies in one police grid."""

    police_grid = models.ForeignKey(
        PoliceGrid, verbose_name=_("police grid"), on_delete=models.PROTECT, related_name="community_grids"
    )
    community = models.CharField(_("community"), max_length=100, blank=True)
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker_grids",
        limit_choices_to={"role": "grid_worker"},
    )
    auxiliary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auxiliary officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="auxiliary_grids",
        limit_choices_to={"role": "auxiliary"},
    )
    volunteers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteers"),
        blank=True,
        related_name="volunteer_grids",
        limit_choices_to={"role": "volunteer"},
    )

    objects = CommunityGridQuerySet.as_manager()

    class Meta:
        verbose_name = _("community grid")
        verbose_name_plural = _("community grids")
        ordering = ["code"]
        indexes = [models.Index(fields=["min_lng", "max_lng", "min_lat", "max_lat"], name="grid_bbox_idx")]


class Building(models.Model):
    """标准地址: a standard address (road, number, compound, building) with its location.

    ``grid`` is set by point-in-polygon from ``lat``/``lng`` (``grid.services``) whenever the
    building is created or moved; it is what scopes everything recorded at this address.
    """

    address = models.CharField(_("standard address"), max_length=200, unique=True)
    compound = models.CharField(_("compound"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="buildings"
    )
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)
    qr_token = models.CharField(_("QR token"), max_length=32, unique=True, default=new_qr_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building (standard address)")
        verbose_name_plural = _("buildings (standard addresses)")
        ordering = ["address"]

    def __str__(self):
        return self.address
