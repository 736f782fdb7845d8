"""Inspection pages: start, the checklist on a phone (saved per item), photos, submit, my
inspections, and the checklist templates. Thin: parse → service/selector → render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.permissions import role_required
from inspections import selectors, services
from inspections.forms import AnswerForm, ChecklistForm, ChecklistItemFormSet, PhotoForm
from inspections.models import Grade, InspectionStatus, Result
from lib.api_fields import query_id
from lib.paging import Paginator

# Inspections are police work: officers, auxiliaries, chiefs, administrators.
POLICE_ROLES = STAFF_ROLES
CHECKLIST_EDITORS = frozenset({Role.CHIEF, Role.ADMIN})
PAGE_SIZE = 30


def _url_or_none(name: str, *args) -> str | None:
    """A URL another part of the app provides, if it is there yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _can_edit(request, inspection) -> bool:
    return inspection.status == InspectionStatus.DRAFT and inspection.officer_id == request.user.pk


def _own(request, pk):
    """The user's own inspection (404 for anything else). Whether it is still a draft is the
    services' check, so a phone that saves after the other phone submitted gets a message."""
    inspection = selectors.get_inspection_for_user(request.user, pk)
    if inspection.officer_id != request.user.pk:
        raise Http404
    return inspection


def _is_async(request) -> bool:
    return bool(request.headers.get("HX-Request") or request.headers.get("X-Requested-With") == "XMLHttpRequest")


# ---- start, the draft, the submitted inspection ------------------------------------------------


@role_required(POLICE_ROLES)
@require_GET
def start(request):
    """Open the officer's draft for a venue (``?venue=``) or a group-rental house (``?house=``)."""
    venue_pk, house_pk = request.GET.get("venue", ""), request.GET.get("house", "")
    if query_id(venue_pk) is not None and not house_pk:
        inspection = services.inspection_start(
            user=request.user, venue=selectors.get_venue_for_user(request.user, venue_pk)
        )
    elif query_id(house_pk) is not None and not venue_pk:
        inspection = services.inspection_start(
            user=request.user, house=selectors.get_house_for_user(request.user, house_pk)
        )
    else:
        raise Http404
    return redirect("inspections:detail", pk=inspection.pk)


def _detail_context(request, inspection, **extra) -> dict:
    rows = selectors.item_rows(inspection)
    done = sum(1 for r in rows if r.answer)
    submitted = inspection.status == InspectionStatus.SUBMITTED
    notice = getattr(inspection, "notice", None) if submitted else None
    return {
        "inspection": inspection,
        "place": inspection.venue or inspection.house,
        "rows": rows,
        "done": done,
        "total": len(rows),
        "editable": _can_edit(request, inspection),
        "grades": Grade.choices,
        "notice": notice,
        "notice_url": _url_or_none("notices:detail", notice.pk) if notice else None,
        "hazards": selectors.hazards_of(inspection) if notice else [],
        **extra,
    }


@role_required(POLICE_ROLES)
@require_GET
def detail(request, pk):
    """The draft as a phone checklist for its officer; read-only for everyone else and once submitted."""
    inspection = selectors.get_inspection_for_user(request.user, pk)
    return render(request, "inspections/inspection_detail.html", _detail_context(request, inspection))


def _card(request, inspection, item, *, errors=None, status=200):
    row = selectors.item_row(inspection, item)
    done, total = selectors.progress_of(inspection)
    context = {
        "inspection": inspection, "row": row, "editable": _can_edit(request, inspection), "grades": Grade.choices,
        "errors": errors or [], "progress": done, "total": total,
    }  # fmt: skip
    return render(request, "inspections/inspection_item.html", context, status=status)


@role_required(POLICE_ROLES)
@require_POST
def answer(request, pk, item_id):
    """Save one item (htmx): returns the item's card with the saved state or the error in it."""
    inspection = _own(request, pk)
    item = selectors.get_item_of(inspection, item_id)
    form = AnswerForm(request.POST)
    errors = []
    if form.is_valid():
        try:
            services.answer_save(inspection=inspection, item=item, **form.cleaned_data)
        except ValidationError as exc:
            errors = _messages_of(exc)
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    if not _is_async(request):
        for e in errors:
            messages.error(request, e)
        return redirect(reverse("inspections:detail", args=[inspection.pk]) + f"#item-{item.pk}")
    return _card(request, inspection, item, errors=errors)


@role_required(POLICE_ROLES)
@require_POST
def photo(request, pk, item_id):
    """Add a photo to an item (saved as failed first if it was not). A bad file: a message in the card."""
    inspection = _own(request, pk)
    item = selectors.get_item_of(inspection, item_id)
    form = PhotoForm(request.POST, request.FILES)
    errors = []
    if form.is_valid():
        row = selectors.item_row(inspection, item)
        try:
            saved = row.answer
            if saved is None or saved.result != Result.FAIL:
                saved = services.answer_save(
                    inspection=inspection, item=item, result=Result.FAIL, note=row.note,
                    grade=row.answer.grade if row.answer else "",
                )  # fmt: skip
            services.photo_add(answer=saved, upload=form.cleaned_data["photo"])
        except ValidationError as exc:
            errors = _messages_of(exc)
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    if not _is_async(request):
        for e in errors:
            messages.error(request, e)
        return redirect(reverse("inspections:detail", args=[inspection.pk]) + f"#item-{item.pk}")
    return _card(request, inspection, item, errors=errors)


@role_required(POLICE_ROLES)
@require_POST
def submit(request, pk):
    """Submit the draft: what is missing is listed at the top; a notice goes to the signature pad."""
    inspection = _own(request, pk)
    try:
        inspection = services.inspection_submit(inspection=inspection, user=request.user)
    except ValidationError as exc:
        context = _detail_context(request, inspection, missing=_messages_of(exc))
        return render(request, "inspections/inspection_detail.html", context, status=400)
    notice = getattr(inspection, "notice", None)
    if notice is not None:
        messages.success(
            request, _("Submitted. The rectification notice %(number)s is issued.") % {"number": notice.number}
        )
        sign = _url_or_none("notices:sign", notice.pk)
        return redirect(sign or reverse("inspections:detail", args=[inspection.pk]))
    messages.success(request, _("No hazards found: the inspection passed."))
    return redirect("inspections:detail", pk=inspection.pk)


@role_required(POLICE_ROLES)
@require_GET
def photo_file(request, pk):
    """A stored photo (``?size=thumb`` for its thumbnail), only for users who may see its inspection."""
    photo = selectors.get_photo_for_user(request.user, pk)
    f = photo.thumbnail if request.GET.get("size") == "thumb" and photo.thumbnail else photo.image
    try:
        handle = f.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=600"
    return response


@role_required(POLICE_ROLES)
@require_GET
def mine(request):
    page = Paginator(selectors.my_inspections(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/inspection_mine.html", {"page": page})


# ---- checklist templates ------------------------------------------------------------------------


@role_required(POLICE_ROLES)
@require_GET
def checklists(request):
    rows = selectors.current_checklists()
    if not rows:
        # A fresh installation: the standard checklists appear the first time anyone looks (idempotent).
        services.checklists_seed_standard()
        rows = selectors.current_checklists()
    can_edit = request.user.is_superuser or request.user.role in CHECKLIST_EDITORS
    return render(request, "inspections/checklist_list.html", {"checklists": rows, "can_edit": can_edit})


@role_required(POLICE_ROLES)
@require_GET
def checklist_detail(request, pk):
    template = selectors.get_checklist(pk)
    can_edit = request.user.is_superuser or request.user.role in CHECKLIST_EDITORS
    return render(
        request,
        "inspections/checklist_detail.html",
        {"template": template, "versions": selectors.versions_of(template), "can_edit": can_edit},
    )


@role_required(CHECKLIST_EDITORS)
def checklist_edit(request, pk):
    """Edit a checklist: saving makes a new current version; inspections keep the version they used."""
    template = selectors.get_checklist(pk)
    initial = [
        {"text": i.text, "legal_basis": i.legal_basis, "default_grade": i.default_grade} for i in template.items.all()
    ]
    form = ChecklistForm(request.POST or None, initial={"name": template.name})
    formset = ChecklistItemFormSet(request.POST or None, initial=initial, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            new = services.checklist_new_version(
                template=template, name=form.cleaned_data["name"], items=formset.items(), user=request.user
            )
        except ValidationError as exc:
            for e in _messages_of(exc):
                form.add_error(None, e)
        else:
            messages.success(request, _("Saved as version %(v)d.") % {"v": new.version})
            return redirect("inspections:checklist_detail", pk=new.pk)
    return render(request, "inspections/checklist_edit.html", {"template": template, "form": form, "formset": formset})
