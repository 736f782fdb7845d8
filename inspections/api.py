"""DRF API for inspections: read-only, scoped like the pages, police roles only.

Register (config/api_urls.py):
    inspections/templates   → ChecklistTemplateViewSet, basename "checklisttemplate"
    inspections/inspections → InspectionViewSet,        basename "inspection"
    inspections/hazards     → HazardViewSet,            basename "hazard"
    inspections/notices     → NoticeViewSet,            basename "notice"
Notices never expose their public token, signing code or files (downloads are audited pages).
"""

from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission

from accounts.permissions import has_role
from inspections import loop
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Grade,
    Hazard,
    Inspection,
    RectificationNotice,
)
from residents.models import VenueKind


class PoliceRole(BasePermission):
    def has_permission(self, request, view):
        return has_role(request.user, loop.POLICE_ROLES)


class ChecklistItemSerializer(serializers.ModelSerializer):
    # Named like the hazard's grade (and the template's kind like the venue's): one enum each in the schema.
    grade = serializers.ChoiceField(source="default_grade", choices=Grade.choices, read_only=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "order", "text", "legal_basis", "grade"]


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    # A plain string: a second component with the venue-type choices makes an ambiguous enum name.
    kind = serializers.CharField(source="venue_kind", read_only=True, help_text="the venue type, as on venues")
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "kind", "version", "name", "is_current", "created_at", "items"]


class InspectionSerializer(serializers.ModelSerializer):
    venue_name = serializers.CharField(source="venue.name", read_only=True, default=None, allow_null=True)
    address = serializers.SerializerMethodField()
    officer_name = serializers.CharField(source="officer.display_name", read_only=True)
    notice = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id", "venue", "venue_name", "house", "address", "template", "officer", "officer_name", "status",
            "started_at", "submitted_at", "reinspection_of", "notice", "grid",
        ]  # fmt: skip

    def get_address(self, obj) -> str:
        if obj.venue_id:
            return obj.venue.building.address
        return f"{obj.house.building.address} {obj.house.unit}"

    def get_notice(self, obj) -> int | None:
        notice = getattr(obj, "notice", None)
        return notice.pk if notice else None


class HazardSerializer(serializers.ModelSerializer):
    notice_number = serializers.CharField(source="notice.number", read_only=True, default=None, allow_null=True)
    state = serializers.SerializerMethodField(help_text="open, due, overdue, closed or escalated (from the deadline)")

    class Meta:
        model = Hazard
        fields = [
            "id", "inspection", "notice", "notice_number", "venue", "house", "text", "legal_basis", "note", "grade",
            "deadline", "round", "status", "state", "previous", "closed_at", "grid",
        ]  # fmt: skip

    def get_state(self, obj) -> str:
        return loop.hazard_state(obj, on=self.context.setdefault("today", loop.today()))


class NoticeSerializer(serializers.ModelSerializer):
    hazards = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = RectificationNotice
        fields = [
            "id", "number", "inspection", "station", "year", "seq", "round", "status", "signer_name", "signed_at",
            "sha256", "created_at", "grid", "hazards",
        ]  # fmt: skip


class HazardFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=list(loop.STATES.items()), method="by_state", label="state")

    class Meta:
        model = Hazard
        fields = ["status", "grade", "grid", "round", "venue", "house"]

    def by_state(self, queryset, name, value):
        return queryset.filter(loop.state_filter(value, on=loop.today()))


class TemplateFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(field_name="venue_kind", choices=VenueKind.choices)

    class Meta:
        model = ChecklistTemplate
        fields = ["kind", "is_current"]


class ChecklistTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    """Standard checklists, every version (station-independent: not scoped)."""

    serializer_class = ChecklistTemplateSerializer
    permission_classes = [PoliceRole]
    filterset_class = TemplateFilter
    queryset = ChecklistTemplate.objects.prefetch_related("items").order_by("venue_kind", "-version")


class InspectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InspectionSerializer
    permission_classes = [PoliceRole]
    filterset_fields = ["status", "venue", "house", "grid", "officer"]

    def get_queryset(self):
        return (
            Inspection.objects.visible_to(self.request.user)
            .select_related("venue__building", "house__building", "officer", "notice")
            .order_by("-started_at", "-id")
        )


class HazardViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HazardSerializer
    permission_classes = [PoliceRole]
    filterset_class = HazardFilter

    def get_queryset(self):
        return Hazard.objects.visible_to(self.request.user).select_related("notice").order_by("deadline", "id")


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeSerializer
    permission_classes = [PoliceRole]
    filterset_fields = ["status", "grid", "round", "year"]

    def get_queryset(self):
        return (
            RectificationNotice.objects.visible_to(self.request.user)
            .prefetch_related("hazards")
            .order_by("-created_at", "-id")
        )


__all__ = ["ChecklistTemplateViewSet", "InspectionViewSet", "HazardViewSet", "NoticeViewSet"]
