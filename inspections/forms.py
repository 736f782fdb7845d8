"""Input for the inspection pages: one item's answer, a photo, a checklist's items."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.models import Grade, Result


class AnswerForm(forms.Form):
    """One item of a draft, saved as the officer taps (htmx, per item)."""

    result = forms.ChoiceField(
        label=_("Result"),
        choices=Result.choices,
        error_messages={"required": _("Choose pass, fail or not applicable.")},
    )
    note = forms.CharField(label=_("What is wrong"), max_length=500, required=False, widget=forms.Textarea)
    grade = forms.ChoiceField(label=_("Deadline"), choices=[("", "—"), *Grade.choices], required=False)


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"), error_messages={"required": _("Choose a photo."), "empty": _("The file is empty.")}
    )


class ChecklistForm(forms.Form):
    name = forms.CharField(label=_("Checklist name"), max_length=100)


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("Item"), max_length=200)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300)
    default_grade = forms.ChoiceField(label=_("Default deadline"), choices=Grade.choices, initial=Grade.DAYS_7)


class _ItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(_("A checklist needs at least one item."))

    def items(self) -> list[dict]:
        """The kept rows in the order shown (empty new rows are skipped)."""
        return [
            {k: f.cleaned_data[k] for k in ("text", "legal_basis", "default_grade")}
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


ChecklistItemFormSet = forms.formset_factory(ChecklistItemForm, formset=_ItemFormSet, extra=0, can_delete=True)
