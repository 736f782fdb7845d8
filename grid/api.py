"""DRF API for the grid spine: same scope as the pages (``visible_to``), writes via services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from accounts.permissions import ADDRESS_EDITOR_ROLES, has_role
from grid import services
from grid.models import Building, CommunityGrid, PoliceGrid, Station


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = ["id", "code", "name", "district", "address", "phone", "boundary"]


class PoliceGridSerializer(serializers.ModelSerializer):
    officer_name = serializers.CharField(source="officer.display_name", default="", read_only=True)

    class Meta:
        model = PoliceGrid
        fields = ["id", "code", "name", "station", "officer", "officer_name", "boundary"]


class CommunityGridSerializer(serializers.ModelSerializer):
    grid_worker_name = serializers.CharField(source="grid_worker.display_name", default="", read_only=True)

    class Meta:
        model = CommunityGrid
        fields = ["id", "code", "name", "community", "police_grid", "grid_worker", "grid_worker_name", "boundary"]


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "address", "compound", "floors", "lat", "lng", "grid", "qr_token", "created_at", "updated_at"]
        read_only_fields = ["grid", "qr_token", "created_at", "updated_at"]
        extra_kwargs = {
            "address": {"validators": []},  # uniqueness is checked by the service, with a Chinese message
            "lat": {"min_value": -90, "max_value": 90},
            "lng": {"min_value": -180, "max_value": 180},
        }


class BuildingFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="address contains")

    class Meta:
        model = Building
        fields = ["grid"]

    def search(self, queryset, name, value):
        return queryset.search(value)


class CanEditAddresses(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or has_role(request.user, ADDRESS_EDITOR_ROLES)


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StationSerializer

    def get_queryset(self):
        return Station.objects.visible_to(self.request.user).order_by("code")


class PoliceGridViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PoliceGridSerializer
    filterset_fields = ["station"]

    def get_queryset(self):
        return PoliceGrid.objects.visible_to(self.request.user).select_related("officer").order_by("code")


class CommunityGridViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommunityGridSerializer
    filterset_fields = ["police_grid"]

    def get_queryset(self):
        return CommunityGrid.objects.visible_to(self.request.user).select_related("grid_worker").order_by("code")


class BuildingViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Standard addresses. Creating or moving one places it in its grid by point-in-polygon."""

    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter
    permission_classes = [IsAuthenticated, CanEditAddresses]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Building.objects.visible_to(self.request.user).order_by("id")

    def _call(self, fn, **kwargs):
        try:
            return fn(user=self.request.user, **kwargs)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc

    def perform_create(self, serializer):
        serializer.instance = self._call(services.building_create, **serializer.validated_data)

    def perform_update(self, serializer):
        b = serializer.instance
        data = {f: getattr(b, f) for f in ("address", "compound", "floors", "lat", "lng")}
        data.update(serializer.validated_data)
        serializer.instance = self._call(services.building_update, building=b, **data)
