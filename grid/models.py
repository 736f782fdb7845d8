import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.querysets import (
    BuildingQuerySet,
    CommunityGridQuerySet,
    GridMemberQuerySet,
    PoliceGridQuerySet,
    StationQuerySet,
)
from lib import crypto, gb11643, geo


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
    """网格: a community grid with one grid worker and one auxiliary officer; lies in one police grid.

    Its volunteers are on its roster, ``members`` (``GridMember``).
    """

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


class MemberType(models.TextChoices):
    """Who the volunteer is in the community (编外网格员 come from these walks of life)."""

    PROPERTY_MANAGER = "property_manager", _("Property manager")
    SECURITY_GUARD = "security_guard", _("Security guard")
    MERCHANT = "merchant", _("Merchant")
    PARTY_MEMBER = "party_member", _("Party member")
    RESIDENT = "resident", _("Resident")


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")
    REJECTED = "rejected", _("Not approved")


# A phone has at most one open membership (pending, active or suspended) across all grids.
OPEN_MEMBER_STATUSES = (MemberStatus.PENDING, MemberStatus.ACTIVE, MemberStatus.SUSPENDED)


class GridMember(models.Model):
    """A volunteer grid member on a community grid's roster (网格力量花名册).

    Members apply on the public page (``status=pending``, with the password they chose kept as a
    hash) or are added by the grid's officer; approval gives them a ``volunteer`` login. Only
    ``active`` members are in a grid's scope (``grid.scope``). The phone is personal data:
    encrypted, hashed (for login and duplicates) and masked like every other phone.
    """

    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    name = models.CharField(_("name"), max_length=50)
    member_type = models.CharField(_("type"), max_length=20, choices=MemberType.choices)
    phone_enc = models.TextField(editable=False)
    phone_hash = models.CharField(max_length=64, editable=False, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False)
    address = models.CharField(_("where they live or work"), max_length=100, blank=True)
    motivation = models.CharField(_("why they want to help"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.PENDING)
    applied = models.BooleanField(_("applied online"), default=False)
    pending_password = models.CharField(max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = GridMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        ordering = ["grid", "status", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone_hash"],
                condition=models.Q(status__in=["pending", "active", "suspended"]),
                name="member_one_open_membership_per_phone",
            )
        ]
        indexes = [models.Index(fields=["grid", "status"])]

    def __str__(self):
        return f"{self.name} {self.phone_masked}"

    def set_phone(self, value: str) -> None:
        self.phone_enc = crypto.encrypt(value)
        self.phone_hash = crypto.phone_hash(value)
        self.phone_masked = gb11643.mask_phone(value)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""
