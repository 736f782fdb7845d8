"""Report PDFs (the station's weekly and monthly report, an officer's monthly performance list):
letterhead, title, then blocks — headings, paragraphs, tables and bar or line charts — and
signature lines. Data in, bytes out; the texts arrive translated.

Charts are ReportLab graphics (vector, the embedded CJK font on every label), so a report has no
picture files and prints sharp.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from documents.pdf import BLUE, draw_letterhead, register_fonts, styles

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
GREY = colors.HexColor("#5c6773")
LIGHT = colors.HexColor("#eef3f9")
SERIES_COLOURS = [BLUE, colors.HexColor("#e08a00"), colors.HexColor("#2a9d8f"), colors.HexColor("#c1121f")]


@dataclass
class Heading:
    text: str


@dataclass
class Text:
    text: str
    small: bool = False


@dataclass
class Grid:
    """A table: a header row, then rows of strings; ``widths`` as fractions of the page width."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None
    numeric_from: int = 1  # columns from this one on are right-aligned


@dataclass
class Chart:
    """Bars (``kind="bar"``) or lines over ``categories``; ``series``: (name, values)."""

    title: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    kind: str = "bar"


@dataclass
class ReportDoc:
    station: str
    title: str
    subtitle: str
    footer: str
    blocks: list = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _grid(block: Grid, st) -> Table:
    font = register_fonts()
    small = st["small"]
    right = small.clone("right", alignment=2)
    data = [[_p(h, small.clone("head", textColor=colors.white)) for h in block.header]]
    for row in block.rows:
        data.append([_p(str(c), right if i >= block.numeric_from else small) for i, c in enumerate(row)])
    widths = [w * CONTENT_W for w in block.widths] if block.widths else None
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, LIGHT]),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b7c3d0")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _chart(block: Chart) -> Drawing:
    font = register_fonts()
    width, height = CONTENT_W, 62 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart() if block.kind == "bar" else HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 34, 34, width - 150, height - 56
    chart.data = [list(values) or [0] for _name, values in block.series] or [[0]]
    chart.categoryAxis.categoryNames = block.categories or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(block.categories) > 8 else 0
    chart.categoryAxis.labels.dy = -6 if len(block.categories) > 8 else -2
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max((v for _n, values in block.series for v in values), default=0)
    chart.valueAxis.valueMax = max(1, top * 1.15)
    for i, _s in enumerate(block.series):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        if block.kind == "bar":
            chart.bars[i].fillColor = colour
            chart.bars[i].strokeColor = None
        else:
            chart.lines[i].strokeColor = colour
            chart.lines[i].strokeWidth = 1.6
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 108, height - 24
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], name) for i, (name, _v) in
                             enumerate(block.series)]  # fmt: skip
    drawing.add(legend)
    drawing.add(String(0, height - 10, block.title, fontName=font, fontSize=10, fillColor=GREY))
    return drawing


def _signatures(names: list[str], st) -> Table:
    cells = [[_p(f"{n}：", st["base"]) for n in names], [_p(_("Date:"), st["small"]) for _n in names]]
    table = Table(cells, colWidths=[CONTENT_W / len(names)] * len(names), rowHeights=[24 * mm, 8 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render_report(doc: ReportDoc) -> bytes:
    font = register_fonts()
    st = styles()
    buf = io.BytesIO()

    def page(canvas, template):
        canvas.saveState()
        draw_letterhead(canvas, station_name=doc.station, page_width=PAGE_W, top=PAGE_H - 24)
        canvas.setFont(font, 8.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 12 * mm, doc.footer)
        canvas.drawRightString(PAGE_W - MARGIN, 12 * mm, str(template.page))
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=28 * mm, bottomMargin=20 * mm,
        title=doc.title, author=doc.station, subject=doc.subtitle, pageCompression=1,
    )  # fmt: skip
    story = [_p(doc.title, st["title"]), _p(doc.subtitle, st["subtitle"]), Spacer(1, 6)]
    for block in doc.blocks:
        if isinstance(block, Heading):
            story.append(_p(block.text, st["heading"]))
        elif isinstance(block, Text):
            story.append(_p(block.text, st["small" if block.small else "base"]))
        elif isinstance(block, Grid):
            story += [_grid(block, st), Spacer(1, 4)]
        elif isinstance(block, Chart):
            story.append(KeepTogether([_chart(block), Spacer(1, 4)]))
    if doc.signatures:
        story += [Spacer(1, 12), _signatures(doc.signatures, st)]
    pdf.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()
