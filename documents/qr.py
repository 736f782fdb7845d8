"""QR codes for door plates, notices and permits."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def qr_png(data: str, *, box_size: int = 8, border: int = 2) -> bytes:
    """PNG bytes of a QR code (error correction M: survives a scratched door plate)."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def qr_svg(data: str) -> str:
    """Inline SVG markup of a QR code, for pages."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, error_correction=ERROR_CORRECT_M, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()
