"""Uploaded photos: accept JPEG, PNG and WebP only, at most 10 MB and 40 megapixels; re-encode
(which drops EXIF and anything appended after the image data) and make a thumbnail. No models."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# The thumbnail serves the pages (sharp on a phone's 2-3× screen) and the printed notice (270 dpi at
# 45 mm), which embeds it as it is instead of decoding the full photo.
THUMB_SIDE = 480
FORMATS = {"JPEG", "PNG", "WEBP"}


class ImageRejected(ValueError):
    """``str()`` is a message for the person who uploaded the file."""


@dataclass
class CleanImage:
    image: ContentFile
    thumbnail: ContentFile


def _flatten(im):
    """RGB for JPEG; transparency becomes white rather than black."""
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        flat = Image.new("RGB", im.size, "white")
        flat.paste(im, mask=im.getchannel("A"))
        return flat
    return im.convert("RGB")


def clean_photo(
    upload, *, max_side: int = 2000, thumb_side: int = THUMB_SIDE, max_bytes: int = MAX_BYTES
) -> CleanImage:
    """Check and re-encode an uploaded photo as JPEG. Raises :class:`ImageRejected`.

    Transparent images are flattened on white; the name stored is derived from the upload's,
    stripped of anything but letters, digits, ``-`` and ``_`` (no path separators survive).
    """
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(
            _("The photo is larger than %(mb)d MB: take it again at a lower resolution.") % {"mb": max_bytes // 2**20}
        )
    if size == 0:
        raise ImageRejected(_("The file is empty."))
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            fmt = probe.format
            width, height = probe.size
    except Image.DecompressionBombError:
        raise ImageRejected(_("The photo has more than 40 megapixels: take it again at a lower resolution.")) from None
    except Exception:
        raise ImageRejected(_("This file is not a photo (JPEG, PNG or WebP).")) from None
    if fmt not in FORMATS:
        raise ImageRejected(_("Only JPEG, PNG or WebP photos are accepted."))
    if width * height > MAX_PIXELS:
        raise ImageRejected(_("The photo has more than 40 megapixels: take it again at a lower resolution."))
    try:
        upload.seek(0)
        with Image.open(upload) as im:
            im.load()  # decodes fully: a truncated or corrupt file fails here
            im = _flatten(ImageOps.exif_transpose(im))
    except Exception:
        raise ImageRejected(_("This photo cannot be read: it may be damaged.")) from None
    im.thumbnail((max_side, max_side))
    base = os.path.splitext(os.path.basename(getattr(upload, "name", "") or "photo"))[0]
    safe = "".join(ch for ch in base if ch.isalnum() or ch in "-_")[:40] or "photo"
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=85, optimize=True)
    thumb = im.copy()
    thumb.thumbnail((thumb_side, thumb_side))
    tout = io.BytesIO()
    thumb.save(tout, format="JPEG", quality=80)
    return CleanImage(
        ContentFile(out.getvalue(), name=f"{safe}.jpg"), ContentFile(tout.getvalue(), name=f"{safe}-thumb.jpg")
    )
