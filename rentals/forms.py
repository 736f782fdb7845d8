import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.forms import PhoneCodePasswordForm, clean_mobile
from rentals.models import LandlordKind, RentalType
from residents.forms import ResidentIdField


class RegisterForm(PhoneCodePasswordForm):
    field_order = ["phone", "code", "name", "kind", "company", "password", "password2"]

    name = forms.CharField(label=_("Your name"), max_length=50)
    kind = forms.ChoiceField(label=_("I am a"), choices=LandlordKind.choices)
    company = forms.CharField(label=_("Agency (agents only)"), max_length=100, required=False)


class DeclarationForm(forms.Form):
    rental_type = forms.ChoiceField(
        label=_("Rental type"), choices=RentalType.choices, widget=forms.RadioSelect, initial=RentalType.LONG
    )


def _not_future(value: dt.date) -> dt.date:
    if value and value > timezone.localdate() + dt.timedelta(days=30):
        raise forms.ValidationError(_("The date is more than 30 days ahead."))
    return value


class TenantForm(forms.Form):
    # An id: bounded, so a forged value is a field error rather than a database overflow.
    tenant_pk = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    masked = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = ResidentIdField(label=_("Resident ID"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    move_in = forms.DateField(
        label=_("Move-in date"), widget=forms.DateInput(attrs={"type": "date"}), validators=[_not_future]
    )

    def clean_phone(self):
        return clean_mobile(self.cleaned_data.get("phone", ""))

    def clean(self):
        data = super().clean()
        # When correcting, a stored tenant keeps its ID unless retyped: the full ID is never sent back.
        if not data.get("id_number") and not data.get("tenant_pk") and "id_number" not in self.errors:
            self.add_error("id_number", _("Enter the tenant's resident ID."))
        return data


TenantFormSet = forms.formset_factory(TenantForm, extra=0, min_num=1, validate_min=True, max_num=50, validate_max=True)


class MoveOutForm(forms.Form):
    move_out = forms.DateField(
        label=_("Move-out date"), widget=forms.DateInput(attrs={"type": "date"}), validators=[_not_future]
    )
    tenants = forms.MultipleChoiceField(label=_("Who moved out"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, tenants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenants"].choices = [(str(t.pk), f"{t.name} {t.id_number_masked}") for t in tenants]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What must be corrected"), max_length=300)
