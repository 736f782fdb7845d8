"""Inspections of venues and group rentals: versioned checklists, findings with photos, hazards,
rectification notices (PDF, signature, archive) and the loop back to re-inspection."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.models import CommunityGrid, Station
from grid.querysets import ScopedQuerySet
from lib.choices import FastChoiceLabels
from residents.models import House, Venue, VenueKind


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Grade(models.TextChoices):
    """Hazard grade: the rectification deadline."""

    IMMEDIATE = "0", _("Immediately")
    DAYS_3 = "3", _("Within 3 days")
    DAYS_7 = "7", _("Within 7 days")
    DAYS_15 = "15", _("Within 15 days")


class ChecklistTemplate(models.Model):
    """A standard checklist for one kind of venue. Editing makes a new version; inspections keep theirs."""

    venue_kind = models.CharField(_("venue type"), max_length=20, choices=VenueKind.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    is_current = models.BooleanField(_("current"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["venue_kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["venue_kind", "version"], name="checklist_unique_version"),
            models.UniqueConstraint(
                fields=["venue_kind"], condition=models.Q(is_current=True), name="checklist_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("item"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    default_grade = models.CharField(_("default grade"), max_length=2, choices=Grade.choices, default=Grade.DAYS_7)

    class Meta:
        ordering = ["template_id", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="checklist_item_order")]

    def __str__(self):
        return self.text


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Inspection(models.Model):
    """One visit with a checklist: a draft saved item by item, then submitted.

    A re-inspection (``reinspection_of``) checks the hazards of an earlier notice again.
    """

    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections")
    companions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reinspection_of = models.ForeignKey(
        "RectificationNotice", null=True, blank=True, on_delete=models.PROTECT, related_name="reinspections"
    )
    grid = models.ForeignKey(CommunityGrid, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.venue or self.house} {self.started_at:%Y-%m-%d}"


class Result(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")


class Answer(models.Model):
    """One checklist item's result in an inspection (saved as the officer goes)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="answer_unique_item")]


class Photo(models.Model):
    """Evidence for a failed item (or a merchant's "fixed" report): re-encoded, EXIF stripped, with a thumbnail."""

    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    hazard_fix = models.ForeignKey("Hazard", null=True, blank=True, on_delete=models.CASCADE, related_name="fix_photos")
    image = models.ImageField(upload_to="inspections/%Y/%m/")
    thumbnail = models.ImageField(upload_to="inspections/%Y/%m/thumbs/")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class HazardStatus(models.TextChoices):
    OPEN = "open", _("Not yet rectified")
    FIXED_REPORTED = "fixed_reported", _("Reported fixed")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Referred to the fire department")


class Hazard(FastChoiceLabels, models.Model):
    """A failed item of a submitted inspection, with its deadline; closed by a passing re-inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="hazards")
    answer = models.OneToOneField(Answer, on_delete=models.PROTECT, related_name="hazard")
    notice = models.ForeignKey(
        "RectificationNotice", null=True, blank=True, on_delete=models.PROTECT, related_name="hazards"
    )
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards")
    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards")
    text = models.CharField(_("hazard"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    note = models.CharField(_("note"), max_length=500, blank=True)
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices)
    deadline = models.DateField(_("deadline"))
    round = models.PositiveSmallIntegerField(_("notice round"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=HazardStatus.choices, default=HazardStatus.OPEN)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next")
    closed_at = models.DateTimeField(null=True, blank=True)
    grid = models.ForeignKey(CommunityGrid, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["grid", "status", "deadline"])]

    def __str__(self):
        return self.text


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Being generated")
    ISSUED = "issued", _("Issued, not signed")
    SIGNED = "signed", _("Signed and archived")


class RectificationNotice(models.Model):
    """隐患整改通知书: numbered per station and year, rendered in the background, signed, archived.

    ``number`` follows the station's pattern; (station, year, seq) is unique and gap-free. Once
    signed, ``signed_pdf`` and its ``sha256`` never change.
    """

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="notice")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("notice number"), max_length=80)
    round = models.PositiveSmallIntegerField(_("notice round"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    pdf = models.FileField(upload_to="notices/%Y/", blank=True)
    signature = models.ImageField(upload_to="notices/signatures/%Y/", blank=True)
    signer_name = models.CharField(_("signed by"), max_length=50, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_pdf = models.FileField(upload_to="notices/signed/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    sign_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    grid = models.ForeignKey(CommunityGrid, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["station", "year", "seq"], name="notice_unique_number")]
        # The render backlog (notices waiting for their PDF): a handful among a city's 120,000.
        indexes = [models.Index(fields=["id"], condition=models.Q(status="pending", pdf=""), name="notice_pending_idx")]

    def __str__(self):
        return self.number


class HazardEvent(models.Model):
    """A hazard's history: issued, reported fixed, re-inspected, closed, escalated — who, when, why."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
