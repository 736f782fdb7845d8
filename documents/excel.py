"""Excel (.xlsx) in and out: styled ledger exports, import templates with a 说明 sheet, and
reading an uploaded sheet into rows by header. No models.

* ``write_table`` streams rows through openpyxl's write-only mode, so memory stays flat however
  many rows a ledger has: a title row, a frozen, filterable header row, column widths that count
  a CJK character as two, dates as real Excel dates and every string stored as text (a value
  starting with ``=``, ``+``, ``-`` or ``@`` never becomes a formula, not even when edited).
* ``build_template`` makes an import template: the header row (required columns marked ``*``),
  one example row (skipped on import), ID and phone columns formatted as text so Excel keeps
  every digit, drop-down lists for columns with fixed values, and a 说明 sheet with one line per
  column.
* ``read_table`` checks an upload (type, size, what it unpacks to, shape) and returns its rows keyed by header with
  the row numbers Excel shows. Anything wrong with the file as a whole raises ``ExcelError``
  whose message is meant for the person who uploaded it; it never lets a parser error through.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

log = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# What an upload may unpack to. Real workbooks inflate 5-20 times; a zip bomb (a sheet of blank
# rows, a giant shared string) a thousand times, and openpyxl would parse all of it.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_UNPACK_RATIO = 100
MAX_ROWS = 5000
MAX_COLUMNS = 40  # columns read from an upload; more are ignored (a sheet can claim 16,384)
HEADER_SEARCH_ROWS = 5  # the header row may sit below a title row or two
EXAMPLE_MARK = "【示例】"  # a row whose first cell starts with this is the template's example
INSTRUCTIONS_SHEET = "说明"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_TITLE_FONT = Font(bold=True, size=14)
_TITLE_INLINE = InlineFont(b=True, sz=14)
_SUBTITLE_INLINE = InlineFont(sz=10, color="5C6773")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REQUIRED_FONT = Font(bold=True, color="FFE08A")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")
_EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
_THIN = Side(style="thin", color="B7C3D0")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)


class ExcelError(ValueError):
    """The uploaded file as a whole cannot be used; ``str()`` says why, for the uploader."""


@dataclass(frozen=True)
class Column:
    """One column of a ledger or template.

    ``text``: typed and stored as text (IDs, phones), so Excel neither rounds nor reformats it.
    ``choices``: the allowed values, offered as a drop-down in templates.
    ``note``: what to fill in, for the 说明 sheet. ``width`` in Excel character units.
    """

    header: str
    width: float | None = None
    required: bool = False
    text: bool = False
    number_format: str | None = None
    choices: tuple[str, ...] = ()
    note: str = ""
    example: Any = ""

    @property
    def label(self) -> str:
        return f"{self.header}*" if self.required else self.header


def display_width(value: Any) -> int:
    """Columns ``value`` takes on screen: two for each CJK (wide or full-width) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def column_width(column: Column) -> float:
    if column.width:
        return column.width
    return max(display_width(column.label), display_width(column.example)) + 4


def normalise_header(value: Any) -> str:
    """``"入住日期* (YYYY-MM-DD)"`` → ``"入住日期"``: no marks, notes in brackets or spaces."""
    text = cell_text(value)
    text = re.sub(r"[（(].*?[)）]", "", text)
    return re.sub(r"[\s*＊]", "", text)


def cell_text(value: Any) -> str:
    """A cell as typed text: numbers without ``.0``, dates as ``YYYY-MM-DD``, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


_DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def parse_date(value: Any) -> dt.date:
    """A date from a cell: an Excel date, ``2026-01-05``, ``2026/1/5``, ``2026年1月5日`` or a day
    serial. Raises ``ValueError`` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # a date cell read without its format: a day serial
            return from_excel(value).date()
        raise ValueError(value)
    text = cell_text(value)
    for pattern in _DATE_PATTERNS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def _excel_value(value: Any) -> Any:
    """openpyxl cannot store aware datetimes; Excel has no time zones: write local time."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


# ---- out ----------------------------------------------------------------------------------------


def write_table(
    stream: IO[bytes],
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    subtitle: str = "",
    sheet_title: str = "",
) -> int:
    """Write one sheet — title row, frozen header row, ``rows`` — to ``stream``; return the count.

    ``rows`` may be a generator over a queryset iterator: it is consumed once, row by row
    (openpyxl write-only mode). The title row carries ``subtitle`` after the title.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_name(sheet_title or title))
    last = get_column_letter(len(columns))
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column_width(column)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    if len(columns) > 1:
        ws.merged_cells.add(f"A1:{last}1")

    head = WriteOnlyCell(ws, value=title)
    if subtitle:
        head.value = CellRichText(TextBlock(_TITLE_INLINE, title), TextBlock(_SUBTITLE_INLINE, f"    {subtitle}"))
    head.font, head.alignment = _TITLE_FONT, Alignment(vertical="center")
    ws.append([head])
    ws.append([_header_cell(ws, c) for c in columns])

    formats = [c.number_format for c in columns]
    count = 0
    for row in rows:
        ws.append([_body_cell(ws, value, fmt) for value, fmt in zip(row, formats, strict=True)])
        count += 1
    ws.auto_filter.ref = f"A2:{last}{count + 2}"
    wb.save(stream)
    return count


def _sheet_name(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1"


def _header_cell(ws, column: Column) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=column.header)
    cell.font, cell.fill, cell.alignment, cell.border = _HEADER_FONT, _HEADER_FILL, _CENTER, _BORDER
    return cell


# Spreadsheet programs read a cell typed or re-entered with one of these first as a formula
# (OWASP "CSV injection"; leading tab, carriage return and full-width signs included).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def _body_cell(ws, value: Any, number_format: str | None):
    value = _excel_value(value)
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        # Text that looks like a formula stays text: stored as a string, and quote-prefixed so that
        # Excel and WPS keep it text when someone edits the cell. The value itself is unchanged.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if number_format and value is not None:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = number_format
        return cell
    return value


def build_template(
    *, sheet_title: str, columns: Sequence[Column], notes: Sequence[str] = (), rows: int = MAX_ROWS
) -> bytes:
    """An import template: header row, one example row, a 说明 sheet. Returns the .xlsx bytes.

    Text columns (IDs, phones) are formatted as text down to ``rows`` so that what is typed or
    pasted keeps every digit; columns with ``choices`` get a drop-down list.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_name(sheet_title)
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        dim = ws.column_dimensions[letter]
        dim.width = column_width(column)
        if column.text:
            dim.number_format = "@"
        cell = ws.cell(row=1, column=i, value=column.label)
        cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        cell.fill, cell.alignment, cell.border = _HEADER_FILL, _CENTER, _BORDER
        example = ws.cell(row=2, column=i, value=column.example if column.example != "" else None)
        example.font = _EXAMPLE_FONT
        if column.text:
            example.number_format = "@"
        if column.choices:
            listed = ",".join(column.choices)
            rule = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=not column.required)
            rule.error = _("Choose one of: %(choices)s") % {"choices": "、".join(column.choices)}
            rule.errorTitle = column.header
            rule.showErrorMessage = True
            ws.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{rows + 1}")
    ws.row_dimensions[1].height = 24
    ws.freeze_panes = "A2"

    sheet = wb.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 60
    sheet.column_dimensions["D"].width = 24
    sheet.cell(row=1, column=1, value=_("How to fill in this template")).font = _TITLE_FONT
    line = 2
    for note in notes:
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=4)
        cell = sheet.cell(row=line, column=1, value=note)
        cell.alignment = _WRAP
        sheet.row_dimensions[line].height = 15 * max(1, -(-display_width(note) // 100))
        line += 1
    line += 1
    for i, head in enumerate((_("Column"), _("Required"), _("What to enter"), _("Example")), start=1):
        cell = sheet.cell(row=line, column=i, value=head)
        cell.font, cell.fill, cell.alignment, cell.border = _HEADER_FONT, _HEADER_FILL, _CENTER, _BORDER
    for column in columns:
        line += 1
        values = (
            column.header,
            _("yes") if column.required else _("no"),
            column.note,
            cell_text(column.example).removeprefix(EXAMPLE_MARK),
        )
        for i, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=i, value=value)
            cell.alignment, cell.border = _WRAP, _BORDER
            if i == 4:
                cell.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- in -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """One data row of an upload: ``number`` as Excel shows it; ``values`` by normalised header."""

    number: int
    values: dict[str, Any]

    def text(self, header: str) -> str:
        return cell_text(self.values.get(header))


def check_upload(file, *, max_bytes: int | None = None) -> None:
    """Refuse anything that is not a modest .xlsx before it reaches a parser."""
    max_bytes = max_bytes or MAX_UPLOAD_BYTES
    name = (getattr(file, "name", "") or "").lower()
    if name and not name.endswith(".xlsx"):
        if name.endswith((".xls", ".csv", ".et", ".wps")):
            raise ExcelError(_("Upload an .xlsx file: open this file in Excel or WPS and save it as .xlsx first."))
        raise ExcelError(_("Upload an Excel workbook (.xlsx)."))
    size = getattr(file, "size", None)
    if size is None:
        pos = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(pos)
    if size == 0:
        raise ExcelError(_("The file is empty."))
    if size > max_bytes:
        raise ExcelError(
            _("The file is %(size)s MB; at most %(max)s MB can be uploaded. Split it into smaller files.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": max_bytes // (1024 * 1024)}
        )
    file.seek(0)
    magic = file.read(4)
    file.seek(0)
    if magic != b"PK\x03\x04":
        raise ExcelError(_("This file is not an Excel workbook (.xlsx), even if its name says so."))
    check_unpacked_size(file, size=size)


def check_unpacked_size(file, *, size: int, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a zip whose members claim more than ``max_unpacked`` bytes, or more than
    ``MAX_UNPACK_RATIO`` times the file's ``size``, before any parser inflates it.

    The declared sizes bound what is read: Python's ``zipfile`` (which openpyxl uses) stops at a
    member's declared size and checks its CRC. A file that is no zip at all is left to the parser.
    """
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return
    finally:
        file.seek(0)
    if unpacked > max_unpacked or unpacked > MAX_UNPACK_RATIO * max(size, 1):
        raise ExcelError(
            _("The workbook is too large when unpacked (%(size)s MB of data): split it into smaller files.")
            % {"size": f"{unpacked / 1024 / 1024:,.0f}"}
        )


def read_table(
    file,
    *,
    columns: Sequence[Column],
    max_rows: int | None = None,
    max_bytes: int | None = None,
) -> list[SheetRow]:
    """The data rows of the first sheet (not 说明) of an uploaded .xlsx, keyed by header.

    The header row is found among the first rows by its required headers; headers match with
    ``*``, spaces and bracketed notes ignored. Empty rows and the template's example row are
    skipped. Raises ``ExcelError`` for a file that is not a readable .xlsx, too big, has no
    sheet, lacks a required column, has no data rows or more than ``max_rows``.
    """
    max_rows = max_rows or MAX_ROWS
    check_upload(file, max_bytes=max_bytes)
    wanted = {normalise_header(c.header) for c in columns}
    required = [normalise_header(c.header) for c in columns if c.required]
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # a zip that is no workbook fails in many ways; none may be a 500
        log.info("unreadable upload: %r", exc)
        raise ExcelError(_("The file cannot be read as an Excel workbook (.xlsx): it may be damaged.")) from None
    try:
        return _read_rows(wb, wanted=wanted, required=required, max_rows=max_rows)
    except ExcelError:
        raise
    except Exception as exc:
        log.info("unreadable upload: %r", exc)
        raise ExcelError(_("The file cannot be read as an Excel workbook (.xlsx): it may be damaged.")) from None
    finally:
        wb.close()


def _read_rows(wb, *, wanted: set[str], required: list[str], max_rows: int) -> list[SheetRow]:
    sheets = [ws for ws in wb.worksheets if ws.title != INSTRUCTIONS_SHEET and hasattr(ws, "iter_rows")]
    if not sheets:
        raise ExcelError(_("The workbook has no sheet with data."))
    ws = sheets[0]
    ws.reset_dimensions()  # do not trust the stored dimensions: some programs write them wrong
    rows = ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)

    header_at, positions, best_missing, blank = 0, {}, required, True
    for number, values in enumerate(rows, start=1):
        blank = blank and all(cell_text(v) == "" for v in values)
        found = {}
        for index, value in enumerate(values):
            key = normalise_header(value)
            if key in wanted and key not in found:
                found[key] = index
        missing = [h for h in required if h not in found]
        if found and not missing:
            header_at, positions = number, found
            break
        if found and len(missing) < len(best_missing):
            best_missing = missing
        if number >= HEADER_SEARCH_ROWS:
            break
    if not header_at:
        if blank:
            raise ExcelError(_("The workbook is empty."))
        raise ExcelError(
            _("Columns missing: %(columns)s. Fill in the template from this page and keep its header row.")
            % {"columns": "、".join(best_missing)}
        )

    result: list[SheetRow] = []
    for number, values in enumerate(rows, start=header_at + 1):
        picked = {key: values[i] if i < len(values) else None for key, i in positions.items()}
        if all(cell_text(v) == "" for v in picked.values()):
            continue
        first = cell_text(values[0]) if values else ""
        if first.startswith(EXAMPLE_MARK):
            continue
        if len(result) >= max_rows:
            raise ExcelError(
                _("The file has more than %(max)s rows. Import at most %(max)s rows at a time: split the file.")
                % {"max": f"{max_rows:,}"}
            )
        result.append(SheetRow(number, picked))
    if not result:
        raise ExcelError(_("The file has no rows to import below the header row."))
    return result
