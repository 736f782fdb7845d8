"""Rectification-notice pages. Thin: parse the request, call ``inspections.notices``, render.

Staff (officer, auxiliary, chief, admin, in scope): the notice, the signature pad, the PDF.
Public (the QR code on the notice): the venue's page by the notice's secret token — read,
download, sign with the sign code, report a hazard fixed. Nothing personal beyond the
responsible person's name is shown there.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AuditAction
from accounts.permissions import role_required
from accounts.services import audit
from inspections import notices
from inspections.models import HazardStatus, NoticeStatus
from lib.ratelimit import TOKEN_PAGE, ratelimit

staff_required = role_required(notices.NOTICE_ROLES)


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as {field: [messages]}; messages without a field under "form"."""
    if hasattr(exc, "error_dict"):
        return {("form" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    return {"form": exc.messages}


def _summary(notice) -> dict:
    hazards = list(notice.hazards.all())
    return {
        "notice": notice,
        "hazards": hazards,
        "title": notices.title(notice),
        "place": notices.place_name(notice),
        "responsible": notices.responsible_name(notice),
        "address": notices.address(notice),
        "open_hazards": [h for h in hazards if h.status == HazardStatus.OPEN],
        "signed": notice.status == NoticeStatus.SIGNED,
    }


# --- staff ------------------------------------------------------------------------------------


@staff_required
@require_GET
def detail(request, pk):
    notice = notices.get_notice_for_user(request.user, pk)
    context = _summary(notice)
    context["sign_code"] = "" if context["signed"] else notices.sign_code(notice)
    context["public_url"] = notices.public_url(notice)
    return _no_store(render(request, "inspections/notice_detail.html", context))


@staff_required
@require_http_methods(["GET", "POST"])
def sign(request, pk):
    """The signature pad on the officer's phone: the venue's representative signs here."""
    notice = notices.get_notice_for_user(request.user, pk)
    errors, signer_name, signature = {}, notices.responsible_name(notice), ""
    if request.method == "POST":
        signer_name = request.POST.get("signer_name", "")[:50]
        signature = request.POST.get("signature", "")
        try:
            png = notices.signature_from_data_url(signature)
            notices.notice_sign(notice=notice, signature_png=png, signer_name=signer_name, user=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Signed. The signed notice is archived."))
            return redirect("notices:detail", pk=notice.pk)
    elif notice.status == NoticeStatus.SIGNED:
        messages.info(request, _("This notice has already been signed."))
        return redirect("notices:detail", pk=notice.pk)
    context = _summary(notice)
    context.update(errors=errors, signer_name=signer_name, signature=_keep(signature))
    return _no_store(render(request, "inspections/notice_sign.html", context))


@staff_required
@require_GET
def pdf(request, pk):
    notice = notices.get_notice_for_user(request.user, pk)
    handle = notices.notice_download(request=request, notice=notice)
    suffix = "-signed" if notice.signed_pdf else ""
    return _no_store(FileResponse(handle, content_type="application/pdf", filename=f"{notice.number}{suffix}.pdf"))


# --- public -----------------------------------------------------------------------------------


def _keep(signature: str) -> str:
    """Echo a drawn signature back into the pad after an error (only if it could be valid)."""
    return signature if signature.startswith("data:image/png;base64,") and len(signature) < 700_000 else ""


def _public(request, notice, *, status=200, **extra):
    context = _summary(notice)
    context.update(sign_errors={}, code="", signer_name="", signature="", fixed_errors={}, fixed_note={})
    context.update(extra)
    fixed_errors, fixed_note = context.pop("fixed_errors"), context.pop("fixed_note")
    for h in context["hazards"]:
        h.fix_errors = [m for ms in fixed_errors.get(h.pk, {}).values() for m in ms]
        h.fix_note = fixed_note.get(h.pk, "")
    return _no_store(render(request, "inspections/notice_public.html", context, status=status))


@login_not_required
@never_cache
@require_GET
@ratelimit("notice-token", **TOKEN_PAGE)
def public(request, token):
    return _public(request, notices.get_notice_by_token(token))


@login_not_required
@require_GET
@ratelimit("notice-token", **TOKEN_PAGE)
def public_pdf(request, token):
    notice = notices.get_notice_by_token(token)
    data = notices.public_pdf(notice)
    audit(request, AuditAction.DOWNLOAD, notice, reason=_("by its public link"))
    suffix = "-signed" if notice.signed_pdf else ""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notice-{notice.pk}{suffix}.pdf"'
    return _no_store(response)


@login_not_required
@require_POST
@ratelimit("notice-token", **TOKEN_PAGE)
def public_sign(request, token):
    notice = notices.get_notice_by_token(token)
    code = request.POST.get("code", "")[:12]
    signer_name = request.POST.get("signer_name", "")[:50]
    signature = request.POST.get("signature", "")
    try:
        notices.notice_sign_with_code(notice=notice, code=code, signature_data_url=signature, signer_name=signer_name)
    except ValidationError as exc:
        errors = _errors(exc)
        return _public(
            request, notice, sign_errors=errors, code="" if "code" in errors else code,
            signer_name=signer_name, signature=_keep(signature),
        )  # fmt: skip
    messages.success(request, _("Thank you: the notice is signed. Download the signed copy below."))
    return redirect("notices:public", token=token)


@login_not_required
@require_POST
@ratelimit("notice-token", **TOKEN_PAGE)
def public_fixed(request, token, hazard_pk):
    notice = notices.get_notice_by_token(token)
    note = request.POST.get("note", "")[:300]
    try:
        notices.hazard_report_fixed(
            notice=notice, hazard_id=hazard_pk, photos=request.FILES.getlist("photos"), note=note
        )
    except ValidationError as exc:
        return _public(request, notice, fixed_errors={hazard_pk: _errors(exc)}, fixed_note={hazard_pk: note})
    messages.success(request, _("Thank you: the officer will check the correction."))
    return redirect("notices:public", token=token)
