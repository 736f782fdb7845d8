"""PDF building blocks: the embedded CJK font, paragraph styles and the station letterhead.

ReportLab's built-in CID fonts (STSong-Light) are not embedded and render blank in PDFium;
the vendored WenQuanYi Micro Hei is registered once and embedded as a subset.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "WQYMicroHei"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
RED = colors.HexColor("#c1121f")

# Images and fonts as binary streams, not ASCII85 text: without ReportLab's C accelerator the
# encoding runs in pure Python (about 50 ms for one phone photo, more than drawing the page) and
# makes the file a quarter larger. Every PDF here is built through this module.
rl_config.useA85 = 0
BLUE = colors.HexColor("#1f4e8c")


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the CJK font (idempotent) and return its name."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    font = register_fonts()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=8),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=18, alignment=TA_CENTER),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4),
    }


def draw_letterhead(canvas, *, station_name: str, page_width: float, top: float) -> float:
    """The red letterhead line with the station's name; returns the y below it."""
    font = register_fonts()
    canvas.saveState()
    canvas.setFillColor(RED)
    canvas.setFont(font, 18)
    canvas.drawCentredString(page_width / 2, top - 22, station_name)
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(1.5)
    canvas.line(40, top - 32, page_width - 40, top - 32)
    canvas.restoreState()
    return top - 40
