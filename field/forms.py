from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import STAFF_ROLES, User
from field.models import Topic
from grid.models import CommunityGrid


class PublicityForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.ChoiceField(label=pgettext_lazy("publicity", "Topic"), choices=Topic.choices)
    grid = forms.ModelChoiceField(label=_("Community grid"), queryset=CommunityGrid.objects.none())
    place = forms.CharField(label=_("Place"), max_length=100)
    leaflets = forms.IntegerField(label=_("Leaflets handed out"), min_value=0, max_value=100_000, initial=0)
    people = forms.IntegerField(label=_("People reached"), min_value=0, max_value=100_000, initial=0)
    participants = forms.ModelMultipleChoiceField(
        label=_("Together with"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        for name, field in self.fields.items():
            if name == "participants":
                field.widget.attrs["class"] = "form-check-input"
            else:
                css = (
                    "form-select form-select-lg"
                    if isinstance(field.widget, forms.Select)
                    else "form-control form-control-lg"
                )
                field.widget.attrs["class"] = css
        grids = CommunityGrid.objects.visible_to(user).order_by("name")
        self.fields["grid"].queryset = grids
        # Colleagues working these grids (officers, auxiliaries, grid workers), not oneself.
        ids = set(grids.values_list("grid_worker_id", flat=True)) | set(grids.values_list("auxiliary_id", flat=True))
        ids |= set(grids.values_list("police_grid__officer_id", flat=True))
        ids.discard(None)
        ids.discard(user.pk)
        self.fields["participants"].queryset = User.objects.filter(
            pk__in=ids, is_active=True, role__in=[*STAFF_ROLES, "grid_worker"]
        ).order_by("full_name")

    def mark_errors(self) -> None:
        """Bootstrap's red border on every field with an error (before rendering)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
