from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.permissions import ATTENTION_FIELDS
from lib import gb11643
from lib.forms import clean_mobile
from residents.models import (
    AttentionColour,
    AttentionTag,
    HouseholdStatus,
    HouseUse,
    IdType,
    Relation,
    Sex,
    VenueKind,
)


class ResidentIdField(forms.CharField):
    """A GB 11643 resident ID, checked (length, birth date, check character) with a Chinese message."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("min_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "inputmode": "text", "autocapitalize": "characters"})

    def clean(self, value):
        value = super().clean(gb11643.normalise(value or ""))
        if value:
            try:
                gb11643.parse(value)
            except gb11643.InvalidID as exc:
                raise forms.ValidationError(str(exc)) from None
        return value


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, resident ID, phone or address"), max_length=100, required=False)


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False,
                            help_text=_("Taken from the resident ID; needed only for other documents."))  # fmt: skip
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False, initial="汉族")
    household_status = forms.ChoiceField(label=_("Household status"), choices=HouseholdStatus.choices)
    registration_place = forms.CharField(label=_("Household registration place"), max_length=200, required=False)
    attention_tags = forms.MultipleChoiceField(
        label=_("Attention tags"), choices=AttentionTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    attention_colour = forms.ChoiceField(label=_("Attention level"), choices=AttentionColour.choices)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=200, required=False)

    def __init__(self, *args, with_residence: bool = False, attention: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not attention:  # grid workers neither see nor set them (accounts.permissions.ATTENTION_ROLES)
            for name in ATTENTION_FIELDS:
                del self.fields[name]
        if with_residence:
            self.fields["relation"] = forms.ChoiceField(label=_("Relation to householder"), choices=Relation.choices)
            self.fields["start"] = forms.DateField(
                label=_("Living here since"), widget=forms.DateInput(attrs={"type": "date"})
            )
            del self.fields["reason"]

    def clean_phone(self):
        return clean_mobile(self.cleaned_data.get("phone", ""))

    def clean(self):
        data = super().clean()
        if data.get("id_type") == IdType.RESIDENT_ID and data.get("id_number"):
            try:
                data["id_number"] = gb11643.parse(data["id_number"])[0]
            except gb11643.InvalidID as exc:
                self.add_error("id_number", str(exc))
        return data


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=200, min_length=2, help_text=_("Written to the audit trail with your name.")
    )


class HouseForm(forms.Form):
    unit = forms.CharField(label=_("Unit"), max_length=30, help_text=_("e.g. 2单元501"))
    floor = forms.IntegerField(label=_("Floor"), min_value=-5, max_value=200)
    area = forms.DecimalField(label=_("Area (m²)"), max_digits=7, decimal_places=1, min_value=1, required=False)
    use = forms.ChoiceField(label=_("Use"), choices=HouseUse.choices)


class ResidenceForm(forms.Form):
    person_id_number = ResidentIdField(label=_("Resident ID of the person"))
    relation = forms.ChoiceField(label=_("Relation to householder"), choices=Relation.choices)
    start = forms.DateField(label=_("Living here since"), widget=forms.DateInput(attrs={"type": "date"}))


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Venue name"), max_length=100)
    kind = forms.ChoiceField(label=_("Type"), choices=VenueKind.choices)
    licence_number = forms.CharField(label=_("Licence number"), max_length=50, required=False)
    responsible_name = forms.CharField(label=_("Responsible person"), max_length=50)
