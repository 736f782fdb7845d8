"""Drawn signatures (the signature pad's PNG data URL) and files stored under an exact name.

Shared by the rectification notices and the mediation agreements.
"""

from __future__ import annotations

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

MAX_SIGNATURE_BYTES = 500 * 1024
MAX_SIGNATURE_PIXELS = 4_000_000


def save_exact(field, instance, name: str, data: bytes) -> None:
    """Store ``data`` under exactly ``name`` (a file left by a render whose commit was lost is replaced)."""
    target = field.field.generate_filename(instance, name)
    if field.storage.exists(target):
        field.storage.delete(target)
    field.save(name, ContentFile(data), save=False)


def signature_from_data_url(data_url: str) -> bytes:
    """The signature pad's ``data:image/png;base64,…`` → clean PNG bytes (re-encoded on white).

    Raises ValidationError with a message for the signer.
    """
    data_url = (data_url or "").strip()
    prefix = "data:image/png;base64,"
    if not data_url:
        raise ValidationError({"signature": _("Sign in the box first.")})
    if not data_url.startswith(prefix):
        raise ValidationError({"signature": _("The signature could not be read: sign again.")})
    payload = data_url[len(prefix) :]
    if len(payload) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise ValidationError({"signature": _("The signature is too large: clear it and sign again.")})
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": _("The signature could not be read: sign again.")}) from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ValidationError({"signature": _("The signature is too large: clear it and sign again.")})
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format != "PNG" or probe.width * probe.height > MAX_SIGNATURE_PIXELS:
                raise ValueError
            probe.load()
            im = probe.convert("RGBA")
    except Exception:
        raise ValidationError({"signature": _("The signature could not be read: sign again.")}) from None
    bbox = im.getchannel("A").getbbox()
    if bbox is None:  # fully transparent: nothing drawn
        raise ValidationError({"signature": _("Sign in the box first.")})
    white = Image.new("RGB", im.size, "white")
    white.paste(im, mask=im.getchannel("A"))
    if white.convert("L").getextrema()[0] > 200:  # no dark stroke on a white canvas
        raise ValidationError({"signature": _("Sign in the box first.")})
    out = io.BytesIO()
    white.save(out, format="PNG", optimize=True)
    return out.getvalue()
