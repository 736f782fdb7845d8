"""Showing a service's ValidationError on the form the user filled in."""

from django.core.exceptions import ValidationError


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
