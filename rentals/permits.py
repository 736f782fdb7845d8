"""Residence permits (居住证): the services (writes) and selectors (reads) of the workflow.

Online application → officer review (approve / return for correction → resubmit) → the PDF
permit rendered in the background → yearly renewal (签注) with a reminder 30 days before expiry.
Anyone can check a permit on the public verify page its QR code points to; that page, lists and
the API show only masked data. Views, the API and tasks call these functions and stay thin.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES, AuditAction
from accounts.permissions import has_role
from accounts.services import audit
from grid.models import Station
from lib import gb11643, sms
from lib.images import ImageRejected, clean_photo
from lib.tasks import enqueue_on_commit
from rentals.models import (
    PERMIT_TRANSITIONS,
    DeclarationKind,
    DeclarationStatus,
    DeclaredTenant,
    PermitAttachment,
    PermitEvent,
    PermitStatus,
    ResidencePermit,
)
from residents.models import EncryptedIdentifiers, House, HouseholdStatus, IdType, Person, Residence, Sex

log = logging.getLogger(__name__)

# Permits are police work: grid workers and volunteers do not see them (pages: 404, API: empty).
PERMIT_ROLES = STAFF_ROLES
MIN_RESIDENCE_DAYS = 183  # "six months" of《居住证暂行条例》第二条
REMINDER_DAYS = 30  # 签注 is due within the month before each anniversary (条例第十四条)
MAX_ATTACHMENTS = 3
MAX_IMAGE_BYTES = 5 * 1024 * 1024


class Action:
    """``PermitEvent.action`` values."""

    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    RETURNED = "returned"
    RENEWED = "renewed"
    REMINDER = "reminder"


ACTION_LABELS = {
    Action.SUBMITTED: gettext_lazy("Application submitted"),
    Action.RESUBMITTED: gettext_lazy("Corrected and submitted again"),
    Action.APPROVED: gettext_lazy("Approved, permit issued"),
    Action.RETURNED: gettext_lazy("Returned for correction"),
    Action.RENEWED: gettext_lazy("Renewed (签注)"),
    Action.REMINDER: gettext_lazy("Renewal reminder sent"),
}


# --- small helpers ----------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def add_years(day: dt.date, years: int = 1) -> dt.date:
    """The same calendar day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def mask_name(name: str) -> str:
    """张*明, 张*, 欧阳**锋: first and last character kept, for the public verify page."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def reencode_image(upload, *, max_side: int = 1600) -> ContentFile:
    """Check an uploaded photo (JPEG, PNG or WebP, at most 5 MB) and re-encode it as JPEG, with
    ``lib.images`` like every other upload. Raises ``ValidationError`` with the person's message."""
    try:
        clean = clean_photo(upload, max_side=max_side, max_bytes=MAX_IMAGE_BYTES)
    except ImageRejected as exc:
        raise ValidationError(str(exc), code="invalid") from None
    return ContentFile(clean.image.read(), name=f"{uuid.uuid4().hex}.jpg")


def _transition(permit: ResidencePermit, to: str) -> str:
    if (permit.status, to) not in PERMIT_TRANSITIONS:
        raise ValidationError(
            _("This application is %(status)s and cannot be changed that way.")
            % {"status": permit.get_status_display()},
            code="transition",
        )
    before = permit.status
    permit.status = to
    return before


def _event(permit: ResidencePermit, action: str, *, user=None, reason: str = "") -> PermitEvent:
    user = user if getattr(user, "is_authenticated", False) else None
    return PermitEvent.objects.create(permit=permit, action=action, user=user, reason=reason[:300])


def _enqueue_render(permit: ResidencePermit) -> None:
    from rentals.tasks_permits import permit_render_pdf

    enqueue_on_commit(permit_render_pdf, permit.pk, permit.pdf_version)


# --- selectors --------------------------------------------------------------------------------


def can_handle_permits(user) -> bool:
    return has_role(user, PERMIT_ROLES)


def permits_for_user(user, *, status: str = "", expiring: bool = False, q: str = ""):
    """The permits ``user`` may see (none for roles that do not handle permits), newest first."""
    if not can_handle_permits(user):
        return ResidencePermit.objects.none()
    qs = ResidencePermit.objects.visible_to(user).select_related("house__building", "grid")
    if status in PermitStatus.values:
        qs = qs.filter(status=status)
    if expiring:
        qs = expiring_permits(qs)
    return search_permits(qs, q).order_by("-submitted_at", "-id")


def search_permits(qs, q: str):
    """Name, permit number or address contain ``q``; a whole valid ID is matched by its hash."""
    q = (q or "").strip()
    if not q:
        return qs
    lookup = Q(name__icontains=q) | Q(number__icontains=q) | Q(house__building__address__icontains=q)
    if gb11643.is_valid(q):
        lookup |= Q(id_number_hash=EncryptedIdentifiers.id_hash_for(q))
    return qs.filter(lookup)


def expiring_permits(qs=None, *, on: dt.date | None = None):
    """Issued permits whose validity ends within the next 30 days (or has just ended today)."""
    on = on or today()
    qs = ResidencePermit.objects.all() if qs is None else qs
    return qs.filter(
        status=PermitStatus.APPROVED, valid_until__gte=on, valid_until__lte=on + dt.timedelta(days=REMINDER_DAYS)
    )


def get_permit_for_user(user, pk) -> ResidencePermit:
    """One permit in the user's scope, or 404 (also for roles that do not handle permits)."""
    qs = (
        permits_for_user(user)
        .select_related("grid__police_grid__station", "person", "reviewed_by", "house__building")
        .prefetch_related("attachments")
    )
    return get_object_or_404(qs, pk=pk)


def get_permit_by_status_token(token: str) -> ResidencePermit:
    qs = ResidencePermit.objects.select_related("house__building", "grid__police_grid__station")
    return get_object_or_404(qs.prefetch_related("attachments"), status_token=token)


def get_permit_by_verify_token(token: str) -> ResidencePermit:
    return get_object_or_404(ResidencePermit.objects.select_related("grid__police_grid__station"), verify_token=token)


def permit_events(permit: ResidencePermit) -> list[PermitEvent]:
    events = list(permit.events.select_related("user"))
    for e in events:
        e.label = ACTION_LABELS.get(e.action, e.action)
    return events


def houses_search(q: str, *, limit: int = 20) -> list[House]:
    """Houses whose address, compound or unit contain every word of ``q`` (public address picker).

    Only the address is ever shown from these rows; at least two characters are needed so the
    picker cannot list the whole city.
    """
    words = (q or "").split()
    if not words or len("".join(words)) < 2:
        return []
    qs = House.objects.select_related("building")
    for w in words[:5]:
        qs = qs.filter(Q(building__address__icontains=w) | Q(building__compound__icontains=w) | Q(unit__icontains=w))
    return list(qs.order_by("building__address", "floor", "unit")[:limit])


def house_by_token(token: str) -> House | None:
    if not token:
        return None
    return House.objects.select_related("building").filter(qr_token=token).first()


@dataclass(frozen=True)
class ResidenceCheck:
    """The six-month check: when the current, continuous residence in the city began."""

    start: dt.date | None
    days: int
    found: bool  # any declaration or registry residence at all
    current: bool  # one of them covers today
    last_end: dt.date | None = None

    @property
    def ok(self) -> bool:
        return self.current and self.days >= MIN_RESIDENCE_DAYS

    @property
    def missing_days(self) -> int:
        return max(0, MIN_RESIDENCE_DAYS - self.days)

    @property
    def message(self) -> str:
        if not self.found:
            # Translators: 未找到租住申报或居住登记
            return _("No rental declaration or residence registration found")
        if not self.current:
            # Translators: 目前没有有效的租住申报或居住登记：最近一次截至 YYYY-MM-DD
            return _("No current rental declaration or residence registration: the last one ended on %(end)s") % {
                "end": self.last_end.isoformat() if self.last_end else "—"
            }
        if not self.ok:
            # Translators: 居住时间不足6个月：登记起始于 YYYY-MM-DD，还差 N 天
            return _("Less than 6 months of residence: registered since %(start)s, %(days)d days missing") % {
                "start": self.start.isoformat(),
                "days": self.missing_days,
            }
        # Translators: 已连续居住满6个月：登记起始于 YYYY-MM-DD（N 天）
        return _("Resident for at least 6 months: registered since %(start)s (%(days)d days)") % {
            "start": self.start.isoformat(),
            "days": self.days,
        }


def _merge(intervals: list[tuple[dt.date, dt.date | None]]) -> list[tuple[dt.date, dt.date | None]]:
    """Join overlapping or back-to-back (next day) intervals; ``None`` as end means "still"."""
    merged: list[list] = []
    for start, end in sorted(intervals, key=lambda iv: iv[0]):
        if merged:
            last = merged[-1]
            if last[1] is None or start <= last[1] + dt.timedelta(days=1):
                if last[1] is not None and (end is None or end > last[1]):
                    last[1] = end
                continue
        merged.append([start, end])
    return [(s, e) for s, e in merged]


def residence_check(id_hash: str, *, on: dt.date | None = None) -> ResidenceCheck:
    """How long the holder of ``id_hash`` has lived in the city without a break, as of ``on``.

    Sources: approved move-in declarations naming that ID (ended by the tenant's move-out date
    or by a later approved move-out declaration of the same ID) and registry residences of the
    person with that ID. Two queries, whatever the history.
    """
    on = on or today()
    if not id_hash:
        return ResidenceCheck(start=None, days=0, found=False, current=False)
    tenants = list(
        DeclaredTenant.objects.filter(id_number_hash=id_hash, declaration__status=DeclarationStatus.APPROVED)
        .select_related("declaration")
        .only("move_in", "move_out", "declaration__kind", "declaration__event_date")
    )
    move_outs = sorted(
        t.move_out or t.declaration.event_date for t in tenants if t.declaration.kind == DeclarationKind.MOVE_OUT
    )
    intervals: list[tuple[dt.date, dt.date | None]] = []
    for t in tenants:
        if t.declaration.kind != DeclarationKind.MOVE_IN:
            continue
        start = t.move_in or t.declaration.event_date
        end = t.move_out or next((d for d in move_outs if d >= start), None)
        intervals.append((start, end))
    residences = Residence.objects.filter(person__id_number_hash=id_hash, person__id_type=IdType.RESIDENT_ID)
    intervals += list(residences.values_list("start", "end"))
    intervals = [(s, e) for s, e in intervals if s <= on]
    if not intervals:
        return ResidenceCheck(start=None, days=0, found=False, current=False)
    merged = _merge(intervals)
    for start, end in merged:
        if end is None or end >= on:
            return ResidenceCheck(start=start, days=(on - start).days, found=True, current=True)
    return ResidenceCheck(start=None, days=0, found=True, current=False, last_end=merged[-1][1])


def permit_residence_check(permit: ResidencePermit) -> ResidenceCheck:
    return residence_check(permit.id_number_hash)


def permit_validity(permit: ResidencePermit, *, on: dt.date | None = None) -> str:
    """``valid``, ``expired`` or ``not_issued``: what the public verify page says."""
    on = on or today()
    if permit.status != PermitStatus.APPROVED or not permit.valid_until:
        return "not_issued"
    if permit.valid_from and permit.valid_from > on:
        return "not_issued"
    return "valid" if permit.valid_until >= on else "expired"


def can_renew(permit: ResidencePermit, *, on: dt.date | None = None) -> bool:
    """签注 is done within the month before the permit's anniversary, or late after it lapsed."""
    on = on or today()
    return (
        permit.status == PermitStatus.APPROVED
        and permit.valid_until is not None
        and permit.valid_until - on <= dt.timedelta(days=REMINDER_DAYS)
    )


# --- services ---------------------------------------------------------------------------------


def _apply_identity(permit: ResidencePermit, *, id_number: str, phone: str) -> None:
    if id_number:
        try:
            number, _birth, _sex = gb11643.parse(id_number)
        except gb11643.InvalidID as exc:
            raise ValidationError({"id_number": str(exc)}) from None
        permit.id_type = IdType.RESIDENT_ID
        permit.set_id_number(number)
    if phone:
        permit.set_phone(phone)


def _save_attachments(permit: ResidencePermit, attachments) -> None:
    for image in list(attachments)[:MAX_ATTACHMENTS]:
        PermitAttachment.objects.create(permit=permit, image=image)


@transaction.atomic
def permit_apply(
    *,
    name: str,
    id_number: str,
    phone: str,
    house: House,
    basis: str,
    basis_detail: str,
    photo: ContentFile | None = None,
    attachments=(),
) -> ResidencePermit:
    """A resident's online application: status submitted, scoped to the house's grid.

    ``photo`` and ``attachments`` are already checked and re-encoded (``reencode_image``).
    """
    if not id_number:
        raise ValidationError({"id_number": _("Enter your resident ID number.")})
    permit = ResidencePermit(
        name=name.strip(),
        house=house,
        basis=basis,
        basis_detail=basis_detail.strip(),
        status=PermitStatus.SUBMITTED,
        submitted_at=timezone.now(),
        grid_id=house.grid_id,
    )
    _apply_identity(permit, id_number=id_number, phone=phone)
    if photo is not None:
        permit.photo.save(photo.name, photo, save=False)
    permit.full_clean(exclude=["photo", "pdf", "grid", "house", "reviewed_by", "person"])
    permit.save()
    _save_attachments(permit, attachments)
    _event(permit, Action.SUBMITTED)
    return permit


@transaction.atomic
def permit_resubmit(
    *,
    permit: ResidencePermit,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    house: House,
    basis: str,
    basis_detail: str,
    photo: ContentFile | None = None,
    attachments=(),
) -> ResidencePermit:
    """The applicant's correction of a returned application: submitted again.

    An empty name, ID or phone keeps the one given before; new supporting photos replace the old.
    """
    permit = ResidencePermit.objects.select_for_update().get(pk=permit.pk)
    _transition(permit, PermitStatus.SUBMITTED)
    permit.name = name.strip() or permit.name
    permit.house, permit.grid_id = house, house.grid_id
    permit.basis, permit.basis_detail = basis, basis_detail.strip()
    _apply_identity(permit, id_number=id_number, phone=phone)
    permit.submitted_at = timezone.now()
    if photo is not None:
        permit.photo.save(photo.name, photo, save=False)
    permit.full_clean(exclude=["photo", "pdf", "grid", "house", "reviewed_by", "person"])
    permit.save()
    if attachments:
        permit.attachments.all().delete()
        _save_attachments(permit, attachments)
    _event(permit, Action.RESUBMITTED)
    return permit


@transaction.atomic
def permit_return(*, permit: ResidencePermit, user, reason: str) -> ResidencePermit:
    """The officer sends the application back with what to correct."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say what the applicant must correct.")})
    permit = ResidencePermit.objects.select_for_update().get(pk=permit.pk)
    _transition(permit, PermitStatus.RETURNED)
    permit.return_reason = reason[:300]
    permit.reviewed_by, permit.reviewed_at = user, timezone.now()
    permit.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at"])
    _event(permit, Action.RETURNED, user=user, reason=reason)
    return permit


def _next_number(station: Station, year: int) -> str:
    """The station's next number for ``year``; the caller holds the station's row lock."""
    prefix = f"{station.permit_prefix or station.code}{year}"
    # Zero-padded numbers of one length sort like their sequence: read only the last one.
    last = (
        ResidencePermit.objects.filter(number__startswith=prefix, grid__police_grid__station=station)
        .annotate(length=Length("number"))
        .filter(length=len(prefix) + 6)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) if last and last[len(prefix) :].isdigit() else 0
    return f"{prefix}{seq + 1:06d}"


def _link_person(permit: ResidencePermit, *, user) -> Person:
    """The registry person with the applicant's ID; created as floating population if absent."""
    from residents.services import person_save

    person = Person.objects.filter(id_type=IdType.RESIDENT_ID, id_number_hash=permit.id_number_hash).first()
    if person is not None:
        return person
    return person_save(
        user=user,
        name=permit.name,
        id_type=IdType.RESIDENT_ID,
        id_number=permit.id_number,
        phone=permit.phone,
        household_status=HouseholdStatus.FLOATING,
        grid=permit.house.grid,
        reason=_("residence permit application"),
    )


@transaction.atomic
def permit_approve(*, permit: ResidencePermit, user) -> ResidencePermit:
    """Issue the permit: number, one year's validity, registry person; the PDF after commit.

    Numbers are ``<station prefix or code><year><6-digit sequence>``, gap-free per station and
    year: the station row is locked while the next one is taken, so two approvals cannot pick
    the same number.
    """
    permit = (
        ResidencePermit.objects.select_for_update(of=("self",))
        .select_related("house", "grid__police_grid")
        .get(pk=permit.pk)
    )
    _transition(permit, PermitStatus.APPROVED)
    station = Station.objects.select_for_update().get(pk=permit.grid.police_grid.station_id)
    start = today()
    permit.number = _next_number(station, start.year)
    permit.valid_from = start
    permit.valid_until = add_years(start) - dt.timedelta(days=1)
    permit.return_reason = ""
    permit.reviewed_by, permit.reviewed_at = user, timezone.now()
    permit.person = _link_person(permit, user=user)
    permit.pdf_version += 1
    permit.save(
        update_fields=[
            "status", "number", "valid_from", "valid_until", "return_reason", "reviewed_by", "reviewed_at",
            "person", "pdf_version",
        ]
    )  # fmt: skip
    _event(permit, Action.APPROVED, user=user, reason=permit.number)
    _enqueue_render(permit)
    return permit


@transaction.atomic
def permit_renew(*, permit: ResidencePermit, user) -> ResidencePermit:
    """签注: one more year from the old expiry (from today if it had lapsed); a new PDF follows.

    Allowed from 30 days before expiry on, so a double click cannot add two years.
    """
    permit = ResidencePermit.objects.select_for_update().get(pk=permit.pk)
    if permit.status != PermitStatus.APPROVED:
        raise ValidationError(_("Only an issued permit can be renewed."), code="transition")
    on = today()
    if not can_renew(permit, on=on):
        raise ValidationError(
            _("Renewal is possible from %(day)s, 30 days before the permit expires.")
            % {"day": (permit.valid_until - dt.timedelta(days=REMINDER_DAYS)).isoformat()},
            code="too_early",
        )
    old = permit.valid_until
    if old >= on:
        permit.valid_until = add_years(old)
    else:  # lapsed: 条例第十四条, the residence years count again from the late renewal
        permit.valid_until = add_years(on) - dt.timedelta(days=1)
    permit.pdf_version += 1
    permit.save(update_fields=["valid_until", "pdf_version"])
    _event(
        permit,
        Action.RENEWED,
        user=user,
        reason=f"{old.isoformat()} → {permit.valid_until.isoformat()}",
    )
    _enqueue_render(permit)
    return permit


def permit_reveal(*, request, permit: ResidencePermit, reason: str) -> dict:
    """The applicant's full ID and phone, written to the audit trail with the reason given."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for viewing the full data.")})
    audit(request, AuditAction.REVEAL, permit, reason=reason)
    return {"id_number": permit.id_number, "phone": permit.phone}


def permit_download(*, request, permit: ResidencePermit):
    """The issued PDF (opened for reading), the download written to the audit trail."""
    audit(request, AuditAction.DOWNLOAD, permit, reason=permit.number)
    return permit.pdf.open("rb")


def pdf_name(permit: ResidencePermit, version: int) -> str:
    return f"permit-{permit.pk}-v{version}.pdf"


def permit_pdf_render(*, permit_id: int, version: int) -> bool:
    """Render version ``version`` of the permit PDF. Idempotent; returns whether it rendered.

    Skips a stale task (a newer version was asked for since) and a version already stored.
    The document is in the site's language, whatever language the approving officer uses.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _permit_pdf_render(permit_id=permit_id, version=version)


def _permit_pdf_render(*, permit_id: int, version: int) -> bool:
    from documents.permit_pdf import PermitCard, render_permit

    with transaction.atomic():
        permit = (
            ResidencePermit.objects.select_for_update(of=("self",))
            .select_related("house__building", "grid__police_grid__station", "person")
            .filter(pk=permit_id)
            .first()
        )
        if permit is None or permit.status != PermitStatus.APPROVED or permit.pdf_version != version:
            return False
        name = pdf_name(permit, version)
        if permit.pdf and permit.pdf.name.rsplit("/", 1)[-1] == name:
            return False
        person = permit.person
        sex_label, birth = "", None
        try:
            _n, birth, sex = gb11643.parse(permit.id_number)
            sex_label = str(Sex(sex).label)
        except gb11643.InvalidID:
            if person is not None:
                birth, sex_label = person.birth_date, person.get_sex_display()
        photo = b""
        if permit.photo:
            with permit.photo.open("rb") as f:
                photo = f.read()
        station = permit.grid.police_grid.station
        issued = (
            permit.reviewed_at.astimezone(timezone.get_current_timezone()).date() if permit.reviewed_at else today()
        )
        card = PermitCard(
            number=permit.number,
            name=permit.name,
            sex=sex_label,
            birth_date=birth,
            id_number_masked=permit.id_number_masked,
            address=str(permit.house),
            valid_from=permit.valid_from,
            valid_until=permit.valid_until,
            station=station.name,
            issued_on=issued,
            verify_url=public_url(reverse("permits:verify", args=[permit.verify_token])),
            photo=photo,
            renewed=permit.pdf_version > 1,
        )
        pdf = render_permit(card)
        old = permit.pdf.name if permit.pdf else ""
        target = permit.pdf.field.generate_filename(permit, name)
        if permit.pdf.storage.exists(target):  # left by a render whose commit was lost: keep the name exact
            permit.pdf.storage.delete(target)
        permit.pdf.save(name, ContentFile(pdf), save=False)
        permit.save(update_fields=["pdf"])
    if old and old != permit.pdf.name:
        permit.pdf.storage.delete(old)
    return True


def permits_pdf_missing() -> list[tuple[int, int]]:
    """(id, version) of issued permits whose current PDF is not stored: the sweeper's work."""
    rows = ResidencePermit.objects.filter(status=PermitStatus.APPROVED).values_list("pk", "pdf_version", "pdf")
    return [(pk, v) for pk, v, f in rows if not f or f.rsplit("/", 1)[-1] != f"permit-{pk}-v{v}.pdf"]


def permit_remind(*, permit_id: int, on: dt.date | None = None) -> bool:
    """Remind the holder once per expiry date that the permit needs renewing. Idempotent."""
    on = on or today()
    with transaction.atomic():
        permit = (
            ResidencePermit.objects.select_for_update(of=("self",))
            .select_related("grid__police_grid__station")
            .filter(pk=permit_id)
            .first()
        )
        if (
            permit is None
            or permit.status != PermitStatus.APPROVED
            or permit.valid_until is None
            or permit.renewal_reminded_for == permit.valid_until
            or not (on <= permit.valid_until <= on + dt.timedelta(days=REMINDER_DAYS))
        ):
            return False
        permit.renewal_reminded_for = permit.valid_until
        permit.save(update_fields=["renewal_reminded_for"])
        _event(permit, Action.REMINDER, reason=permit.valid_until.isoformat())
        if permit.phone_enc:
            # Sent before commit: if the gateway fails, nothing is marked and tomorrow tries again.
            with translation.override(settings.LANGUAGE_CODE):
                text = _(
                    "[Fengqiao] Your residence permit %(number)s expires on %(day)s. Please renew it (签注) "
                    "at %(station)s before then."
                ) % {
                    "number": permit.number,
                    "day": permit.valid_until.isoformat(),
                    "station": permit.grid.police_grid.station.name,
                }
            sms.send(permit.phone, text)
        log.info("residence permit %s: renewal reminder for %s", permit.number, permit.valid_until.isoformat())
    return True


def permits_to_remind(*, on: dt.date | None = None) -> list[int]:
    qs = expiring_permits(on=on).filter(
        Q(renewal_reminded_for__isnull=True) | ~Q(renewal_reminded_for=F("valid_until"))
    )
    return list(qs.values_list("pk", flat=True))
