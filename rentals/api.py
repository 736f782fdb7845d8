"""DRF API for declarations: landlords create and list their own; officers review in scope."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.models import Role
from accounts.permissions import has_role
from rentals import selectors, services
from rentals.models import DeclarationKind, DeclaredTenant, RentalDeclaration
from residents.models import House

REVIEW_ROLES = {Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN}


class TenantSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, max_length=30)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)

    class Meta:
        model = DeclaredTenant
        fields = [
            "id",
            "name",
            "id_number",
            "id_number_masked",
            "phone",
            "phone_masked",
            "move_in",
            "move_out",
            "person",
        ]
        read_only_fields = ["id_number_masked", "phone_masked", "person"]


class DeclarationSerializer(serializers.ModelSerializer):
    tenants = TenantSerializer(many=True)
    house_token = serializers.CharField(write_only=True, help_text="the house's door-plate QR token")
    address = serializers.SerializerMethodField()

    class Meta:
        model = RentalDeclaration
        fields = [
            "id", "house", "house_token", "address", "kind", "rental_type", "status", "submitted_at", "event_date",
            "deadline", "is_late", "return_reason", "tenants",
        ]  # fmt: skip
        read_only_fields = [
            "house", "status", "submitted_at", "event_date", "deadline", "is_late", "return_reason",
        ]  # fmt: skip

    def get_address(self, obj) -> str:
        return f"{obj.house.building.address} {obj.house.unit}"


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DeclarationPermission(BasePermission):
    """Landlords create and read their own; reviewers read and act in scope."""

    def has_permission(self, request, view):
        if view.action == "create":
            return has_role(request.user, {Role.LANDLORD}, superuser=False)
        if view.action in ("approve", "return_"):
            return has_role(request.user, REVIEW_ROLES)
        return has_role(request.user, REVIEW_ROLES | {Role.LANDLORD, Role.GRID_WORKER})


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from exc


class DeclarationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DeclarationSerializer
    permission_classes = [DeclarationPermission]
    filterset_fields = ["status", "kind", "is_late"]

    def get_queryset(self):
        return (
            selectors.declarations_for_user(self.request.user)
            .prefetch_related("tenants")
            .select_related("house__building")
            .order_by("-submitted_at")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        house = (
            House.objects.filter(qr_token=data.pop("house_token")).select_related("grid__police_grid__station").first()
        )
        if house is None:
            raise ValidationError({"house_token": ["No house has this QR token."]})
        serializer.instance = _call(
            services.declaration_submit,
            landlord=self.request.user,
            house=house,
            kind=data.get("kind", DeclarationKind.MOVE_IN),
            rental_type=data["rental_type"],
            tenants=[dict(t) for t in data["tenants"]],
        )

    def _get(self, pk):
        try:
            return selectors.get_declaration_for_user(self.request.user, pk)
        except Exception as exc:  # Http404 → DRF 404
            raise NotFound from exc

    @extend_schema(request=None, responses=DeclarationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        declaration = _call(services.declaration_approve, declaration=self._get(pk), user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=declaration.pk)).data)

    @extend_schema(request=ReturnSerializer, responses=DeclarationSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        declaration = _call(
            services.declaration_return,
            declaration=self._get(pk),
            user=request.user,
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=declaration.pk)).data, status=status.HTTP_200_OK)
