"""Choice labels for list pages.

Django's ``get_FOO_display`` rebuilds the field's choices into a dict on every call, hashing each
lazily translated label, so each label is translated again: on a list of fifty rows with two or
three choice fields, several hundred translations a page. ``FastChoiceLabels`` keeps one dict per
field, keyed by the stored value, its labels still lazy (translated when shown, in the language
of the request).
"""

from __future__ import annotations

from django.utils.encoding import force_str

_LABELS: dict = {}


class FastChoiceLabels:
    """Mix into a model before ``models.Model``: its ``get_FOO_display`` reads a dict built once."""

    def _get_FIELD_display(self, field):
        labels = _LABELS.get(field)
        if labels is None:
            labels = _LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: no label
            label = value
        return force_str(label, strings_only=True)
