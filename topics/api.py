"""DRF API for community topics (民生茶馆), read-only and scoped like the pages.

    grid/topics   → TopicViewSet,   basename "topic"    (filters: state, category, grid, overdue=1)
    grid/meetings → MeetingViewSet, basename "meeting"

Anyone logged in may call them; the querysets are ``visible_to(request.user)``, so landlords and
mediators get an empty list and 404s. Writes go through the pages (``topics.services``).
"""

from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from lib.api_fields import EnumField, query_id
from topics import selectors
from topics.models import Category, Meeting, ResponsibleParty, State, Topic, TopicEvent


class TopicEventSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True, default=None, allow_null=True)
    from_state = EnumField(enum_name="TopicFromStateEnum", choices=[("", ""), *State.choices], read_only=True)
    to_state = EnumField(enum_name="TopicStateEnum", choices=State.choices, read_only=True)

    class Meta:
        model = TopicEvent
        fields = ["at", "user_name", "action", "from_state", "to_state", "note"]


class TopicSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="the topic number, e.g. MS2026-000123")
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    category = EnumField(enum_name="TopicCategoryEnum", choices=Category.choices, read_only=True)
    state = EnumField(enum_name="TopicStateEnum", choices=State.choices, read_only=True)
    responsible_party = EnumField(
        enum_name="TopicResponsiblePartyEnum", choices=[("", ""), *ResponsibleParty.choices], read_only=True
    )
    responsible_user_name = serializers.CharField(
        source="responsible_user.display_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Topic
        fields = [
            "id", "reference", "meeting", "grid", "grid_name", "raised_by", "title", "description", "category",
            "plan", "responsible_party", "responsible_name", "responsible_user_name", "due_on", "state", "result",
            "reason", "raised_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class TopicDetailSerializer(TopicSerializer):
    events = TopicEventSerializer(many=True, read_only=True)

    class Meta(TopicSerializer.Meta):
        fields = [*TopicSerializer.Meta.fields, "events"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    host_name = serializers.CharField(source="host.display_name", read_only=True)
    attendee_list = serializers.ListField(child=serializers.CharField(), read_only=True)
    topic_count = serializers.IntegerField(source="n_topics", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id", "grid", "grid_name", "held_at", "place", "host_name", "attendee_list", "attendee_count", "notes",
            "topic_count",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=State.values),
            OpenApiParameter("category", OpenApiTypes.STR, enum=Category.values),
            OpenApiParameter("grid", OpenApiTypes.INT),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="past the due date and not closed"),
        ]
    )
)
class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    """Community topics of the user's grids, newest first; the detail carries the timeline."""

    permission_classes = [IsAuthenticated]

    def get_serializer_class(self):
        return TopicDetailSerializer if self.action == "retrieve" else TopicSerializer

    def get_queryset(self):
        qs = selectors.topics_for_user(self.request.user).select_related("grid", "responsible_user")
        if self.action == "retrieve":
            return qs.prefetch_related("events__user")
        params = self.request.query_params
        if params.get("state") in State.values:
            qs = qs.filter(state=params["state"])
        if params.get("category") in Category.values:
            qs = qs.filter(category=params["category"])
        if (grid := query_id(params.get("grid"))) is not None:
            qs = qs.filter(grid_id=grid)
        if params.get("overdue") in ("1", "true"):
            qs = qs.filter(selectors.overdue_q())
        return qs.order_by("-raised_at", "-id")


class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    """Community meetings of the user's grids, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeetingSerializer

    def get_queryset(self):
        return (
            selectors.meetings_for_user(self.request.user)
            .select_related("grid", "host")
            .annotate(n_topics=Count("topics"))
            .order_by("-held_at", "-id")
        )


def register(router) -> None:
    """Add this app's viewsets to the API router (config/api_urls.py calls it)."""
    router.register("grid/topics", TopicViewSet, basename="topic")
    router.register("grid/meetings", MeetingViewSet, basename="meeting")
