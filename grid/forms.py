from django import forms
from django.utils.translation import gettext_lazy as _

from grid.models import CommunityGrid, MemberStatus, MemberType
from lib.forms import PhoneCodePasswordForm, clean_mobile


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


class MemberApplyForm(PhoneCodePasswordForm):
    """The public volunteer application (志愿网格员报名)."""

    field_order = ["grid", "name", "phone", "code", "member_type", "address", "motivation", "password", "password2"]

    grid = forms.ModelChoiceField(
        label=_("Community grid"),
        queryset=CommunityGrid.objects.select_related("police_grid__station").order_by("police_grid__station", "code"),
        empty_label=_("Choose the grid where you live or work"),
    )
    name = forms.CharField(label=_("Your name"), max_length=50)
    member_type = forms.ChoiceField(label=_("I am a"), choices=MemberType.choices, initial=MemberType.RESIDENT)
    address = forms.CharField(
        label=_("Where you live or work"), max_length=100, required=False, help_text=_("e.g. 3号楼, 沿街商铺")
    )
    motivation = forms.CharField(
        label=_("Why you want to help"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MemberForm(forms.Form):
    """The officer adds a member or corrects one."""

    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    member_type = forms.ChoiceField(label=_("Type"), choices=MemberType.choices, initial=MemberType.RESIDENT)
    address = forms.CharField(label=_("Where they live or work"), max_length=100, required=False)

    def __init__(self, *args, phone_optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_optional = phone_optional
        if phone_optional:  # editing: the stored number is kept unless a new one is typed
            self.fields["phone"].required = False
            self.fields["phone"].help_text = _("Leave empty to keep the number on file.")

    def clean_phone(self):
        return clean_mobile(self.cleaned_data.get("phone", ""), required=not self.phone_optional)


class MemberDecisionForm(forms.Form):
    to = forms.ChoiceField(choices=MemberStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class MemberFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + MemberStatus.choices, required=False)
    member_type = forms.ChoiceField(label=_("Type"), choices=[("", _("All"))] + MemberType.choices, required=False)
    q = forms.CharField(label=_("Name"), max_length=50, required=False)
