"""Input parsing for the event pages.

``events.dispatch`` judges the substance (a category, a description, a location inside a grid,
photos that are photos, who may act) and raises ``ValidationError`` keyed by field; these forms
only parse the request and carry what was typed back after an error. That is why most fields
are optional here: the service's message is the one shown.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Category
from grid.models import Building


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """The files of ``<input type=file name=photos>`` (one ``multiple`` input or several inputs of
    that name); their number (at most ``events.dispatch.MAX_PHOTOS``) and content are checked by
    the service."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        return [super(PhotosField, self).clean(f, initial) for f in files]


class LocationField(forms.FloatField):
    default_error_messages = {"invalid": _("The position could not be read: set it again.")}


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is it?"), choices=Category.choices, required=False, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Describe what you saw"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lat = LocationField(required=False, widget=forms.HiddenInput)
    lng = LocationField(required=False, widget=forms.HiddenInput)
    building = forms.ModelChoiceField(
        queryset=Building.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This address is not in your area: choose the place again.")},
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.visible_to(user).select_related("grid")
        # Service errors without a form field (the location) are shown next to the location block.
        self.location_errors: list[str] = []


class JoinForm(forms.Form):
    note = forms.CharField(label=_("What you add (optional)"), max_length=500, required=False)


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why escalate?"), max_length=400, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    department = forms.CharField(
        label=_("Department it goes to"),
        max_length=100,
        required=False,
        help_text=_("e.g. 城管执法局, 住建局, 街道办事处"),
    )


class HandleForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos of the result"))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, n) for n in range(1, 6)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=300, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
