"""Input parsing for the dispute pages.

The services judge the substance (a valid ID, an outcome with its reason, who may be the
responsible officer) and raise ``ValidationError`` keyed by field; these forms only parse the
request, offer the choices the user may make, and carry everything typed back after an error.
That is why most fields are optional here: the service's message is the one shown.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from disputes.models import Category, FollowUpMethod, Outcome, PartyRole, ReferredTo, Risk, Source
from disputes.services import MAX_PARTIES
from grid.models import Building
from grid.scope import scope_for
from residents.models import House, IdType

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
OFFICER_ROLES = (Role.OFFICER, Role.AUXILIARY, Role.CHIEF)
# Suggested places for a session (free text; a datalist on the phone).
SESSION_PLACES = ("调解室", "民生茶馆")


def now_local():
    return timezone.localtime().replace(second=0, microsecond=0)


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input: shown as local time ``YYYY-MM-DDTHH:MM`` (also when posted back)."""

    def prepare_value(self, value):
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime(DATETIME_FORMAT)
        return value


def _datetime_field(label):
    return LocalDateTimeField(
        label=label,
        required=False,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def station_officers(station_ids=None):
    """Active officers, auxiliaries and chiefs of these stations (all stations: ``None``): a user
    belongs to a station by their ``station``, the police grid they run or a grid they assist."""
    qs = User.objects.filter(is_active=True, role__in=OFFICER_ROLES)
    if station_ids is not None:
        ids = sorted(station_ids)
        qs = qs.filter(
            Q(station_id__in=ids)
            | Q(police_grids__station_id__in=ids)
            | Q(auxiliary_grids__police_grid__station_id__in=ids)
        )
    return qs.distinct().order_by("role", "full_name", "username")


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.get_role_display()}）"


# --- intake -----------------------------------------------------------------------------------


class DisputeForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.WALK_IN)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices], required=False)
    risk = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices, initial=Risk.LOW, widget=forms.RadioSelect)
    building = forms.ModelChoiceField(
        label=_("Address"),
        queryset=Building.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the address where the dispute arose."),
            "invalid_choice": _("Choose an address in your area."),
        },
    )
    house = forms.ModelChoiceField(label=_("House"), queryset=House.objects.none(), required=False)
    place_detail = forms.CharField(
        label=_("Place details"),
        max_length=100,
        required=False,
        help_text=_("e.g. the stairwell, the shop in front, the car park"),
    )
    description = forms.CharField(
        label=_("What happened"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    officer = OfficerChoiceField(
        label=_("Responsible officer"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Choose an officer of the station.")},
    )
    received_at = _datetime_field(_("Received"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        buildings = Building.objects.visible_to(user)
        self.fields["building"].queryset = buildings.select_related("grid__police_grid")
        self.fields["house"].queryset = House.objects.filter(building__in=buildings)
        scope = scope_for(user)
        self.fields["officer"].queryset = station_officers(None if scope.everything else scope.station_ids)

    def clean(self):
        data = super().clean()
        building, officer = data.get("building"), data.get("officer")
        house = data.get("house")
        if building is not None and house is not None and house.building_id != building.pk:
            self.add_error("house", _("This house is not in the chosen building."))
        if not data.get("category"):
            self.add_error("category", _("Choose the category."))
        if not (data.get("description") or "").strip():
            self.add_error("description", _("Describe what happened."))
        if officer is None:
            if "officer" not in self.errors:
                self.add_error("officer", _("Choose an officer of the station."))
        elif building is not None:
            station_id = building.grid.police_grid.station_id
            if not station_officers({station_id}).filter(pk=officer.pk).exists():
                self.add_error("officer", _("Choose an officer of the station where the dispute arose."))
        return data


class PartyForm(forms.Form):
    """One party row: a registry person (``person``, picked by search) or a name with an ID."""

    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices, required=False)
    # An id: bounded, so a forged value is a field error rather than a database overflow.
    person = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def is_blank(self) -> bool:
        """Nothing typed or picked (the role and ID type always carry a value)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any((data.get(k) or "") for k in ("person", "name", "id_number", "phone"))


class BasePartyFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # The first row is the applicant, the others respondents (changed on the row if not).
        role = PartyRole.APPLICANT if index == 0 else PartyRole.RESPONDENT
        return {"initial": {"role": role, "id_type": IdType.RESIDENT_ID}}


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=0, min_num=2, max_num=MAX_PARTIES, absolute_max=MAX_PARTIES
)


# --- mediation --------------------------------------------------------------------------------


class MediatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        org = f" · {obj.organisation}" if obj.organisation else ""
        return f"{obj.name}（{obj.get_type_display()}{org}）"


class PartyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_role_display()}）"


class AssignForm(forms.Form):
    mediators = MediatorChoiceField(
        label=_("Mediators"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = roster


class SessionForm(forms.Form):
    held_at = _datetime_field(_("Time"))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    mediators = MediatorChoiceField(
        label=_("Mediators"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    parties_present = PartyChoiceField(
        label=_("Parties present"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, required=False, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason for the outcome"), max_length=300, required=False)
    referred_to = forms.ChoiceField(label=_("Referred to"), choices=[("", "—"), *ReferredTo.choices], required=False)
    referred_department = forms.CharField(label=_("Department"), max_length=100, required=False)
    facts = forms.CharField(
        label=_("Facts of the dispute"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    terms = forms.CharField(
        label=_("Terms agreed"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One term per line, e.g. who pays whom how much by when."),
    )

    def __init__(self, *args, roster, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = roster
        self.fields["parties_present"].queryset = parties


# --- follow-ups -------------------------------------------------------------------------------

KEPT_CHOICES = [("yes", _("Yes, kept")), ("no", _("No, it recurred"))]


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=FollowUpMethod.choices, required=False, widget=forms.RadioSelect)
    kept = forms.ChoiceField(
        label=_("Is the agreement kept?"), choices=KEPT_CHOICES, required=False, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the agreement is not kept: what happened."),
    )

    def kept_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("kept") or "")
