"""The mediation ledger's list pages: the ledger with its figures, its Excel export, my
follow-ups, the mediator roster; and the 重点关注 panel on a person's page.

Thin: filters and reads come from ``disputes.selectors`` and ``disputes.ledgers``, writes go
through ``disputes.services``. Staff (officer, auxiliary, chief, admin) in scope see every page;
a mediator sees the ledger of the disputes assigned to them; everyone else gets 404.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import STAFF_ROLES, Role
from accounts.permissions import has_role, role_required
from disputes import ledgers, selectors, services
from disputes.models import Category, DisputeState, MediatorType
from documents import excel
from grid.models import CommunityGrid, Station
from lib.paging import Paginator
from residents.ledgers import ledger_export

PAGE_SIZE = 50
UPCOMING_SHOWN = 50
ROSTER_EDITORS = frozenset({Role.CHIEF, Role.ADMIN})
staff_required = role_required(STAFF_ROLES)


# ---- the ledger -------------------------------------------------------------------------------


def _filter_values(f: selectors.LedgerFilters) -> dict:
    """The filters as the form shows them and the links carry them (page links, the export)."""
    return {
        "state": f.state,
        "category": f.category,
        "grid": str(f.grid.pk) if f.grid is not None else "",
        "officer": str(f.officer) if f.officer else "",
        "mediator_type": f.mediator_type,
        "overdue": "1" if f.overdue else "",
        "q": f.q,
    }


@role_required(selectors.DISPUTE_ROLES)
def ledger(request):
    user = request.user
    f = selectors.ledger_filters(user, request.GET)  # a grid outside the user's scope: 404
    page = Paginator(selectors.ledger(user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    values = _filter_values(f)
    staff = selectors.is_staff(user)
    context = {
        "page": page,
        "f": values,
        "query": urlencode({k: v for k, v in values.items() if v}),
        "filtered": any(values.values()),
        "staff": staff,
        "options": {
            "states": DisputeState.choices,
            "categories": Category.choices,
            "mediator_types": MediatorType.choices,
            "officers": [(u.pk, u.display_name) for u in selectors.officers_for_filter(user)],
            "grids": list(CommunityGrid.objects.visible_to(user).order_by("name").values_list("pk", "name"))
            if staff
            else [],
        },
    }
    if staff:
        figures = ledgers.ledger_figures(user, f)
        context |= {"figures": figures, "charts": ledgers.chart_data(figures)}
    return render(request, "disputes/ledger.html", context)


@require_GET
@staff_required
def export(request):
    """The ledger in Excel with the page's filters: masked, audited (``residents.ledgers``)."""
    stream, filename = ledger_export(request=request, ledger="disputes", params=request.GET)
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type=excel.XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"  # it holds (masked) personal data
    return response


# ---- my follow-ups ----------------------------------------------------------------------------


@staff_required
def followups(request):
    """Due this week (overdue first, in red) and coming up in the next four weeks: an officer's
    or auxiliary's own disputes, everyone's in scope for a chief or admin."""
    user = request.user
    on = selectors.today()
    due = selectors.followups_due(user, on=on).select_related("dispute__house")
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    for fu in page:
        fu.overdue, fu.recordable = fu.due_on < on, fu.due_on <= on
    upcoming_qs = ledgers.followups_upcoming(user, on=on)
    upcoming = list(upcoming_qs[:UPCOMING_SHOWN])
    more = upcoming_qs.count() - len(upcoming) if len(upcoming) == UPCOMING_SHOWN else 0
    return render(
        request,
        "disputes/followups.html",
        {
            "page": page,
            "upcoming": upcoming,
            "more": more,
            "today": on,
            "week_end": selectors.week_end(on),
            "mine": user.role in (Role.OFFICER, Role.AUXILIARY) and not user.is_superuser,
        },
    )


# ---- the mediator roster ----------------------------------------------------------------------


@staff_required
def mediator_list(request):
    user = request.user
    rows = list(ledgers.roster(user))
    return render(
        request,
        "disputes/mediator_list.html",
        {
            "mediators": rows,
            "can_edit": has_role(user, ROSTER_EDITORS),
            "show_station": user.is_admin_role or len({m.station_id for m in rows}) > 1,
        },
    )


class LoginChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.get_role_display()}，{obj.username}）"


class MediatorForm(forms.Form):
    station = forms.ModelChoiceField(queryset=Station.objects.none(), label=gettext_lazy("Station"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    type = forms.ChoiceField(label=gettext_lazy("Mediator type"), choices=[("", "---------"), *MediatorType.choices])
    organisation = forms.CharField(label=gettext_lazy("Organisation"), max_length=100, required=False)
    phone = forms.RegexField(
        label=gettext_lazy("Work phone"),
        max_length=20,
        required=False,
        regex=r"^[0-9+\-() ]*$",
        error_messages={"invalid": gettext_lazy("Digits only, e.g. 0951-5012345 or 13895177001.")},
    )
    active = forms.BooleanField(label=gettext_lazy("On the active roster"), required=False, initial=True)
    user = LoginChoice(
        queryset=None,
        label=gettext_lazy("Login"),
        required=False,
        empty_label=gettext_lazy("No login"),
        help_text=gettext_lazy(
            "A mediator account sees only the disputes assigned to this mediator. Officers of the station may be "
            "linked to their own account."
        ),
    )

    def __init__(self, *args, station=None, mediator=None, pick_station=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.mediator = mediator
        if pick_station:
            self.fields["station"].queryset = Station.objects.order_by("name")
        else:
            del self.fields["station"]
        self.fields["user"].queryset = ledgers.login_choices(station=station, mediator=mediator)

    def clean(self):
        data = super().clean()
        station, account = data.get("station"), data.get("user")
        # The choices list every station's officers; the login must belong to the one chosen.
        picked = "station" in self.fields and station is not None and account is not None
        if picked and not ledgers.login_choices(station=station, mediator=self.mediator).filter(pk=account.pk).exists():
            self.add_error("user", _("Only a mediator account or an officer of this station can be linked."))
        return data


def _mediator_page(request, *, station, mediator=None):
    pick_station = station is None
    initial = {"active": True}
    if mediator is not None:
        initial = {
            "name": mediator.name, "type": mediator.type, "organisation": mediator.organisation,
            "phone": mediator.phone, "active": mediator.active, "user": mediator.user_id,
        }  # fmt: skip
    form = MediatorForm(
        request.POST or None, initial=initial, station=station, mediator=mediator, pick_station=pick_station
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.mediator_save(
                station=data.get("station") or station, mediator=mediator, user_account=data["user"],
                name=data["name"], type=data["type"], organisation=data["organisation"], phone=data["phone"],
                active=data["active"],
            )  # fmt: skip
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, msgs in errors.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(request, _("Mediator %(name)s saved.") % {"name": saved.name})
            return redirect("disputes:mediators")
    return render(request, "disputes/mediator_form.html", {"form": form, "mediator": mediator, "station": station})


@role_required(ROSTER_EDITORS)
def mediator_create(request):
    """A chief adds to their own station's roster; an administrator picks the station."""
    user = request.user
    if user.is_admin_role:
        return _mediator_page(request, station=None)
    if user.station_id is None:
        raise Http404
    return _mediator_page(request, station=user.station)


@role_required(ROSTER_EDITORS)
def mediator_edit(request, pk):
    mediator = get_object_or_404(selectors.mediators_for_user(request.user), pk=pk)
    return _mediator_page(request, station=mediator.station, mediator=mediator)


# ---- the person page's panel (registered in DisputesConfig.ready) -------------------------------


def person_panel(request, person):
    """重点关注 on a person's page: in two or more disputes within 90 days (staff only)."""
    if not selectors.is_staff(request.user):
        return None
    flag = selectors.person_flag(person, request.user)
    if flag is None:
        return None
    return "disputes/_person_flag.html", {"flag": flag}
