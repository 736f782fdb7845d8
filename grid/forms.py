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
    notice_pattern = forms.CharField(
        label=_("Rectification notice number pattern"), max_length=80,
        help_text=_("Fields: {station}, {district}, {year}, {seq}; e.g. 金凤(上海西路)消改字〔{year}〕第{seq:04d}号"),
    )  # fmt: skip

    def clean_notice_pattern(self):
        pattern = self.cleaned_data["notice_pattern"]
        try:
            sample = pattern.format(station="上海西路", district="金凤区", year=2026, seq=1)
        except (KeyError, IndexError, ValueError):
            raise forms.ValidationError(_("Use only the fields {station}, {district}, {year} and {seq}.")) from None
        if "2026" not in sample or "{seq" not in pattern:
            raise forms.ValidationError(_("The pattern must contain {year} and {seq}."))
        return pattern
