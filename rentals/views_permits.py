"""Residence-permit pages. Thin: parse the request, call ``rentals.permits``, render.

Public (no login): the application, the address picker, the applicant's status page (by its
secret token) with the correction form and the PDF, and the verify page the QR points to.
Staff (officer, auxiliary, chief, admin): the list, the detail with review actions, reveal,
renewal, the PDF and the photos. Grid workers and volunteers get a 404: permits are police work.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import AuditAction
from accounts.permissions import role_required
from accounts.services import audit
from lib.paging import Paginator
from lib.ratelimit import PUBLIC_FORM, TOKEN_PAGE, ratelimit
from rentals import permits
from rentals.forms_permits import PermitApplicationForm, PermitCorrectionForm, ReturnForm, RevealForm
from rentals.models import PermitBasis, PermitStatus

PAGE_SIZE = 50
staff_required = role_required(permits.PERMIT_ROLES)


APPLICATION_FIELDS = ("name", "id_number", "phone", "house", "basis", "basis_detail", "photo", "attachments")


def _application(data: dict) -> dict:
    """The fields of an application form that the permit services take."""
    return {k: data[k] for k in APPLICATION_FIELDS}


def _form_errors_from(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def _files_were_sent(request) -> bool:
    return any(f for name in request.FILES for f in request.FILES.getlist(name))


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


# --- public -----------------------------------------------------------------------------------


@login_not_required
@never_cache
@ratelimit("permit-apply", **PUBLIC_FORM)
def apply(request):
    """The online application. On errors everything typed is kept; files must be chosen again."""
    house = None
    if request.method == "POST":
        form = PermitApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                permit = permits.permit_apply(**_application(data))
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(
                    request, _("Your application has been submitted. Keep this page's address to follow it.")
                )
                return redirect("permits:status", token=permit.status_token)
        house = permits.house_by_token(request.POST.get("house", ""))
    else:
        house = permits.house_by_token(request.GET.get("house", ""))
        form = PermitApplicationForm(initial={"house": house.qr_token if house else "", "basis": PermitBasis.WORK})
    return render(
        request,
        "rentals/permit_apply.html",
        {"form": form, "house": house, "files_lost": request.method == "POST" and _files_were_sent(request)},
    )


@login_not_required
@require_GET
def houses(request):
    """The address picker's results: up to 20 houses, address text only (htmx fragment)."""
    q = request.GET.get("q", "")[:100]
    return render(request, "rentals/permit_houses.html", {"houses": permits.houses_search(q), "q": q.strip()})


def _status_context(permit, *, form=None):
    check = permits.permit_residence_check(permit)
    missing = []
    if not check.ok:
        missing.append(check.message)
    if not permit.photo:
        missing.append(_("No photo: the permit will show an empty photo box."))
    if not permit.attachments.all():
        missing.append(_("No supporting photos (work certificate, student card or tenancy contract)."))
    return {
        "permit": permit,
        "masked_name": permits.mask_name(permit.name),
        "check": check,
        "missing": missing,
        "form": form,
        "validity": permits.permit_validity(permit),
    }


@login_not_required
@never_cache
@ratelimit("permit-status", **TOKEN_PAGE)
def status(request, token):
    """The applicant's page: status, masked data, what is missing; the correction form after a return."""
    permit = permits.get_permit_by_status_token(token)
    form = None
    if permit.status == PermitStatus.RETURNED:
        initial = {
            "house": permit.house.qr_token,
            "basis": permit.basis,
            "basis_detail": permit.basis_detail,
        }
        if request.method == "POST":
            form = PermitCorrectionForm(request.POST, request.FILES, permit=permit)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    permits.permit_resubmit(permit=permit, **_application(data))
                except ValidationError as exc:
                    _form_errors_from(form, exc)
                else:
                    messages.success(request, _("Your corrected application has been submitted."))
                    return redirect("permits:status", token=token)
        else:
            form = PermitCorrectionForm(initial=initial, permit=permit)
    elif request.method == "POST":
        messages.info(request, _("This application cannot be changed now."))
        return redirect("permits:status", token=token)
    context = _status_context(permit, form=form)
    house = permit.house
    if form is not None and form.is_bound:
        house = permits.house_by_token(request.POST.get("house", "")) or None
    context.update(house=house, files_lost=request.method == "POST" and _files_were_sent(request))
    return _no_store(render(request, "rentals/permit_status.html", context))


@login_not_required
@require_GET
@ratelimit("permit-status", **TOKEN_PAGE)
def status_pdf(request, token):
    permit = permits.get_permit_by_status_token(token)
    if permit.status != PermitStatus.APPROVED or not permit.pdf:
        raise Http404
    audit(request, AuditAction.DOWNLOAD, permit, reason=_("by its public link"))
    return _no_store(
        FileResponse(permit.pdf.open("rb"), content_type="application/pdf", filename=f"{permit.number}.pdf")
    )


@login_not_required
@require_GET
@ratelimit("permit-verify", **TOKEN_PAGE)
def verify(request, token):
    """What the QR on the permit opens: valid / expired / not issued, with masked data only."""
    permit = permits.get_permit_by_verify_token(token)
    return _no_store(
        render(
            request,
            "rentals/permit_verify.html",
            {
                "permit": permit,
                "validity": permits.permit_validity(permit),
                "masked_name": permits.mask_name(permit.name),
                "station": permit.grid.police_grid.station,
            },
        )
    )


# --- staff ------------------------------------------------------------------------------------


@staff_required
def permit_list(request):
    status_filter = request.GET.get("status", "")
    expiring = status_filter == "expiring"
    q = request.GET.get("q", "")[:100].strip()
    qs = permits.permits_for_user(request.user, status="" if expiring else status_filter, expiring=expiring, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    soon = permits.today() + dt.timedelta(days=permits.REMINDER_DAYS)
    for p in page:
        p.expiring = p.status == PermitStatus.APPROVED and p.valid_until and p.valid_until <= soon
    tabs = [("", _("All")), *PermitStatus.choices, ("expiring", _("Expiring soon"))]
    return render(
        request,
        "rentals/permit_list.html",
        {"page": page, "q": q, "status": status_filter, "tabs": tabs, "today": permits.today()},
    )


def _detail_context(request, permit, **extra):
    context = {
        "permit": permit,
        "check": permits.permit_residence_check(permit),
        "events": permits.permit_events(permit),
        "can_renew": permits.can_renew(permit),
        "renew_from": permit.valid_until - dt.timedelta(days=permits.REMINDER_DAYS) if permit.valid_until else None,
        "validity": permits.permit_validity(permit),
        "return_form": ReturnForm(),
        "reveal_form": RevealForm(),
        "attachments": list(permit.attachments.all()),
    }
    context.update(extra)
    return context


@staff_required
def permit_detail(request, pk):
    permit = permits.get_permit_for_user(request.user, pk)
    return _no_store(render(request, "rentals/permit_detail.html", _detail_context(request, permit)))


@staff_required
@require_POST
def reveal(request, pk):
    """The full ID and phone behind a reason, written to the audit trail (htmx fragment)."""
    permit = permits.get_permit_for_user(request.user, pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = permits.permit_reveal(request=request, permit=permit, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors_from(form, exc)
    context = {"permit": permit, "reveal_form": form, "revealed": revealed}
    if not request.headers.get("HX-Request"):
        return _no_store(render(request, "rentals/permit_detail.html", _detail_context(request, permit, **context)))
    return _no_store(render(request, "rentals/permit_reveal.html", context))


def _act(request, pk, action, success: str, **kwargs):
    permit = permits.get_permit_for_user(request.user, pk)
    try:
        action(permit=permit, user=request.user, **kwargs)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect("permits:detail", pk=permit.pk)


@staff_required
@require_POST
def approve(request, pk):
    return _act(request, pk, permits.permit_approve, _("Permit issued. The PDF is being generated."))


@staff_required
@require_POST
def return_(request, pk):
    return _act(
        request, pk, permits.permit_return, _("Returned to the applicant for correction."),
        reason=request.POST.get("reason", "")[:300],
    )  # fmt: skip


@staff_required
@require_POST
def renew(request, pk):
    return _act(request, pk, permits.permit_renew, _("Permit renewed for one more year. A new PDF is being generated."))


@staff_required
@require_GET
def pdf(request, pk):
    permit = permits.get_permit_for_user(request.user, pk)
    if permit.status != PermitStatus.APPROVED or not permit.pdf:
        raise Http404
    handle = permits.permit_download(request=request, permit=permit)
    return _no_store(FileResponse(handle, content_type="application/pdf", filename=f"{permit.number}.pdf"))


@staff_required
@require_GET
def photo(request, pk):
    permit = permits.get_permit_for_user(request.user, pk)
    if not permit.photo:
        raise Http404
    return _no_store(FileResponse(permit.photo.open("rb"), content_type="image/jpeg"))


@staff_required
@require_GET
def attachment(request, pk, attachment_pk):
    permit = permits.get_permit_for_user(request.user, pk)
    item = get_object_or_404(permit.attachments.all(), pk=attachment_pk)
    return _no_store(FileResponse(item.image.open("rb"), content_type="image/jpeg"))
