"""Forms of the residence-permit pages: the online application, its correction, the officer's return."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib import gb11643
from rentals import permits
from rentals.models import PermitBasis

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to ``MAX_ATTACHMENTS`` photos from one ``<input type=file multiple>``, each re-encoded."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > permits.MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(n)d supporting photos, please.") % {"n": permits.MAX_ATTACHMENTS}, code="too_many"
            )
        return [permits.reencode_image(super(MultiplePhotoField, self).clean(f, initial)) for f in files]


class PermitApplicationForm(forms.Form):
    """What the resident types. Files are checked and re-encoded here; the service stores them."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=22,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    house = forms.CharField(
        label=_("Address"),
        max_length=32,
        error_messages={"required": _("Search for your address and pick it from the list.")},
    )
    basis = forms.ChoiceField(label=_("Basis"), choices=PermitBasis.choices, widget=forms.RadioSelect)
    basis_detail = forms.CharField(
        label=_("Employer, school or proof of residence"),
        max_length=200,
        help_text=_("e.g. the company you work for, your school, or the tenancy contract."),
    )
    photo = forms.FileField(
        label=_("Your photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A recent front-facing photo; JPEG, PNG or WebP, up to 5 MB."),
    )
    attachments = MultiplePhotoField(
        label=_("Supporting photos (optional, up to 3)"),
        required=False,
        help_text=_("e.g. the work certificate, student card or tenancy contract; up to 5 MB each."),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name and not self.fields["name"].required:
            return ""
        if len(name) < 2:
            raise ValidationError(_("Enter your full name as on your ID card."))
        return name

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value and not self.fields["id_number"].required:
            return ""
        try:
            number, _birth, _sex = gb11643.parse(value)
        except gb11643.InvalidID as exc:
            raise ValidationError(str(exc), code="invalid") from None
        return number

    def clean_phone(self):
        value = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if not value and not self.fields["phone"].required:
            return ""
        if not MOBILE.match(value):
            raise ValidationError(_("Enter an 11-digit mobile number starting with 1."), code="invalid")
        return value

    def clean_house(self):
        house = permits.house_by_token(self.cleaned_data["house"].strip())
        if house is None:
            raise ValidationError(_("Search for your address and pick it from the list."), code="invalid")
        return house

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        return permits.reencode_image(photo, max_side=800) if photo else None


class PermitCorrectionForm(PermitApplicationForm):
    """The same form after a return; an empty name, ID or phone keeps what was given before.

    The status page shows personal data only masked, so these three are not filled in again.
    """

    def __init__(self, *args, permit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Leave empty to keep %(masked)s.") % {
            "masked": permits.mask_name(permit.name)
        }
        self.fields["id_number"].required = False
        self.fields["id_number"].help_text = _("Leave empty to keep %(masked)s.") % {"masked": permit.id_number_masked}
        self.fields["phone"].required = False
        self.fields["phone"].help_text = _("Leave empty to keep %(masked)s.") % {"masked": permit.phone_masked}


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What must the applicant correct?"), max_length=300, min_length=2)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Reason for viewing the full data"), max_length=300)
