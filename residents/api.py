"""DRF API for the registries: scoped like the pages, personal data masked, writes via services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission

from accounts.permissions import ADDRESS_EDITOR_ROLES, ATTENTION_FIELDS, has_role, sees_attention
from residents import selectors, services
from residents.models import AttentionTag, House, IdType, Person, Venue


class RegistryRole(BasePermission):
    def has_permission(self, request, view):
        return has_role(request.user, ADDRESS_EDITOR_ROLES)


class PersonSerializer(serializers.ModelSerializer):
    """Read: masked identifiers only. Write: the full ID and phone go in, never come out."""

    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=30)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    attention_tags = serializers.ListField(child=serializers.ChoiceField(choices=AttentionTag.choices), required=False)
    house = serializers.PrimaryKeyRelatedField(
        queryset=House.objects.all(), write_only=True, required=False, help_text="where the new person lives"
    )
    relation = serializers.CharField(write_only=True, required=False)
    start = serializers.DateField(write_only=True, required=False)

    class Meta:
        model = Person
        fields = [
            "id", "name", "id_type", "id_number", "id_number_masked", "phone", "phone_masked", "sex", "birth_date",
            "ethnicity", "household_status", "registration_place", "attention_tags", "attention_colour", "grid",
            "house", "relation", "start", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id_number_masked", "phone_masked", "grid", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and not sees_attention(request.user):  # neither shown nor taken
            for name in ATTENTION_FIELDS:
                self.fields.pop(name, None)


class HouseSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True)
    address = serializers.CharField(source="building.address", read_only=True)

    class Meta:
        model = House
        fields = ["id", "building", "address", "unit", "floor", "area", "use", "colour", "owner", "grid", "qr_token"]
        read_only_fields = ["grid", "qr_token", "owner"]


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["id", "name", "kind", "licence_number", "responsible_name", "building", "house", "grid"]
        read_only_fields = ["grid"]


class PersonFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="name, exact resident ID, phone or address")

    class Meta:
        model = Person
        fields = ["grid", "household_status", "attention_colour"]

    def search(self, queryset, name, value):
        return queryset & selectors.persons_for_user(self.request.user, q=value)

    def filter_queryset(self, queryset):
        if not sees_attention(self.request.user):  # filtering by level would reveal it
            self.form.cleaned_data.pop("attention_colour", None)
        return super().filter_queryset(queryset)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


class PersonViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer
    permission_classes = [RegistryRole]
    filterset_class = PersonFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Person.objects.visible_to(self.request.user).order_by("grid_id", "name", "id")  # an index

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        house = data.pop("house", None)
        if house is None or not House.objects.visible_to(self.request.user).filter(pk=house.pk).exists():
            raise ValidationError({"house": ["A new person is registered at a house in your area."]})
        relation, start = data.pop("relation", "other"), data.pop("start", services.today())
        serializer.instance = _call(
            services.person_register_at, user=self.request.user, house=house, relation=relation, start=start, **data
        )

    def perform_update(self, serializer):
        p = serializer.instance
        data = {
            "name": p.name, "id_type": p.id_type, "id_number": p.id_number, "phone": p.phone, "sex": p.sex,
            "birth_date": p.birth_date, "ethnicity": p.ethnicity, "household_status": p.household_status,
            "registration_place": p.registration_place, "attention_tags": p.attention_tags,
            "attention_colour": p.attention_colour,
        }  # fmt: skip
        incoming = {k: v for k, v in serializer.validated_data.items() if k not in ("house", "relation", "start")}
        data.update(incoming)
        serializer.instance = _call(services.person_save, user=self.request.user, person=p, **data)


class HouseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HouseSerializer
    permission_classes = [RegistryRole]
    filterset_fields = ["building", "use", "grid"]

    def get_queryset(self):
        return House.objects.visible_to(self.request.user).select_related("building").order_by("grid_id", "id")


class VenueViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VenueSerializer
    permission_classes = [RegistryRole]
    filterset_fields = ["kind", "building", "grid"]

    def get_queryset(self):
        return Venue.objects.visible_to(self.request.user).order_by("id")


__all__ = ["PersonViewSet", "HouseViewSet", "VenueViewSet", "IdType"]
