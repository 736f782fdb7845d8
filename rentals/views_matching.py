"""The 百宝箱 pages: mismatches between the registries as the grid worker's tasks. Thin.

Reading the page never writes. The "compare again" button (POST) runs the comparison of that
one grid inline, not through the queue: a grid is a few hundred rows, the comparison a handful
of set-based queries and bulk writes, and the worker wants to see the result when the page
reloads. Every grid is also compared nightly by ``rentals.tasks_matching``.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import role_required
from lib.paging import Paginator
from rentals import matching
from rentals.models import MismatchKind

PAGE_SIZE = 50

matching_role_required = role_required(matching.MATCHING_ROLES)


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=matching.NOTE_MAX,
        strip=True,
        error_messages={
            "required": gettext_lazy("Write what you found or did before closing the task."),
            "max_length": gettext_lazy("The note is too long: at most %(limit_value)d characters."),
        },
    )


def _kind(request) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in MismatchKind.values else ""


def _grid_url(grid, kind: str = "") -> str:
    url = reverse("matching:grid", args=[grid.pk])
    return f"{url}?{urlencode({'kind': kind})}" if kind else url


@matching_role_required
@require_GET
def index(request):
    grids = matching.grids_for_user(request.user)
    counts = matching.open_task_counts(request.user)
    rows = []
    for g in grids:
        per_kind = counts.get(g.pk, {})
        rows.append(
            {
                "grid": g,
                "total": sum(per_kind.values()),
                "kinds": [(label, per_kind[k]) for k, label in MismatchKind.choices if per_kind.get(k)],
            }
        )
    return render(request, "rentals/matching_index.html", {"rows": rows})


def _grid_page(request, grid, *, failed=None, status=200):
    """The grid's task page; ``failed`` = (task id, bound form) when a close without htmx failed."""
    kind = _kind(request)
    counts = matching.open_task_counts(request.user, grid=grid).get(grid.pk, {})
    page = Paginator(matching.open_tasks(request.user, grid=grid, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    groups = []  # [(kind, label, explanation, [tasks])] in the page's order
    for task in page:
        task.form = failed[1] if failed and failed[0] == task.pk else CloseForm()
        if not groups or groups[-1][0] != task.kind:
            groups.append((task.kind, task.get_kind_display(), matching.EXPLANATIONS[task.kind], []))
        groups[-1][3].append(task)
    return render(
        request,
        "rentals/matching_grid.html",
        {
            "grid": grid,
            "kind": kind,
            "kinds": [(k, label, counts.get(k, 0)) for k, label in MismatchKind.choices],
            "total": sum(counts.values()),
            "page": page,
            "groups": groups,
            "closed": matching.recently_closed_tasks(request.user, grid=grid),
            "last_sync": matching.mismatch_last_sync(grid.pk),
        },
        status=status,
    )


@matching_role_required
@require_GET
def grid_detail(request, pk):
    grid = matching.get_grid_for_user(request.user, pk)
    return _grid_page(request, grid)


@matching_role_required
@require_POST
def grid_sync(request, pk):
    grid = matching.get_grid_for_user(request.user, pk)
    result = matching.mismatch_tasks_sync(grid=grid)
    messages.success(
        request,
        _("Compared: %(created)d new, %(reopened)d reopened, %(closed)d closed because the data now agree.")
        % {"created": result.created, "reopened": result.reopened, "closed": result.closed},
    )
    return redirect(_grid_url(grid, _kind(request)))


@matching_role_required
@require_POST
def task_close(request, pk):
    """Close one task with a note. With htmx: the row goes (or comes back with the error)."""
    task = matching.get_task_for_user(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            task = matching.mismatch_task_close(task=task, user=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            for error in exc.message_dict.get("note", exc.messages):
                form.add_error("note", error)
    htmx = bool(request.headers.get("HX-Request"))
    if form.errors:
        if htmx:
            task.form = form
            return render(request, "rentals/matching_task_row.html", {"task": task})
        messages.error(request, _("The task was not closed: see the note."))
        return _grid_page(request, task.grid, failed=(task.pk, form))
    if htmx:
        counts = matching.open_task_counts(request.user, grid=task.grid_id).get(task.grid_id, {})
        return render(
            request,
            "rentals/matching_task_closed.html",
            {"task": task, "kind_count": counts.get(task.kind, 0), "total": sum(counts.values())},
        )
    messages.success(request, _("Task closed."))
    return redirect(_grid_url(task.grid, _kind(request)))
