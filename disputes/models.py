"""The mediation ledger (矛盾纠纷调解台账): intake, parties, mediators, sessions, agreements,
follow-up visits and the outcome that lasts.

A dispute belongs to the community grid of the building where it arose, so it is scoped like
every other record; a user with the ``mediator`` role sees only the disputes they are assigned
to (``DisputeQuerySet.visible_to``). Parties carry their own encrypted identifiers (a party
need not live here), linked to the registry person with the same ID when there is one.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, Role
from grid.models import Building, CommunityGrid, Station
from grid.querysets import ScopedQuerySet, StationQuerySet
from lib.choices import FastChoiceLabels
from residents.models import EncryptedIdentifiers, House, Person


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    CALL = "call", _("Phone call")
    GRID_EVENT = "grid_event", _("Grid event")
    PATROL = "patrol", _("Found on patrol")
    REFERRAL = "referral", _("Referred by another body")


class Category(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbours")
    FAMILY = "family", _("Family and marriage")
    CONSUMER = "consumer", _("Consumer")
    TENANCY = "tenancy", _("Tenancy")
    PROPERTY = "property", _("Property management")
    LABOUR = "labour", _("Labour and wages")
    TRAFFIC = "traffic", _("Traffic accident")
    DAMAGES = "damages", _("Damages")
    OTHER = "other", _("Other")


class Risk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High (may escalate)")


class DisputeState(models.TextChoices):
    INTAKE = "intake", _("Received")
    MEDIATING = "mediating", _("Being mediated")
    AGREED = "agreed", _("Agreement reached, follow-ups running")
    RESOLVED = "resolved", _("Resolved for good")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    REFERRED = "referred", _("Referred")


OPEN_STATES = (DisputeState.INTAKE, DisputeState.MEDIATING)
FINAL_STATES = (DisputeState.RESOLVED, DisputeState.NO_AGREEMENT, DisputeState.REFERRED)


class Outcome(models.TextChoices):
    ADJOURNED = "adjourned", _("Adjourned: another session")
    AGREED = "agreed", _("Agreement reached")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    REFERRED = "referred", _("Referred elsewhere")


class ReferredTo(models.TextChoices):
    COURT = "court", _("People's court")
    HOTLINE = "hotline", _("12345 hotline")
    DEPARTMENT = "department", _("Another department")


class MediatorType(models.TextChoices):
    JUDGE = "judge", _("Judge")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    POLICE = "police", _("Police officer")
    LAWYER = "lawyer", _("Lawyer")
    LAW_SOCIETY = "law_society", _("Law-society member")
    PEOPLES = "peoples", _("People's mediator")


def _is_mediator(user) -> bool:
    return user is not None and user.is_authenticated and user.role == Role.MEDIATOR and not user.is_superuser


class MediatorQuerySet(StationQuerySet):
    scope_level = "station"
    scope_lookup = "station_id"

    def visible_to(self, user):
        """Staff see their stations' roster; a mediator only their own entry; other roles nothing."""
        if _is_mediator(user):
            return self.filter(user=user)
        if user is None or not user.is_authenticated or not (user.is_superuser or user.role in STAFF_ROLES):
            return self.none()  # grid workers, volunteers, landlords: not their business
        return super().visible_to(user)


class Mediator(models.Model):
    """One member of a station's mediator roster (三官一师一员 and people's mediators).

    External mediators with a login are linked to a user with the ``mediator`` role; officers who
    mediate may be linked to their own account.
    """

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    type = models.CharField(_("mediator type"), max_length=20, choices=MediatorType.choices)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MediatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["station_id", "type", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_type_display()}）"


class DisputeQuerySet(ScopedQuerySet):
    """Grid scope for staff; a mediator sees only the disputes they are assigned to. Also the
    manager of the dispute's sessions, agreements and follow-ups (they carry ``dispute``)."""

    def visible_to(self, user):
        if _is_mediator(user):
            if not user.is_active:
                return self.none()
            ids = Dispute.objects.filter(mediators__user=user).values("id")
            return self.filter(**{"id__in" if self.model is Dispute else "dispute_id__in": ids})
        if user is None or not user.is_authenticated:
            return self.none()
        if not user.is_superuser and user.role not in STAFF_ROLES:  # grid workers, volunteers, landlords
            return self.none()
        return super().visible_to(user)


class Dispute(FastChoiceLabels, models.Model):
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.WALK_IN)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    risk = models.CharField(_("risk level"), max_length=10, choices=Risk.choices, default=Risk.LOW)
    building = models.ForeignKey(Building, verbose_name=_("address"), on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, verbose_name=_("house"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place_detail = models.CharField(_("place details"), max_length=100, blank=True)
    description = models.TextField(_("what happened"), max_length=2000)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible officer"), on_delete=models.PROTECT, related_name="+"
    )
    mediators = models.ManyToManyField(
        Mediator, verbose_name=_("assigned mediators"), blank=True, related_name="disputes"
    )
    state = models.CharField(_("state"), max_length=20, choices=DisputeState.choices, default=DisputeState.INTAKE)
    outcome_reason = models.CharField(_("reason"), max_length=300, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=20, choices=ReferredTo.choices, blank=True)
    referred_department = models.CharField(_("department"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    agreed_at = models.DateTimeField(_("agreement reached"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("recurrences"), default=0)
    grid = models.ForeignKey(
        CommunityGrid, verbose_name=_("community grid"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "state", "received_at"]),
            models.Index(fields=["officer", "state"]),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_category_display()}"

    @property
    def reference(self) -> str:
        """The ledger number officers quote: year of intake and id."""
        return f"JF{self.received_at:%Y}-{self.pk:06d}" if self.pk and self.received_at else ""

    @property
    def address(self) -> str:
        parts = [self.building.address]
        if self.house_id:
            parts.append(self.house.unit)
        if self.place_detail:
            parts.append(self.place_detail)
        return " ".join(parts)


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD = "third", _("Third party")


class Party(EncryptedIdentifiers):
    """A party to a dispute: their own masked, encrypted ID and phone, linked to the registry
    person with the same ID if there is one (``person``)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(
        Person, verbose_name=_("registry person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("party role"), max_length=12, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute_id", "order", "id"]
        indexes = [models.Index(fields=["id_number_hash"], name="party_id_hash")]

    def __str__(self):
        return self.name


class MediationSession(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=100)
    mediators = models.ManyToManyField(Mediator, verbose_name=_("mediators"), related_name="sessions")
    parties_present = models.ManyToManyField(Party, verbose_name=_("parties present"), related_name="+")
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=20, choices=ReferredTo.choices, blank=True)
    referred_department = models.CharField(_("department"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    grid = models.ForeignKey(CommunityGrid, on_delete=models.PROTECT, related_name="+")

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_at", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.held_at:%Y-%m-%d %H:%M}"


class AgreementStatus(models.TextChoices):
    PENDING = "pending", _("Being generated")
    ISSUED = "issued", _("Waiting for signatures")
    SIGNED = "signed", _("Signed by all parties, archived")


class Agreement(models.Model):
    """人民调解协议书: numbered per station and year, rendered in the background, signed by every
    party on the officer's phone, archived with its SHA-256. In force from the last signature."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="agreements")
    session = models.OneToOneField(MediationSession, on_delete=models.PROTECT, related_name="agreement")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("agreement number"), max_length=80)
    facts = models.TextField(_("facts of the dispute"), max_length=3000)
    terms = models.TextField(_("terms agreed"), max_length=3000)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.PENDING
    )
    pdf = models.FileField(upload_to="agreements/%Y/", blank=True)
    signed_pdf = models.FileField(upload_to="agreements/signed/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(_("in force since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    grid = models.ForeignKey(CommunityGrid, on_delete=models.PROTECT, related_name="+")

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["station", "year", "seq"], name="agreement_unique_number")]

    def __str__(self):
        return self.number


class Signature(models.Model):
    """One party's signature on an agreement (drawn on the officer's phone)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    image = models.ImageField(upload_to="agreements/signatures/%Y/")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="signature_once_per_party")]


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpMethod(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", _("Phone call")


FOLLOW_UP_DAYS = (7, 30, 90)


class FollowUp(models.Model):
    """回访: 7, 30 and 90 days after an agreement is signed. The 90-day one, kept, resolves the
    dispute for good; a recurrence at any of them reopens it and cancels the rest."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="followups")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="followups")
    day = models.PositiveSmallIntegerField(_("days after the agreement"))
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.SCHEDULED
    )
    method = models.CharField(_("how"), max_length=10, choices=FollowUpMethod.choices, blank=True)
    kept = models.BooleanField(_("agreement kept"), null=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(CommunityGrid, on_delete=models.PROTECT, related_name="+")

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "day"], name="followup_once_per_day")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.dispute_id} +{self.day}d"


class DisputeEvent(models.Model):
    """The dispute's timeline: received, assigned, sessions, agreement, signatures, follow-ups,
    recurrence, resolution — who, when, what."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
