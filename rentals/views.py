"""Landlord registration and declarations; the officer's review queue. Thin: see services."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import role_required
from lib.forms import add_service_errors, send_code_if_asked
from lib.paging import Paginator
from lib.ratelimit import PUBLIC_FORM, ratelimit
from rentals import selectors, services
from rentals.forms import DeclarationForm, MoveOutForm, RegisterForm, ReturnForm, TenantFormSet
from rentals.models import DeclarationKind, DeclarationStatus
from residents.ledgers import parse_tenant_rows
from residents.models import House

LANDLORD = frozenset({Role.LANDLORD})
REVIEW_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN})


@login_not_required
@ratelimit("landlord-register", **PUBLIC_FORM)
def register(request):
    """Landlords and agents sign up with their mobile number, proved by an SMS code."""
    phone_errors = send_code_if_asked(request)
    if phone_errors is not None:
        form = RegisterForm(initial=request.POST.dict())
        form.phone_errors = phone_errors
        return render(request, "rentals/register.html", {"form": form, "code_sent": not phone_errors})
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.landlord_register(
                phone=data["phone"], code=data["code"], name=data["name"], password=data["password"],
                kind=data["kind"], company=data["company"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, user, backend="rentals.backends.PhoneBackend")
            messages.success(request, _("Welcome. You can now declare your rental houses."))
            return redirect(request.GET.get("next") or "rentals:mine")
    return render(request, "rentals/register.html", {"form": form, "code_sent": request.method == "POST"})


@role_required(LANDLORD, superuser=False)
def mine(request):
    declarations = selectors.declarations_for_user(request.user)[:50]
    return render(request, "rentals/mine.html", {"declarations": declarations})


def _house_from_request(request):
    token = request.GET.get("house") or request.POST.get("house")
    if token:
        return House.objects.select_related("building", "grid__police_grid__station").filter(qr_token=token).first()
    return None


@role_required(LANDLORD, superuser=False)
def declare(request):
    """Declare tenants moving in: the house (from the door-plate QR or a search), then the tenants."""
    house = _house_from_request(request)
    if house is None:
        q = request.GET.get("q", "")[:100].strip()
        building_token = request.GET.get("building", "")
        houses = House.objects.select_related("building")
        if building_token:
            houses = houses.filter(building__qr_token=building_token)
        elif len(q) >= 2:
            houses = houses.filter(building__address__icontains=q)
        else:
            houses = houses.none()
        return render(
            request, "rentals/declare_pick.html", {"q": q, "houses": houses.order_by("building__address", "unit")[:30]}
        )
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and "tenants_file" in request.FILES:
        return _declare_from_excel(request, house, form)
    formset = TenantFormSet(request.POST or None, prefix="t")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        tenants = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            declaration = services.declaration_submit(
                landlord=request.user, house=house, kind=DeclarationKind.MOVE_IN,
                rental_type=form.cleaned_data["rental_type"], tenants=tenants,
            )  # fmt: skip
        except ValidationError as exc:
            for e in exc.messages:
                messages.error(request, e)
        else:
            if declaration.is_late:
                messages.warning(
                    request,
                    _("Declared. Note: this declaration is past the deadline of %(date)s.")
                    % {"date": declaration.deadline},
                )
            else:
                messages.success(request, _("Declared. The community officer will review it."))
            return redirect("rentals:declaration_detail", pk=declaration.pk)
    return render(request, "rentals/declare.html", {"house": house, "form": form, "formset": formset})


@role_required(LANDLORD | REVIEW_ROLES | {Role.GRID_WORKER})
def declaration_detail(request, pk):
    declaration = selectors.get_declaration_for_user(request.user, pk)
    is_reviewer = request.user.is_superuser or request.user.role in REVIEW_ROLES
    return render(
        request,
        "rentals/declaration_detail.html",
        {
            "d": declaration,
            "is_reviewer": is_reviewer,
            "is_owner": declaration.landlord_id == request.user.pk,
            "return_form": ReturnForm(),
            "can_move_out": declaration.landlord_id == request.user.pk
            and declaration.kind == DeclarationKind.MOVE_IN
            and declaration.status == DeclarationStatus.APPROVED,
        },
    )


def _declare_from_excel(request, house, form):
    """Tenants from the Excel template: every row valid, or nothing saved and each row's error shown."""
    rows, row_errors = parse_tenant_rows(request.FILES["tenants_file"])
    if not row_errors and form.is_valid():
        try:
            declaration = services.declaration_submit(
                landlord=request.user, house=house, kind=DeclarationKind.MOVE_IN,
                rental_type=form.cleaned_data["rental_type"], tenants=rows,
            )  # fmt: skip
        except ValidationError as exc:
            row_errors = [(0, "", e) for e in exc.messages]
        else:
            messages.success(
                request, _("%(n)d tenants declared from the Excel file.") % {"n": declaration.tenants.count()}
            )
            return redirect("rentals:declaration_detail", pk=declaration.pk)
    formset = TenantFormSet(prefix="t")
    return render(
        request, "rentals/declare.html", {"house": house, "form": form, "formset": formset, "row_errors": row_errors}
    )


@role_required(LANDLORD, superuser=False)
def declaration_edit(request, pk):
    """Correct a returned declaration and submit it again."""
    declaration = selectors.get_declaration_for_user(request.user, pk)
    if declaration.status != DeclarationStatus.RETURNED:
        raise Http404
    stored = {t.pk: t for t in declaration.tenants.all()}
    initial = [
        {"tenant_pk": t.pk, "masked": t.id_number_masked, "name": t.name, "move_in": t.move_in} for t in stored.values()
    ]
    form = DeclarationForm(request.POST or None, initial={"rental_type": declaration.rental_type})
    formset = TenantFormSet(request.POST or None, prefix="t", initial=initial)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        tenants = []
        for f in formset.forms:
            if not f.cleaned_data:
                continue
            row, old = dict(f.cleaned_data), stored.get(f.cleaned_data.get("tenant_pk"))
            if old is not None:  # not retyped: keep what the landlord declared before
                row["id_number"] = row["id_number"] or old.id_number
                row["phone"] = row["phone"] or old.phone
            tenants.append(row)
        try:
            services.declaration_resubmit(
                declaration=declaration,
                landlord=request.user,
                rental_type=form.cleaned_data["rental_type"],
                tenants=tenants,
            )
        except ValidationError as exc:
            for e in exc.messages:
                messages.error(request, e)
        else:
            messages.success(request, _("Submitted again."))
            return redirect("rentals:declaration_detail", pk=declaration.pk)
    return render(
        request,
        "rentals/declare.html",
        {"house": declaration.house, "form": form, "formset": formset, "declaration": declaration},
    )


@role_required(LANDLORD, superuser=False)
def move_out(request, pk):
    declaration = selectors.get_declaration_for_user(request.user, pk)
    if declaration.kind != DeclarationKind.MOVE_IN or declaration.status != DeclarationStatus.APPROVED:
        raise Http404
    tenants = list(declaration.tenants.all())
    form = MoveOutForm(request.POST or None, tenants=tenants)
    if request.method == "POST" and form.is_valid():
        chosen = [t for t in tenants if str(t.pk) in form.cleaned_data["tenants"]]
        rows = [
            {"name": t.name, "id_number": t.id_number, "phone": t.phone, "move_out": form.cleaned_data["move_out"]}
            for t in chosen
        ]
        try:
            out = services.declaration_submit(
                landlord=request.user, house=declaration.house, kind=DeclarationKind.MOVE_OUT,
                rental_type=declaration.rental_type, tenants=rows,
            )  # fmt: skip
        except ValidationError as exc:
            for e in exc.messages:
                messages.error(request, e)
        else:
            messages.success(request, _("Move-out declared."))
            return redirect("rentals:declaration_detail", pk=out.pk)
    return render(request, "rentals/move_out.html", {"d": declaration, "form": form})


@role_required(REVIEW_ROLES)
def review(request):
    return render(request, "rentals/review.html", {"items": selectors.review_queue(request.user)})


@require_POST
@role_required(REVIEW_ROLES)
def approve(request, pk):
    declaration = selectors.get_declaration_for_user(request.user, pk)
    try:
        services.declaration_approve(declaration=declaration, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Approved: the tenants are in the registry."))
    return redirect(request.POST.get("next") or "rentals:review")


@require_POST
@role_required(REVIEW_ROLES)
def return_(request, pk):
    declaration = selectors.get_declaration_for_user(request.user, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what the landlord must correct."))
        return redirect("rentals:declaration_detail", pk=pk)
    try:
        services.declaration_return(declaration=declaration, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Returned to the landlord."))
    return redirect(request.POST.get("next") or "rentals:review")


@role_required(REVIEW_ROLES | {Role.GRID_WORKER})
def declaration_list(request):
    status = request.GET.get("status", "")
    status = status if status in DeclarationStatus.values else ""
    late = request.GET.get("late") == "1"
    page = Paginator(selectors.declarations_for_user(request.user, status=status, late=late), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rentals/declaration_list.html",
        {"page": page, "status": status, "late": late, "statuses": DeclarationStatus.choices},
    )
