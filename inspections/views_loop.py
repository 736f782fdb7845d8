"""Pages of the loop: my re-inspections due, re-inspecting a notice, the hazard ledger, a hazard's
timeline. Thin: parse → inspections.loop → render. Police roles only; scope through visible_to."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import role_required
from inspections import loop
from inspections.models import Result
from lib.paging import Paginator

PAGE_SIZE = 50
police_required = role_required(loop.POLICE_ROLES)


@police_required
def ledger(request):
    f = {k: request.GET.get(k, "")[:20] for k in ("state", "grid", "grade", "kind", "officer")}
    on = loop.today()
    page = Paginator(loop.hazards_ledger(request.user, on=on, **f), PAGE_SIZE).get_page(request.GET.get("page"))
    for h in page:
        h.state = loop.hazard_state(h, on=on)
    query = urlencode({k: v for k, v in f.items() if v})
    return render(
        request,
        "inspections/hazard_ledger.html",
        {"page": page, "f": f, "query": query, "options": loop.ledger_options(request.user), "today": on},
    )


@police_required
def due(request):
    on = loop.today()
    page = Paginator(loop.hazards_due_for(request.user, on=on), PAGE_SIZE).get_page(request.GET.get("page"))
    groups = loop.group_by_notice(page, on=on)
    return render(request, "inspections/hazard_due.html", {"page": page, "groups": groups, "today": on})


@police_required
def hazard_detail(request, pk):
    hazard = loop.get_hazard_for_user(request.user, pk)
    hazard.state = loop.hazard_state(hazard, on=loop.today())
    return render(request, "inspections/hazard_detail.html", {"hazard": hazard})


@police_required
def reinspect(request, pk):
    notice = loop.get_notice_for_reinspection(request.user, pk)
    hazards = loop.hazards_to_reinspect(notice)
    errors, values = {}, {}
    if request.method == "POST" and hazards:
        results = {}
        for h in hazards:
            result = request.POST.get(f"result_{h.pk}", "")
            note = request.POST.get(f"note_{h.pk}", "")[:500]
            values[h.pk] = {"result": result, "note": note}
            if result in (Result.PASS, Result.FAIL):
                results[h.pk] = loop.Finding(
                    passed=result == Result.PASS, note=note, photo=request.FILES.get(f"photo_{h.pk}")
                )
        try:
            outcome = loop.reinspection_submit(notice=notice, results=results, user=request.user)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            parts = []
            if outcome.closed:
                parts.append(_("%(n)d closed") % {"n": len(outcome.closed)})
            if outcome.notice:
                parts.append(_("second notice %(number)s issued") % {"number": outcome.notice.number})
            if outcome.escalated:
                parts.append(_("%(n)d referred to the fire department") % {"n": len(outcome.escalated)})
            messages.success(request, _("Re-inspection recorded: %(what)s.") % {"what": ", ".join(parts)})
            return redirect("hazards:reinspect", pk=notice.pk)
    for h in hazards:
        h.value = values.get(h.pk, {})
        h.round2_days = loop.round2_days(h.grade)
        h.errors = [m for key in ("result", "note", "photo") for m in errors.get(f"{key}_{h.pk}", [])]
    status = 400 if errors else 200
    return render(
        request,
        "inspections/reinspect.html",
        {
            "notice": notice,
            "place": notice.inspection.venue or notice.inspection.house,
            "hazards": hazards,
            "errors": errors.get("__all__", []),
            "has_errors": bool(errors),
        },
        status=status,
    )
