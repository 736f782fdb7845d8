"""The rectification notice (隐患整改通知书 / 责令限期改正通知书) as an A4 PDF, one or more pages.

A leaf module: it knows nothing of models. The caller passes a :class:`NoticeDoc` of plain
values and gets PDF bytes. Strings are translated in the active language; the caller chooses it.
The receipt box at the end carries either the sign code (the copy handed to the venue), nothing
(the copy anyone with the link may download), or the signature and time (the archived copy).

The notice is typeset by Typst (``documents/typst/notice.typ``), not ReportLab like the other
documents: it is the one PDF made in bulk — every inspection that finds a hazard issues one, and
re-renders it when signed — and a notice took ReportLab 17 ms of CPU (its layout, Chinese line
breaking and font subsetting in Python) against 4 ms here, which is what lets one worker render
a hundred a second. One compiler per process keeps the font loaded; each render writes its
photos beside a copy of the template and removes them afterwards.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import typst
from django.utils.translation import gettext as _

from documents.qr import qr_png_modules

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "typst" / "notice.typ"
FONTS = HERE / "fonts"


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


def notice_title(round_: int) -> str:
    return _("Order to correct within a time limit") if round_ > 1 else _("Notice of fire hazards to rectify")


_compiler: typst.Compiler | None = None
_root: Path | None = None
_lock = threading.Lock()  # one compiler per process; threads (gthread workers) take turns


def _typst() -> tuple[typst.Compiler, Path]:
    """The process's compiler (the font loaded once) and the folder renders write images into."""
    global _compiler, _root
    if _compiler is None:
        _root = Path(tempfile.mkdtemp(prefix="fengqiao-notice-"))
        shutil.copyfile(TEMPLATE, _root / TEMPLATE.name)  # Typst reads only inside its root
        atexit.register(shutil.rmtree, _root, ignore_errors=True)
        _compiler = typst.Compiler(
            str(_root / TEMPLATE.name), root=str(_root), font_paths=[str(FONTS)], ignore_system_fonts=True
        )
    return _compiler, _root


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data.startswith(b"\x89PNG"):
        return "png"
    return None  # not an image Typst embeds: left out rather than failing the notice


def _payload(doc: NoticeDoc, files: dict[str, bytes]) -> dict:
    """The template's data: values, translated labels, the QR code; images as file names (their
    bytes into ``files``)."""

    def image(data: bytes, name: str) -> str:
        kind = _image_kind(data) if data else None
        if kind is None:
            return ""
        files[f"{name}.{kind}"] = data
        return f"{name}.{kind}"

    footer = doc.station
    if doc.station_phone:
        footer += "  ·  " + _("Phone: %(phone)s") % {"phone": doc.station_phone}
    return {
        "title": notice_title(doc.round),
        "number": doc.number,
        "station": doc.station,
        "footer": footer,
        "info": [
            [_("Inspected venue"), doc.venue],
            [_("Responsible person"), doc.responsible or "—"],
            [_("Address"), doc.address],
            [_("Inspected on"), doc.inspected_at],
        ],
        "intro": _(
            "On inspection, the following fire-safety hazards were found at your venue. Under article 53 "
            "of the Fire Protection Law of the People's Republic of China, you are ordered to correct each "
            "of them by its deadline:"
        ),
        "hazards": [
            {
                "text": h.text,
                "note": h.note,
                "basis": h.legal_basis,
                "deadline": h.deadline,
                "grade": h.grade,
                "photo": image(h.photo, f"photo-{n}"),
            }
            for n, h in enumerate(doc.hazards, start=1)
        ],  # fmt: skip
        "closing": _(
            "Keep the venue safe while you correct the hazards. When a hazard is fixed, report it with "
            "photos on the notice's page (scan the QR code); the officer will inspect again after the "
            "deadline. Hazards not corrected in time are referred to the fire department and dealt with "
            "according to law."
        ),
        "officers": doc.officers,
        "issued_on": doc.issued_on,
        "qr": image(qr_png_modules(doc.public_url, quiet=1), "qr"),
        "sign_code": doc.sign_code,
        "signature": image(doc.signature, "signature"),
        "signer_name": doc.signer_name,
        "signed_at": doc.signed_at,
        "labels": {
            "found": _("Found"),
            "basis": _("Legal basis"),
            "deadline": _("Deadline"),
            "no_photo": _("No photo"),
            "officers": _("Inspecting officers"),
            "scan": _("Scan to read the notice online, sign it or report a hazard fixed."),
            "receipt": _("Receipt of the inspected venue"),
            "signature": _("Signature"),
            "signed_by": _("Signed by"),
            "date": _("Date"),
            "sign_code": _("Sign code"),
            "sign_hint": _("Enter this code on the notice's page to sign it on your phone."),
        },  # fmt: skip
    }


def render_notice(doc: NoticeDoc) -> bytes:
    """A4 pages: letterhead, title and number, the venue, the hazards (each with its photo),
    the officers, the QR code and the receipt box; the station's phone and page number below."""
    files: dict[str, bytes] = {}
    payload = _payload(doc, files)
    with _lock:
        compiler, root = _typst()
        # The same names every time: the compiler reads the files again at each render and keeps
        # one slot per path (a fresh name per render grew a worker by 0.2 MB a notice).
        folder = root / "render"
        folder.mkdir(exist_ok=True)
        try:
            for name, data in files.items():
                (folder / name).write_bytes(data)
            for h in payload["hazards"]:
                h["photo"] = f"{folder.name}/{h['photo']}" if h["photo"] else ""
            for key in ("signature", "qr"):
                if payload[key]:
                    payload[key] = f"{folder.name}/{payload[key]}"
            return compiler.compile(sys_inputs={"doc": json.dumps(payload, ensure_ascii=False)}, pdf_tags=False)
        finally:
            for name in files:
                (folder / name).unlink(missing_ok=True)
