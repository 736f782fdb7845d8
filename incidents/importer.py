"""Import of the dispatch system's incident export (警情导出), CSV or Excel, in the background.

File layout (first row = headers, any order; the headers are the file format, Chinese whatever the
page's language):

=========  ========  =====================================================================
column     required  content
=========  ========  =====================================================================
警情编号    yes       the dispatch system's number, ≤ 32 characters; the key of the import
报警时间    yes       ``YYYY-MM-DD HH:MM`` or ``YYYY-MM-DD HH:MM:SS`` (Beijing time; ``/`` also
                     accepted; an Excel date-time cell too)
警情类别    yes       刑事 / 治安 / 求助 / 纠纷 / 交通 / 火灾
警情细类    no        free text: 盗窃, 诈骗, 噪音扰民 …
发生地址    no        free text
经度 纬度   no        WGS84 decimal degrees, both or neither; the point places the incident in
                     its community grid (none: it counts as outside every grid)
简要情况    no        free text
=========  ========  =====================================================================

CSV: UTF-8 with or without BOM, or GBK (GB 18030), comma-separated. Excel: .xlsx, first sheet.

Unlike the registry imports this is a feed from another system and is **not all-or-nothing**:
each wrong row is reported (row number as the file shows it, column, message) and skipped; the
valid rows are saved. Idempotent by number: the same number again updates the stored incident
(an identical row is counted as unchanged), so importing the same file twice changes nothing.
Rows are saved in chunks of ``CHUNK`` with bulk operations, each chunk in its own transaction;
then the heat cells of every day touched are rebuilt.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.excel import ExcelError, check_unpacked_size
from incidents import services
from incidents.models import CATEGORY_ZH, Category, ImportStatus, IncidentImport

CHUNK = 2000
MAX_ROWS = 200_000
MAX_BYTES = 80 * 1024 * 1024
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # an 80 MB export of 200,000 rows unpacks to some hundreds of MB
MAX_ERRORS_KEPT = 1000

COLUMNS = ["警情编号", "报警时间", "警情类别", "警情细类", "发生地址", "经度", "纬度", "简要情况"]
REQUIRED = ["警情编号", "报警时间", "警情类别"]
CATEGORY_IN = {
    **{zh: value for value, zh in CATEGORY_ZH.items()},
    **{value: value for value in Category.values},
    "刑事警情": Category.CRIMINAL, "治安警情": Category.PUBLIC_ORDER, "求助警情": Category.ASSISTANCE,
    "纠纷警情": Category.DISPUTE, "交通警情": Category.TRAFFIC, "火灾警情": Category.FIRE, "火警": Category.FIRE,
}  # fmt: skip
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
LIMITS = {"警情编号": 32, "警情细类": 50, "发生地址": 200}

# Error codes → messages (English msgids), translated when the job page shows them.
MESSAGES = {
    "required": gettext_lazy("This column is required."),
    "too_long": gettext_lazy("At most %(max)d characters."),
    "time": gettext_lazy("Not a time: write YYYY-MM-DD HH:MM or YYYY-MM-DD HH:MM:SS."),
    "future": gettext_lazy("This time lies in the future."),
    "category": gettext_lazy("Unknown category: use one of 刑事, 治安, 求助, 纠纷, 交通, 火灾."),
    "number": gettext_lazy("Not a number of degrees."),
    "lat_range": gettext_lazy("A latitude lies between -90 and 90."),
    "lng_range": gettext_lazy("A longitude lies between -180 and 180."),
    "pair": gettext_lazy("Give both longitude and latitude, or neither."),
    "duplicate": gettext_lazy("The same incident number as row %(row)d."),
    "file": "%(message)s",  # already translated when the file was refused
}


class ImportFileError(ValueError):
    """The file cannot be read at all (wrong format, missing columns, too many rows)."""


def error_message(error: dict) -> str:
    """The text of a stored row error, in the current language."""
    return str(MESSAGES.get(error.get("code"), "%(message)s")) % (error.get("params") or {})


# ---- reading ------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The file is neither UTF-8 nor GBK text: save it as CSV (UTF-8) or .xlsx.")) from exc


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_xlsx(name: str, head: bytes) -> bool:
    return name.lower().endswith(".xlsx") or head.startswith(b"PK\x03\x04")


def read_rows(file, name: str = "") -> tuple[list[str], Iterator[tuple[int, list]]]:
    """The header row and an iterator of (row number as the file shows it, raw values)."""
    head = file.read(4)
    file.seek(0)
    name = name or getattr(file, "name", "") or ""
    if _is_xlsx(name, head):
        return _read_xlsx(file)
    if name.lower().endswith((".xls", ".et", ".wps")):
        raise ImportFileError(_("Upload a CSV file or an .xlsx workbook (save .xls as .xlsx first)."))
    text = _decode(file.read())
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return [h.strip() for h in header], ((n, row) for n, row in enumerate(reader, start=2) if any(row))


def _read_xlsx(file):
    from openpyxl import load_workbook

    size = getattr(file, "size", None) or 0
    try:
        check_unpacked_size(file, size=size, max_unpacked=MAX_UNPACKED_BYTES)
    except ExcelError as exc:
        raise ImportFileError(str(exc)) from None
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ImportFileError(_("This file is not an Excel workbook (.xlsx), even if its name says so.")) from exc
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ImportFileError(_("The file is empty."))

    def body():
        for n, row in enumerate(rows, start=2):
            if any(v not in (None, "") for v in row):
                yield n, list(row)
        wb.close()

    return [_cell(h) for h in header], body()


def count_rows(file, name: str = "") -> int:
    """Check the headers and count the data rows (raises ``ImportFileError``)."""
    header, rows = read_rows(file, name)
    _column_index(header)
    n = sum(1 for _row in rows)
    file.seek(0)
    if n == 0:
        raise ImportFileError(_("The file has a header row but no incidents."))
    if n > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(n)d rows; at most %(max)d can be imported at once. Split it.") % {"n": n, "max": MAX_ROWS}
        )
    return n


def _column_index(header: list[str]) -> dict[str, int]:
    index = {}
    for i, h in enumerate(header):
        h = h.replace(" ", "").replace("\ufeff", "")
        if h in COLUMNS and h not in index:
            index[h] = i
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s. Download the template to see the layout.")
            % {"columns": "、".join(missing)}
        )
    return index


# ---- checking one row ---------------------------------------------------------------------------


def _time(value, now) -> tuple[dt.datetime | None, str | None]:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = _cell(value)
        moment = None
        for fmt in TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            return None, "time"
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + dt.timedelta(hours=1):
        return None, "future"
    return moment, None


def _degrees(text: str) -> float | None | str:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return "number"
    return value if math.isfinite(value) else "number"


def parse_row(values: list, index: dict[str, int], now) -> tuple[dict | None, list[tuple[str, str, dict]]]:
    """One row → (fields, errors as (column, code, params))."""

    def raw(col):
        i = index.get(col)
        return values[i] if i is not None and i < len(values) else None

    def text(col):
        return _cell(raw(col))

    errors = []
    number = text("警情编号")
    if not number:
        errors.append(("警情编号", "required", {}))
    for col, limit in LIMITS.items():
        if len(text(col)) > limit:
            errors.append((col, "too_long", {"max": limit}))
    occurred_at, code = (None, "required") if not text("报警时间") else _time(raw("报警时间"), now)
    if code:
        errors.append(("报警时间", code, {}))
    category = CATEGORY_IN.get(text("警情类别"))
    if category is None:
        errors.append(("警情类别", "required" if not text("警情类别") else "category", {}))
    lng, lat = _degrees(text("经度")), _degrees(text("纬度"))
    for col, value, bound, code in (("经度", lng, 180, "lng_range"), ("纬度", lat, 90, "lat_range")):
        if isinstance(value, str):
            errors.append((col, value, {}))
        elif value is not None and not -bound <= value <= bound:
            errors.append((col, code, {}))
    if not errors and (lat is None) != (lng is None):
        errors.append(("经度" if lng is None else "纬度", "pair", {}))
    if errors:
        return None, errors
    return {
        "number": number,
        "occurred_at": occurred_at,
        "category": category,
        "subcategory": text("警情细类"),
        "address": text("发生地址"),
        "lat": lat,
        "lng": lng,
        "summary": text("简要情况"),
    }, []


# ---- the job ------------------------------------------------------------------------------------


def import_start(*, user, file) -> IncidentImport:
    """Check the file's format and headers now, import its rows in the background.

    Raises ``ImportFileError`` (nothing saved) when the file cannot be read at all. The task is
    enqueued after commit."""
    from incidents.tasks import incident_import_run

    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImportFileError(
            _("The file is %(size)s MB; at most %(max)s MB can be uploaded. Split it into smaller files.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": MAX_BYTES // (1024 * 1024)}
        )
    name = getattr(file, "name", "") or ""
    total = count_rows(file, name)
    job = IncidentImport.objects.create(created_by=user, file=file, original_name=name[:200], total=total)
    transaction.on_commit(lambda: incident_import_run.delay(job.pk))
    return job


def _save_progress(job: IncidentImport, errors: list) -> None:
    job.errors = errors[:MAX_ERRORS_KEPT]
    job.save(update_fields=["done", "created", "updated", "skipped", "outside", "error_count", "errors"])


def import_run(job_id: int) -> IncidentImport:
    """Import a job's file (a finished job is left alone; a job interrupted midway runs again from
    the start, which is harmless: rows already saved come back as unchanged)."""
    job = IncidentImport.objects.get(pk=job_id)
    if job.finished:
        return job
    job.status = ImportStatus.RUNNING
    job.done = job.created = job.updated = job.skipped = job.outside = job.error_count = 0
    job.save(update_fields=["status", "done", "created", "updated", "skipped", "outside", "error_count"])
    now = timezone.now()
    locator = services.GridLocator()
    errors: list[dict] = []
    seen: dict[str, int] = {}
    days: set[dt.date] = set()
    chunk: dict[str, dict] = {}

    def flush():
        created, updated, unchanged, touched = services.incidents_save(rows=chunk, job=job)
        job.created += created
        job.updated += updated
        job.skipped += unchanged
        days.update(touched)
        chunk.clear()

    try:
        with job.file.open("rb") as f:
            header, rows = read_rows(f, job.original_name or job.file.name)
            index = _column_index(header)
            for number, values in rows:
                fields, row_errors = parse_row(values, index, now)
                if fields is not None and fields["number"] in seen:
                    row_errors = [("警情编号", "duplicate", {"row": seen[fields["number"]]})]
                if row_errors:
                    job.error_count += 1
                    errors.extend({"row": number, "column": c, "code": code, "params": p} for c, code, p in row_errors)
                else:
                    seen[fields["number"]] = number
                    grid_id = locator.grid_id(fields["lat"], fields["lng"])
                    if grid_id is None:
                        job.outside += 1
                    key = fields.pop("number")
                    chunk[key] = services.incident_fields(**fields, grid_id=grid_id)
                job.done += 1
                if len(chunk) >= CHUNK:
                    flush()
                    _save_progress(job, errors)
            if chunk:
                flush()
        services.heat_cells_rebuild(days=days)
        job.status = ImportStatus.DONE
    except ImportFileError as exc:
        errors.insert(0, {"row": 0, "column": "", "code": "file", "params": {"message": str(exc)}})
        job.status = ImportStatus.FAILED
        services.heat_cells_rebuild(days=days)
    job.finished_at = timezone.now()
    job.errors = errors[:MAX_ERRORS_KEPT]
    job.save()
    return job


def template_csv() -> bytes:
    """An empty CSV with the headers and one example row, UTF-8 with BOM (Excel opens it right)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    w.writerow(
        ["6401062024000001", "2024-05-01 21:35", "治安", "噪音扰民", "金凤区上海西路88号", "106.2309", "38.4872",
         "楼上装修噪音扰民，民警到场调解"]
    )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "警情"
    ws.append(COLUMNS)
    ws.append(
        ["6401062024000001", "2024-05-01 21:35", "治安", "噪音扰民", "金凤区上海西路88号", 106.2309, 38.4872,
         "楼上装修噪音扰民，民警到场调解"]
    )  # fmt: skip
    for col, width in zip("ABCDEFGH", (20, 18, 10, 12, 30, 12, 12, 40), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
