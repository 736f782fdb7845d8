"""The KPI figures over the API, read through ``kpi.figures`` like the pages.

    kpi/station/ → ``kpi-station``: the station (an admin: everything), its police grids and officers
    kpi/me/      → ``kpi-me``: what the calling officer or auxiliary is credited with

``?month=YYYY-MM`` or ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (default: this month); a bad period is a
400. A chief reads their station, an officer themself; anyone else gets 404.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from kpi import figures

PERIOD = [
    OpenApiParameter("month", str, description="YYYY-MM (default: this month)"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="first day, with `to` (at most two years)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="last day"),
]


def _range(request):
    try:
        return figures.parse_range(request.query_params), None
    except Http404:
        error = _("Give the period as month=YYYY-MM or from=YYYY-MM-DD&to=YYYY-MM-DD (at most two years).")
        return None, Response({"detail": error}, status=status.HTTP_400_BAD_REQUEST)


def _period(rng) -> dict:
    return {"from": rng.first.isoformat(), "to": rng.last.isoformat()}


class KpiViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=PERIOD, responses=OpenApiTypes.OBJECT, summary="The station's figures")
    @action(detail=False, methods=["get"])
    def station(self, request):
        if not figures.can_see_station(request.user):
            raise Http404
        rng, error = _range(request)
        if error:
            return error
        user = request.user
        return Response(
            {
                "period": _period(rng),
                "station": figures.station(user, rng).as_dict(),
                "police_grids": [
                    {"id": pg.pk, "name": pg.name, "officer": pg.officer.display_name if pg.officer else None,
                     "figures": f.as_dict()}
                    for pg, f in figures.by_police_grid(user, rng)
                ],
                "officers": [
                    {"id": p.pk, "name": p.display_name, "role": p.role, "figures": f.as_dict()}
                    for p, f in figures.by_officer(user, rng)
                ],
                "incidents_yoy": [{k: str(v) if k == "label" else v for k, v in r.items()}
                                  for r in figures.incidents_yoy(user, rng)],
            }
        )  # fmt: skip

    @extend_schema(parameters=PERIOD, responses=OpenApiTypes.OBJECT, summary="The calling officer's own figures")
    @action(detail=False, methods=["get"])
    def me(self, request):
        if not figures.can_see_own(request.user):
            raise Http404
        rng, error = _range(request)
        if error:
            return error
        return Response(
            {
                "period": _period(rng),
                "person": {"id": request.user.pk, "name": request.user.display_name, "role": request.user.role},
                "figures": figures.own(request.user, rng).as_dict(),
            }
        )


def register(router) -> None:
    router.register("kpi", KpiViewSet, basename="kpi")
