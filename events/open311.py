"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), mounted at ``/open311/v2/``, so
existing civic-reporting clients can file and follow grid events.

    GET  services.json               one service per event category
    GET  requests.json               the client's station's events (filters below)
    POST requests.json               file an event (form-encoded)
    GET  requests/<id>.json          one event, as a one-element list

JSON only: the ``.xml`` forms answer 404 with an error saying so. Every call needs the
``api_key`` (query string or form field) of an active ``Open311Client``; without one the answer is
403 ``[{"code": 403, "description": "…"}]``, as GeoReport v2 gives for an invalid key. A client
reads only the events of its station's community grids (another station's event is a 404, as if
it did not exist) and files events under its ``user`` with ``source=open311``. Personal fields
of the spec (first_name, last_name, email, phone, device_id, account_id) and media_url are
accepted and ignored: nothing of them is stored. Errors are GeoReport error lists with the HTTP
status in ``code``: 400 bad input, 403 bad key, 404 unknown id. The answers are in Chinese.

``status`` is ``closed`` for a closed event (rated, or closed by the reporter), ``open`` for
every other state; ``expected_datetime`` is the current deadline (to accept, or to handle);
``agency_responsible`` the unit at the event's tier (the grid, the police grid, the station or
the named department); ``address_id`` the building's id; ``media_url`` the first reported photo
through the scoped ``events:photo`` page (it needs a staff login: no photo is public).
"""

from __future__ import annotations

import datetime as dt
import math
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from events import dispatch
from events.clients import client_for_key, events_for_client
from events.models import Category, Event, EventLog, EventPhoto, PhotoKind, Source, State, Tier
from grid.models import Building, CommunityGrid
from grid.services import grid_for_point
from lib import ratelimit

LANGUAGE = "zh-hans"
MAX_REQUESTS = 1000
WINDOW = dt.timedelta(days=90)
STATUSES = ("open", "closed")

# service_code → (description, keywords, group)
_SAFETY = gettext_lazy("Public safety")
_NEIGHBOURS = gettext_lazy("Neighbourhood")
_CITY = gettext_lazy("City services")
SERVICES = {
    Category.SAFETY: (
        gettext_lazy("Hazards to public order: suspicious activity, unsafe places, threats."),
        gettext_lazy("suspicious, unsafe, theft, fraud"), _SAFETY,
    ),
    Category.FIRE: (
        gettext_lazy("Fire hazards: blocked fire exits, flying wires, gas bottles, stored fuel."),
        gettext_lazy("fire exit, wires, gas, extinguisher"), _SAFETY,
    ),
    Category.DISPUTE: (
        gettext_lazy("Conflicts between neighbours, tenants and landlords, or families."),
        gettext_lazy("quarrel, conflict, neighbours, family"), _NEIGHBOURS,
    ),
    Category.NOISE: (
        gettext_lazy("Noise from building works, shops, gatherings or homes."),
        gettext_lazy("noise, loud, night, building works"), _NEIGHBOURS,
    ),
    Category.RENTAL: (
        gettext_lazy("Rental houses: crowded rooms, undeclared tenants, unsafe conversions."),
        gettext_lazy("rental, tenants, group rental, landlord"), _NEIGHBOURS,
    ),
    Category.FACILITY: (
        gettext_lazy("Broken public facilities: street lights, manhole covers, railings, benches."),
        gettext_lazy("street light, manhole, railing, broken"), _CITY,
    ),
    Category.ENVIRONMENT: (
        gettext_lazy("Rubbish, dumping, dirty public spaces, pests."),
        gettext_lazy("rubbish, dumping, dirty, pests"), _CITY,
    ),
    Category.TRAFFIC: (
        gettext_lazy("Parking and traffic problems: blocked lanes, illegal parking, abandoned vehicles."),
        gettext_lazy("parking, blocked, vehicle, traffic"), _CITY,
    ),
    Category.OTHER: (
        gettext_lazy("Anything else the grid should know about."),
        gettext_lazy("other"), gettext_lazy("Other"),
    ),
}  # fmt: skip


# --- plumbing ---------------------------------------------------------------------------------


def _errors(code: int, *descriptions) -> JsonResponse:
    """A GeoReport error list, with ``code`` as the HTTP status too."""
    body = [{"code": code, "description": str(d)} for d in descriptions]
    return JsonResponse(body, status=code, safe=False, json_dumps_params={"ensure_ascii": False})


def _json(body, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


# New service requests: a citizen app behind one address posts a few a minute at most.
OPEN311_PER_IP = ratelimit.Limit(60, 60 * 60)
OPEN311_PER_KEY = ratelimit.Limit(1000, 60 * 60)


class BadRequest(Exception):
    def __init__(self, *descriptions):
        self.descriptions = descriptions


def georeport(methods):
    """A keyed Open311 endpoint: no login, no CSRF (the key authenticates), answered in Chinese,
    ``request.open311_client`` set, errors as GeoReport lists."""

    def decorator(view):
        @login_not_required
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            with translation.override(LANGUAGE):
                if request.method not in methods:
                    response = _errors(405, _("Method not allowed."))
                    response["Allow"] = ", ".join(methods)
                    return response
                key = request.POST.get("api_key") if request.method == "POST" else None
                if request.method == "POST":  # new requests: per address and per client key
                    ip = ratelimit.client_ip(request)
                    rules = [("ip:" + ip, OPEN311_PER_IP), ("key:" + (key or ""), OPEN311_PER_KEY)]
                    wait = ratelimit.check("open311-post", rules)
                    if wait:
                        response = _errors(429, ratelimit.too_many_message(wait))
                        response["Retry-After"] = str(wait)
                        return response
                client = client_for_key(key or request.GET.get("api_key"))
                if client is None:
                    return _errors(403, _("Invalid api_key: give the key of an active Open311 client."))
                request.open311_client = client
                try:
                    return view(request, *args, **kwargs)
                except BadRequest as exc:
                    return _errors(400, *exc.descriptions)

        return wrapper

    return decorator


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _deadline(event: Event) -> dt.datetime | None:
    if event.state == State.REPORTED:
        return event.accept_by
    if event.state == State.ACCEPTED:
        return event.handle_by
    return None


def _agency(event: Event) -> str:
    grid = event.grid
    if event.tier == Tier.GRID:
        return grid.name
    if event.tier == Tier.POLICE_GRID:
        return grid.police_grid.name
    if event.tier == Tier.STATION:
        return grid.police_grid.station.name
    return event.department or str(Tier.DEPARTMENT.label)


def _notice(event: Event) -> str | None:
    deadline = _deadline(event)
    if deadline is None:
        return None
    args = {"agency": _agency(event), "deadline": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"}
    if event.state == State.REPORTED:
        return _("%(agency)s accepts it by %(deadline)s.") % args
    return _("%(agency)s handles it by %(deadline)s.") % args


def _status_notes(event: Event) -> str:
    label = str(event.get_state_display())
    note = getattr(event, "handled_note", None)
    return f"{label}：{note}" if note and event.state in (State.HANDLED, State.CLOSED) else label


def _row(request, event: Event) -> dict:
    """One service request with exactly the GeoReport v2 field names."""
    photos = event.report_photos
    media = request.build_absolute_uri(reverse("events:photo", args=[photos[0].pk])) if photos else None
    return {
        "service_request_id": str(event.pk),
        "status": "closed" if event.state == State.CLOSED else "open",
        "status_notes": _status_notes(event),
        "service_name": str(event.get_category_display()),
        "service_code": event.category,
        "description": event.description,
        "agency_responsible": _agency(event),
        "service_notice": _notice(event),
        "requested_datetime": _iso(event.reported_at),
        "updated_datetime": _iso(event.updated_at),
        "expected_datetime": _iso(_deadline(event)),
        "address": event.building.address if event.building_id else event.grid.name,
        "address_id": str(event.building_id) if event.building_id else None,
        "zipcode": None,
        "lat": event.lat,
        "long": event.lng,
        "media_url": media,
    }


def _events(client):
    handled = EventLog.objects.filter(event=OuterRef("pk"), action="handled").order_by("-at", "-id")
    photos = EventPhoto.objects.filter(kind=PhotoKind.REPORT).only("id", "event_id").order_by("uploaded_at", "id")
    return (
        events_for_client(client)
        .select_related("grid__police_grid__station", "building")
        .prefetch_related(Prefetch("photos", queryset=photos, to_attr="report_photos"))
        .annotate(handled_note=Subquery(handled.values("note")[:1]))
        .order_by("-reported_at", "-id")
    )


def _id(value: str) -> int | None:
    """A positive id written in ASCII digits (``"²".isdigit()`` is true, but not an id)."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _commas(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _when(request, name: str) -> dt.datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a "+" sent unencoded arrives as a space
    except ValueError:
        value = None
    if value is None:
        raise BadRequest(
            _("%(name)s must be an ISO 8601 date and time, e.g. 2026-06-01T09:00:00+08:00.") % {"name": name}
        )
    try:
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    except (OverflowError, ValueError):
        raise BadRequest(_("%(name)s is out of range.") % {"name": name}) from None


def _window(request) -> tuple[dt.datetime, dt.datetime]:
    """start_date/end_date: the last 90 days when neither is given; 90 days from (or up to) the one
    given; both may not span more than 90 days."""
    start, end = _when(request, "start_date"), _when(request, "end_date")
    if start and end:
        if end < start:
            raise BadRequest(_("end_date is before start_date."))
        if end - start > WINDOW:
            raise BadRequest(_("start_date and end_date may not span more than 90 days."))
        return start, end
    try:
        if start:
            return start, start + WINDOW
        end = end or timezone.now()
        return end - WINDOW, end
    except OverflowError:  # year 1 or 9999
        raise BadRequest(_("start_date or end_date is out of range.")) from None


# --- endpoints --------------------------------------------------------------------------------


@georeport(("GET",))
def services(request):
    """The event categories as GeoReport services."""
    rows = []
    for category in Category:
        description, keywords, group = SERVICES[category]
        rows.append(
            {
                "service_code": category.value,
                "service_name": str(category.label),
                "description": str(description),
                "metadata": False,
                "type": "realtime",
                "keywords": str(keywords),
                "group": str(group),
            }
        )
    return _json(rows)


@georeport(("GET", "POST"))
def requests(request):
    return _create(request) if request.method == "POST" else _list(request)


def _list(request):
    qs = _events(request.open311_client)
    ids = request.GET.get("service_request_id", "").strip()
    if ids:  # overrides every other filter, as the spec says
        pks = [_id(v) for v in _commas(ids)]
        if None in pks:
            raise BadRequest(_("service_request_id must be one or more ids, separated by commas."))
        return _json([_row(request, e) for e in qs.filter(pk__in=pks[:MAX_REQUESTS])])
    codes = _commas(request.GET.get("service_code", ""))
    unknown = [c for c in codes if c not in Category.values]
    if unknown:
        raise BadRequest(_("Unknown service_code: %(codes)s.") % {"codes": ", ".join(unknown)})
    statuses = _commas(request.GET.get("status", "").lower())
    if any(s not in STATUSES for s in statuses):
        raise BadRequest(_("status must be open or closed."))
    start, end = _window(request)
    qs = qs.filter(reported_at__gte=start, reported_at__lte=end)
    if codes:
        qs = qs.filter(category__in=codes)
    if set(statuses) == {"closed"}:
        qs = qs.filter(state=State.CLOSED)
    elif set(statuses) == {"open"}:
        qs = qs.exclude(state=State.CLOSED)
    return _json([_row(request, e) for e in qs[:MAX_REQUESTS]])


def _coordinate(request, name: str, bound: float) -> float:
    try:
        value = float(request.POST[name])
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and -bound <= value <= bound):
        raise BadRequest(_("%(name)s is not a valid WGS84 coordinate.") % {"name": name})
    return value


def _location(request, client) -> dict:
    """lat & long, or address_id (a building of the client's station); inside the station's grids."""
    has_point = request.POST.get("lat", "").strip() and request.POST.get("long", "").strip()
    if has_point:
        lat, lng = _coordinate(request, "lat", 90), _coordinate(request, "long", 180)
        grid = grid_for_point(lat=lat, lng=lng)
        in_station = CommunityGrid.objects.filter(
            pk=getattr(grid, "pk", None), police_grid__station_id=client.station_id
        ).exists()
        if not in_station:
            raise BadRequest(_("This location lies outside the community grids of the client's police station."))
        return {"lat": lat, "lng": lng}
    address_id = request.POST.get("address_id", "").strip()
    if address_id:
        building = (
            Building.objects.filter(pk=_id(address_id), grid__police_grid__station_id=client.station_id)
            .select_related("grid")
            .first()
            if _id(address_id)
            else None
        )
        if building is None:
            raise BadRequest(_("Unknown address_id: give the id of a building of the client's police station."))
        return {"building": building}
    if request.POST.get("address_string", "").strip():
        raise BadRequest(_("address_string is not supported: give lat and long, or address_id."))
    raise BadRequest(_("Give the location: lat and long, or address_id."))


def _create(request):
    client = request.open311_client
    code = request.POST.get("service_code", "").strip()
    if not code:
        raise BadRequest(_("service_code is required."))
    if code not in Category.values:
        raise BadRequest(_("Unknown service_code: %(codes)s.") % {"codes": code})
    where = _location(request, client)
    # first_name, last_name, email, phone, device_id, account_id and media_url are ignored: never stored.
    try:
        event = dispatch.event_report(
            user=client.user, category=code, description=request.POST.get("description", ""), photos=(),
            source=Source.OPEN311, **where,
        )  # fmt: skip
    except ValidationError as exc:
        raise BadRequest(*exc.messages) from None
    event = _events(client).get(pk=event.pk)
    return _json(
        [{"service_request_id": str(event.pk), "service_notice": _notice(event), "account_id": None}], status=201
    )


@georeport(("GET",))
def request_detail(request, request_id: str):
    """One service request, as a one-element list (404 when unknown or of another station)."""
    pk = _id(request_id)
    event = _events(request.open311_client).filter(pk=pk).first() if pk else None
    if event is None:
        return _errors(404, _("No service request has the id %(id)s.") % {"id": request_id})
    return _json([_row(request, event)])


@login_not_required
@csrf_exempt
def xml_not_supported(request, resource: str):
    """Only the JSON format is offered."""
    with translation.override(LANGUAGE):
        return _errors(404, _("Only the JSON format is supported: use %(resource)s.json.") % {"resource": resource})
