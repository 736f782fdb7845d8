"""QR codes for door plates, notices and permits.

In PDFs the code is drawn as vector squares (:func:`draw_qr`, :class:`QRFlowable`): sharp at any
printer resolution, and no PNG to encode and decode again. PDF codes use one fixed mask pattern
(``PDF_MASK``) instead of trying all eight: a reader takes the mask from the code's format
information, so any mask scans (the tests decode every printed code with ZXing); choosing the
"best" one is what cost a notice 4 ms of its 10 and a 1,000-house label sheet 5 s of its 20.
Pages (``qr_svg``) keep the full choice: one code per page, drawn once.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M
from reportlab.platypus import Flowable

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


def qr_svg_modules(data: str, *, quiet: int = 1) -> str:
    """The code as a small SVG (one path of each row's runs, ``quiet`` modules of white around),
    for documents that embed SVG: the same modules and mask as :func:`draw_qr`."""
    modules = qr_modules(data)
    size = len(modules) + 2 * quiet
    path = "".join(f"M{c + quiet} {r + quiet}h{w}v1h-{w}z" for c, r, w in _runs(modules))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


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


class QRFlowable(Flowable):
    """A QR code in a platypus story: ``size`` wide and high, with ``quiet`` of white inside that
    on every side."""

    def __init__(self, data: str, size: float, *, quiet: float = 0):
        super().__init__()
        self.data, self.size, self.quiet = data, size, quiet
        self.width = self.height = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        q = self.quiet
        draw_qr(self.canv, self.data, q, q, self.size - 2 * q)


def qr_png(data: str, *, box_size: int = 8, border: int = 2) -> bytes:
    """PNG bytes of a QR code (error correction M), for downloads outside a PDF."""
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
