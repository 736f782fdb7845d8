"""QR codes for door plates, notices and permits.

In ReportLab's PDFs (label sheets, permits) the code is drawn as vector squares (:func:`draw_qr`):
sharp at any printer resolution, no PNG to encode and decode again. The Typst notice takes a
one-bit PNG of one pixel a module, scaled up unsmoothed (:func:`qr_png_modules`). Printed codes
use one fixed mask pattern (``PDF_MASK``) instead of trying all eight: a reader takes the mask
from the code's format information, so any mask scans (the tests decode every printed code with
ZXing), and choosing the "best" one cost 4 ms a code in pure Python — most of a label sheet's
time. Pages (``qr_svg``) keep the full choice: one code per page, drawn once.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

PDF_MASK = 2  # vertical stripes of one module: no long runs along a row, where most finder-like patterns lie


def qr_modules(data: str, *, mask: int | None = PDF_MASK) -> list[list[bool]]:
    """The code's modules (True = dark), without the quiet zone; error correction M (survives
    a scratched door plate)."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.modules


def _runs(modules: list[list[bool]]):
    """(column, row, length) of each row's runs of dark modules."""
    n = len(modules)
    for r, row in enumerate(modules):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                yield start, r, c - start
            c += 1


def qr_png_modules(data: str, *, quiet: int = 1) -> bytes:
    """The code as a one-bit PNG of one pixel a module (``quiet`` modules of white around), for
    documents that scale it up without smoothing: a few hundred bytes, where an SVG of the same
    modules cost the notice's typesetter more than the rest of the page."""
    from PIL import Image

    modules = qr_modules(data)
    n = len(modules)
    size = n + 2 * quiet
    image = Image.new("1", (size, size), 1)
    image.putdata(
        [
            0 if dark else 1
            for row in [[False] * size] * quiet
            + [[False] * quiet + r + [False] * quiet for r in modules]
            + [[False] * size] * quiet
            for dark in row
        ]
    )
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """The code for ``data`` in the ``size`` × ``size`` square at (x, y) (its lower-left corner):
    each row's runs of dark modules one rectangle, all filled at once. The caller leaves the
    quiet zone around it.

    The rectangles are written as PDF operators in module units under one transformation (whole
    numbers): through ``canvas.rect`` each of a code's 800 numbers went through ReportLab's float
    formatting, which cost more than encoding the code.
    """
    modules = qr_modules(data)
    n = len(modules)
    ops = [f"{c} {r} {w} 1 re" for c, r, w in _runs(modules)]
    step = size / n
    canvas.saveState()
    canvas.transform(step, 0, 0, -step, x, y + size)  # module units, rows downwards from the top
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(" ".join(ops) + " f")
    canvas.restoreState()


def qr_svg(data: str) -> str:
    """Inline SVG markup of a QR code, for pages."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, error_correction=ERROR_CORRECT_M, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()
