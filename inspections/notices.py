"""Rectification notices (隐患整改通知书): rendering, signing, the venue's public page, "fixed" reports.

Services (writes) and selectors (reads) for the notice; views, the task and the API call these.

- ``notice_render`` renders the PDF handed to the venue (background task; idempotent).
- ``notice_sign`` stores the signature and renders the final, archived PDF with its SHA-256;
  it runs once: a signed notice never changes.
- The sign code lets the venue sign later on its own phone through the token page. It is
  derived, never stored: ``HMAC(FIELD_HASH_KEY, "notice-code:" + token) mod 10**6``. So it can be
  printed on the notice and shown to staff, and checked without a column; guessing is throttled
  (5 wrong codes in 15 minutes lock the notice's signing for 15 minutes).
- The copy downloadable by anyone with the link omits the code (else the link alone would sign).
"""

from __future__ import annotations

import hashlib
import io
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Prefetch, Q, Value, When, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import STAFF_ROLES, AuditAction
from accounts.permissions import has_role
from accounts.services import audit
from documents.signatures import save_exact as _save_exact
from documents.signatures import signature_from_data_url  # noqa: F401 - the views import it from here
from inspections.models import (
    Hazard,
    HazardEvent,
    HazardStatus,
    NoticeStatus,
    Photo,
    RectificationNotice,
)
from lib.crypto import keyed_hash
from lib.images import THUMB_SIDE, ImageRejected, clean_photo

log = logging.getLogger(__name__)

# Inspections are police work: grid workers and volunteers get a 404 like anything out of scope.
NOTICE_ROLES = STAFF_ROLES
MAX_FIX_PHOTOS = 3
CODE_TRIES = 5
CODE_LOCK_SECONDS = 15 * 60
PDF_PHOTO_SIDE = THUMB_SIDE  # px: 270 dpi at the 45 mm a photo is printed at on the notice
PUBLIC_PDF_CACHE_SECONDS = 60 * 60

# Notice workflow: pending (being rendered) → issued → signed (archived, final).
NOTICE_TRANSITIONS = {
    NoticeStatus.PENDING: {NoticeStatus.ISSUED, NoticeStatus.SIGNED},
    NoticeStatus.ISSUED: {NoticeStatus.SIGNED},
    NoticeStatus.SIGNED: set(),
}


# --- reads ------------------------------------------------------------------------------------


def sign_code(notice: RectificationNotice) -> str:
    """The notice's 6-digit sign code (derived from its token under the secret hash key)."""
    return f"{int(keyed_hash('notice-code:' + notice.token), 16) % 10**6:06d}"


def public_url(notice: RectificationNotice) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("notices:public", args=[notice.token])


def notices_for_user(user):
    if not has_role(user, NOTICE_ROLES):
        return RectificationNotice.objects.none()
    return RectificationNotice.objects.visible_to(user)


def _hazards_prefetch():
    return Prefetch("hazards", queryset=Hazard.objects.order_by("id").prefetch_related("fix_photos"))


def get_notice_for_user(user, pk) -> RectificationNotice:
    """One notice in the user's scope, or 404 (also for roles that do not inspect)."""
    qs = notices_for_user(user).select_related(
        "station", "grid__police_grid", "inspection__venue__building", "inspection__house__building",
        "inspection__officer",
    ).prefetch_related(_hazards_prefetch())  # fmt: skip
    return get_object_or_404(qs, pk=pk)


def get_notice_by_token(token: str) -> RectificationNotice:
    qs = RectificationNotice.objects.select_related(
        "station", "inspection__venue__building", "inspection__house__building"
    ).prefetch_related(_hazards_prefetch())
    return get_object_or_404(qs, token=token)


def place_name(notice: RectificationNotice) -> str:
    inspection = notice.inspection
    return inspection.venue.name if inspection.venue_id else str(inspection.house)


def responsible_name(notice: RectificationNotice) -> str:
    venue = notice.inspection.venue
    return venue.responsible_name if venue is not None else ""


def address(notice: RectificationNotice) -> str:
    inspection = notice.inspection
    if inspection.venue_id:
        venue = inspection.venue
        if venue.house_id:
            return f"{venue.building.address} {venue.house.unit}"
        return venue.building.address
    return str(inspection.house)


def title(notice: RectificationNotice) -> str:
    from documents.notice_pdf import notice_title

    return notice_title(notice.round)


# --- rendering --------------------------------------------------------------------------------


def _pdf_photo(hazard: Hazard) -> bytes:
    """The hazard's first photo as JPEG for the PDF (empty if none or unreadable).

    The stored thumbnail when it is large enough (``lib.images.THUMB_SIDE``, 480 px: 270 dpi at the
    45 mm it is printed at), embedded as it is; else (photos stored before thumbnails grew) the
    photo decoded straight at a fraction of its size and re-encoded. Decoding a 2,000 px photo
    costs 6 ms even at 1/4 — most of a notice with two photos.
    """
    photo = min(hazard.answer.photos.all(), key=lambda p: p.pk, default=None)
    if photo is None or not photo.image:
        return b""
    try:
        if photo.thumbnail:
            with photo.thumbnail.open("rb") as f:
                data = f.read()
            with Image.open(io.BytesIO(data)) as im:  # reads the header only
                if im.format == "JPEG" and max(im.size) >= PDF_PHOTO_SIDE:
                    return data
        with photo.image.open("rb") as f, Image.open(f) as im:
            scale = min(1.0, PDF_PHOTO_SIDE / max(im.size))
            im.draft("RGB", (round(im.width * scale), round(im.height * scale)))
            im = im.convert("RGB")
            im.thumbnail((PDF_PHOTO_SIDE, PDF_PHOTO_SIDE))
            out = io.BytesIO()
            im.save(out, format="JPEG", quality=80)
            return out.getvalue()
    except (OSError, ValueError, UnidentifiedImageError):
        log.warning("notice %s: photo %s unreadable", hazard.notice_id, photo.pk)
        return b""


def _doc(notice: RectificationNotice, *, with_code: bool, signature: bytes = b""):
    from documents.notice_pdf import HazardRow, NoticeDoc

    inspection = notice.inspection
    officers = [inspection.officer.display_name] + [u.display_name for u in inspection.companions.all()]
    hazards = getattr(notice, "doc_hazards", None)
    if hazards is None:
        hazards = notice.hazards.order_by("id").select_related("answer").prefetch_related("answer__photos")
    submitted = timezone.localtime(inspection.submitted_at or notice.created_at)
    signed_at = timezone.localtime(notice.signed_at).strftime("%Y-%m-%d %H:%M") if notice.signed_at else ""
    return NoticeDoc(
        number=notice.number,
        round=notice.round,
        station=notice.station.name,
        station_phone=notice.station.phone,
        venue=place_name(notice),
        responsible=responsible_name(notice),
        address=address(notice),
        inspected_at=submitted.strftime("%Y-%m-%d %H:%M"),
        issued_on=submitted.strftime("%Y-%m-%d"),
        officers="、".join(officers),
        public_url=public_url(notice),
        hazards=[
            HazardRow(
                text=h.text,
                note=h.note,
                legal_basis=h.legal_basis,
                grade=str(h.get_grade_display()),
                deadline=h.deadline.strftime("%Y-%m-%d"),
                photo=_pdf_photo(h),
            )  # fmt: skip
            for h in hazards
        ],
        sign_code=sign_code(notice) if with_code else "",
        signature=signature,
        signer_name=notice.signer_name,
        signed_at=signed_at,
    )


def _render(notice: RectificationNotice, **kwargs) -> bytes:
    from documents.notice_pdf import render_notice

    # The document is in the site's language, whatever language the officer's phone uses.
    with translation.override(settings.LANGUAGE_CODE):
        return render_notice(_doc(notice, **kwargs))


def _with_doc_data(notices: list[RectificationNotice]) -> list[RectificationNotice]:
    """What the documents of ``notices`` read, fetched for all of them at once: one simple query per
    relation (officers, companions, places, hazards with their answers, photos)."""
    hazards = Hazard.objects.order_by("id").select_related("answer").prefetch_related("answer__photos")
    prefetch_related_objects(
        notices, "inspection__officer", "inspection__companions", "inspection__venue__building",
        "inspection__venue__house", "inspection__house__building",
        Prefetch("hazards", queryset=hazards, to_attr="doc_hazards"),
    )  # fmt: skip
    return notices


def _locked(notice_id: int) -> RectificationNotice | None:
    """The notice, locked, with what its document reads. The lock takes the notice with its station
    and inspection; the rest comes one simple query each: joined into the locking query, PostgreSQL
    spent 4 ms planning seven tables for a lookup of 0.2 ms — most of a notice's render."""
    notice = (
        RectificationNotice.objects.select_for_update(of=("self",))
        .select_related("station", "inspection")
        .filter(pk=notice_id)
        .order_by()
        .first()
    )
    if notice is not None:
        _with_doc_data([notice])
    return notice


def _set_status(notice: RectificationNotice, to: str) -> None:
    if to not in NOTICE_TRANSITIONS[NoticeStatus(notice.status)]:
        raise ValidationError(_("This notice cannot change from “%(from)s”.") % {"from": notice.get_status_display()})
    notice.status = to


def _store(notice: RectificationNotice, pdf: bytes) -> None:
    """The rendered venue copy saved under its fixed name; pending → issued (the caller saves the row)."""
    _save_exact(notice.pdf, notice, f"notice-{notice.pk}.pdf", pdf)
    if notice.status == NoticeStatus.PENDING:
        _set_status(notice, NoticeStatus.ISSUED)


def notice_render(*, notice_id: int, force: bool = False) -> bool:
    """Render the notice's PDF (the copy with the sign code, handed to the venue); pending → issued.

    Idempotent: a notice that has its PDF is left alone unless ``force``; the number never changes
    (it was given at submission). The row is locked while rendering, so two workers render once.
    Returns whether it rendered.
    """
    with transaction.atomic():
        notice = _locked(notice_id)
        if notice is None or (notice.pdf and not force):
            return False
        _store(notice, _render(notice, with_code=True))
        notice.save(update_fields=["pdf", "status"])
    return True


RENDER_BATCH = 50


def notices_render_backlog(*, first: int | None = None, limit: int = RENDER_BATCH, older_than=None) -> int:
    """Render notice ``first`` if it has no PDF yet, and with it up to ``limit`` - 1 other notices
    waiting for theirs (pending, no file; only those submitted before ``older_than`` when given).
    Returns how many it rendered.

    This is what the render task runs. With no backlog it renders its one notice; behind a backlog
    (a campaign's inspections submitted together, the broker back after an outage) one task renders
    a batch — the rows locked together, SKIP LOCKED passing over any that another worker is
    rendering, what their documents read fetched in one query per relation, the rows updated
    together — and the tasks queued for the others find theirs rendered (one cheap query) and stop.
    Each notice then costs its typesetting, where one task a notice spends about as long again on
    the database. A notice that fails to render is logged and left pending for its own task (which
    raises); ``first`` raises here.
    """
    if first is not None and not RectificationNotice.objects.filter(pk=first, pdf="").exists():
        return 0  # rendered by a batch before its task came up: the common case behind a backlog
    pending = Q(status=NoticeStatus.PENDING)
    if older_than is not None:
        pending &= Q(created_at__lt=older_than)
    wanted = pending | Q(pk=first) if first is not None else pending
    first_first = Case(When(pk=first, then=Value(0)), default=Value(1)) if first is not None else Value(1)
    with transaction.atomic():
        batch = list(
            RectificationNotice.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("station", "inspection")
            .filter(wanted, pdf="")
            .order_by(first_first, "pk")[:limit]
        )
        _with_doc_data(batch)
        done = []
        for notice in batch:
            try:
                pdf = _render(notice, with_code=True)
            except Exception:
                if notice.pk == first:
                    raise
                log.exception("notice %s: render failed; left pending for its own task", notice.pk)
                continue
            _store(notice, pdf)
            done.append(notice)
        RectificationNotice.objects.bulk_update(done, ["pdf", "status"])
    return len(done)


def notice_ensure_rendered(notice: RectificationNotice) -> RectificationNotice:
    """The notice with its PDF: rendered now if the background task has not run (or rows were
    seeded without PDFs). Returns a fresh instance."""
    if not notice.pdf:
        notice_render(notice_id=notice.pk)
        notice.refresh_from_db(fields=["pdf", "status"])
    return notice


def notice_download(*, request, notice: RectificationNotice):
    """The staff download (signed copy if signed, else the notice), written to the audit trail."""
    audit(request, AuditAction.DOWNLOAD, notice, reason=notice.number)
    if notice.signed_pdf:
        return notice.signed_pdf.open("rb")
    notice = notice_ensure_rendered(notice)
    return notice.pdf.open("rb")


def public_pdf(notice: RectificationNotice) -> bytes:
    """The copy for anyone with the link: the signed archive, or the notice without the sign code
    (rendered on demand and cached for an hour)."""
    if notice.signed_pdf:
        with notice.signed_pdf.open("rb") as f:
            return f.read()
    key = f"notice-public-pdf:{notice.pk}:{notice.status}"
    data = cache.get(key)
    if data is None:
        data = _render(notice, with_code=False)
        cache.set(key, data, PUBLIC_PDF_CACHE_SECONDS)
    return data


# --- signing ----------------------------------------------------------------------------------


def notice_sign(
    *, notice: RectificationNotice, signature_png: bytes, signer_name: str, user=None, via: str = "officer"
) -> RectificationNotice:
    """The venue signs: the signature image and time are stored, the final PDF (the notice with
    the signature stamped into the receipt box) is rendered, archived with its SHA-256; signed.

    Atomic, under the notice's row lock; a notice signs once — a second attempt raises
    ValidationError and never touches the archived file. ``via``: "officer" (the officer's phone)
    or "token" (the venue's own phone, after the sign code).
    """
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ValidationError({"signer_name": _("Enter the name of the person signing.")})
    if len(signer_name) > 50:
        raise ValidationError({"signer_name": _("At most 50 characters.")})
    if not signature_png:
        raise ValidationError({"signature": _("Sign in the box first.")})
    written = []
    try:
        with transaction.atomic():
            locked = _locked(notice.pk)
            if locked is None:
                raise ValidationError(_("This notice does not exist."))
            if locked.status == NoticeStatus.SIGNED or locked.signed_pdf:
                raise ValidationError(_("This notice has already been signed."))
            now = timezone.now()
            locked.signer_name, locked.signed_at = signer_name, now
            _save_exact(locked.signature, locked, f"notice-{locked.pk}-signature.png", signature_png)
            written.append(locked.signature.name)
            pdf = _render(locked, with_code=False, signature=signature_png)
            _save_exact(locked.signed_pdf, locked, f"notice-{locked.pk}-signed.pdf", pdf)
            written.append(locked.signed_pdf.name)
            locked.sha256 = hashlib.sha256(pdf).hexdigest()
            _set_status(locked, NoticeStatus.SIGNED)
            locked.save(update_fields=["signature", "signer_name", "signed_at", "signed_pdf", "sha256", "status"])
            how = _("on the officer's phone") if via == "officer" else _("with the sign code")
            HazardEvent.objects.bulk_create(
                HazardEvent(hazard=h, user=user, action="signed", note=f"{signer_name} {how}"[:300])
                for h in locked.hazards.all()
            )
    except Exception:
        for name in written:  # the transaction rolled back: leave no orphan files behind
            locked.signed_pdf.storage.delete(name)
        raise
    return locked


def _code_keys(notice: RectificationNotice) -> tuple[str, str]:
    return f"notice-code-fails:{notice.pk}", f"notice-code-lock:{notice.pk}"


def code_check(*, notice: RectificationNotice, code: str) -> None:
    """Check the sign code typed on the public page. Raises ValidationError (wrong code, or locked
    after 5 wrong codes within 15 minutes: then for 15 minutes, whatever the code)."""
    fails_key, lock_key = _code_keys(notice)
    if cache.get(lock_key):
        raise ValidationError(
            {"code": _("Too many wrong codes. Try again in 15 minutes, or ask the officer to sign with you.")}
        )
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) == 6 and code == sign_code(notice):
        cache.delete(fails_key)
        return
    cache.add(fails_key, 0, CODE_LOCK_SECONDS)
    try:
        fails = cache.incr(fails_key)
    except ValueError:  # expired between add and incr
        cache.set(fails_key, 1, CODE_LOCK_SECONDS)
        fails = 1
    if fails >= CODE_TRIES:
        cache.set(lock_key, 1, CODE_LOCK_SECONDS)
        cache.delete(fails_key)
        raise ValidationError(
            {"code": _("Too many wrong codes. Try again in 15 minutes, or ask the officer to sign with you.")}
        )
    raise ValidationError(
        {"code": _("Wrong sign code: it is printed in the receipt box of the paper notice (6 digits).")}
    )


def notice_sign_with_code(
    *, notice: RectificationNotice, code: str, signature_data_url: str, signer_name: str
) -> RectificationNotice:
    """The venue signs on its own phone: code first (throttled), then the signature."""
    if notice.status == NoticeStatus.SIGNED:
        raise ValidationError(_("This notice has already been signed."))
    code_check(notice=notice, code=code)
    png = signature_from_data_url(signature_data_url)
    return notice_sign(notice=notice, signature_png=png, signer_name=signer_name, user=None, via="token")


# --- the venue reports a hazard fixed ---------------------------------------------------------


def hazard_report_fixed(*, notice: RectificationNotice, hazard_id: int, photos: list, note: str) -> Hazard:
    """The venue reports an open hazard of this notice fixed, with 1–3 photos and a note.

    Every photo is checked before anything is saved (a bad file saves nothing); then, atomically,
    the photos are stored, the hazard goes open → fixed_reported with a history row.
    """
    note = (note or "").strip()
    photos = [p for p in photos if p]
    if not photos:
        raise ValidationError({"photos": _("Add at least one photo of the corrected hazard.")})
    if len(photos) > MAX_FIX_PHOTOS:
        raise ValidationError({"photos": _("At most 3 photos.")})
    if len(note) > 300:
        raise ValidationError({"note": _("At most 300 characters.")})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(clean_photo(upload))
        except ImageRejected as exc:
            name = getattr(upload, "name", "")
            raise ValidationError({"photos": f"{name}: {exc}" if name else str(exc)}) from None
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update().filter(pk=hazard_id, notice_id=notice.pk).first()
        if hazard is None:
            raise ValidationError(_("This hazard is not on this notice."))
        if hazard.status != HazardStatus.OPEN:
            raise ValidationError(
                _("This hazard is “%(status)s”: it cannot be reported fixed now.")
                % {"status": hazard.get_status_display()}
            )
        for clean in cleaned:
            photo = Photo(hazard_fix=hazard)
            photo.image.save(clean.image.name, clean.image, save=False)
            photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
            photo.save()
        hazard.status = HazardStatus.FIXED_REPORTED
        hazard.save(update_fields=["status"])
        HazardEvent.objects.create(hazard=hazard, user=None, action="fixed_reported", note=note[:300])
    return hazard
