"""DRF API for noise sensors.

    grid/noise/readings → ReadingIngestViewSet, basename "noisereading"  (POST, sensor key)
    grid/noise/sensors  → SensorViewSet,        basename "noisesensor"   (read-only, scoped)
    grid/noise/alerts   → AlertViewSet,         basename "noisealert"    (read-only, scoped)

Readings are posted by the sensors themselves: no login, the per-sensor key in the
``X-Sensor-Key`` header (a missing, unknown or deactivated key is a 403). Sensors and alerts are
read like the pages: staff by grid scope, a property contact for their own sensors; everyone
else gets an empty list and 404s.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from lib.api_fields import EnumField
from noise import laeq, selectors, services
from noise.models import Alert, AlertState, Kind, Period, Sensor, ZoneClass

KEY_HEADER = "X-Sensor-Key"


# --- serializers ------------------------------------------------------------------------------


class SensorSerializer(serializers.ModelSerializer):
    zone_class = EnumField(enum_name="NoiseZoneClassEnum", choices=ZoneClass.choices, read_only=True)
    day_limit = serializers.SerializerMethodField(help_text="LAeq limit 06:00–22:00, dB(A)")
    night_limit = serializers.SerializerMethodField(help_text="LAeq limit 22:00–06:00, dB(A)")

    class Meta:
        model = Sensor
        fields = [
            "id", "name", "lat", "lng", "grid", "building", "zone_class", "day_limit", "night_limit", "contact",
            "active", "created_at", "last_reading_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_day_limit(self, obj) -> int:
        return laeq.limits(obj.zone_class)[0]

    def get_night_limit(self, obj) -> int:
        return laeq.limits(obj.zone_class)[1]


class AlertSerializer(serializers.ModelSerializer):
    sensor_name = serializers.CharField(source="sensor.name", read_only=True)
    kind = EnumField(enum_name="NoiseAlertKindEnum", choices=Kind.choices, read_only=True)
    period = EnumField(enum_name="NoisePeriodEnum", choices=Period.choices, read_only=True)
    state = EnumField(enum_name="NoiseAlertStateEnum", choices=AlertState.choices, read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id", "sensor", "sensor_name", "grid", "kind", "period", "window_start", "window_end", "measured",
            "limit", "exceedance", "state", "acknowledged_by", "acknowledged_at", "note", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReadingSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="start of the interval, ISO 8601 with offset")
    laeq = serializers.FloatField(min_value=services.MIN_LEVEL, max_value=services.MAX_LEVEL, help_text="dB(A)")


class ReadingBatchSerializer(serializers.Serializer):
    readings = ReadingSerializer(many=True, help_text=f"at most {services.MAX_BATCH}; a bare list is accepted too")


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField(help_text="new readings stored")
    duplicates = serializers.IntegerField(help_text="readings already stored (or repeated in the batch): ignored")
    alerts = serializers.IntegerField(help_text="new alerts raised")


# --- views ------------------------------------------------------------------------------------


class ReadingIngestViewSet(viewsets.ViewSet):
    """Sensors post their readings here with their own key."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Post a batch of readings (sensor key in X-Sensor-Key)",
        auth=[],
        parameters=[OpenApiParameter(KEY_HEADER, str, OpenApiParameter.HEADER, required=True)],
        request=ReadingBatchSerializer,
        responses={
            201: IngestResultSerializer,
            400: OpenApiResponse(description="field errors, e.g. readings[3].laeq"),
            403: OpenApiResponse(description="missing, unknown or deactivated sensor key"),
        },
        examples=[
            OpenApiExample(
                "batch",
                request_only=True,
                value={"readings": [{"at": "2026-11-22T23:01:00+08:00", "laeq": 48.2}]},
            )
        ],
    )
    def create(self, request):
        sensor = services.sensor_for_key(request.headers.get(KEY_HEADER))
        if sensor is None:
            return Response({"detail": _("Invalid sensor key.")}, status=status.HTTP_403_FORBIDDEN)
        body = request.data
        batch = body.get("readings") if isinstance(body, dict) else body
        try:
            result = services.readings_ingest(sensor=sensor, batch=batch)
        except DjangoValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(IngestResultSerializer(result).data, status=status.HTTP_201_CREATED)


class AlertFilter(filters.FilterSet):
    class Meta:
        model = Alert
        fields = ["state", "kind", "sensor", "grid"]


@extend_schema_view(
    list=extend_schema(summary="Noise sensors of the caller's grids (or of which the caller is the contact)"),
    retrieve=extend_schema(summary="One noise sensor"),
)
class SensorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SensorSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["grid", "zone_class", "active"]

    def get_queryset(self):
        return selectors.sensors_for_user(self.request.user).order_by("id")


@extend_schema_view(
    list=extend_schema(summary="Noise alerts, open ones first"),
    retrieve=extend_schema(summary="One noise alert"),
)
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = AlertFilter

    def get_queryset(self):
        return selectors.alert_list(self.request.user)


def register(router) -> None:
    """Add this app's viewsets to the API router (config/api_urls.py calls it)."""
    router.register("grid/noise/readings", ReadingIngestViewSet, basename="noisereading")
    router.register("grid/noise/sensors", SensorViewSet, basename="noisesensor")
    router.register("grid/noise/alerts", AlertViewSet, basename="noisealert")
