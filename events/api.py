"""DRF API for grid events (吹哨), scoped like the pages (``Event.objects.visible_to``).

Register (config/api_urls.py):
    grid/events       → EventViewSet,     basename "event"
    grid/event-limits → TierLimitViewSet, basename "tierlimit"

Grid roles list and read the events of their grids and their own reports, file events, and act
on them through ``events.dispatch`` (accept, escalate, handle, rate, reopen); a refusal of the
service (采办分离, a wrong state, a missing reason) is a 400 with field errors. Landlords and
mediators get an empty list and 404s. Photos are given as links to the scoped ``events:photo``
page, never as media URLs.
"""

import math

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from accounts.models import GRID_ROLES
from accounts.permissions import has_role
from events import dispatch, selectors
from events.models import Category, Event, EventPhoto, Source, State, Supporter, Tier, TierLimit
from grid.models import Building
from lib.api_fields import EnumField


class GridRoleToReport(BasePermission):
    """Anyone logged in may read (the queryset scopes it); only grid roles file events."""

    def has_permission(self, request, view):
        if view.action == "create":
            return has_role(request.user, GRID_ROLES)
        return bool(request.user and request.user.is_authenticated)


def _call(fn, **kwargs):
    """Run a dispatch service; its ``ValidationError`` becomes a 400 with the field errors."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from exc


# --- serializers ------------------------------------------------------------------------------


def category_field(**kwargs):
    return EnumField(enum_name="EventCategoryEnum", choices=Category.choices, **kwargs)


class EventPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="the photo, through the scoped events:photo page")
    thumbnail_url = serializers.SerializerMethodField(help_text="its thumbnail (?size=thumb)")

    class Meta:
        model = EventPhoto
        fields = ["id", "kind", "url", "thumbnail_url"]

    def _url(self, obj, suffix="") -> str:
        path = reverse("events:photo", args=[obj.pk]) + suffix
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, obj) -> str:
        return self._url(obj)

    def get_thumbnail_url(self, obj) -> str:
        return self._url(obj, "?size=thumb")


class EventSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="the event number, e.g. SJ2026-000123")
    reporter_name = serializers.CharField(source="reporter.display_name", read_only=True)
    handler_name = serializers.CharField(source="handler.display_name", read_only=True, default=None, allow_null=True)
    photos = EventPhotoSerializer(many=True, read_only=True)
    supporters = serializers.IntegerField(
        source="supporter_count", read_only=True, help_text="how many others added to this event"
    )
    overdue = serializers.SerializerMethodField(help_text="the current tier's time limit has passed")
    category = category_field(read_only=True)
    state = EnumField(enum_name="EventStateEnum", choices=State.choices, read_only=True)
    source = EnumField(enum_name="EventSourceEnum", choices=Source.choices, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id", "reference", "category", "description", "lat", "lng", "building", "grid", "reporter",
            "reporter_name", "source", "tier", "department", "handler", "handler_name", "state", "accept_by",
            "handle_by", "overdue", "reported_at", "accepted_at", "handled_at", "closed_at", "escalations",
            "rating", "reopen_count", "photos", "supporters",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        at = self.context.setdefault("now", timezone.now())
        deadline = {State.REPORTED: obj.accept_by, State.ACCEPTED: obj.handle_by}.get(obj.state)
        return bool(deadline and deadline < at)


class SimilarEventSerializer(EventSerializer):
    distance = serializers.IntegerField(read_only=True, help_text="metres from the given point")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "distance"]
        read_only_fields = fields


class EventCreateSerializer(serializers.Serializer):
    category = category_field()
    description = serializers.CharField(max_length=1000, allow_blank=True)
    lat = serializers.FloatField(required=False, allow_null=True, help_text="WGS84; with lng, or give building")
    lng = serializers.FloatField(required=False, allow_null=True)
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.none(), required=False, allow_null=True, help_text="a building in your grids"
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=dispatch.MAX_PHOTOS, help_text="multipart"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["building"].queryset = Building.objects.visible_to(request.user)


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)
    department = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="required when the station passes it on"
    )


class HandleSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, allow_blank=True, help_text="what was done")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=dispatch.MAX_PHOTOS, help_text="multipart"
    )


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(help_text="1 to 5 stars")
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, help_text="what is still wrong")


def _finite(value: float) -> None:
    if not math.isfinite(value):
        raise ValidationError(serializers.FloatField.default_error_messages["invalid"])


class SimilarQuerySerializer(serializers.Serializer):
    category = category_field()
    lat = serializers.FloatField(min_value=-90, max_value=90, validators=[_finite])
    lng = serializers.FloatField(min_value=-180, max_value=180, validators=[_finite])


class TierLimitSerializer(serializers.Serializer):
    category = category_field()
    tier = serializers.ChoiceField(choices=Tier.choices)
    accept_minutes = serializers.IntegerField(help_text="minutes to accept at this tier")
    handle_minutes = serializers.IntegerField(help_text="minutes to handle once accepted")
    configured = serializers.BooleanField(help_text="set by the station (else the default applies)")


# --- views ------------------------------------------------------------------------------------


class EventFilter(filters.FilterSet):
    overdue = filters.BooleanFilter(method="by_overdue", label="the current tier's time limit has passed")

    class Meta:
        model = Event
        fields = ["state", "category", "tier", "grid", "overdue"]

    def by_overdue(self, queryset, name, value):
        late = selectors.overdue_q()
        return queryset.filter(late) if value else queryset.exclude(late)


def _supporter_count():
    rows = Supporter.objects.filter(event=OuterRef("pk")).order_by().values("event").annotate(n=Count("id"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


@extend_schema_view(
    list=extend_schema(summary="Events of the caller's grids and the caller's own reports"),
    retrieve=extend_schema(summary="One event"),
)
class EventViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Grid events, newest first."""

    serializer_class = EventSerializer
    permission_classes = [GridRoleToReport]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = EventFilter

    def get_queryset(self):
        user = self.request.user
        if not has_role(user, GRID_ROLES):
            return Event.objects.none()
        return (
            selectors.events_for_user(user)
            .select_related("reporter", "handler")
            .prefetch_related(Prefetch("photos", queryset=EventPhoto.objects.only("id", "kind", "event_id")))
            .annotate(supporter_count=_supporter_count())
            .order_by("-reported_at", "-id")
        )

    def _fresh(self, event, serializer_class=EventSerializer, code=status.HTTP_200_OK):
        row = self.get_queryset().get(pk=event.pk)
        return Response(serializer_class(row, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=EventCreateSerializer, responses={201: EventSerializer}, summary="Report an event")
    def create(self, request, *args, **kwargs):
        body = EventCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        event = _call(
            dispatch.event_report,
            user=request.user,
            category=data["category"],
            description=data["description"],
            lat=data.get("lat"),
            lng=data.get("lng"),
            building=data.get("building"),
            photos=data.get("photos") or (),
        )
        return self._fresh(event, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=EventSerializer, summary="Accept the event at its current tier")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._fresh(_call(dispatch.event_accept, event=self.get_object(), user=request.user))

    @extend_schema(request=EscalateSerializer, responses=EventSerializer, summary="Pass the event up a tier")
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        body = EscalateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = _call(dispatch.event_escalate, event=self.get_object(), user=request.user, **body.validated_data)
        return self._fresh(event)

    @extend_schema(request=HandleSerializer, responses=EventSerializer, summary="Report back on the event")
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        body = HandleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = _call(
            dispatch.event_handle,
            event=self.get_object(),
            user=request.user,
            note=body.validated_data["note"],
            photos=body.validated_data.get("photos") or (),
        )
        return self._fresh(event)

    @extend_schema(request=RateSerializer, responses=EventSerializer, summary="Rate the result (the reporter)")
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        body = RateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = _call(dispatch.event_rate, event=self.get_object(), user=request.user, **body.validated_data)
        return self._fresh(event)

    @extend_schema(request=ReopenSerializer, responses=EventSerializer, summary="Reopen once (the reporter)")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        body = ReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = _call(dispatch.event_reopen, event=self.get_object(), user=request.user, **body.validated_data)
        return self._fresh(event)

    @extend_schema(
        parameters=[SimilarQuerySerializer],
        responses={200: SimilarEventSerializer(many=True), 400: OpenApiResponse(description="field errors")},
        summary="Open events of the category within 100 m and 48 h, nearest first (before filing)",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def similar(self, request):
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        near = {e.pk: e.distance for e in dispatch.similar_open(**query.validated_data)}
        rows = sorted(self.get_queryset().filter(pk__in=near), key=lambda e: (near[e.pk], e.pk))
        for row in rows:
            row.distance = near[row.pk]
        return Response(SimilarEventSerializer(rows, many=True, context=self.get_serializer_context()).data)


class TierLimitViewSet(viewsets.GenericViewSet):
    """The time limits in force for every category and tier: the station's settings merged with
    the defaults. Grid roles only (others: an empty list)."""

    serializer_class = TierLimitSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = []
    pagination_class = None

    @extend_schema(summary="Time limits per category and tier")
    def list(self, request):
        rows = []
        if has_role(request.user, GRID_ROLES):
            set_ = {(r.category, r.tier): r for r in TierLimit.objects.all()}
            for category in Category.values:
                for tier in Tier.values:
                    row = set_.get((category, tier))
                    accept, handle = (
                        (row.accept_minutes, row.handle_minutes) if row else dispatch.DEFAULT_LIMITS[(category, tier)]
                    )
                    rows.append(
                        {
                            "category": category, "tier": tier, "accept_minutes": accept,
                            "handle_minutes": handle, "configured": row is not None,
                        }
                    )  # fmt: skip
        return Response(self.get_serializer(rows, many=True).data)


__all__ = ["EventViewSet", "TierLimitViewSet"]
