"""The roster pages (网格力量): public application and password page, the officer's roster,
member page with decisions, adding by hand, an audited call button and the Excel export.

Volunteers, landlords and mediators get 404 on the staff pages; so does a member of a grid
outside the user's scope (``GridMember.objects.visible_to``).
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, AuditAction, Role
from accounts.permissions import role_required
from accounts.services import audit
from documents import excel
from grid import members, selectors
from grid.forms import MemberApplyForm, MemberDecisionForm, MemberFilterForm, MemberForm
from grid.models import CommunityGrid, GridMember, MemberStatus
from lib.forms import PhoneCodePasswordForm, add_service_errors, send_code_if_asked
from lib.paging import Paginator
from lib.ratelimit import PUBLIC_FORM, ratelimit

ROSTER_ROLES = STAFF_ROLES | {Role.GRID_WORKER}
roster_required = role_required(ROSTER_ROLES)


class TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


# --- public -------------------------------------------------------------------------------------


@login_not_required
@ratelimit("volunteer-apply", **PUBLIC_FORM)
def apply(request):
    """Anyone may apply to be a volunteer grid member of a grid (``?grid=<code>`` preselects it,
    which is what the QR on the grid's roster page carries)."""
    initial = {}
    code = request.GET.get("grid", "").strip()
    if code:
        grid = CommunityGrid.objects.filter(code=code).first()
        if grid is not None:
            initial["grid"] = grid.pk
    phone_errors = send_code_if_asked(request)
    if phone_errors is not None:
        form = MemberApplyForm(initial=request.POST.dict())
        form.phone_errors = phone_errors
        return render(request, "grid/member_apply.html", {"form": form, "code_sent": not phone_errors})
    form = MemberApplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = members.apply(
                grid=data["grid"], name=data["name"], phone=data["phone"], code=data["code"],
                member_type=data["member_type"], password=data["password"], address=data["address"],
                motivation=data["motivation"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "grid/member_applied.html", {"member": member})
    return render(request, "grid/member_apply.html", {"form": form, "code_sent": request.method == "POST"})


@login_not_required
@ratelimit("volunteer-password", **PUBLIC_FORM)
def password(request):
    """An active member sets or resets their password with an SMS code."""
    phone_errors = send_code_if_asked(request)
    if phone_errors is not None:
        form = PhoneCodePasswordForm(initial={"phone": request.POST.get("phone", "")})
        form.phone_errors = phone_errors
        return render(request, "grid/member_password.html", {"form": form, "code_sent": not phone_errors})
    form = PhoneCodePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            members.set_password(phone=data["phone"], code=data["code"], password=data["password"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Password set. Log in with your mobile number."))
            return redirect("accounts:login")
    return render(request, "grid/member_password.html", {"form": form, "code_sent": request.method == "POST"})


# --- staff --------------------------------------------------------------------------------------


def _filtered(request):
    qs = GridMember.objects.visible_to(request.user).select_related("grid__police_grid", "user")
    grid = selectors.grid_filter(request.user, request.GET)
    if grid is not None:
        qs = qs.filter(grid=grid)
    form = MemberFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["member_type"]:
            qs = qs.filter(member_type=data["member_type"])
        if data["q"]:
            qs = qs.filter(name__icontains=data["q"].strip())
    return qs, form, grid


@roster_required
def member_list(request):
    """The roster across the user's grids: applications waiting first, then by grid and name."""
    qs, form, grid = _filtered(request)
    counts = GridMember.objects.visible_to(request.user).aggregate(
        pending=Count("pk", filter=Q(status=MemberStatus.PENDING)),
        active=Count("pk", filter=Q(status=MemberStatus.ACTIVE)),
    )
    waiting_first = Case(When(status=MemberStatus.PENDING, then=Value(0)), default=Value(1))
    page = Paginator(qs.order_by(waiting_first, "grid__code", "name", "pk"), 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "grid/member_list.html",
        {
            "page": page,
            "form": form,
            "grid": grid,
            "grids": selectors.community_grids_for_user(request.user),
            "counts": counts,
            "query": params.urlencode(),
        },
    )


@roster_required
def member_export(request):
    """The roster as an Excel ledger (masked phones; the export is audited)."""
    qs, _form, grid = _filtered(request)
    columns = [
        excel.Column(_("Community grid"), width=24),
        excel.Column(_("Name"), width=12),
        excel.Column(_("Type"), width=14),
        excel.Column(_("Phone"), width=16, text=True),
        excel.Column(_("Where they live or work"), width=22),
        excel.Column(_("Status"), width=10),
        excel.Column(_("Registered"), width=12, number_format=excel.DATE_FORMAT),
        excel.Column(_("Note"), width=30),
    ]
    rows = (
        (m.grid.name, m.name, m.get_member_type_display(), m.phone_masked, m.address, m.get_status_display(),
         timezone.localtime(m.created_at).date(), m.note)
        for m in qs.order_by("grid__code", "name", "pk").iterator(chunk_size=2000)
    )  # fmt: skip
    stream = io.BytesIO()
    count = excel.write_table(
        stream, title=_("Grid members roster"), subtitle=grid.name if grid else "", columns=columns, rows=rows
    )
    audit(request, AuditAction.EXPORT, object_type="grid.gridmember", object_repr=_("%(n)d members") % {"n": count})
    response = HttpResponse(stream.getvalue(), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="members-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _member(request, pk) -> GridMember:
    return get_object_or_404(
        GridMember.objects.visible_to(request.user).select_related("grid__police_grid__officer", "user", "decided_by"),
        pk=pk,
    )


@roster_required
def member_detail(request, pk):
    member = _member(request, pk)
    can_manage = members.can_manage(request.user, member.grid)
    decision = MemberDecisionForm()
    edit_form = None
    if can_manage:
        edit_form = MemberForm(
            request.POST if request.method == "POST" and request.POST.get("action") == "edit" else None,
            initial={"name": member.name, "member_type": member.member_type, "address": member.address},
            phone_optional=True,
        )
        if edit_form.is_bound and edit_form.is_valid():
            data = edit_form.cleaned_data
            try:
                members.edit(member, by=request.user, name=data["name"], member_type=data["member_type"],
                             address=data["address"], phone=data["phone"])  # fmt: skip
            except ValidationError as exc:
                add_service_errors(edit_form, exc)
            else:
                messages.success(request, _("Member details saved."))
                return redirect("grid:member_detail", pk=member.pk)
    elif request.method == "POST":
        raise Http404
    choices = [to for (was, to) in sorted(members.TRANSITIONS) if was == member.status] if can_manage else []
    return render(
        request,
        "grid/member_detail.html",
        {
            "member": member,
            "can_manage": can_manage,
            "decision": decision,
            "choices": choices,
            "needs_reason": members.NEEDS_REASON,
            "edit_form": edit_form,
        },
    )


@roster_required
@require_POST
def member_decide(request, pk):
    member = _member(request, pk)
    if not members.can_manage(request.user, member.grid):
        raise Http404
    form = MemberDecisionForm(request.POST)
    if form.is_valid():
        try:
            members.decide(member, by=request.user, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s: %(status)s.") % {
                "name": member.name, "status": MemberStatus(form.cleaned_data["to"]).label
            })  # fmt: skip
    else:
        messages.error(request, _("Choose what to do with this member."))
    return redirect(request.POST.get("next") or reverse("grid:member_detail", args=[member.pk]))


@roster_required
def member_add(request, grid_pk):
    grid = selectors.get_community_grid_for_user(request.user, grid_pk)
    if not members.can_manage(request.user, grid):
        raise Http404
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = members.add(grid=grid, by=request.user, name=data["name"], phone=data["phone"],
                                 member_type=data["member_type"], address=data["address"])  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is on the roster. A text message tells them how to set a password.") % {
                    "name": member.name
                },
            )  # fmt: skip
            return redirect("grid:member_detail", pk=member.pk)
    return render(request, "grid/member_form.html", {"form": form, "grid": grid})


@roster_required
def member_call(request, pk):
    """One tap to call a member: the number is revealed to the phone's dialler, and audited."""
    member = _member(request, pk)
    if not member.phone_enc:
        raise Http404
    audit(request, AuditAction.REVEAL, member, reason=_("Called the grid member"))
    return TelRedirect("tel:" + member.phone)
