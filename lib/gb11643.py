"""GB 11643-1999 citizen identity numbers: checksum, birth date, sex, masking. No models."""

from __future__ import annotations

import datetime as dt
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")


class InvalidID(ValueError):
    """``str()`` says what is wrong, in words for the person typing it."""


def normalise(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def check_char(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse(value: str, *, today: dt.date | None = None) -> tuple[str, dt.date, str]:
    """Validate and return ``(normalised, birth_date, sex)`` with sex ``"M"``/``"F"``.

    Raises :class:`InvalidID` (message translated) for the wrong length or characters, an
    impossible birth date, or a wrong check character.
    """
    from django.utils.translation import gettext as _

    v = normalise(value)
    if len(v) != 18:
        raise InvalidID(_("A resident ID has 18 characters; this one has %(n)d.") % {"n": len(v)})
    if not _SHAPE.match(v):
        raise InvalidID(_("A resident ID is 17 digits followed by a digit or X."))
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise InvalidID(_("The birth date in this resident ID (digits 7–14) is not a real date.")) from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise InvalidID(_("The birth date in this resident ID (digits 7–14) is not possible."))
    if check_char(v[:17]) != v[17]:
        raise InvalidID(_("The check character of this resident ID is wrong: check every digit."))
    return v, birth, "M" if int(v[16]) % 2 else "F"


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidID:
        return False
    return True


def mask(value: str) -> str:
    """``110105********002X``: first 6 and last 4 characters kept."""
    v = normalise(value)
    if len(v) <= 10:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_phone(value: str) -> str:
    """``138****5678`` for a mobile number; other numbers keep their last 4 characters."""
    v = re.sub(r"\s|-", "", value or "")
    if len(v) == 11:
        return v[:3] + "****" + v[-4:]
    if len(v) <= 4:
        return "*" * len(v)
    return "*" * (len(v) - 4) + v[-4:]


def make(area: str, birth: dt.date, seq: int) -> str:
    """A valid ID from its parts (for seeds and tests): ``seq`` is 0–999, odd for men."""
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
