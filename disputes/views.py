"""The pages of one dispute: intake, the dispute page, assigning mediators, recording a session,
the parties signing the agreement on the officer's phone, the agreement PDF, a follow-up visit.

Thin: parse the request, call ``disputes.services`` / ``disputes.selectors``, render. Staff
(officer, auxiliary, chief, admin) in scope may do everything here; a user with the ``mediator``
role may open the disputes assigned to them, their agreement PDF and record their sessions;
everyone else gets 404, like anything out of scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import STAFF_ROLES, AuditAction, Role
from accounts.permissions import role_required
from accounts.services import audit
from disputes import selectors, services
from disputes.forms import (
    SESSION_PLACES,
    AssignForm,
    DisputeForm,
    FollowUpForm,
    PartyFormSet,
    SessionForm,
    now_local,
)
from disputes.models import (
    OPEN_STATES,
    Agreement,
    AgreementStatus,
    DisputeState,
    FollowUpStatus,
    Outcome,
    Signature,
)
from documents.signatures import signature_from_data_url
from grid.models import Building
from lib.api_fields import query_id
from lib.forms import add_service_errors
from residents.models import Person
from residents.selectors import persons_for_user

staff_required = role_required(STAFF_ROLES)
dispute_roles_required = role_required(selectors.DISPUTE_ROLES)

SEARCH_LIMIT_BUILDINGS = 20
SEARCH_LIMIT_PERSONS = 10


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


# --- intake -----------------------------------------------------------------------------------


def _visible_building(user, raw) -> Building | None:
    """A building of the user's area from a query-string id; another area's, or nonsense, is a 404."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if query_id(raw) is None:
        raise Http404
    qs = Building.objects.visible_to(user).select_related("grid__police_grid")
    return get_object_or_404(qs, pk=int(raw))


def _default_officer(user, building):
    """The user if they are an officer or auxiliary; for a chief or admin the address's officer."""
    if user.role in (Role.OFFICER, Role.AUXILIARY):
        return user.pk
    if building is not None:
        return building.grid.police_grid.officer_id
    return None


def _rows(formset) -> list[tuple[int, object]]:
    """(form index, form) of the party rows to record: the first two always, later ones if filled."""
    return [(i, f) for i, f in enumerate(formset.forms) if i < 2 or not f.is_blank()]


def _picked_persons(user, formset) -> dict[int, Person]:
    """The registry persons picked on the rows, by id, if the user may see them (one query)."""
    ids = set()
    for f in formset.forms:
        raw = f.data.get(f.add_prefix("person"), "") if f.is_bound else ""
        if query_id(str(raw)) is not None:
            ids.add(int(raw))
    if not ids:
        return {}
    return {p.pk: p for p in Person.objects.visible_to(user).filter(pk__in=sorted(ids))}


def _party_inputs(formset, persons: dict[int, Person]) -> tuple[list[services.PartyInput], list[int]]:
    """The rows as service inputs, and for each input the index of its form (to place errors)."""
    inputs, where = [], []
    for i, f in _rows(formset):
        data = f.cleaned_data
        person = None
        if data.get("person"):
            person = persons.get(data["person"])
            if person is None:
                f.add_error(None, _("Choose a person from the registry again."))
                continue
        inputs.append(
            services.PartyInput(
                name=data.get("name") or "",
                role=data.get("role") or "",
                person=person,
                id_type=data.get("id_type") or "",
                id_number=data.get("id_number") or "",
                phone=data.get("phone") or "",
            )
        )
        where.append(i)
    return inputs, where


def _place_party_errors(formset, exc: ValidationError, where: list[int], party_errors: list) -> None:
    """``party-<n>-<field>`` errors onto row ``where[n]`` (the n-th party recorded); ``parties`` go
    above the rows (collected in ``party_errors``)."""
    for key, msgs in exc.message_dict.items():
        if key == "parties":
            party_errors.extend(msgs)
            continue
        _prefix, n, field = key.split("-", 2)
        form = formset.forms[where[int(n)]]
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)


def _check_rows_alone(formset, persons) -> None:
    """Each row's own errors (ID, phone, name), for when the rest of the form has errors too, so
    that every problem shows at once. Reads only."""
    inputs, where = _party_inputs(formset, persons)
    for n, data in enumerate(inputs):
        try:
            services.party_build(data)
        except ValidationError as exc:
            form = formset.forms[where[n]]
            for field, msgs in exc.message_dict.items():
                for message in msgs:
                    form.add_error(field if field in form.fields else None, message)


@staff_required
@require_http_methods(["GET", "POST"])
def create(request):
    """Record a dispute on the phone: what, where, who, and the parties."""
    user = request.user
    preset = _visible_building(user, request.GET.get("building"))
    party_errors: list[str] = []
    if request.method == "POST":
        data = request.POST.copy()
        form = DisputeForm(data, user=user)
        formset = PartyFormSet(data, prefix="party")
        persons = _picked_persons(user, formset)
        form_ok = form.is_valid()
        rows_ok = formset.is_valid()
        if form_ok and rows_ok:
            inputs, where = _party_inputs(formset, persons)
            if all(not f.errors for f in formset.forms):
                try:
                    dispute = services.dispute_create(
                        user=user, parties=inputs, **{k: form.cleaned_data[k] for k in (
                            "source", "category", "risk", "building", "house", "place_detail", "description",
                            "officer", "received_at")},
                    )  # fmt: skip
                except ValidationError as exc:
                    party_keys = {k for k in exc.message_dict if k == "parties" or k.startswith("party-")}
                    _place_party_errors(
                        formset, ValidationError({k: exc.message_dict[k] for k in party_keys}), where, party_errors
                    )
                    rest = {k: v for k, v in exc.message_dict.items() if k not in party_keys}
                    if rest:
                        add_service_errors(form, ValidationError(rest))
                else:
                    messages.success(request, _("Dispute %(ref)s recorded.") % {"ref": dispute.reference})
                    return redirect("disputes:detail", pk=dispute.pk)
        elif rows_ok:
            _check_rows_alone(formset, persons)
        _forget_registry_ids(formset, persons)
    else:
        form = DisputeForm(
            user=user,
            initial={"building": preset.pk if preset else None, "received_at": now_local(),
                     "officer": _default_officer(user, preset)},
        )  # fmt: skip
        formset = PartyFormSet(prefix="party")
        persons = {}
    for f in formset.forms:
        raw = str(f["person"].value() or "")
        f.picked = persons.get(int(raw)) if query_id(raw) is not None else None
    building = _chosen_building(form, preset)
    context = {
        "form": form,
        "formset": formset,
        "party_errors": party_errors,
        "building": building,
        "houses": list(building.houses.order_by("unit")) if building else [],
        "house_value": str(form["house"].value() or ""),
        "max_parties": services.MAX_PARTIES,
    }
    return _no_store(render(request, "disputes/dispute_form.html", context))


def _forget_registry_ids(formset, persons) -> None:
    """A row with a registry person carries no typed ID back to the page (and never the person's);
    a person the user may not see is dropped from the row."""
    for f in formset.forms:
        raw = f.data.get(f.add_prefix("person"), "")
        if query_id(str(raw)) is not None and int(raw) in persons:
            f.data[f.add_prefix("id_number")] = ""
        elif raw:
            f.data[f.add_prefix("person")] = ""


def _chosen_building(form, preset):
    """The building chosen on the form (posted back), else the preset one."""
    raw = form["building"].value()
    if raw in (None, ""):
        return preset
    if isinstance(raw, Building):
        return raw
    if query_id(str(raw)) is None:
        return None
    return form.fields["building"].queryset.filter(pk=int(raw)).first()


@staff_required
@require_GET
def building_search(request):
    """htmx: the addresses of the user's area matching ``q`` (at most 20), or with ``pick`` the
    chosen address with its houses for the intake form."""
    pick = request.GET.get("pick", "")
    if pick:
        building = _visible_building(request.user, pick)
        houses = list(building.houses.order_by("unit"))
        return render(
            request, "disputes/_d_place.html", {"building": building, "houses": houses, "house_value": "", "oob": True}
        )
    q = request.GET.get("q", "").strip()[:100]
    buildings = []
    if q:
        buildings = list(
            Building.objects.visible_to(request.user)
            .search(q)
            .select_related("grid")
            .order_by("address")[:SEARCH_LIMIT_BUILDINGS]
        )
    return render(request, "disputes/_d_building_results.html", {"buildings": buildings, "q": q})


@staff_required
@require_GET
def person_search(request):
    """htmx: registry persons of the user's area by name or exact resident ID (at most 10), masked."""
    q = request.GET.get("q", "").strip()[:50]
    persons = list(persons_for_user(request.user, q=q).order_by("name", "id")[:SEARCH_LIMIT_PERSONS]) if q else []
    return render(request, "disputes/_d_person_results.html", {"persons": persons, "q": q})


# --- the dispute page -------------------------------------------------------------------------


def _agreements(dispute, parties):
    agreements = list(
        dispute.agreements.prefetch_related(Prefetch("signatures", queryset=Signature.objects.order_by("signed_at")))
        .select_related("session")
        .order_by("created_at", "id")
    )
    names = {p.pk: p.name for p in parties}
    for a in agreements:
        signatures = list(a.signatures.all())
        a.signed_names = [names.get(s.party_id, "") for s in signatures]
        a.signed_count = len(signatures)
        a.unsigned = a.status != AgreementStatus.SIGNED
        a.deadline = services.judicial_confirmation_deadline(a)
    return agreements


@dispute_roles_required
@require_GET
def detail(request, pk):
    user = request.user
    dispute = selectors.get_dispute_for_user(user, pk)
    is_staff = selectors.is_staff(user)
    parties = list(dispute.parties.all())
    linked = {p.person_id for p in parties if p.person_id}
    visible_persons = set()
    if is_staff and linked:
        visible_persons = set(
            Person.objects.visible_to(user).filter(pk__in=sorted(linked)).values_list("pk", flat=True)
        )
    today = services.today()
    followups = list(dispute.followups.select_related("done_by").order_by("due_on", "id"))
    for f in followups:
        scheduled = f.status == FollowUpStatus.SCHEDULED
        f.overdue = scheduled and f.due_on < today
        f.can_record = is_staff and scheduled and f.due_on <= today
    events = selectors.timeline(dispute)
    for e in events:
        e.label = services.ACTIONS.get(e.action, e.action)
    context = {
        "dispute": dispute,
        "parties": parties,
        "visible_persons": visible_persons,
        "mediators": list(dispute.mediators.all()),
        "is_staff": is_staff,
        "flags": selectors.repeat_flags(dispute, user),
        "sessions": selectors.sessions_of(dispute),
        "agreements": _agreements(dispute, parties),
        "followups": followups,
        "events": events,
        "can_session": dispute.state in OPEN_STATES,
    }
    return _no_store(render(request, "disputes/dispute_detail.html", context))


@staff_required
@require_http_methods(["GET", "POST"])
def assign(request, pk):
    dispute = selectors.get_dispute_for_user(request.user, pk)
    roster = selectors.roster_for_dispute(dispute)
    if request.method == "POST":
        form = AssignForm(request.POST, roster=roster)
        if form.is_valid():
            try:
                services.dispute_assign(dispute=dispute, user=request.user, mediators=form.cleaned_data["mediators"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Mediators assigned."))
                return redirect("disputes:detail", pk=dispute.pk)
    else:
        form = AssignForm(roster=roster, initial={"mediators": [m.pk for m in dispute.mediators.all()]})
    return _no_store(render(request, "disputes/assign.html", {"dispute": dispute, "form": form}))


# --- sessions ---------------------------------------------------------------------------------


@dispute_roles_required
@require_http_methods(["GET", "POST"])
def session_create(request, pk):
    """Record a mediation session and its outcome (staff in scope, or an assigned mediator)."""
    user = request.user
    dispute = selectors.get_dispute_for_user(user, pk)
    if dispute.state not in OPEN_STATES:
        messages.info(
            request,
            _("This dispute is “%(state)s”: no more sessions can be recorded.")
            % {"state": dispute.get_state_display()},
        )
        return redirect("disputes:detail", pk=dispute.pk)
    roster = selectors.roster_for_dispute(dispute)
    parties = dispute.parties.order_by("order", "id")
    if request.method == "POST":
        form = SessionForm(request.POST, roster=roster, parties=parties)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.session_record(
                    dispute=dispute, user=user, held_at=data["held_at"], place=data["place"],
                    mediators=data["mediators"], parties_present=data["parties_present"], outcome=data["outcome"],
                    notes=data["notes"], reason=data["reason"], referred_to=data["referred_to"],
                    referred_department=data["referred_department"], facts=data["facts"], terms=data["terms"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _after_session(request, dispute, session)
    else:
        assigned = {m.pk for m in dispute.mediators.all()}
        form = SessionForm(
            roster=roster, parties=parties,
            initial={"held_at": now_local(), "mediators": [m.pk for m in roster if m.pk in assigned],
                     "parties_present": [p.pk for p in dispute.parties.all()], "facts": dispute.description},
        )  # fmt: skip
    context = {"dispute": dispute, "form": form, "places": SESSION_PLACES}
    return _no_store(render(request, "disputes/session_form.html", context))


def _after_session(request, dispute, session):
    if session.outcome == Outcome.AGREED:
        agreement = session.agreement
        if selectors.is_staff(request.user):
            messages.success(
                request, _("Agreement %(number)s drafted: the parties sign it now.") % {"number": agreement.number}
            )
            return redirect("disputes:agreement_sign", pk=agreement.pk)
        messages.success(
            request,
            _("Agreement %(number)s drafted: the responsible officer will have the parties sign it.")
            % {"number": agreement.number},
        )
    else:
        messages.success(request, _("Session recorded."))
    return redirect("disputes:detail", pk=dispute.pk)


# --- the agreement ----------------------------------------------------------------------------


def _get_agreement_for_user(user, pk) -> Agreement:
    qs = Agreement.objects.visible_to(user).select_related("dispute__building", "dispute__house", "session")
    return get_object_or_404(qs, pk=pk)


def _keep(signature: str) -> str:
    """Echo a drawn signature back into the pad after an error (only if it could be valid)."""
    return signature if signature.startswith("data:image/png;base64,") and len(signature) < 700_000 else ""


@staff_required
@require_http_methods(["GET", "POST"])
def agreement_sign(request, pk):
    """The parties sign one after another on the officer's phone."""
    agreement = _get_agreement_for_user(request.user, pk)
    dispute = agreement.dispute
    if agreement.status == AgreementStatus.SIGNED:
        messages.info(request, _("This agreement has already been signed by all parties."))
        return redirect("disputes:detail", pk=dispute.pk)
    agreement = services.agreement_ensure_rendered(agreement)
    parties = list(dispute.parties.order_by("order", "id"))
    signed = set(agreement.signatures.values_list("party_id", flat=True))
    raw = str((request.POST if request.method == "POST" else request.GET).get("party") or "")
    chosen = next((p for p in parties if str(p.pk) == raw), None)
    errors, signature = {}, ""
    if request.method == "POST":
        signature = request.POST.get("signature", "")
        if chosen is None:
            errors = {"form": [_("Choose the party who signs.")]}
        else:
            try:
                png = signature_from_data_url(signature)
                agreement = services.agreement_sign(
                    agreement=agreement, party=chosen, signature_png=png, user=request.user
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    errors = {("form" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
                else:
                    errors = {"form": exc.messages}
                signed = set(agreement.signatures.values_list("party_id", flat=True))
            else:
                if agreement.status == AgreementStatus.SIGNED:
                    messages.success(
                        request,
                        _("Signed by all parties: the agreement is archived and the follow-ups are scheduled."),
                    )
                    return redirect("disputes:detail", pk=dispute.pk)
                messages.success(request, _("%(name)s has signed.") % {"name": chosen.name})
                return redirect("disputes:agreement_sign", pk=agreement.pk)
    unsigned = [p for p in parties if p.pk not in signed]
    if not unsigned:  # every party signed but not archived: cannot happen; never a 500
        return redirect("disputes:detail", pk=dispute.pk)
    party = chosen if chosen in unsigned else unsigned[0]
    if party is not chosen:
        signature = ""
    context = {
        "agreement": agreement,
        "dispute": dispute,
        "parties": [(p, p.pk in signed) for p in parties],
        "party": party,
        "others": [p for p in unsigned if p.pk != party.pk],
        "errors": errors,
        "signature": _keep(signature),
    }
    return _no_store(render(request, "disputes/agreement_sign.html", context))


@dispute_roles_required
@require_GET
def agreement_pdf(request, pk):
    """The signed archive once signed, else the agreement to read before signing; audited."""
    agreement = _get_agreement_for_user(request.user, pk)
    audit(request, AuditAction.DOWNLOAD, agreement, reason=agreement.number)
    if agreement.signed_pdf:
        handle, suffix = agreement.signed_pdf.open("rb"), "-signed"
    else:
        agreement = services.agreement_ensure_rendered(agreement)
        handle, suffix = agreement.pdf.open("rb"), ""
    return _no_store(FileResponse(handle, content_type="application/pdf", filename=f"{agreement.number}{suffix}.pdf"))


# --- follow-ups -------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def followup_record(request, pk):
    """回访: was the agreement kept? (home visit or phone call)"""
    followup = selectors.get_followup_for_user(request.user, pk)
    dispute = followup.dispute
    if followup.status != FollowUpStatus.SCHEDULED:
        messages.info(request, _("This follow-up is already “%(status)s”.") % {"status": followup.get_status_display()})
        return redirect("disputes:detail", pk=dispute.pk)
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.followup_record(
                    followup=followup, user=request.user, method=form.cleaned_data["method"],
                    kept=form.kept_value(), note=form.cleaned_data["note"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                dispute.refresh_from_db(fields=["state"])
                if form.kept_value() is False:
                    messages.warning(request, _("Follow-up recorded. The dispute is reopened for mediation."))
                elif dispute.state == DisputeState.RESOLVED:
                    messages.success(request, _("Follow-up recorded. The dispute is resolved for good."))
                else:
                    messages.success(request, _("Follow-up recorded."))
                return redirect("disputes:detail", pk=dispute.pk)
    else:
        form = FollowUpForm()
    context = {
        "followup": followup,
        "dispute": dispute,
        "agreement": followup.agreement,
        "parties": list(dispute.parties.order_by("order", "id")),
        "not_due": followup.due_on > services.today(),
        "form": form,
    }
    return _no_store(render(request, "disputes/followup_form.html", context))
