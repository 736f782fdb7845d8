"""The chief's audit page (/ops/audit/): who revealed, exported, downloaded, logged in or was
refused what, filtered, paged, and exported to Excel (the export is itself audited).

Scope: a chief reads the lines of their own station's people — accounts of the station, officers of
its police grids, auxiliaries, grid workers and members of its community grids — and failed logins
typed with their names; an administrator reads every line. Everyone else gets a 404.
"""

from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import AuditAction, AuditEvent, Role, User
from accounts.permissions import role_required
from accounts.services import audit
from documents import excel
from grid.models import CommunityGrid, GridMember, PoliceGrid
from lib.paging import Paginator

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
chief_required = role_required({Role.CHIEF, Role.ADMIN})


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), required=False, choices=[("", gettext_lazy("All actions")), *AuditAction.choices]
    )
    username = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    q = forms.CharField(label=gettext_lazy("Record or reason"), required=False, max_length=100)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def scoped_events(user):
    """The audit lines ``user`` may read."""
    qs = AuditEvent.objects.all()
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    if user.station_id is None:
        return qs.none()
    people = station_people(user.station_id)
    return qs.filter(Q(user__in=people.values("pk")) | Q(user__isnull=True, username__in=people.values("username")))


def station_people(station_id: int):
    """Every account that works for the station: by account, police grid, community grid or membership."""
    grids = CommunityGrid.objects.filter(police_grid__station_id=station_id)
    return User.objects.filter(
        Q(station_id=station_id)
        | Q(pk__in=PoliceGrid.objects.filter(station_id=station_id).values("officer_id"))
        | Q(pk__in=grids.values("auxiliary_id"))
        | Q(pk__in=grids.values("grid_worker_id"))
        | Q(pk__in=GridMember.objects.filter(grid__in=grids).values("user_id"))
    )


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    qs = scoped_events(request.user).select_related("user")
    if form.is_bound and form.is_valid():
        f = form.cleaned_data
        tz = timezone.get_current_timezone()
        if f["date_from"]:
            qs = qs.filter(at__gte=dt.datetime.combine(f["date_from"], dt.time.min, tzinfo=tz))
        if f["date_to"]:
            qs = qs.filter(at__lt=dt.datetime.combine(f["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
        if f["action"]:
            qs = qs.filter(action=f["action"])
        if f["username"]:
            qs = qs.filter(Q(username__icontains=f["username"]) | Q(user__full_name__icontains=f["username"]))
        if f["q"]:
            qs = qs.filter(Q(object_repr__icontains=f["q"]) | Q(reason__icontains=f["q"]))
    elif form.is_bound:
        qs = qs.none()
    return form, qs.order_by("-id")


@require_GET
@chief_required
def audit_list(request):
    form, qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "ops/audit.html", {"form": form, "page": page, "query": params.urlencode()})


@require_GET
@chief_required
def audit_export(request):
    """The filtered lines as an Excel sheet; the export is the newest line of the trail."""
    form, qs = _filtered(request)
    columns = [
        excel.Column(_("Time"), width=18),
        excel.Column(_("User"), width=16),
        excel.Column(_("Action"), width=14),
        excel.Column(_("Concerning"), width=40),
        excel.Column(_("Reason"), width=30),
        excel.Column(_("IP address"), width=16, text=True),
    ]
    rows = (
        (e.at, e.user.display_name if e.user else e.username, e.get_action_display(), e.object_repr, e.reason, e.ip)
        for e in qs[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    stream = io.BytesIO()
    count = excel.write_table(
        stream,
        title=_("Audit trail"),
        columns=columns,
        rows=rows,
        subtitle=_("Exported %(when)s by %(user)s")
        % {"when": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "user": request.user.display_name},
    )
    audit(
        request, AuditAction.EXPORT, object_type="accounts.auditevent", object_repr=_("Audit trail"), reason=f"{count}"
    )
    stream.seek(0)
    filename = f"audit-{timezone.localdate():%Y%m%d}.xlsx"
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type=excel.XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
