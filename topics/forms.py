"""Input parsing for the topic pages. The services judge the substance and raise ``ValidationError``
keyed by field; these forms parse the request, offer the choices and carry the input back after
an error, so most fields are optional here and the service's message is the one shown."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from topics.models import Category, ResponsibleParty
from topics.services import MAX_TOPICS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input, shown as local time (also when posted back)."""

    def prepare_value(self, value):
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime(DATETIME_FORMAT)
        return value


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MeetingForm(forms.Form):
    grid = GridChoiceField(label=_("Community grid"), queryset=None, required=False, empty_label="—")
    held_at = LocalDateTimeField(
        label=_("Held at"),
        required=False,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    attendees = forms.CharField(
        label=_("Attendees"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name or unit a line, e.g. 3号楼居民代表 王阿姨, 物业公司 李经理."),
    )
    attendee_count = forms.IntegerField(
        label=_("Number of attendees"),
        required=False,
        min_value=0,
        max_value=10_000,
        help_text=_("Leave empty to count the lines above."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids


class TopicForm(forms.Form):
    raised_by = forms.CharField(label=_("Raised by"), max_length=50, required=False)
    title = forms.CharField(label=_("Topic"), max_length=100, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.OTHER)
    description = forms.CharField(
        label=_("Details"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


TopicFormSet = forms.formset_factory(TopicForm, extra=1, max_num=MAX_TOPICS, validate_max=True)


def responsible_users(grid):
    """Who may be named responsible: the grid's worker and auxiliary, its police grid's officer,
    the station's chiefs."""
    pg = grid.police_grid
    q = Q(pk__in=[pk for pk in (grid.grid_worker_id, grid.auxiliary_id, pg.officer_id) if pk])
    q |= Q(role=Role.CHIEF, station_id=pg.station_id)
    return User.objects.filter(q, is_active=True).order_by("role", "full_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.get_role_display()}）"


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("Plan"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    responsible_party = forms.ChoiceField(
        label=_("Responsible party"), choices=[("", "—"), *ResponsibleParty.choices], required=False
    )
    responsible_name = forms.CharField(
        label=_("Responsible unit or person"),
        max_length=100,
        required=False,
        help_text=_("e.g. 绿城物业 张经理, 区城管局"),
    )
    responsible_user = UserChoiceField(
        label=_("Follow-up by (a user)"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, grid=None, **kwargs):
        super().__init__(*args, **kwargs)
        if grid is not None:
            self.fields["responsible_user"].queryset = responsible_users(grid)


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    result = forms.CharField(
        label=_("Result achieved"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UnsolvableForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it cannot be solved"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
