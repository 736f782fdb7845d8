"""Form helpers every app shares: a service's ValidationError on the form, mobile numbers."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_MESSAGE = _("Enter an 11-digit mobile number starting with 1.")


def clean_mobile(value: str, *, required: bool = False) -> str:
    """Digits of a mainland mobile number (spaces and dashes dropped); "" when empty and optional."""
    typed = (value or "").strip()
    value = "".join(ch for ch in typed if ch not in " -\u3000")
    if value and not value.isdigit():  # letters or markup: say so rather than drop what was typed
        raise forms.ValidationError(MOBILE_MESSAGE)
    if (value or required) and (len(value) != 11 or not value.startswith("1")):
        raise forms.ValidationError(MOBILE_MESSAGE)
    return value


def add_service_errors(form, exc: ValidationError, *, elsewhere: dict | None = None) -> None:
    """Each message by its field where the form has one, else on top of the form. Keys named in
    ``elsewhere`` (key → list) are collected there instead (rows of a formset, say)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, msgs in exc.message_dict.items():
        if elsewhere is not None and key in elsewhere:
            elsewhere[key].extend(msgs)
            continue
        for message in msgs:
            form.add_error(key if key in form.fields else None, message)


class PhoneForm(forms.Form):
    """A mainland mobile number, the first step of every SMS-code form."""

    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"], required=True)


class PhoneCodePasswordForm(PhoneForm):
    """Phone, the SMS code sent to it, and a new password typed twice (registration, reset)."""

    code = forms.CharField(
        label=_("SMS code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


def send_code_if_asked(request) -> list | None:
    """For a form with a "send code" button (``action=send_code``): send the code to the posted
    phone and return that phone's errors (``[]`` when sent); ``None`` when the button was not pressed."""
    from django.contrib import messages

    from lib import ratelimit, sms

    if request.method != "POST" or request.POST.get("action") != "send_code":
        return None
    phone_form = PhoneForm(request.POST)
    if not phone_form.is_valid():
        return phone_form.errors["phone"]
    phone = phone_form.cleaned_data["phone"]
    rules = [("ip:" + ratelimit.client_ip(request), ratelimit.SMS_PER_IP)]
    rules += [("phone:" + phone, limit) for limit in ratelimit.SMS_PER_PHONE]
    wait = ratelimit.check("sms-code", rules)
    if wait:
        return [
            _("Codes were sent too often. Please ask for a new code in %(wait)s.") % {"wait": ratelimit.wait_text(wait)}
        ]
    sms.code_send(phone)
    messages.info(request, _("A code was sent to your phone. It is valid for 10 minutes."))
    return []
