"""DRF API for community work, read-only and scoped like the pages.

    grid/checkins → CheckViewSet,  basename "check"   (an officer's own; a chief's station)
    grid/visits   → VisitViewSet,  basename "visit"   (grid scope; ``mine=1``: those that count for me)
    grid/patrols  → PatrolViewSet, basename "patrol"  (with the track's points)

Writes go through the phone pages (``field.services``, ``residents.services.visit_record``).
"""

from django.db.models import Prefetch, Q
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from accounts.permissions import has_role
from field.models import Check, Kind, Patrol, TrackPoint
from lib.api_fields import EnumField
from residents.models import Visit, VisitSource
from residents.scan import VISIT_ROLES


class CheckSerializer(serializers.ModelSerializer):
    kind = EnumField(enum_name="CheckKindEnum", choices=Kind.choices, read_only=True)
    user_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Check
        fields = ["id", "user", "user_name", "kind", "at", "lat", "lng", "accuracy", "grid", "station", "inside"]


class VisitSerializer(serializers.ModelSerializer):
    source = EnumField(enum_name="VisitSourceEnum", choices=VisitSource.choices, read_only=True)
    participants = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "user", "participants", "at", "source", "building", "house", "purpose", "grid"]


class TrackPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackPoint
        fields = ["at", "lat", "lng", "accuracy"]


class PatrolSerializer(serializers.ModelSerializer):
    points = TrackPointSerializer(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = ["id", "user", "station", "started_at", "ended_at", "points"]


class CheckViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CheckSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["user", "kind", "inside", "grid"]

    def get_queryset(self):
        return Check.objects.visible_to(self.request.user).select_related("user").order_by("-at", "-id")


class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    """Visits in the user's grids (notes are left out: they may hold what residents said)."""

    serializer_class = VisitSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["user", "building", "house", "grid", "source"]

    def get_queryset(self):
        user = self.request.user
        if not has_role(user, VISIT_ROLES):
            return Visit.objects.none()
        qs = Visit.objects.visible_to(user)
        if self.request.query_params.get("mine") in ("1", "true"):
            qs = qs.filter(Q(user=user) | Q(participants=user)).distinct()
        return qs.prefetch_related("participants").order_by("-at", "-id")


class PatrolViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PatrolSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["user"]

    def get_queryset(self):
        points = Prefetch("points", queryset=TrackPoint.objects.order_by("at", "id"))
        return Patrol.objects.visible_to(self.request.user).prefetch_related(points).order_by("-started_at", "-id")


def register(router) -> None:
    router.register("grid/checkins", CheckViewSet, basename="check")
    router.register("grid/visits", VisitViewSet, basename="visit")
    router.register("grid/patrols", PatrolViewSet, basename="patrol")
