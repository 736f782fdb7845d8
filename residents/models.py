"""The three registries (三实): persons, houses, venues, and who lives where.

Personal identifiers are never stored in the clear: a resident ID or phone number is kept as
ciphertext (``*_enc``), a keyed hash for exact search and uniqueness (``*_hash``) and the
masked form every list shows (``*_masked``). See ``lib.crypto`` and ``lib.gb11643``.
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.models import Building, CommunityGrid
from grid.querysets import ScopedQuerySet
from lib import crypto, gb11643
from lib.choices import FastChoiceLabels


def new_token() -> str:
    return secrets.token_urlsafe(16)


class HouseholdStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    FLOATING = "floating", _("Floating (流动)")
    FOREIGN = "foreign", _("Foreign (境外)")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HMT = "hmt", _("Hong Kong / Macao / Taiwan permit")


class AttentionTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    DISABLED = "disabled", _("Person with disability")
    FOCUS = "focus", _("Key attention")
    COMMUNITY_CORRECTION = "community_correction", _("Under community correction")
    RELEASED = "released", _("Released from prison")


class AttentionColour(models.TextChoices):
    RED = "red", _("Red (high)")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green (none)")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class EncryptedIdentifiers(models.Model):
    """Mixin: an identity document number and a phone number, encrypted, hashed and masked."""

    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number_enc = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=32, editable=False, blank=True)
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def id_hash_for(value: str) -> str:
        return crypto.keyed_hash("id:" + gb11643.normalise(value))

    @staticmethod
    def phone_hash_for(value: str) -> str:
        return crypto.phone_hash(value)

    def set_id_number(self, value: str) -> None:
        """Store an already validated ID number (forms and services validate first)."""
        value = gb11643.normalise(value)
        self.id_number_enc = crypto.encrypt(value) if value else ""
        self.id_number_hash = self.id_hash_for(value) if value else ""
        self.id_number_masked = gb11643.mask(value) if value else ""

    def set_phone(self, value: str) -> None:
        value = (value or "").strip()
        self.phone_enc = crypto.encrypt(value) if value else ""
        self.phone_hash = self.phone_hash_for(value) if value else ""
        self.phone_masked = gb11643.mask_phone(value) if value else ""

    @property
    def id_number(self) -> str:
        """The full number. Call only behind a reveal that is written to the audit trail."""
        return crypto.decrypt(self.id_number_enc) if self.id_number_enc else ""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""


class Person(FastChoiceLabels, EncryptedIdentifiers):
    """实有人口: a person known to the station. ``grid`` follows their current residence."""

    name = models.CharField(_("name"), max_length=50, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="汉族")
    household_status = models.CharField(
        _("household status"), max_length=20, choices=HouseholdStatus.choices, default=HouseholdStatus.REGISTERED
    )
    registration_place = models.CharField(_("household registration place"), max_length=200, blank=True)
    attention_tags = models.JSONField(_("attention tags"), default=list, blank=True)
    attention_colour = models.CharField(
        _("attention level"), max_length=10, choices=AttentionColour.choices, default=AttentionColour.GREEN
    )
    grid = models.ForeignKey(
        CommunityGrid,
        verbose_name=_("community grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # person_grid_name_idx (below) leads with the grid: a second index on the grid alone made
        # PostgreSQL read a deep page's grids through it and sort them (25 ms) instead of walking
        # the (grid, name, id) index in order (7 ms).
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "id"]
        # Lists in scope read in (grid, name, id) order straight off this index, at any depth; ordered
        # by name alone, PostgreSQL walks the name index across the whole city to find a grid's people.
        indexes = [models.Index(fields=["grid", "name", "id"], name="person_grid_name_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="person_unique_id_number",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.id_number_masked})" if self.id_number_masked else self.name

    @property
    def attention_tag_labels(self) -> list[str]:
        labels = dict(AttentionTag.choices)
        return [str(labels.get(t, t)) for t in self.attention_tags]


class HouseUse(models.TextChoices):
    OWNER_OCCUPIED = "owner", _("Owner-occupied (自住)")
    RENTAL = "rental", _("Rented out (出租)")
    HOTEL = "hotel", _("Hotel / guesthouse (酒店/民宿)")
    STUDIO = "studio", _("Studio (工作室)")
    SHOP = "shop", _("Shop (商铺)")
    VACANT = "vacant", _("Vacant (空置)")


class Colour(models.TextChoices):
    """四色分级 of apartment buildings, derived from the house's use."""

    GREEN = "green", _("Green: hotel")
    YELLOW = "yellow", _("Yellow: studio")
    BLUE = "blue", _("Blue: rental")
    ORANGE = "orange", _("Orange: owner-occupied")
    NONE = "none", _("Other")


USE_COLOUR = {
    HouseUse.HOTEL: Colour.GREEN,
    HouseUse.STUDIO: Colour.YELLOW,
    HouseUse.RENTAL: Colour.BLUE,
    HouseUse.OWNER_OCCUPIED: Colour.ORANGE,
}


class House(FastChoiceLabels, models.Model):
    """实有房屋: a unit in a building. Its four-colour class follows from ``use``."""

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="houses")
    unit = models.CharField(_("unit"), max_length=30, help_text=_("e.g. 2单元501"))
    floor = models.SmallIntegerField(_("floor"))
    area = models.DecimalField(_("area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True)
    use = models.CharField(_("use"), max_length=10, choices=HouseUse.choices, default=HouseUse.OWNER_OCCUPIED)
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_houses"
    )
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    qr_token = models.CharField(_("QR token"), max_length=32, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["building_id", "-floor", "unit"]
        indexes = [models.Index(fields=["grid", "id"], name="house_grid_id_idx")]  # the API's order in scope
        constraints = [models.UniqueConstraint(fields=["building", "unit"], name="house_unique_unit")]

    def __str__(self):
        return f"{self.building.address} {self.unit}"

    @property
    def colour(self) -> str:
        return USE_COLOUR.get(self.use, Colour.NONE)

    @property
    def colour_label(self) -> str:
        return Colour(self.colour).label


class Relation(models.TextChoices):
    HOUSEHOLDER = "householder", _("Householder")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class Residence(models.Model):
    """Who lives in which house, from when to when (``end`` empty: lives there now)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="residences")
    house = models.ForeignKey(House, verbose_name=_("house"), on_delete=models.PROTECT, related_name="residences")
    relation = models.CharField(_("relation to householder"), max_length=20, choices=Relation.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["-start"]
        indexes = [models.Index(fields=["house", "end"]), models.Index(fields=["person", "end"])]

    def __str__(self):
        return f"{self.person.name} @ {self.house}"


class VenueKind(models.TextChoices):
    SCHOOL = "school", _("Small school or kindergarten")
    CLINIC = "clinic", _("Small clinic")
    SHOP = "shop", _("Small shop")
    RESTAURANT = "restaurant", _("Small restaurant")
    HOTEL = "hotel", _("Small hotel")
    ENTERTAINMENT = "entertainment", _("Small karaoke / entertainment venue")
    INTERNET_CAFE = "internet_cafe", _("Small internet café")
    BEAUTY_BATH = "beauty_bath", _("Small beauty salon or bathhouse")
    WORKSHOP = "workshop", _("Small workshop or factory")
    GROUP_RENTAL = "group_rental", _("Group rental")
    FIRE_KEY_SITE = "fire_key_site", _("Fire-safety key site")
    OTHER = "other", _("Other")


NINE_SMALL_VENUES = [
    k for k in VenueKind if k not in (VenueKind.GROUP_RENTAL, VenueKind.FIRE_KEY_SITE, VenueKind.OTHER)
]


class Venue(models.Model):
    """实有单位: a shop, one of the nine kinds of small venues, or a fire-safety key site."""

    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=VenueKind.choices)
    licence_number = models.CharField(_("licence number"), max_length=50, blank=True)
    responsible_name = models.CharField(_("responsible person"), max_length=50)
    responsible = models.ForeignKey(
        Person, verbose_name=_("responsible person (registry)"), null=True, blank=True, on_delete=models.SET_NULL
    )
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="venues")
    house = models.ForeignKey(House, verbose_name=_("house"), null=True, blank=True, on_delete=models.SET_NULL)
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    qr_token = models.CharField(_("QR token"), max_length=32, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ChangeLog(models.Model):
    """History of a registry record: who changed which fields when, old → new.

    Personal identifiers appear only masked. Written by ``residents.history.record``.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL)
    action = models.CharField(_("action"), max_length=10)
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]


class VisitSource(models.TextChoices):
    QR_SCAN = "qr_scan", _("QR scan")
    MANUAL = "manual", _("Recorded by hand")


class Visit(models.Model):
    """入户走访: a staff member at a door. Every staff QR scan records one. Colleagues who visited
    together (the officer and the grid worker) are ``participants``: the visit counts for each."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=VisitSource.choices, default=VisitSource.MANUAL)
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, verbose_name=_("house"), null=True, blank=True, on_delete=models.SET_NULL)
    purpose = models.CharField(_("purpose"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("visited together with"), blank=True, related_name="+"
    )
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-at"]


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LabelSheet(models.Model):
    """A printable A4 sheet of door-plate QR labels for a building or a whole community grid.

    Rendered in the background; ``done``/``total`` drive the progress bar.
    """

    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.CASCADE, related_name="+"
    )
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.CASCADE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="labels/%Y/%m/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("QR label sheet")
        verbose_name_plural = _("QR label sheets")
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == JobStatus.DONE else 0)


class ImportJob(models.Model):
    """An Excel import (persons or houses) saved in the background after its rows were checked.

    Only its creator sees it. ``result`` holds what the import did (counts, notes) or, if a row
    failed at save time, the error; progress while running lives in the cache.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=10)
    file = models.FileField(upload_to="imports/%Y/%m/")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Excel import")
        verbose_name_plural = _("Excel imports")
        ordering = ["-created_at"]
