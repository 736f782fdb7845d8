from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Community officer")
    AUXILIARY = "auxiliary", _("Auxiliary officer")
    GRID_WORKER = "grid_worker", _("Grid worker")
    VOLUNTEER = "volunteer", _("Volunteer grid member")
    CHIEF = "chief", _("Station chief")
    LANDLORD = "landlord", _("Landlord / agent")
    MEDIATOR = "mediator", _("Mediator")
    ADMIN = "admin", _("Administrator")


# Police staff: short idle sessions, second factor (later), full views of personal data by reason.
STAFF_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN})
# Everyone who can see other people's data is logged out after 30 idle minutes; landlords
# (the public, declaring their own rentals on their own phones) keep the ordinary cookie age.
IDLE_TIMEOUT_ROLES = frozenset(Role) - {Role.LANDLORD}
# Everyone who works a grid (sees scoped records); landlords and mediators see only their own.
GRID_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.GRID_WORKER, Role.VOLUNTEER, Role.CHIEF, Role.ADMIN})


class User(AbstractUser):
    """A person who logs in: police staff, grid members, landlords, external mediators.

    ``role`` decides navigation and, through ``grid.scope``, which grids the user sees.
    ``station`` is the chief's (and staff's) station; grid assignments live on the grids.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    police_number = models.CharField(_("police number"), max_length=20, blank=True)
    station = models.ForeignKey(
        "grid.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_police_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def has_idle_timeout(self) -> bool:
        return self.is_staff or self.role in IDLE_TIMEOUT_ROLES

    @property
    def is_admin_role(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN


class AuditAction(models.TextChoices):
    REVEAL = "reveal", _("Revealed personal data")
    EXPORT = "export", _("Exported data")
    VIEW = "view", _("Viewed a record")
    DOWNLOAD = "download", _("Downloaded a document")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    DENIED = "denied", _("Access denied")
    OTP_ENROLLED = "otp_enrolled", _("Set up two-step verification")
    OTP_FAILED = "otp_failed", _("Failed verification code")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """One line of the append-only audit trail: who did what to which record, when, why, from where.

    Rows are only ever inserted (``accounts.services.audit``); saving an existing row or deleting
    raises, the admin is read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE. Rows are
    hash-chained (``accounts.audit_chain``); ``manage.py audit_verify`` finds the first broken link.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # The hash chain (accounts.audit_chain): each row carries its predecessor's hash and the hash of
    # its own content with that link, so a row changed or removed behind the database's back shows.
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, db_default="")
    hash = models.CharField(_("hash"), max_length=64, blank=True, db_default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at"]
        base_manager_name = "objects"  # related-object access goes through the append-only queryset too
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")
