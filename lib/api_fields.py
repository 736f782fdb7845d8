"""Small pieces the apps' APIs share.

``EnumField``: a DRF choice field that is one named enum in the OpenAPI schema. Several apps
have ``category``, ``state``, ``kind`` or ``source`` fields with different choices;
drf-spectacular would give them ambiguous enum names. ``EnumField(enum_name="EventStateEnum", …)``
names the component explicitly.

``query_id``: a query parameter read as a row id, or None.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from rest_framework import serializers


class EnumField(serializers.ChoiceField):
    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField

    def get_name(self):
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction):
        schema = build_choice_field(self.target)
        schema.pop("x-spec-enum-id", None)
        return schema


BIGINT_MAX = 2**63 - 1


def query_id(value: str | None) -> int | None:
    """``value`` as a row id when it is one: ASCII digits within a bigint.

    ``"²".isdigit()`` is true but ``int("²")`` fails, and a number past bigint overflows
    SQLite's integers: either would be a 500 instead of a filter that does not apply.
    """
    if value and value.isascii() and value.isdigit() and int(value) <= BIGINT_MAX:
        return int(value)
    return None
