"""The people's mediation agreement (人民调解协议书) as an A4 PDF.

A leaf module: it knows nothing of models. The caller passes an :class:`AgreementDoc` of plain
values and gets PDF bytes; strings are translated in the active language (the caller chooses
it). Unsigned, each party has an empty signature line; signed, each party's drawn signature and
the date are stamped in, and the 30-day judicial-confirmation deadline is printed.
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

# xgettext cannot see gettext calls inside f-strings: these mark the labels used there.
_LABELS = [
    gettext_noop("ID number"), gettext_noop("Phone"), gettext_noop("Signature"), gettext_noop("Date"),
    gettext_noop("Place of mediation"), gettext_noop("Mediators"),
]  # fmt: skip

PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
CONTENT_W = PAGE_W - 2 * MARGIN - 12
SIGNATURE_W, SIGNATURE_H = 45 * mm, 16 * mm
GREY = colors.HexColor("#5c6773")
LINE = colors.HexColor("#9aa7b4")


@dataclass(frozen=True)
class PartyRow:
    role: str  # its label: "Applicant"
    name: str
    sex: str  # its label, or ""
    id_masked: str
    phone_masked: str
    signature: bytes = b""  # PNG, once signed
    signed_on: str = ""  # "2026-05-01"


@dataclass(frozen=True)
class AgreementDoc:
    number: str
    station: str
    station_phone: str
    category: str  # its label
    place: str  # where the session was held
    address: str  # where the dispute arose
    held_on: str  # "2026-04-24"
    facts: str
    terms: str
    mediators: list[str] = field(default_factory=list)  # "王法官（法官，金凤区人民法院）"
    parties: list[PartyRow] = field(default_factory=list)
    signed_on: str = ""  # the day the last party signed: the agreement is in force
    confirmation_deadline: str = ""  # signed_on + 30 days


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paragraphs(text: str, style) -> list:
    """Keep the officer's line breaks: one paragraph per non-empty line."""
    return [Paragraph(_esc(line), style) for line in (text or "").splitlines() if line.strip()] or [
        Paragraph("—", style)
    ]


def _section(title: str, st) -> Paragraph:
    return Paragraph(f"<b>{_esc(title)}</b>", st["heading"])


def _party_table(doc: AgreementDoc, st) -> Table:
    label = st["small"].clone("party-label", textColor=GREY)
    rows = []
    for p in doc.parties:
        who = f"<b>{_esc(p.name)}</b>" + (f"，{_esc(p.sex)}" if p.sex else "")
        details = f"{_esc(_('ID number'))}：{_esc(p.id_masked or '—')}"
        if p.phone_masked:
            details += f"　{_esc(_('Phone'))}：{_esc(p.phone_masked)}"
        rows.append([Paragraph(_esc(p.role), label), [Paragraph(who, st["base"]), Paragraph(details, st["small"])]])
    table = Table(rows, colWidths=[26 * mm, CONTENT_W - 26 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE),
            ]
        )
    )
    return table


def _signature_cell(p: PartyRow, st):
    base, small = st["base"], st["small"]
    cell = [Paragraph(f"{_esc(p.role)}：<b>{_esc(p.name)}</b>", base), Spacer(1, 3)]
    image = None
    if p.signature:
        try:
            w, h = ImageReader(io.BytesIO(p.signature)).getSize()
            scale = min(SIGNATURE_W / w, SIGNATURE_H / h)
            image = Image(io.BytesIO(p.signature), width=w * scale, height=h * scale)
            image.hAlign = "LEFT"
        except (OSError, ValueError):
            image = None
    if image is not None:
        cell += [Paragraph(f"{_esc(_('Signature'))}：", small), image]
        cell.append(Paragraph(f"{_esc(_('Date'))}：{_esc(p.signed_on)}", small))
    else:
        cell += [
            Spacer(1, 8),
            Paragraph(f"{_esc(_('Signature'))}：____________________", base),
            Spacer(1, 6),
            Paragraph(f"{_esc(_('Date'))}：______ 年 ____ 月 ____ 日", small),
        ]
    return cell


def _signatures(doc: AgreementDoc, st) -> Table:
    cells = [_signature_cell(p, st) for p in doc.parties]
    if len(cells) % 2:
        cells.append("")
    rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=[CONTENT_W / 2] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def render_agreement(doc: AgreementDoc) -> bytes:
    """A4 pages: letterhead, title and number, the parties, the facts, the terms, the legal
    clauses, the mediators, and a signature block per party; station and page number below."""
    font = register_fonts()
    st = styles()
    buf = io.BytesIO()
    title = _("People's mediation agreement")

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
    right = st["base"].clone("right", alignment=TA_RIGHT)
    body = st["base"].clone("body", firstLineIndent=22)
    story = [
        Paragraph(_esc(title), st["title"]),
        Paragraph(_esc(doc.number), st["subtitle"].clone("number", textColor=RED)),
        Spacer(1, 6),
        _section(_("Parties"), st),
        _party_table(doc, st),
        _section(_("Facts of the dispute and matters in dispute"), st),
        Paragraph(
            _esc(_("Category: %(category)s; place: %(address)s.") % {"category": doc.category, "address": doc.address}),
            st["small"],
        ),  # fmt: skip
        *_paragraphs(doc.facts, body),
        _section(_("Terms agreed through mediation"), st),
        Paragraph(_esc(_("Through mediation, the parties have voluntarily agreed as follows:")), st["base"]),
        *_paragraphs(doc.terms, body),
        Spacer(1, 6),
        Paragraph(
            _esc(
                _(
                    "This agreement is concluded under the People's Mediation Law of the People's Republic of "
                    "China. It takes effect when every party has signed it, is legally binding, and the parties "
                    "shall perform it as agreed. Within 30 days of its taking effect the parties may jointly apply "
                    "to the people's court for judicial confirmation."
                )
            ),
            st["small"],
        ),
    ]
    if doc.confirmation_deadline:
        in_force = _("In force since %(signed)s; judicial confirmation may be applied for until %(deadline)s.") % {
            "signed": doc.signed_on,
            "deadline": doc.confirmation_deadline,
        }
        story.append(Paragraph(f"<font color='#c1121f'>{_esc(in_force)}</font>", st["small"]))
    story += [
        Paragraph(_esc(_("One copy for each party and one kept by the mediation organisation.")), st["small"]),
        Spacer(1, 4),
        Paragraph(f"{_esc(_('Place of mediation'))}：{_esc(doc.place)}", st["base"]),
        Paragraph(f"{_esc(_('Mediators'))}：{_esc('；'.join(doc.mediators) or '—')}", st["base"]),
        Spacer(1, 6),
        KeepTogether([_section(_("Signatures of the parties"), st), _signatures(doc, st)]),
        Spacer(1, 8),
        Paragraph(_esc(doc.station), right),
        Paragraph(_esc(doc.held_on), right),
    ]
    pdf.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()
