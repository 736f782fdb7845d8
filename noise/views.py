"""Noise sensor pages, mounted at /noise/: the sensors of the user's grids (staff), registering a
sensor (its key shown once), a sensor's page with the last 24 hours and its alerts, and the
alert page for the grid's officers and the property contacts, where alerts are acknowledged.

Thin: parse, call ``noise.services`` / ``noise.selectors``, render. Out of scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.permissions import has_role, role_required
from lib.forms import add_service_errors
from lib.paging import Paginator
from noise import laeq, selectors, services
from noise.forms import AcknowledgeForm, SensorForm
from noise.models import AlertState, Kind

staff_required = role_required(STAFF_ROLES)
registrars = role_required({Role.OFFICER, Role.CHIEF, Role.ADMIN})
PAGE_SIZE = 50
SENSOR_ALERTS_SHOWN = 20


def _may_open_dispute(user) -> bool:
    return has_role(user, STAFF_ROLES)


@staff_required
def sensor_list(request):
    sensors = list(selectors.sensor_list(request.user))
    for s in sensors:
        s.day_limit, s.night_limit = laeq.limits(s.zone_class)
        s.suggest_dispute = selectors.suggests_dispute(s.recent_alerts)
    can_add = has_role(request.user, {Role.OFFICER, Role.CHIEF, Role.ADMIN})
    return render(request, "noise/sensor_list.html", {"sensors": sensors, "can_add": can_add})


@registrars
@require_http_methods(["GET", "POST"])
def sensor_create(request):
    """Register a sensor. The key is shown once, on the page answering the POST, and never again."""
    form = SensorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sensor, key = services.sensor_create(
                name=data["name"], zone_class=data["zone_class"], lat=data["lat"], lng=data["lng"],
                building=data["building"], contact=data["contact"], user=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            response = render(request, "noise/sensor_created.html", {"sensor": sensor, "key": key})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "noise/sensor_form.html", {"form": form})


def sensor_detail(request, pk):
    """A sensor's page: staff of its grid and its property contact; anyone else 404."""
    sensor = selectors.get_sensor_for_user(request.user, pk)
    day, night = laeq.limits(sensor.zone_class)
    alerts = list(selectors.alert_list(request.user, sensor_id=sensor.pk)[:SENSOR_ALERTS_SHOWN])
    recent = selectors.recent_alert_counts([sensor.pk]).get(sensor.pk, 0)
    chart = selectors.chart_24h(sensor)
    context = {
        "sensor": sensor,
        "day_limit": day,
        "night_limit": night,
        "alerts": alerts,
        "recent": recent,
        "suggest_dispute": selectors.suggests_dispute(recent),
        "may_open_dispute": _may_open_dispute(request.user),
        "chart": chart,
        "ack_form": AcknowledgeForm(),
        "next": request.get_full_path(),
    }
    return render(request, "noise/sensor_detail.html", context)


def alert_list(request):
    """The alerts of the user's grids (staff) and of the sensors they are the contact of, open
    ones first. Users who are neither get a 404."""
    user = request.user
    if not (selectors.is_staff(user) or selectors.is_contact(user)):
        raise Http404
    state = request.GET.get("state", "")
    state = state if state in AlertState.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    page = Paginator(selectors.alert_list(user, state=state, kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    # One notice per place on the page, above the list, rather than one per alert.
    counts = selectors.recent_alert_counts({a.sensor_id for a in page})
    repeated, seen = [], set()
    for alert in page:
        n = counts.get(alert.sensor_id, 0)
        if selectors.suggests_dispute(n) and alert.sensor_id not in seen:
            seen.add(alert.sensor_id)
            repeated.append((alert.sensor, n))
    context = {
        "page": page,
        "repeated": repeated,
        "f": {"state": state, "kind": kind},
        "states": AlertState.choices,
        "kinds": Kind.choices,
        "may_open_dispute": _may_open_dispute(user),
        "ack_form": AcknowledgeForm(),
        "next": request.get_full_path(),
    }
    return render(request, "noise/alert_list.html", context)


@require_POST
def alert_acknowledge(request, pk):
    alert = selectors.get_alert_for_user(request.user, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.alert_acknowledge(alert=alert, user=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("Alert acknowledged."))
    else:
        for errors in form.errors.values():
            for msg in errors:
                messages.error(request, msg)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "noise:alerts")
