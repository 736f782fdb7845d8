from django import forms
from django.utils.translation import gettext_lazy as _


class BuildingForm(forms.Form):
    address = forms.CharField(
        label=_("Standard address"),
        max_length=200,
        help_text=_("Road, number, compound and building, e.g. 上海西路88号阅海万家小区3号楼"),
    )
    compound = forms.CharField(label=_("Compound"), max_length=100, required=False)
    floors = forms.IntegerField(label=_("Floors above ground"), min_value=1, max_value=200, required=False)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, help_text=_("Pick the point on the map"))
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)

    def clean_address(self):
        value = " ".join(self.cleaned_data["address"].split())
        if len(value) < 4:
            raise forms.ValidationError(_("Enter the full standard address."))
        return value


class BuildingSearchForm(forms.Form):
    q = forms.CharField(label=_("Address"), max_length=100, required=False)


class StationSettingsForm(forms.Form):
    declaration_deadline_days = forms.IntegerField(
        label=_("Days to declare a move-in"), min_value=1, max_value=30,
        help_text=_("A landlord's declaration later than this after the move-in is flagged late."),
    )  # fmt: skip
    permit_prefix = forms.CharField(
        label=_("Residence permit number prefix"), max_length=20, required=False, help_text=_("e.g. 640106")
    )
