"""The rectification notice (隐患整改通知书 / 责令限期改正通知书) as an A4 PDF, one or more pages.

A leaf module: it knows nothing of models. The caller passes a :class:`NoticeDoc` of plain
values and gets PDF bytes. Strings are translated in the active language; the caller chooses it.
The receipt box at the end carries either the sign code (the copy handed to the venue), nothing
(the copy anyone with the link may download), or the signature and time (the archived copy).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from documents.pdf import RED, draw_letterhead, register_fonts, styles
from documents.qr import QRFlowable

# xgettext cannot see gettext calls inside f-strings: these mark the labels used there.
_LABELS = [
    gettext_noop("Found"), gettext_noop("Legal basis"), gettext_noop("Deadline"), gettext_noop("Signature"),
    gettext_noop("Receipt of the inspected venue"), gettext_noop("Signed by"), gettext_noop("Date"),
    gettext_noop("Sign code"), gettext_noop("Inspecting officers"),
]  # fmt: skip

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN - 12  # the frame's own padding is 6 pt each side
PHOTO_W = 45 * mm
PHOTO_MAX_H = 40 * mm
QR_SIZE = 30 * mm
QR_QUIET = 1 * mm
SIGNATURE_W, SIGNATURE_H = 50 * mm, 18 * mm
GREY = colors.HexColor("#5c6773")
LINE = colors.HexColor("#9aa7b4")


@dataclass(frozen=True)
class HazardRow:
    text: str
    note: str
    legal_basis: str
    grade: str  # its label: "Within 7 days"
    deadline: str  # "2026-05-01"
    photo: bytes = b""  # JPEG/PNG bytes, or empty


@dataclass(frozen=True)
class NoticeDoc:
    number: str
    round: int
    station: str
    station_phone: str
    venue: str
    responsible: str
    address: str
    inspected_at: str  # "2026-04-24 10:30", local time
    issued_on: str  # "2026-04-24": the date under the station's name
    officers: str
    public_url: str
    hazards: list[HazardRow] = field(default_factory=list)
    sign_code: str = ""  # printed in the receipt box of the copy handed to the venue
    signature: bytes = b""  # PNG: the signed, archived copy
    signer_name: str = ""
    signed_at: str = ""


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notice_title(round_: int) -> str:
    return _("Order to correct within a time limit") if round_ > 1 else _("Notice of fire hazards to rectify")


class _Encoded(ImageReader):
    """An image whose JPEG goes into the PDF as it is, never decoded.

    ``canvas.drawImage`` names each image by the MD5 of its decoded pixels: for a photo, a full
    decode (and 3 MB held until the garbage collector's next full pass — a worker rendering
    notices with photos grew by about 0.6 MB a notice) only to embed the JPEG unchanged. The
    encoded bytes name it as well. Other formats are decoded as before.
    """

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self._encoded = data

    def getRGBData(self):
        if getattr(self._image, "format", None) != "JPEG":
            return super().getRGBData()
        self._dataA = None  # no alpha channel: read by drawImage for mask="auto"
        return self._encoded


class _Photo(Image):
    def __init__(self, reader: ImageReader, width: float, height: float):
        self._img = reader  # before Image reads it, so that it opens no reader of its own
        super().__init__(reader.fp, width=width, height=height)


def _photo(data: bytes):
    """The hazard's photo scaled into 45 mm × 40 mm, or None if there is none or it is unreadable."""
    if not data:
        return None
    try:
        reader = _Encoded(data)
        w, h = reader.getSize()
    except (OSError, ValueError):
        return None
    scale = min(PHOTO_W / w, PHOTO_MAX_H / h)
    return _Photo(reader, width=w * scale, height=h * scale)


def _hazard(n: int, h: HazardRow, st) -> KeepTogether:
    small = st["small"]
    grey = small.clone("hazard-label", textColor=GREY)
    body = [
        Paragraph(f"<b>{n}. {_esc(h.text)}</b>", st["base"]),
        Spacer(1, 2),
    ]
    if h.note:
        body.append(Paragraph(f"<font color='#5c6773'>{_esc(_('Found'))}:</font> {_esc(h.note)}", small))
    body.append(Paragraph(f"<font color='#5c6773'>{_esc(_('Legal basis'))}:</font> {_esc(h.legal_basis)}", small))
    body.append(
        Paragraph(
            f"<font color='#5c6773'>{_esc(_('Deadline'))}:</font> "
            f"<font color='#c1121f'><b>{_esc(h.deadline)}</b></font> ({_esc(h.grade)})",
            small,
        )
    )
    photo = _photo(h.photo) or Paragraph(_esc(_("No photo")), grey)
    table = Table([[body, photo]], colWidths=[CONTENT_W - PHOTO_W - 6 * mm, PHOTO_W + 6 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return KeepTogether([table])


def _receipt(doc: NoticeDoc, st) -> Table:
    """The QR code to the notice's page beside the receipt box (signature and date)."""
    base, small = st["base"], st["small"]
    qr = QRFlowable(doc.public_url, QR_SIZE, quiet=QR_QUIET)
    qr_cell = [qr, Paragraph(_esc(_("Scan to read the notice online, sign it or report a hazard fixed.")), small)]
    box = [Paragraph(f"<b>{_esc(_('Receipt of the inspected venue'))}</b>", base), Spacer(1, 4)]
    if doc.signature:
        try:
            reader = ImageReader(io.BytesIO(doc.signature))
            w, h = reader.getSize()
            scale = min(SIGNATURE_W / w, SIGNATURE_H / h)
            sig = Image(io.BytesIO(doc.signature), width=w * scale, height=h * scale)
            sig.hAlign = "LEFT"
        except (OSError, ValueError):
            sig = Paragraph("—", base)
        box += [
            Paragraph(f"{_esc(_('Signature'))}:", base),
            sig,
            Paragraph(f"{_esc(_('Signed by'))}: {_esc(doc.signer_name)}", base),
            Paragraph(f"{_esc(_('Date'))}: {_esc(doc.signed_at)}", base),
        ]
    else:
        box += [
            Spacer(1, 8),
            Paragraph(f"{_esc(_('Signature'))}: ______________________", base),
            Spacer(1, 10),
            Paragraph(f"{_esc(_('Date'))}: ________ / ____ / ____", base),
        ]
        if doc.sign_code:
            box += [
                Spacer(1, 6),
                Paragraph(
                    f"{_esc(_('Sign code'))}: <font color='#c1121f' size='13'><b>{_esc(doc.sign_code)}</b></font>",
                    base,
                ),
                Paragraph(_esc(_("Enter this code on the notice's page to sign it on your phone.")), small),
            ]
    table = Table([[qr_cell, box]], colWidths=[QR_SIZE + 12 * mm, CONTENT_W - QR_SIZE - 12 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (1, 0), (1, 0), 0.8, colors.black),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 8),
                ("TOPPADDING", (1, 0), (1, 0), 6),
                ("BOTTOMPADDING", (1, 0), (1, 0), 8),
            ]
        )
    )
    return table


def render_notice(doc: NoticeDoc) -> bytes:
    """A4 pages: letterhead, title and number, the venue, the hazards (each with its photo),
    the officers, the QR code and the receipt box; the station's phone and page number below."""
    font = register_fonts()
    st = styles()
    buf = io.BytesIO()
    title = notice_title(doc.round)

    def page(canvas, template):
        canvas.saveState()
        draw_letterhead(canvas, station_name=doc.station, page_width=PAGE_W, top=PAGE_H - 24)
        canvas.setFont(font, 8.5)
        canvas.setFillColor(GREY)
        footer = doc.station
        if doc.station_phone:
            footer += "  ·  " + _("Phone: %(phone)s") % {"phone": doc.station_phone}
        canvas.drawString(MARGIN, 12 * mm, footer)
        canvas.drawRightString(PAGE_W - MARGIN, 12 * mm, f"{doc.number}  ·  {template.page}")
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=30 * mm, bottomMargin=20 * mm,
        title=f"{title} {doc.number}", author=doc.station, subject=title, pageCompression=1,
    )  # fmt: skip
    label = st["base"].clone("label", textColor=GREY)
    info = [
        (_("Inspected venue"), doc.venue),
        (_("Responsible person"), doc.responsible or "—"),
        (_("Address"), doc.address),
        (_("Inspected on"), doc.inspected_at),
    ]
    info_table = Table(
        [[Paragraph(_esc(k), label), Paragraph(_esc(v), st["base"])] for k, v in info],
        colWidths=[32 * mm, CONTENT_W - 32 * mm],
    )
    info_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    number_style = st["subtitle"].clone("number", textColor=RED)
    right = st["base"].clone("right", alignment=TA_RIGHT)
    story = [
        Paragraph(_esc(title), st["title"]),
        Paragraph(_esc(doc.number), number_style),
        Spacer(1, 8),
        info_table,
        Spacer(1, 6),
        Paragraph(
            _esc(
                _(
                    "On inspection, the following fire-safety hazards were found at your venue. Under article 53 "
                    "of the Fire Protection Law of the People's Republic of China, you are ordered to correct each "
                    "of them by its deadline:"
                )
            ),
            st["base"],
        ),
        Spacer(1, 2),
    ]
    story += [_hazard(n, h, st) for n, h in enumerate(doc.hazards, start=1)]
    story += [
        Spacer(1, 6),
        Paragraph(
            _esc(
                _(
                    "Keep the venue safe while you correct the hazards. When a hazard is fixed, report it with "
                    "photos on the notice's page (scan the QR code); the officer will inspect again after the "
                    "deadline. Hazards not corrected in time are referred to the fire department and dealt with "
                    "according to law."
                )
            ),
            st["small"],
        ),
        Spacer(1, 6),
        Paragraph(f"{_esc(_('Inspecting officers'))}: {_esc(doc.officers)}", st["base"]),
        Paragraph(_esc(doc.station), right),
        Paragraph(_esc(doc.issued_on), right),
        Spacer(1, 10),
        KeepTogether([_receipt(doc, st)]),
    ]
    pdf.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()
