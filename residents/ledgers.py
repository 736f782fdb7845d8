"""Ledgers (台账) in Excel: scoped, masked exports; all-or-nothing imports; the tenant sheet.

Exports: the person and house registries and the declaration and permit ledgers, read only
through ``visible_to``, identifiers only in their masked form, one audit row per export.
Rows stream from ``.iterator(chunk_size=2000)`` into openpyxl's write-only mode, so memory and
the query count stay flat however big the ledger.

Imports (persons, houses) are checked row by row first — every error of every row collected
with its row number and column — and saved only when the whole file is clean, in one
transaction through ``residents.services``. Up to ``excel.MAX_ROWS`` (5,000) rows are imported
synchronously within the request; bigger files are refused with a message.

``parse_tenant_rows`` and ``tenant_template`` serve the landlord's declaration page.

The column headers and the fixed values (户籍/流动/境外, 自住/出租 …) are the ledgers' Chinese
file format, the same whatever the page's language, so a template always reads back.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any, NamedTuple

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditAction, Role
from accounts.permissions import sees_attention
from accounts.services import audit
from documents import excel
from documents.excel import Column, ExcelError
from grid.models import Building, CommunityGrid
from grid.selectors import grid_filter
from lib import gb11643
from residents import services
from residents.models import (
    AttentionColour,
    AttentionTag,
    Colour,
    House,
    HouseholdStatus,
    HouseUse,
    IdType,
    ImportJob,
    JobStatus,
    Person,
    Relation,
    Residence,
    Sex,
)

CHUNK = 2000

# Who may export which ledger and who may import. Grid workers keep their grid's registries;
# the rental ledgers are police work. Everyone else gets a 404.
REGISTRY_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.GRID_WORKER, Role.CHIEF, Role.ADMIN})
RENTAL_LEDGER_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN})
IMPORT_ROLES = REGISTRY_ROLES
# Attention tags are sensitive: only police staff see them (DOMAIN.md), in exports too.

# ---- the ledgers' vocabulary ------------------------------------------------------------------

SEX_ZH = {Sex.MALE: "男", Sex.FEMALE: "女"}
HOUSEHOLD_ZH = {HouseholdStatus.REGISTERED: "户籍", HouseholdStatus.FLOATING: "流动", HouseholdStatus.FOREIGN: "境外"}
HOUSEHOLD_IN = {
    **{v: k for k, v in HOUSEHOLD_ZH.items()},
    "户籍人口": HouseholdStatus.REGISTERED,
    "常住": HouseholdStatus.REGISTERED,
    "流动人口": HouseholdStatus.FLOATING,
    "境外人员": HouseholdStatus.FOREIGN,
}
RELATION_ZH = {
    Relation.HOUSEHOLDER: "户主", Relation.SPOUSE: "配偶", Relation.CHILD: "子女",
    Relation.PARENT: "父母", Relation.TENANT: "租客", Relation.OTHER: "其他",
}  # fmt: skip
RELATION_IN = {**{v: k for k, v in RELATION_ZH.items()}, "本人": Relation.HOUSEHOLDER, "承租人": Relation.TENANT}
USE_ZH = {
    HouseUse.OWNER_OCCUPIED: "自住", HouseUse.RENTAL: "出租", HouseUse.HOTEL: "酒店/民宿",
    HouseUse.STUDIO: "工作室", HouseUse.SHOP: "商铺", HouseUse.VACANT: "空置",
}  # fmt: skip
USE_CHOICES = ("自住", "出租", "酒店", "民宿", "工作室", "商铺", "空置")
USE_IN = {
    "自住": HouseUse.OWNER_OCCUPIED, "出租": HouseUse.RENTAL, "酒店": HouseUse.HOTEL, "民宿": HouseUse.HOTEL,
    "酒店/民宿": HouseUse.HOTEL, "工作室": HouseUse.STUDIO, "商铺": HouseUse.SHOP, "空置": HouseUse.VACANT,
}  # fmt: skip
COLOUR_ZH = {Colour.GREEN: "绿", Colour.YELLOW: "黄", Colour.BLUE: "蓝", Colour.ORANGE: "橙", Colour.NONE: ""}
ATTENTION_COLOUR_ZH = {
    AttentionColour.RED: "红", AttentionColour.ORANGE: "橙", AttentionColour.YELLOW: "黄", AttentionColour.GREEN: "绿",
}  # fmt: skip
ATTENTION_TAG_ZH = {
    AttentionTag.ELDERLY_ALONE: "独居老人", AttentionTag.LEFT_BEHIND_CHILD: "留守儿童",
    AttentionTag.DISABLED: "残疾人", AttentionTag.FOCUS: "重点关注",
    AttentionTag.COMMUNITY_CORRECTION: "社区矫正对象", AttentionTag.RELEASED: "刑满释放人员",
}  # fmt: skip
YES_NO = {True: "是", False: "否"}

D, DT = excel.DATE_FORMAT, excel.DATETIME_FORMAT


# ---- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilters:
    """The list pages' filters an export honours: ``q`` (search), ``grid`` (a visible grid's id),
    ``status`` (declarations, permits) and ``use`` (houses)."""

    q: str = ""
    grid: CommunityGrid | None = None
    status: str = ""
    use: str = ""

    def describe(self) -> str:
        """For the audit trail: which part of the ledger was exported. A searched ID or phone
        number is written masked: the audit trail must not become a copy of them."""
        parts = []
        if self.grid is not None:
            parts.append(f"grid={self.grid.pk} ({self.grid.name})")
        if self.q:
            q = self.q.replace(" ", "")
            if gb11643.is_valid(q):
                q = gb11643.mask(q)
            elif re.fullmatch(r"\d{7,}", q):
                q = gb11643.mask_phone(q)
            parts.append(f"q={q}")
        if self.status:
            parts.append(f"status={self.status}")
        if self.use:
            parts.append(f"use={self.use}")
        return "; ".join(parts) or "all"

    def scope_text(self) -> str:
        return self.grid.name if self.grid is not None else "全部可见网格"


def ledger_filters(user, params) -> LedgerFilters:
    """Filters from a query dict. A ``grid`` the user cannot see (or no id at all) is a 404."""
    grid = grid_filter(user, params)
    return LedgerFilters(
        q=(params.get("q") or "").strip()[:100],
        grid=grid,
        status=(params.get("status") or "").strip()[:20],
        use=(params.get("use") or "").strip()[:20],
    )


def _in_grid(qs, filters: LedgerFilters):
    return qs.filter(grid=filters.grid) if filters.grid is not None else qs


def _address(prefix: str = "house__"):
    return Concat(f"{prefix}building__address", Value(" "), f"{prefix}unit", output_field=CharField())


# ---- selectors: one query each, however many rows -------------------------------------------


def persons_for_ledger(user, filters: LedgerFilters = LedgerFilters()):
    """Visible persons with their current address (the newest open residence) and grid."""
    here = (
        Residence.objects.filter(person=OuterRef("pk"), end__isnull=True)
        .order_by("-start", "-id")
        .annotate(text=_address())
        .values("text")[:1]
    )
    qs = (
        _in_grid(Person.objects.visible_to(user), filters)
        .select_related("grid")
        .annotate(current_address=Subquery(here))
    )
    q = filters.q.replace(" ", "")
    if q:
        if gb11643.is_valid(q):
            qs = qs.filter(id_type=IdType.RESIDENT_ID, id_number_hash=Person.id_hash_for(q))
        elif re.fullmatch(r"1\d{10}", q):
            qs = qs.filter(phone_hash=Person.phone_hash_for(q))
        else:
            qs = qs.filter(name__icontains=filters.q)
    return qs.order_by("grid__code", "name", "id")


def houses_for_ledger(user, filters: LedgerFilters = LedgerFilters()):
    """Visible houses with their building, grid and the number of people living there now."""
    occupants = (
        Residence.objects.filter(house=OuterRef("pk"), end__isnull=True)
        .order_by()
        .values("house")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        _in_grid(House.objects.visible_to(user), filters)
        .select_related("building", "grid")
        .annotate(residents_now=Coalesce(Subquery(occupants, output_field=IntegerField()), 0))
    )
    if filters.q:
        qs = qs.filter(Q(building__address__icontains=filters.q) | Q(unit__icontains=filters.q))
    if filters.use in USE_ZH:
        qs = qs.filter(use=filters.use)
    return qs.order_by("grid__code", "building__address", "unit", "id")


# ---- rows ---------------------------------------------------------------------------------------


def person_columns(user) -> list[Column]:
    columns = [
        Column("姓名", 12), Column("性别", 6), Column("出生日期", 12, number_format=D),
        Column("身份证号(掩码)", 21), Column("手机号(掩码)", 15), Column("民族", 8), Column("户籍类型", 10),
        Column("户籍地", 24),
    ]  # fmt: skip
    if sees_attention(user):
        columns += [Column("关注标签", 20), Column("关注等级", 10)]
    return [*columns, Column("现住址", 34), Column("所属网格", 16)]


def person_rows(persons: Iterable[Person], user) -> Iterator[list]:
    attention = sees_attention(user)
    for p in persons:
        row = [
            p.name, SEX_ZH.get(p.sex, ""), p.birth_date, p.id_number_masked, p.phone_masked, p.ethnicity,
            HOUSEHOLD_ZH.get(p.household_status, ""), p.registration_place,
        ]  # fmt: skip
        if attention:
            tags = "、".join(ATTENTION_TAG_ZH.get(t, t) for t in p.attention_tags or [])
            row += [tags, ATTENTION_COLOUR_ZH.get(p.attention_colour, "")]
        yield [*row, p.current_address or "", p.grid.name if p.grid_id else ""]


HOUSE_COLUMNS = [
    Column("标准地址", 34), Column("单元/门牌", 12), Column("楼层", 6), Column("面积", 8, number_format="0.0"),
    Column("用途", 10), Column("四色分级", 9), Column("所属网格", 16), Column("现住人数", 9),
]  # fmt: skip


def house_rows(houses: Iterable[House], user) -> Iterator[list]:
    for h in houses:
        yield [
            h.building.address, h.unit, h.floor, h.area, USE_ZH.get(h.use, h.use), COLOUR_ZH.get(h.colour, ""),
            h.grid.name, h.residents_now,
        ]  # fmt: skip


@dataclass(frozen=True)
class Ledger:
    title: str
    object_type: str
    roles: frozenset
    select: Any  # (user, filters) -> queryset
    columns: Any  # user -> [Column]
    rows: Any  # (iterable, user) -> rows
    # (user, params) -> the ledger's own filters, with describe() and scope_text(); default
    # ledger_filters. Lets an app's ledger (disputes) export exactly what its page shows.
    filters: Any = None


# rentals.ledgers adds the declarations and permits ledgers, disputes.ledgers the dispute ledger
# (they depend on residents, never the other way round).
LEDGERS = {
    "persons": Ledger("人口台账", "residents.person", REGISTRY_ROLES, persons_for_ledger, person_columns, person_rows),
    "houses": Ledger(
        "房屋台账", "residents.house", REGISTRY_ROLES, houses_for_ledger, lambda u: HOUSE_COLUMNS, house_rows
    ),
}


def ledger_export(*, request, ledger: str, params) -> tuple[IO[bytes], str]:
    """The ledger as an .xlsx in a temporary file (rewound) and its file name; audited.

    Raises ``Http404`` for a ``grid`` filter outside the user's scope. The caller closes the file
    (``FileResponse`` does).
    """
    spec = LEDGERS[ledger]
    user = request.user
    filters = (spec.filters or ledger_filters)(user, params)
    rows = spec.rows(spec.select(user, filters).iterator(chunk_size=CHUNK), user)
    now = timezone.localtime()
    subtitle = f"{filters.scope_text()} · 导出：{user.display_name} {now:%Y-%m-%d %H:%M} · 身份证号、手机号已脱敏"
    stream = tempfile.TemporaryFile()  # noqa: SIM115 -- handed to the response, which closes it
    try:
        count = excel.write_table(stream, title=spec.title, subtitle=subtitle, columns=spec.columns(user), rows=rows)
    except BaseException:
        stream.close()
        raise
    audit(
        request,
        AuditAction.EXPORT,
        object_type=spec.object_type,
        object_repr=f"{spec.title} {count} 条",
        reason=filters.describe(),
    )
    stream.seek(0)
    return stream, f"{spec.title}-{now:%Y%m%d-%H%M}.xlsx"


# ---- templates ----------------------------------------------------------------------------------

MAX_TENANT_ROWS = 200

ID_NOTE = gettext_lazy(
    "18-character resident ID (the last may be X); the check character is verified. Keep the column as text."
)
DATE_NOTE = gettext_lazy("A date as YYYY-MM-DD, e.g. 2026-01-05; not in the future.")
PHONE_NOTE = gettext_lazy("An 11-digit mobile number; may be left empty.")
EX = excel.EXAMPLE_MARK


def person_template_columns() -> list[Column]:
    return [
        Column("姓名", 14, required=True, note=_("Name as on the ID card."), example=f"{EX}张三"),
        Column("身份证号", 22, required=True, text=True, note=str(ID_NOTE), example="11010519491231002X"),
        Column("手机号", 15, text=True, note=str(PHONE_NOTE), example="13800138000"),
        Column("民族", 8, note=_("e.g. 汉族, 回族; empty means 汉族."), example="汉族"),
        Column(
            "户籍类型",
            10,
            choices=("户籍", "流动", "境外"),
            note=_("户籍, 流动 or 境外; empty means 户籍."),
            example="流动",
        ),  # fmt: skip
        Column("户籍地", 22, note=_("Place of household registration; may be left empty."), example="宁夏银川市兴庆区"),
        Column(
            "标准地址",
            32,
            required=True,
            example="阅海路1号阅海小区1号楼",
            note=_("Exactly as in the address list of your grids; the address must exist already."),
        ),  # fmt: skip
        Column(
            "单元/门牌",
            12,
            required=True,
            example="1单元101",
            note=_("The house's unit as registered, e.g. 1单元101. The house must exist: import houses first."),
        ),  # fmt: skip
        Column(
            "与户主关系",
            11,
            choices=tuple(RELATION_ZH.values()),
            example="租客",
            note=_("户主, 配偶, 子女, 父母, 租客 or 其他; empty means 其他."),
        ),  # fmt: skip
        Column("入住日期", 13, required=True, text=True, note=str(DATE_NOTE), example="2026-01-05"),
    ]


def house_template_columns() -> list[Column]:
    return [
        Column(
            "标准地址",
            32,
            required=True,
            example=f"{EX}阅海路1号阅海小区1号楼",
            note=_("Exactly as in the address list of your grids; the address must exist already."),
        ),  # fmt: skip
        Column(
            "单元/门牌",
            12,
            required=True,
            example="1单元101",
            note=_("Unit and door number, e.g. 1单元101; unique within the address."),
        ),  # fmt: skip
        Column("楼层", 8, required=True, note=_("A whole number; basements are negative, e.g. -1."), example=1),
        Column("面积", 10, note=_("Floor area in m², e.g. 89.5; may be left empty."), example=89.5),
        Column(
            "用途",
            10,
            required=True,
            choices=USE_CHOICES,
            example="出租",
            note=_("自住, 出租, 酒店, 民宿, 工作室, 商铺 or 空置. It sets the four-colour class."),
        ),  # fmt: skip
    ]


def tenant_template_columns() -> list[Column]:
    return [
        Column("姓名", 14, required=True, note=_("Name as on the ID card."), example=f"{EX}张三"),
        Column("身份证号", 22, required=True, text=True, note=str(ID_NOTE), example="11010519491231002X"),
        Column("手机号", 15, text=True, note=str(PHONE_NOTE), example="13800138000"),
        Column("入住日期", 13, required=True, text=True, note=str(DATE_NOTE), example="2026-01-05"),
    ]


def _general_notes(max_rows: int) -> list[str]:
    return [
        _(
            "Row 1 is the header: do not change it. "
            "Row 2, marked 【示例】, is an example and is skipped; delete it or leave it."
        ),
        _("Columns marked * are required. Choose fixed values from the drop-down list."),
        _("At most %(rows)s rows and 5 MB per file.") % {"rows": f"{max_rows:,}"},
        _(
            "Every row is checked before anything is saved. If any row has an error nothing is saved: "
            "correct the rows listed and upload the whole file again."
        ),
    ]


def person_template() -> bytes:
    notes = [
        *_general_notes(excel.MAX_ROWS),
        _("Import houses first: every person is placed in an existing house at an address in your grids."),
        _(
            "Someone already registered (same ID number) is not changed: the house is added as a further "
            "residence, or the row is reported if they already live there."
        ),
    ]
    return excel.build_template(sheet_title="人口", columns=person_template_columns(), notes=notes)


def house_template() -> bytes:
    notes = [
        *_general_notes(excel.MAX_ROWS),
        _("A house that is already registered (same address and unit) is reported and not changed."),
    ]
    return excel.build_template(sheet_title="房屋", columns=house_template_columns(), notes=notes)


def tenant_template() -> bytes:
    """The landlord's tenant sheet (姓名, 身份证号, 手机号, 入住日期) as .xlsx bytes."""
    notes = [*_general_notes(MAX_TENANT_ROWS), _("One row per tenant of the house you are declaring.")]
    return excel.build_template(
        sheet_title="租客", columns=tenant_template_columns(), notes=notes, rows=MAX_TENANT_ROWS
    )


# ---- row checks -------------------------------------------------------------------------------


class RowError(NamedTuple):
    """A problem in an upload: ``row`` as Excel numbers it (0: the file as a whole), the column's
    header and a message for the person who filled it in."""

    row: int
    column: str
    message: str


MOBILE = re.compile(r"^1[3-9]\d{9}$")


class _Checker:
    """Reads one sheet row's cells, appending a ``RowError`` for each bad one."""

    def __init__(self, sheet_row: excel.SheetRow, errors: list[RowError]):
        self.row, self.errors, self.failed = sheet_row, errors, False

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.row.number, column, str(message)))

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.row.text(column)
        if required and not value:
            self.error(column, _("Required."))
        elif len(value) > max_length:
            self.error(column, _("At most %(n)d characters.") % {"n": max_length})
        return value

    def resident_id(self, column: str) -> tuple[str, dt.date | None, str]:
        raw = self.row.values.get(column)
        if isinstance(raw, float):
            self.error(
                column,
                _(
                    "Excel stored this ID as a number and lost its last digits: "
                    "format the column as text and type the ID again."
                ),
            )
            return "", None, ""
        value = self.row.text(column)
        if not value:
            self.error(column, _("Required."))
            return "", None, ""
        try:
            return gb11643.parse(value)
        except gb11643.InvalidID as exc:
            self.error(column, str(exc))
            return "", None, ""

    def phone(self, column: str) -> str:
        value = re.sub(r"[\s-]", "", self.row.text(column))
        if value and not MOBILE.match(value):
            self.error(column, _("Enter an 11-digit mobile number, e.g. 13800138000."))
        return value

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        raw = self.row.values.get(column)
        if excel.cell_text(raw) == "":
            if required:
                self.error(column, _("Required."))
            return None
        try:
            value = excel.parse_date(raw)
        except (ValueError, OverflowError):
            self.error(column, _("Enter a date as YYYY-MM-DD, e.g. 2026-01-05."))
            return None
        if value > timezone.localdate():
            self.error(column, _("The date is in the future."))
            return None
        if value.year < 1900:
            self.error(column, _("Enter a date as YYYY-MM-DD, e.g. 2026-01-05."))
            return None
        return value

    def choice(self, column: str, mapping: dict, *, choices: Iterable[str], default=None, required=False):
        value = self.row.text(column).replace(" ", "")
        if not value:
            if required:
                self.error(column, _("Required."))
            return default
        if value not in mapping:
            self.error(column, _("Enter one of: %(choices)s.") % {"choices": "、".join(choices)})
            return default
        return mapping[value]

    def integer(self, column: str, *, low: int, high: int) -> int | None:
        raw = self.row.values.get(column)
        text = excel.cell_text(raw).removesuffix("层").removesuffix("楼")
        if not text:
            self.error(column, _("Required."))
            return None
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            self.error(column, _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
            return None
        return value

    def area(self, column: str) -> Decimal | None:
        text = excel.cell_text(self.row.values.get(column)).removesuffix("㎡").removesuffix("m²").strip()
        if not text:
            return None
        try:
            value = Decimal(text).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not Decimal("0") < value < Decimal("100000"):
            self.error(column, _("Enter the area in m², e.g. 89.5."))
            return None
        return value


def _in_sheet_order(errors: list[RowError], columns: list[Column]) -> list[RowError]:
    """Errors as the sheet reads: by row, then left to right."""
    position = {c.header: i for i, c in enumerate(columns)}
    return sorted(errors, key=lambda e: (e.row, position.get(e.column, len(position))))


def _buildings_by_address(user, addresses: set[str]) -> dict[str, Building]:
    """Buildings the user can see, by exact standard address (one query)."""
    qs = Building.objects.visible_to(user).filter(address__in=sorted(addresses)).select_related("grid")
    return {b.address: b for b in qs}


def _no_building(checker: _Checker, column: str, address: str) -> None:
    checker.error(
        column,
        _("No standard address “%(address)s” in your grids: check the spelling or add the address first.")
        % {"address": address},
    )


# ---- import: houses ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import found and did. With ``errors`` nothing was saved."""

    kind: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)
    houses_created: int = 0
    persons_created: int = 0
    residences_created: int = 0

    @property
    def saved(self) -> bool:
        return not self.errors

    @property
    def rows_with_errors(self) -> int:
        return len({e.row for e in self.errors})


@dataclass
class _HousePlan:
    row: int
    building: Building
    unit: str
    floor: int
    area: Decimal | None
    use: str


class _RowFailed(Exception):
    def __init__(self, error: RowError):
        self.error = error


def _service_error(row: int, exc: ValidationError, columns: dict[str, str]) -> RowError:
    """A service's ValidationError (a race since the check) as the row's error."""
    if hasattr(exc, "message_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return RowError(row, columns.get(name, ""), "; ".join(messages))
    return RowError(row, "", "; ".join(exc.messages))


def import_houses(*, user, file, check_only: bool = False, progress=None) -> ImportResult:
    """Check every row of a houses sheet; save all of them or none. Raises ``ExcelError``.

    ``check_only`` stops after the checks (nothing saved); ``progress(done, total)`` is called
    while saving.
    """
    sheet = excel.read_table(file, columns=house_template_columns())
    result = ImportResult(kind="houses", rows=len(sheet))
    buildings = _buildings_by_address(user, {r.text("标准地址") for r in sheet})
    existing = set(
        House.objects.filter(building__in=list(buildings.values())).values_list("building_id", "unit")
    )  # fmt: skip
    plans, seen = [], {}
    for sheet_row in sheet:
        c = _Checker(sheet_row, result.errors)
        address = c.text("标准地址", required=True)
        unit = c.text("单元/门牌", required=True, max_length=30)
        floor = c.integer("楼层", low=-10, high=200)
        area = c.area("面积")
        use = c.choice("用途", USE_IN, choices=USE_CHOICES, required=True)
        building = buildings.get(address)
        if address and building is None:
            _no_building(c, "标准地址", address)
        if building and floor is not None and building.floors and floor > building.floors:
            c.error("楼层", _("The building has %(n)d floors above ground.") % {"n": building.floors})
        if building and unit:
            key = (building.pk, unit)
            if key in seen:
                c.error("单元/门牌", _("The same house as row %(row)d.") % {"row": seen[key]})
            seen.setdefault(key, sheet_row.number)
            if key in existing and not c.failed:
                result.notes.append(RowError(sheet_row.number, "单元/门牌", _("Already registered: not changed.")))
                continue
        if not c.failed:
            plans.append(_HousePlan(sheet_row.number, building, unit, floor, area, use))
    if result.errors:
        result.errors, result.notes = _in_sheet_order(result.errors, house_template_columns()), []
        return result
    if check_only:
        return result
    fields = {"unit": "单元/门牌", "floor": "楼层", "area": "面积", "use": "用途", "building": "标准地址"}
    try:
        with transaction.atomic():
            for plan in plans:
                try:
                    services.house_save(
                        user=user, building=plan.building, unit=plan.unit, floor=plan.floor, use=plan.use,
                        area=plan.area,
                    )  # fmt: skip
                except ValidationError as exc:
                    raise _RowFailed(_service_error(plan.row, exc, fields)) from None
                result.houses_created += 1
                if progress and result.houses_created % PROGRESS_EVERY == 0:
                    progress(result.houses_created, len(plans))
    except _RowFailed as failed:
        result.errors, result.notes, result.houses_created = [failed.error], [], 0
    return result


# ---- import: persons --------------------------------------------------------------------------


@dataclass
class _PersonPlan:
    row: int
    name: str
    id_number: str
    phone: str
    ethnicity: str
    household_status: str
    registration_place: str
    house: House
    relation: str
    start: dt.date
    person: Person | None  # already registered


def import_persons(*, user, file, check_only: bool = False, progress=None) -> ImportResult:
    """Check every row of a persons sheet; save all of them or none. Raises ``ExcelError``.

    ``check_only`` stops after the checks (nothing saved); ``progress(done, total)`` is called
    while saving.

    A new ID becomes a person living in the named house; an ID already registered gets that
    house as a further residence (the person's details are not changed), or — living there
    already — a note. The checks cost a fixed number of queries; saving goes row by row
    through ``residents.services`` so each record gets its history.
    """
    sheet = excel.read_table(file, columns=person_template_columns())
    result = ImportResult(kind="persons", rows=len(sheet))
    buildings = _buildings_by_address(user, {r.text("标准地址") for r in sheet})
    houses = {
        (h.building_id, h.unit): h
        for h in House.objects.filter(building__in=list(buildings.values())).select_related("building")
    }
    parsed = []
    for sheet_row in sheet:
        c = _Checker(sheet_row, result.errors)
        name = c.text("姓名", required=True, max_length=50)
        id_number, birth, _sex = c.resident_id("身份证号")
        phone = c.phone("手机号")
        ethnicity = c.text("民族", max_length=20) or "汉族"
        status = c.choice(
            "户籍类型", HOUSEHOLD_IN, choices=HOUSEHOLD_ZH.values(), default=HouseholdStatus.REGISTERED
        )  # fmt: skip
        place = c.text("户籍地", max_length=200)
        address = c.text("标准地址", required=True)
        unit = c.text("单元/门牌", required=True, max_length=30)
        relation = c.choice("与户主关系", RELATION_IN, choices=RELATION_ZH.values(), default=Relation.OTHER)
        start = c.date("入住日期", required=True)
        if start and birth and start < birth:
            c.error("入住日期", _("The move-in date is before the birth date in the ID."))
        building, house = buildings.get(address), None
        if address and building is None:
            _no_building(c, "标准地址", address)
        elif building and unit:
            house = houses.get((building.pk, unit))
            if house is None:
                c.error(
                    "单元/门牌", _("This address has no house “%(unit)s”: import the house first.") % {"unit": unit}
                )  # fmt: skip
        parsed.append((c, _PersonPlan(
            sheet_row.number, name, id_number, phone, ethnicity, status, place, house, relation, start, None,
        )))  # fmt: skip

    seen: dict[str, int] = {}
    for c, plan in parsed:
        if plan.id_number:
            if plan.id_number in seen:
                c.error("身份证号", _("The same ID number as row %(row)d.") % {"row": seen[plan.id_number]})
            seen.setdefault(plan.id_number, plan.row)
    if result.errors:
        result.errors = _in_sheet_order(result.errors, person_template_columns())
        return result

    # Registered already? Uniqueness is global, so this looks beyond the user's scope: it only
    # decides between creating and adding a residence, and says no more than "registered".
    hashes = {Person.id_hash_for(p.id_number): p for _c, p in parsed}
    for person in Person.objects.filter(id_type=IdType.RESIDENT_ID, id_number_hash__in=sorted(hashes)):
        hashes[person.id_number_hash].person = person
    living = set(
        Residence.objects.filter(
            person__in=[p.person for _c, p in parsed if p.person], end__isnull=True
        ).values_list("person_id", "house_id")
    )  # fmt: skip

    if check_only:
        return result
    fields = {"id_number": "身份证号", "name": "姓名", "sex": "身份证号", "birth_date": "身份证号"}
    plans = [p for _c, p in parsed]
    try:
        with transaction.atomic():
            for n, plan in enumerate(plans, start=1):
                try:
                    _save_person_row(user, plan, living, result)
                except ValidationError as exc:
                    raise _RowFailed(_service_error(plan.row, exc, fields)) from None
                if progress and n % PROGRESS_EVERY == 0:
                    progress(n, len(plans))
    except _RowFailed as failed:
        result.errors, result.notes = [failed.error], []
        result.persons_created = result.residences_created = 0
    return result


def _save_person_row(user, plan: _PersonPlan, living: set, result: ImportResult) -> None:
    person = plan.person
    if person is not None and (person.pk, plan.house.pk) in living:
        result.notes.append(RowError(plan.row, "身份证号", _("Already registered and living here: skipped.")))
        return
    if person is None:
        person = services.person_save(
            user=user, name=plan.name, id_type=IdType.RESIDENT_ID, id_number=plan.id_number, phone=plan.phone,
            ethnicity=plan.ethnicity, household_status=plan.household_status,
            registration_place=plan.registration_place, grid=plan.house.grid, reason=_("Excel import"),
        )  # fmt: skip
        result.persons_created += 1
    else:
        result.notes.append(
            RowError(plan.row, "身份证号", _("Already registered: this house was added as a further residence."))
        )
    services.residence_start(user=user, person=person, house=plan.house, relation=plan.relation, start=plan.start)
    result.residences_created += 1


IMPORTERS = {"persons": import_persons, "houses": import_houses}
PROGRESS_EVERY = 25


def result_to_json(result: ImportResult) -> dict:
    return {
        "kind": result.kind, "rows": result.rows, "errors": [list(e) for e in result.errors],
        "notes": [list(n) for n in result.notes], "houses_created": result.houses_created,
        "persons_created": result.persons_created, "residences_created": result.residences_created,
    }  # fmt: skip


def result_from_json(data: dict) -> ImportResult:
    return ImportResult(
        kind=data["kind"], rows=data["rows"], errors=[RowError(*e) for e in data["errors"]],
        notes=[RowError(*n) for n in data["notes"]], houses_created=data["houses_created"],
        persons_created=data["persons_created"], residences_created=data["residences_created"],
    )  # fmt: skip


# ---- the landlord's tenant sheet --------------------------------------------------------------


def parse_tenant_rows(file) -> tuple[list[dict], list[RowError]]:
    """Read a filled tenant template: ``(rows, errors)``.

    ``errors`` lists every problem as ``RowError(row, column, message)``; a problem with the file
    as a whole (not an .xlsx, too big, no header …) is one error with row 0. ``rows`` is empty
    unless every row is valid — nothing is to be saved until then. Each row is a dict: ``row``,
    ``name``, ``id_number`` (normalised, full: store it with ``set_id_number`` only), ``sex``,
    ``birth_date`` (both from the ID), ``phone`` (may be empty) and ``move_in`` (a date).
    """
    try:
        sheet = excel.read_table(file, columns=tenant_template_columns(), max_rows=MAX_TENANT_ROWS)
    except ExcelError as exc:
        return [], [RowError(0, "", str(exc))]
    rows, errors, seen = [], [], {}
    for sheet_row in sheet:
        c = _Checker(sheet_row, errors)
        name = c.text("姓名", required=True, max_length=50)
        id_number, birth, sex = c.resident_id("身份证号")
        phone = c.phone("手机号")
        move_in = c.date("入住日期", required=True)
        if id_number:
            if id_number in seen:
                c.error("身份证号", _("The same ID number as row %(row)d.") % {"row": seen[id_number]})
            seen.setdefault(id_number, sheet_row.number)
        if move_in and birth and move_in < birth:
            c.error("入住日期", _("The move-in date is before the birth date in the ID."))
        rows.append(
            {
                "row": sheet_row.number, "name": name, "id_number": id_number, "sex": sex, "birth_date": birth,
                "phone": phone, "move_in": move_in,
            }
        )  # fmt: skip
    return ([] if errors else rows), _in_sheet_order(errors, tenant_template_columns())


# ---- import: in the background ---------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def import_job_start(*, user, kind: str, file):
    """Check the upload now; when every row is valid, save it in the background.

    Returns the :class:`ImportResult` of the checks when a row is wrong (nothing saved), else
    the new :class:`ImportJob`, whose saving starts after commit. Raises ``ExcelError``.
    """
    from residents.tasks import ledger_import_run

    checked = IMPORTERS[kind](user=user, file=file, check_only=True)
    if checked.errors:
        return checked
    job = ImportJob.objects.create(created_by=user, kind=kind, file=file, total=checked.rows)
    transaction.on_commit(lambda: ledger_import_run.delay(job.pk))
    return job


def import_job_run(job_id: int) -> None:
    """Save a checked import (idempotent: a finished job is left alone). Progress goes to the cache,
    because the rows are saved in one transaction that others cannot see until it commits."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        return
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    def progress(done, total):
        cache.set(_progress_key(job.pk), (done, total), 3600)

    try:
        with job.file.open("rb") as f:
            result = IMPORTERS[job.kind](user=job.created_by, file=f, progress=progress)
    except ExcelError as exc:
        result = ImportResult(kind=job.kind, errors=[RowError(0, "", str(exc))])
    job.result = result_to_json(result)
    job.status = JobStatus.DONE if result.saved else JobStatus.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "finished_at"])
    cache.delete(_progress_key(job.pk))


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows saved so far, rows to save) of a running job."""
    return cache.get(_progress_key(job.pk)) or (0, job.total)
