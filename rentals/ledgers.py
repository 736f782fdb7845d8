"""The rentals ledgers in Excel: declarations and residence permits (masked, audited exports).

They join the registries' ledgers in ``residents.ledgers.LEDGERS`` when this module is imported
(``RentalsConfig.ready``), so residents never imports rentals.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from documents.excel import Column
from lib import paging
from rentals.models import DeclaredTenant, RentalDeclaration, ResidencePermit
from residents.ledgers import (
    DT,
    LEDGERS,
    RENTAL_LEDGER_ROLES,
    YES_NO,
    D,
    Ledger,
    LedgerFilters,
    _in_grid,
)

DECLARATION_KIND_ZH = {"move_in": "入住", "move_out": "退租"}
DECLARATION_STATUS_ZH = {"submitted": "待审核", "returned": "已退回", "approved": "已通过"}
PERMIT_BASIS_ZH = {"work": "稳定就业", "residence": "稳定住所", "study": "连续就读"}
PERMIT_STATUS_ZH = {"submitted": "待审核", "returned": "已退回", "approved": "已签发"}
NO_FILTERS = LedgerFilters()


def declarations_for_ledger(user, filters: LedgerFilters = NO_FILTERS):
    qs = (
        _in_grid(RentalDeclaration.objects.visible_to(user), filters)
        .select_related("house__building", "landlord", "grid")
        .annotate(tenant_count=paging.count_of(DeclaredTenant, "declaration"))
    )
    if filters.q:
        qs = qs.filter(
            Q(house__building__address__icontains=filters.q)
            | Q(landlord__full_name__icontains=filters.q)
            | Q(landlord__username__icontains=filters.q)
        )
    if filters.status in DECLARATION_STATUS_ZH:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-submitted_at", "-id")


def permits_for_ledger(user, filters: LedgerFilters = NO_FILTERS):
    qs = _in_grid(ResidencePermit.objects.visible_to(user), filters).select_related("house__building", "grid")
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(number__icontains=filters.q))
    if filters.status in PERMIT_STATUS_ZH:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-submitted_at", "-id")


DECLARATION_COLUMNS = [
    Column("申报时间", 17, number_format=DT), Column("类型", 6), Column("地址", 34), Column("房东", 12),
    Column("租客数", 7), Column("状态", 8), Column("截止日期", 12, number_format=D), Column("是否逾期", 9),
    Column("所属网格", 16),
]  # fmt: skip


def declaration_rows(declarations, user) -> Iterator[list]:
    for d in declarations:
        yield [
            d.submitted_at, DECLARATION_KIND_ZH.get(d.kind, d.kind), f"{d.house.building.address} {d.house.unit}",
            d.landlord.display_name, d.tenant_count, DECLARATION_STATUS_ZH.get(d.status, d.status), d.deadline,
            YES_NO[bool(d.is_late)], d.grid.name,
        ]  # fmt: skip


PERMIT_COLUMNS = [
    Column("编号", 20), Column("姓名", 12), Column("身份证号(掩码)", 21), Column("地址", 34), Column("依据", 10),
    Column("状态", 8), Column("有效期至", 12, number_format=D), Column("所属网格", 16),
]  # fmt: skip


def permit_rows(permits, user) -> Iterator[list]:
    for p in permits:
        yield [
            p.number, p.name, p.id_number_masked, f"{p.house.building.address} {p.house.unit}",
            PERMIT_BASIS_ZH.get(p.basis, p.basis), PERMIT_STATUS_ZH.get(p.status, p.status), p.valid_until,
            p.grid.name,
        ]  # fmt: skip


LEDGERS.update(
    {
        "declarations": Ledger(
            "出租房屋申报台账",
            "rentals.rentaldeclaration",
            RENTAL_LEDGER_ROLES,
            declarations_for_ledger,
            lambda u: DECLARATION_COLUMNS,
            declaration_rows,
        ),
        "permits": Ledger(
            "居住证台账",
            "rentals.residencepermit",
            RENTAL_LEDGER_ROLES,
            permits_for_ledger,
            lambda u: PERMIT_COLUMNS,
            permit_rows,
        ),
    }
)
