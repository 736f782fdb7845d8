"""The residence permit (居住证) as a PDF: an ID-card-like card centred on an A4 page.

A leaf module: it knows nothing of models. The caller passes a :class:`PermitCard` of plain
values (the ID number already masked) and gets PDF bytes. Strings are translated in the
active language; the caller chooses it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph

from documents.pdf import BLUE, RED, draw_letterhead, register_fonts, styles
from documents.qr import draw_qr

CARD_W, CARD_H = 170 * mm, 108 * mm  # twice an ID card (85.6 × 54 mm), readable when printed
PHOTO_W, PHOTO_H = 30 * mm, 40 * mm
QR_SIZE = 30 * mm
QR_QUIET = 1 * mm
CARD_FILL = colors.HexColor("#f3f7fc")
GREY = colors.HexColor("#5c6773")


@dataclass(frozen=True)
class PermitCard:
    number: str
    name: str
    sex: str
    birth_date: dt.date | None
    id_number_masked: str
    address: str
    valid_from: dt.date
    valid_until: dt.date
    station: str
    issued_on: dt.date
    verify_url: str
    photo: bytes = b""  # JPEG/PNG bytes, or empty for the placeholder box
    renewed: bool = False


def _date(d: dt.date | None) -> str:
    return d.strftime("%Y-%m-%d") if d else "—"


def _photo(c, card: PermitCard, x: float, y: float, font: str) -> None:
    """The holder's photo fitted into its box, or a neat placeholder saying 照片."""
    c.setStrokeColor(colors.HexColor("#9aa7b4"))
    c.setLineWidth(0.6)
    if card.photo:
        try:
            c.drawImage(
                ImageReader(io.BytesIO(card.photo)), x, y, PHOTO_W, PHOTO_H, preserveAspectRatio=True, anchor="c"
            )
            c.rect(x, y, PHOTO_W, PHOTO_H)
            return
        except (OSError, ValueError):  # an unreadable photo must not stop the permit
            pass
    c.setFillColor(colors.white)
    c.setDash(3, 2)
    c.rect(x, y, PHOTO_W, PHOTO_H, fill=1)
    c.setDash()
    c.setFillColor(colors.HexColor("#9aa7b4"))
    c.setFont(font, 12)
    c.drawCentredString(x + PHOTO_W / 2, y + PHOTO_H / 2 - 4, _("Photo"))


def render_permit(card: PermitCard) -> bytes:
    """One A4 page: letterhead, the card (photo, fields, QR to the verify page), notes below."""
    font = register_fonts()
    st = styles()
    buf = io.BytesIO()
    page_w, page_h = A4
    c = pdfcanvas.Canvas(buf, pagesize=A4, pageCompression=1)
    title = _("Residence permit")
    c.setTitle(f"{title} {card.number}")
    c.setAuthor(card.station)
    c.setSubject(_("Residence permit"))

    y = draw_letterhead(c, station_name=card.station, page_width=page_w, top=page_h - 36)

    # The card.
    x0 = (page_w - CARD_W) / 2
    top = y - 24
    y0 = top - CARD_H
    c.saveState()
    c.setFillColor(CARD_FILL)
    c.setStrokeColor(BLUE)
    c.setLineWidth(1.2)
    c.roundRect(x0, y0, CARD_W, CARD_H, 10, fill=1)
    # Header band.
    band = 34
    path = c.beginPath()
    r = 10
    path.moveTo(x0, top - band)
    path.lineTo(x0, top - r)
    path.arcTo(x0, top - 2 * r, x0 + 2 * r, top, startAng=180, extent=-90)
    path.lineTo(x0 + CARD_W - r, top)
    path.arcTo(x0 + CARD_W - 2 * r, top - 2 * r, x0 + CARD_W, top, startAng=90, extent=-90)
    path.lineTo(x0 + CARD_W, top - band)
    path.close()
    c.setFillColor(BLUE)
    c.drawPath(path, fill=1, stroke=0)
    c.setFillColor(colors.white)
    c.setFont(font, 20)
    c.drawString(x0 + 16, top - 24, _("Residence permit"))
    c.setFont(font, 10)
    c.drawRightString(x0 + CARD_W - 16, top - 21, card.station)
    c.restoreState()

    # Photo, left.
    px, py = x0 + 16, top - band - 14 - PHOTO_H
    _photo(c, card, px, py, font)

    # Fields, right of the photo; the QR code sits bottom right.
    label_x = px + PHOTO_W + 16
    value_x = label_x + 62
    value_w = x0 + CARD_W - 16 - value_x
    rows = [
        (_("Name"), card.name),
        (_("Sex"), card.sex or "—"),
        (_("Birth date"), _date(card.birth_date)),
        (_("ID number"), card.id_number_masked),
        (_("Address"), card.address),
        (_("Validity"), f"{_date(card.valid_from)} — {_date(card.valid_until)}"),
        (_("Issued by"), card.station),
    ]
    value_style = st["base"].clone("permit-value", fontSize=11, leading=14)
    line_y = top - band - 22
    for label, value in rows:
        c.setFont(font, 9)
        c.setFillColor(GREY)
        c.drawString(label_x, line_y, label)
        width = value_w - (QR_SIZE + 8 if line_y < y0 + 14 + QR_SIZE + 14 else 0)
        p = Paragraph(value.replace("&", "&amp;").replace("<", "&lt;"), value_style)
        _w, h = p.wrap(width, 40)
        p.drawOn(c, value_x, line_y - h + 11)
        line_y -= max(h, 14) + 5

    # QR code to the public verify page.
    qx, qy = x0 + CARD_W - 16 - QR_SIZE, y0 + 24
    draw_qr(c, card.verify_url, qx + QR_QUIET, qy + QR_QUIET, QR_SIZE - 2 * QR_QUIET)
    c.setFont(font, 7.5)
    c.setFillColor(GREY)
    c.drawCentredString(qx + QR_SIZE / 2, qy - 10, _("Scan to verify"))

    # Number, bottom left.
    c.setFillColor(RED)
    c.setFont(font, 9)
    c.drawString(px, y0 + 28, _("Permit number"))
    c.setFont(font, 14)
    c.drawString(px, y0 + 12, card.number)

    # Below the card: issue date and the rules in one paragraph.
    notes_top = y0 - 30
    c.setFillColor(colors.black)
    c.setFont(font, 11)
    c.drawString(
        x0, notes_top, _("Issued on %(day)s by %(station)s") % {"day": _date(card.issued_on), "station": card.station}
    )
    notes = [
        _(
            "The permit is valid for one year. Renew it (签注) at the police station of your place of residence "
            "within the 30 days before it expires."
        ),
        _("Anyone can check this permit by scanning the QR code: the page shows only whether it is valid."),
    ]
    if card.renewed:
        notes.insert(0, _("Renewed: valid until %(day)s.") % {"day": _date(card.valid_until)})
    ny = notes_top - 10
    small = st["small"].clone("permit-note", textColor=GREY)
    for text in notes:
        p = Paragraph(text, small)
        _w, h = p.wrap(CARD_W, 60)
        ny -= h + 4
        p.drawOn(c, x0, ny)

    # A cut line around the card, for printing on card stock.
    c.setStrokeColor(colors.HexColor("#c9d1da"))
    c.setDash(2, 3)
    c.setLineWidth(0.4)
    c.rect(x0 - 8, y0 - 8, CARD_W + 16, CARD_H + 16)
    c.setDash()

    c.showPage()
    c.save()
    return buf.getvalue()
