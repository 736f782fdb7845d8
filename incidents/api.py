"""DRF API for incidents (警情), scoped like the pages (``Incident.objects.visible_to``).

    grid/incidents       → IncidentViewSet (list, retrieve), basename "incident"
    grid/incidents/heat/ → the heat cells (``incident-heat``): ``{"cells": [[lat, lng, weight], …], …}``

Filters: ``category``, ``grid``, ``start``, ``end`` (ISO dates). Police staff only (officers,
auxiliaries, chiefs, admins); other users get an empty list and 404s.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.models import STAFF_ROLES
from accounts.permissions import has_role
from incidents import selectors
from incidents.models import Incident

FILTERS = [
    OpenApiParameter("category", str, description="criminal, public_order, assistance, dispute, traffic or fire"),
    OpenApiParameter("grid", int, description="a visible community grid's id"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="first day (inclusive)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="last day (inclusive)"),
]


class IncidentSerializer(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id", "number", "occurred_at", "category", "subcategory", "address", "lat", "lng", "grid", "grid_name",
            "summary", "imported_at",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    """Incidents of the user's grids, newest first."""

    serializer_class = IncidentSerializer
    permission_classes = [IsAuthenticated]

    def _filters(self, *, default_days=None):
        return selectors.filters_from(self.request.user, self.request.query_params, default_days=default_days)

    def get_queryset(self):
        user = self.request.user
        if not has_role(user, STAFF_ROLES):
            return Incident.objects.none()
        if self.action == "list":
            return selectors.incidents_for(user, self._filters())
        return selectors.incidents_for(user)

    @extend_schema(
        parameters=FILTERS,
        responses=inline_serializer(
            "IncidentHeat",
            {
                "cells": serializers.ListField(child=serializers.ListField(child=serializers.FloatField())),
                "cell_deg": serializers.FloatField(),
                "max": serializers.IntegerField(),
                "total": serializers.IntegerField(),
            },
        ),
    )
    @action(detail=False, url_path="heat")
    def heat(self, request):
        """Heat cells ``[lat, lng, weight]`` (cell centres, 0.002° cells; default: the last 365 days)."""
        if not has_role(request.user, STAFF_ROLES):
            return Response({"cells": [], "cell_deg": 0.002, "max": 0, "total": 0})
        return Response(selectors.heat_cells(request.user, self._filters(default_days=selectors.HEAT_DEFAULT_DAYS)))


def register(router) -> None:
    """Add this app's viewsets to the API router (config/api_urls.py calls it)."""
    router.register("grid/incidents", IncidentViewSet, basename="incident")
