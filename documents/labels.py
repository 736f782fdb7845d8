"""Door-plate QR label sheets: A4 pages of labels, each a QR code, an address and a caption.

No models here: the caller hands over :class:`Label` rows (the absolute scan URL and the text)
and gets PDF bytes back. Labels sit edge to edge, 3 × 5 per page, with light cut marks at every
label corner; the QR code itself is 30 mm wide with at least 4 mm of white around it (the
quiet zone a phone camera needs at arm's length from a door).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph

from documents.pdf import register_fonts
from documents.qr import draw_qr

COLUMNS, ROWS = 3, 5
PER_PAGE = COLUMNS * ROWS
MARGIN_X, MARGIN_Y = 8 * mm, 10 * mm
QR_SIZE = 30 * mm
QR_TOP_PAD = 4 * mm
QR_TEXT_GAP = 3 * mm
TEXT_PAD_X = 3 * mm
CAPTION_BASELINE = 3 * mm
CAPTION_HEIGHT = 5.5 * mm  # the caption line and the white below it
CUT_MARK = 2.5 * mm
CUT_GREY = colors.Color(0.72, 0.72, 0.72)
TEXT_GREY = colors.Color(0.35, 0.35, 0.35)


@dataclass(frozen=True)
class Label:
    """One label: ``url`` goes into the QR code; ``title`` is large, ``subtitle`` small."""

    url: str
    title: str
    subtitle: str = ""


def label_size(page_size=A4) -> tuple[float, float]:
    width, height = page_size
    return (width - 2 * MARGIN_X) / COLUMNS, (height - 2 * MARGIN_Y) / ROWS


def _fit_text(title: str, subtitle: str, width: float, height: float) -> list[tuple[Paragraph, float]]:
    """Paragraphs for the title and subtitle, shrunk (then the subtitle shortened) to fit the box."""
    font = register_fonts()
    title_size, sub_size = 10.0, 7.0
    sub_text = subtitle
    while True:
        paras = []
        t_style = ParagraphStyle(
            "t", fontName=font, fontSize=title_size, leading=title_size * 1.2, alignment=TA_CENTER, wordWrap="CJK"
        )
        paras.append(Paragraph(escape(title), t_style))
        if sub_text:
            s_style = ParagraphStyle(
                "s",
                fontName=font,
                fontSize=sub_size,
                leading=sub_size * 1.2,
                alignment=TA_CENTER,
                wordWrap="CJK",
                textColor=TEXT_GREY,
            )
            paras.append(Paragraph(escape(sub_text), s_style))
        sized = [(p, p.wrap(width, height)[1]) for p in paras]
        if sum(h for _, h in sized) <= height:
            return sized
        if title_size > 7:
            title_size -= 0.5
            sub_size = max(5.5, sub_size - 0.25)
        elif sub_text and len(sub_text) > 4:
            sub_text = sub_text[: len(sub_text) - 3] + "…"
        else:  # an absurdly long title: let it run into the caption rather than loop forever
            return sized


def _draw_cut_marks(c, page_size, rows: int = ROWS) -> None:
    """Crosses at the corners of the first ``rows`` rows of labels."""
    width, height = page_size
    lw, lh = label_size(page_size)
    c.saveState()
    c.setStrokeColor(CUT_GREY)
    c.setLineWidth(0.3)
    for col in range(COLUMNS + 1):
        for row in range(rows + 1):
            x, y = MARGIN_X + col * lw, height - MARGIN_Y - row * lh
            c.line(x - CUT_MARK, y, x + CUT_MARK, y)
            c.line(x, y - CUT_MARK, x, y + CUT_MARK)
    c.restoreState()


def _draw_label(c, label: Label, x: float, y_top: float, width: float, height: float, caption: str) -> None:
    font = register_fonts()
    draw_qr(c, label.url, x + (width - QR_SIZE) / 2, y_top - QR_TOP_PAD - QR_SIZE, QR_SIZE)
    text_top = y_top - QR_TOP_PAD - QR_SIZE - QR_TEXT_GAP
    text_width = width - 2 * TEXT_PAD_X
    text_height = text_top - (y_top - height) - CAPTION_HEIGHT
    for para, h in _fit_text(label.title, label.subtitle, text_width, text_height):
        para.drawOn(c, x + TEXT_PAD_X, text_top - h)
        text_top -= h
    if caption:
        c.saveState()
        c.setFont(font, 6.5)
        c.setFillColor(TEXT_GREY)
        c.drawCentredString(x + width / 2, y_top - height + CAPTION_BASELINE, caption)
        c.restoreState()


def _draw_header(c, page_size, heading: str, page: int, pages: int) -> None:
    width, height = page_size
    c.saveState()
    c.setFont(register_fonts(), 7)
    c.setFillColor(TEXT_GREY)
    y = height - MARGIN_Y + 4.5 * mm
    if heading:
        c.drawString(MARGIN_X, y, heading)
    c.drawRightString(width - MARGIN_X, y, f"{page} / {pages}")
    c.restoreState()


def label_sheet_pdf(
    labels: Sequence[Label],
    *,
    heading: str = "",
    caption: str = "",
    title: str = "",
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 10,
    page_size=A4,
) -> bytes:
    """The PDF of ``labels``, as many A4 pages as needed.

    ``heading`` is printed small above the labels of every page (with the page number),
    ``caption`` under every label. ``on_progress(n)`` is called after every
    ``progress_every`` labels and once at the end with the number drawn so far.
    """
    buf = io.BytesIO()
    c = pdfcanvas.Canvas(buf, pagesize=page_size, pageCompression=1)
    c.setTitle(title or heading)
    c.setCreator("Fengqiao")
    lw, lh = label_size(page_size)
    pages = max(1, -(-len(labels) // PER_PAGE))
    _, height = page_size
    for index, label in enumerate(labels):
        slot = index % PER_PAGE
        if slot == 0:
            if index:
                c.showPage()
            on_page = min(PER_PAGE, len(labels) - index)
            _draw_cut_marks(c, page_size, rows=-(-on_page // COLUMNS))
            _draw_header(c, page_size, heading, index // PER_PAGE + 1, pages)
        col, row = slot % COLUMNS, slot // COLUMNS
        _draw_label(c, label, MARGIN_X + col * lw, height - MARGIN_Y - row * lh, lw, lh, caption)
        if on_progress is not None and (index + 1) % progress_every == 0:
            on_progress(index + 1)
    if not labels:
        _draw_header(c, page_size, heading, 1, 1)
    c.showPage()
    c.save()
    if on_progress is not None:
        on_progress(len(labels))
    return buf.getvalue()
