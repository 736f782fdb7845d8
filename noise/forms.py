"""Input parsing for the noise pages; ``noise.services`` judges the substance."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from grid.models import Building
from noise.models import ZoneClass


class SensorForm(forms.Form):
    name = forms.CharField(label=_("Sensor name"), max_length=100, help_text=_("e.g. 阅海小区3号楼东侧"))
    zone_class = forms.ChoiceField(
        label=_("GB 3096 zone class"), choices=[("", "—"), *ZoneClass.choices], required=True
    )
    building = forms.CharField(
        label=_("Building (standard address)"),
        max_length=200,
        required=False,
        help_text=_("Optional: the building the sensor is mounted on. Without a position, the sensor is placed there."),
    )
    contact = forms.CharField(
        label=_("Property contact (user name)"),
        max_length=150,
        required=False,
        help_text=_("Optional: the account of the property manager who sees this sensor's alerts."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_building(self):
        address = self.cleaned_data["building"].strip()
        if not address:
            return None
        building = Building.objects.visible_to(self.user).filter(address=address).first()
        if building is None:
            raise forms.ValidationError(_("No building of your area has this standard address."))
        return building

    def clean_contact(self):
        username = self.cleaned_data["contact"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active account has this user name."))
        return user

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None) and not self.errors.get("lat"):
            self.add_error("lat", _("Give both latitude and longitude, or neither."))
        return data


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was done or found, e.g. talked to the shop owner, music turned down."),
    )  # fmt: skip
