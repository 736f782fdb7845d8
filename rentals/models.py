"""Landlord self-declaration, residence permits and the cross-matching tasks of a grid."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.models import CommunityGrid
from grid.querysets import ScopedQuerySet
from lib.choices import FastChoiceLabels
from residents.models import EncryptedIdentifiers, House, Person, Residence, new_token


class LandlordKind(models.TextChoices):
    LANDLORD = "landlord", _("Landlord")
    AGENT = "agent", _("Rental agent")


class LandlordProfile(models.Model):
    """A landlord's or agent's account details. The phone (their login) is encrypted + hashed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="landlord_profile")
    kind = models.CharField(_("kind"), max_length=10, choices=LandlordKind.choices, default=LandlordKind.LANDLORD)
    company = models.CharField(_("agency"), max_length=100, blank=True)
    phone_enc = models.TextField(editable=False)
    phone_hash = models.CharField(max_length=64, unique=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False)
    phone_verified_at = models.DateTimeField(_("phone verified"), null=True, blank=True)

    phone_hash_for = staticmethod(EncryptedIdentifiers.phone_hash_for)

    class Meta:
        verbose_name = _("landlord profile")
        verbose_name_plural = _("landlord profiles")

    def __str__(self):
        return f"{self.user.display_name} {self.phone_masked}"


class DeclarationKind(models.TextChoices):
    MOVE_IN = "move_in", _("Move-in")
    MOVE_OUT = "move_out", _("Move-out")


class RentalType(models.TextChoices):
    LONG = "long", _("Long-term")
    SHORT = "short", _("Short-term")


class DeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")


# The one table of allowed transitions: (from, to).
DECLARATION_TRANSITIONS = {
    (DeclarationStatus.SUBMITTED, DeclarationStatus.APPROVED),
    (DeclarationStatus.SUBMITTED, DeclarationStatus.RETURNED),
    (DeclarationStatus.RETURNED, DeclarationStatus.SUBMITTED),
}


class DeclarationQuerySet(ScopedQuerySet):
    def of_landlord(self, user):
        return self.filter(landlord=user)

    def pending(self):
        return self.filter(status=DeclarationStatus.SUBMITTED)


class RentalDeclaration(FastChoiceLabels, models.Model):
    """A landlord's declaration of tenants moving in or out of one house, reviewed by the officer."""

    house = models.ForeignKey(House, verbose_name=_("house"), on_delete=models.PROTECT, related_name="declarations")
    landlord = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("landlord"), on_delete=models.PROTECT, related_name="declarations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DeclarationKind.choices, default=DeclarationKind.MOVE_IN)
    rental_type = models.CharField(_("rental type"), max_length=10, choices=RentalType.choices, default=RentalType.LONG)
    status = models.CharField(
        _("status"), max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"))
    event_date = models.DateField(_("earliest move-in / move-out"))
    deadline = models.DateField(_("declaration deadline"))
    is_late = models.BooleanField(_("late"), default=False)
    return_reason = models.CharField(_("reason for return"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    # The follow-up of a submission (the landlord's SMS receipt) is done: null while it waits for
    # its task; the sweeper re-enqueues those whose task was lost (rentals.tasks_declarations).
    followup_done_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rental declaration")
        verbose_name_plural = _("rental declarations")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["grid", "status", "-submitted_at"]),
            # The sweeper's few waiting rows, without scanning a city's declarations.
            models.Index(
                fields=["submitted_at"],
                name="declaration_followup_pending",
                condition=models.Q(followup_done_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.house}"


class DeclarationEvent(models.Model):
    """The declaration's history: every transition with who, when and why."""

    declaration = models.ForeignKey(RentalDeclaration, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    @property
    def to_status_label(self) -> str:
        return DeclarationStatus(self.to_status).label


class DeclaredTenant(EncryptedIdentifiers):
    """One tenant on a declaration, as the landlord typed it; linked to the registry on approval."""

    declaration = models.ForeignKey(RentalDeclaration, on_delete=models.CASCADE, related_name="tenants")
    name = models.CharField(_("name"), max_length=50)
    move_in = models.DateField(_("move-in date"), null=True, blank=True)
    move_out = models.DateField(_("move-out date"), null=True, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    residence = models.ForeignKey(Residence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("declared tenant")
        verbose_name_plural = _("declared tenants")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} ({self.id_number_masked})"


class PermitBasis(models.TextChoices):
    WORK = "work", _("Stable employment")
    RESIDENCE = "residence", _("Stable residence")
    STUDY = "study", _("Continuous study")


class PermitStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Issued")


PERMIT_TRANSITIONS = {
    (PermitStatus.SUBMITTED, PermitStatus.APPROVED),
    (PermitStatus.SUBMITTED, PermitStatus.RETURNED),
    (PermitStatus.RETURNED, PermitStatus.SUBMITTED),
}


class ResidencePermit(EncryptedIdentifiers):
    """居住证: applied for online, verified by the officer, issued as a PDF with a QR to verify.

    ``status_token`` lets the applicant follow the application; ``verify_token`` is printed on
    the permit for anyone to check it.
    """

    name = models.CharField(_("name"), max_length=50)
    house = models.ForeignKey(House, verbose_name=_("address"), on_delete=models.PROTECT, related_name="permits")
    basis = models.CharField(_("basis"), max_length=10, choices=PermitBasis.choices)
    basis_detail = models.CharField(_("employer, school or proof of residence"), max_length=200)
    photo = models.ImageField(_("photo"), upload_to="permits/photos/%Y/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PermitStatus.choices, default=PermitStatus.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted"))
    return_reason = models.CharField(_("reason for return"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="permits")
    number = models.CharField(_("permit number"), max_length=40, blank=True, db_index=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    pdf = models.FileField(_("permit PDF"), upload_to="permits/pdf/%Y/", blank=True)
    pdf_version = models.PositiveIntegerField(default=0)
    status_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    verify_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    renewal_reminded_for = models.DateField(null=True, blank=True, editable=False)
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("residence permit")
        verbose_name_plural = _("residence permits")
        ordering = ["-submitted_at"]

    def __str__(self):
        return self.number or f"{self.name} ({self.get_status_display()})"


class PermitAttachment(models.Model):
    permit = models.ForeignKey(ResidencePermit, on_delete=models.CASCADE, related_name="attachments")
    image = models.ImageField(upload_to="permits/attachments/%Y/")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class PermitEvent(models.Model):
    """Every transition and renewal (签注) of a permit: who, when, why."""

    permit = models.ForeignKey(ResidencePermit, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]


class MismatchKind(models.TextChoices):
    UNREGISTERED_TENANT = "unregistered_tenant", _("Declared tenant not in the registry")
    ENDED_TENANCY = "ended_tenancy", _("Resident whose tenancy has ended")
    UNDECLARED_RENTAL = "undeclared_rental", _("Rental house without a declaration for 30 days")
    PERMIT_EXPIRING = "permit_expiring", _("Residence permit expiring within 30 days")
    DOUBLE_DECLARATION = "double_declaration", _("Same ID declared at two addresses")


class MismatchTask(models.Model):
    """A mismatch between registries, as a task for the grid worker (百宝箱).

    ``subject`` names what it is about (e.g. ``tenant:42``); ``fingerprint`` hashes the data
    that made it a mismatch. A closed task reappears only when the fingerprint changes.
    """

    grid = models.ForeignKey(CommunityGrid, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=MismatchKind.choices)
    subject = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mismatch task")
        verbose_name_plural = _("mismatch tasks")
        ordering = ["kind", "created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "subject"], name="mismatch_unique_subject")]
