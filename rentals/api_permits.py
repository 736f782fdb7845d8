"""API for residence permits: scoped and masked exactly like the pages.

Read: list and detail of the permits in the caller's grids, for officers, auxiliaries, chiefs
and administrators (others get an empty list and 404s, as the pages give them 404s). Only the
masked ID and phone ever leave here. Write: ``approve`` and ``return`` through the services.
Registered by the lead in config/api_urls.py as ``rentals/permits`` (basename ``permit``).
"""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from rentals import permits
from rentals.models import PermitStatus, ResidencePermit


class PermitSerializer(serializers.ModelSerializer):
    """A permit application with masked identifiers; never the full ID or phone."""

    address = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    basis_label = serializers.CharField(source="get_basis_display", read_only=True)
    has_photo = serializers.SerializerMethodField()
    expiring_soon = serializers.SerializerMethodField()

    class Meta:
        model = ResidencePermit
        fields = [
            "id", "name", "id_type", "id_number_masked", "phone_masked", "house", "address", "grid",
            "basis", "basis_label", "basis_detail", "status", "status_label", "submitted_at", "return_reason",
            "reviewed_at", "number", "valid_from", "valid_until", "expiring_soon", "has_photo", "person",
        ]  # fmt: skip
        read_only_fields = fields

    def get_address(self, obj) -> str:
        return f"{obj.house.building.address} {obj.house.unit}"

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)

    def get_expiring_soon(self, obj) -> bool:
        """Issued and expiring within 30 days: renewal (签注) is due."""
        if obj.status != PermitStatus.APPROVED or not obj.valid_until:
            return False
        today = permits.today()
        return today <= obj.valid_until <= today + dt.timedelta(days=permits.REMINDER_DAYS)


class PermitReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="What the applicant must correct.")


class PermitFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PermitStatus.choices)
    expiring = filters.BooleanFilter(method="filter_expiring", label="expiring within 30 days")
    q = filters.CharFilter(method="search", label="name, number, address or full ID number")

    class Meta:
        model = ResidencePermit
        fields = ["status", "grid"]

    def filter_expiring(self, queryset, name, value):
        return permits.expiring_permits(queryset) if value else queryset

    def search(self, queryset, name, value):
        return permits.search_permits(queryset, value)


@extend_schema_view(
    list=extend_schema(summary="Residence permits in the caller's grids (masked)"),
    retrieve=extend_schema(summary="One residence permit (masked)"),
)
class PermitViewSet(viewsets.ReadOnlyModelViewSet):
    """居住证 applications and permits. Scoped to the caller's grids; identifiers masked."""

    serializer_class = PermitSerializer
    filterset_class = PermitFilter

    def get_queryset(self):
        return permits.permits_for_user(self.request.user).order_by("-submitted_at", "-id")

    def _call(self, fn, **kwargs):
        try:
            return fn(permit=self.get_object(), user=self.request.user, **kwargs)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from exc

    @extend_schema(request=None, responses=PermitSerializer, summary="Approve and issue the permit")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        permit = self._call(permits.permit_approve)
        return Response(self.get_serializer(self._fresh(permit)).data)

    @extend_schema(request=PermitReturnSerializer, responses=PermitSerializer, summary="Return for correction")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        data = PermitReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        permit = self._call(permits.permit_return, reason=data.validated_data["reason"])
        return Response(self.get_serializer(self._fresh(permit)).data)

    def _fresh(self, permit):
        return self.get_queryset().get(pk=permit.pk)
