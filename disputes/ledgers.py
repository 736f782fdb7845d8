"""The ledger-level reads of the disputes app: the Excel ledger, the cached figures, the
follow-ups coming up and the roster with its counts.

The Excel ledger joins the registries' ledgers in ``residents.ledgers.LEDGERS`` when this module
is imported (``DisputesConfig.ready``), so residents never imports disputes. It brings its own
filters (``ledger_filters`` of the ledger page), so the file holds exactly the rows the page
lists; ``residents.ledgers.ledger_export`` writes it (masked, one audit row per export).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterator

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import STAFF_ROLES, Role
from disputes import selectors
from disputes.models import DisputeState, FollowUp, FollowUpStatus, Mediator, Party
from documents.excel import Column
from grid.models import CommunityGrid
from grid.scope import scope_for
from lib import gb11643
from residents.ledgers import DT, LEDGERS, Ledger

# ---- the Excel ledger -------------------------------------------------------------------------

# The file's fixed vocabulary (the ledger's Chinese format, whatever the page's language).
SOURCE_ZH = {
    "walk_in": "来访",
    "call": "来电",
    "grid_event": "网格上报",
    "patrol": "巡逻发现",
    "referral": "其他部门移交",
}
CATEGORY_ZH = {
    "neighbour": "邻里", "family": "家庭婚姻", "consumer": "消费", "tenancy": "房屋租赁", "property": "物业",
    "labour": "劳资", "traffic": "交通事故", "damages": "损害赔偿", "other": "其他",
}  # fmt: skip
RISK_ZH = {"low": "低", "medium": "中", "high": "高"}
STATE_ZH = {
    "intake": "已受理", "mediating": "调解中", "agreed": "已达成协议（回访中）", "resolved": "成功化解",
    "no_agreement": "调解不成", "referred": "已移交",
}  # fmt: skip
PARTY_ROLE_ZH = {"applicant": "申请人", "respondent": "被申请人", "third": "第三人"}
MEDIATOR_TYPE_ZH = {
    "judge": "法官", "prosecutor": "检察官", "police": "警官", "lawyer": "律师", "law_society": "法学会会员",
    "peoples": "人民调解员",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class ExportFilters(selectors.LedgerFilters):
    """The ledger page's filters, with what ``ledger_export`` needs for the title and the audit."""

    def describe(self) -> str:
        """Which part of the ledger was exported, for the audit trail. A searched ID or phone
        number is written masked."""
        parts = []
        for name in ("state", "category", "mediator_type"):
            if getattr(self, name):
                parts.append(f"{name}={getattr(self, name)}")
        if self.grid is not None:
            parts.append(f"grid={self.grid.pk} ({self.grid.name})")
        if self.officer:
            parts.append(f"officer={self.officer}")
        if self.overdue:
            parts.append("overdue=1")
        if self.q:
            q = self.q.replace(" ", "")
            if gb11643.is_valid(q):
                q = gb11643.mask(q)
            elif re.fullmatch(r"\d{7,}", q):
                q = gb11643.mask_phone(q)
            parts.append(f"q={q}")
        return "; ".join(parts) or "all"

    def scope_text(self) -> str:
        return self.grid.name if self.grid is not None else "全部可见网格"


def export_filters(user, params) -> ExportFilters:
    """``selectors.ledger_filters`` (a grid outside the user's scope is a 404) as ExportFilters."""
    f = selectors.ledger_filters(user, params)
    return ExportFilters(**{field.name: getattr(f, field.name) for field in dataclasses.fields(f)})


def disputes_for_export(user, filters: selectors.LedgerFilters):
    """The ledger's rows (``selectors.ledger``) with the mediators too; a fixed number of queries
    per chunk of the iterator."""
    return selectors.ledger(user, filters).prefetch_related(
        Prefetch("mediators", queryset=Mediator.objects.order_by("type", "name"))
    )


DISPUTE_COLUMNS = [
    Column("编号", 15), Column("受理时间", 17, number_format=DT), Column("来源", 9), Column("类别", 10),
    Column("风险等级", 8), Column("当事人", 26), Column("当事人身份证号(掩码)", 42), Column("地点", 34),
    Column("所属网格", 16), Column("责任民警", 10), Column("调解员", 26), Column("状态", 18),
    Column("达成协议时间", 17, number_format=DT), Column("化解时间", 17, number_format=DT), Column("复发次数", 8),
    Column("回访逾期", 8),
]  # fmt: skip


def dispute_rows(disputes, user) -> Iterator[list]:
    for d in disputes:
        parties = list(d.parties.all())
        yield [
            d.reference, d.received_at, SOURCE_ZH.get(d.source, d.source), CATEGORY_ZH.get(d.category, d.category),
            RISK_ZH.get(d.risk, d.risk),
            "、".join(f"{p.name}（{PARTY_ROLE_ZH.get(p.role, p.role)}）" for p in parties),
            "、".join(p.id_number_masked or "—" for p in parties),
            d.address, d.grid.name, d.officer.display_name,
            "、".join(f"{m.name}（{MEDIATOR_TYPE_ZH.get(m.type, m.type)}）" for m in d.mediators.all()),
            STATE_ZH.get(d.state, d.state), d.agreed_at, d.resolved_at, d.reopen_count, d.overdue_count,
        ]  # fmt: skip


LEDGERS["disputes"] = Ledger(
    "矛盾纠纷调解台账",
    "disputes.dispute",
    STAFF_ROLES,
    disputes_for_export,
    lambda u: DISPUTE_COLUMNS,
    dispute_rows,
    filters=export_filters,
)


# ---- the figures on the ledger page -----------------------------------------------------------

FIGURES_WINDOW_DAYS = 365
FIGURES_CACHE_SECONDS = 300
TOP_GRIDS = 15


def _figures_key(user, f: selectors.LedgerFilters, on: dt.date) -> str:
    scope = scope_for(user)
    parts = (
        user.pk, get_language(), on.isoformat(), scope.everything, sorted(scope.community_grid_ids),
        f.category, f.grid.pk if f.grid is not None else None, f.officer, f.mediator_type, f.q,
    )  # fmt: skip
    return "disputes:figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def ledger_figures(user, f: selectors.LedgerFilters, *, on: dt.date | None = None) -> dict:
    """``selectors.figures`` over the disputes received in the last 12 months that the ledger's
    filters select (state and "overdue only" aside: the figures are about outcomes), cached for
    five minutes per user, scope, language (the labels are translated) and filters."""
    on = on or selectors.today()
    key = _figures_key(user, f, on)
    result = cache.get(key)
    if result is None:
        since = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=FIGURES_WINDOW_DAYS), dt.time.min))
        qs = selectors.apply_filters(selectors.disputes_for_user(user), f, with_state=False)
        grids = CommunityGrid.objects.visible_to(user)
        if f.grid is not None:
            grids = grids.filter(pk=f.grid.pk)
        result = selectors.figures(qs.filter(received_at__gte=since), grids=grids)
        result["per_grid"] = [r for r in result["per_grid"] if r["rate"] is not None][:TOP_GRIDS]
        result["since"] = on - dt.timedelta(days=FIGURES_WINDOW_DAYS)
        cache.set(key, result, FIGURES_CACHE_SECONDS)
    return result


def chart_data(fig: dict) -> dict:
    """What dispute-charts.js draws (passed with ``json_script``): labels, values and counts."""

    def rows(items, value="rate"):
        return {
            "labels": [r["label"] for r in items],
            "values": [r[value] for r in items],
            "counts": [r.get("final", r.get("disputes")) for r in items],
        }

    return {
        "by_category": rows(fig["by_category"]),
        "by_mediator_type": rows(fig["by_mediator_type"]),
        "per_grid": rows(fig["per_grid"]),
    }


# ---- follow-ups coming up ---------------------------------------------------------------------

UPCOMING_DAYS = 28


def followups_upcoming(user, *, on: dt.date | None = None, mine: bool = True):
    """Scheduled follow-ups due after this week and within four weeks of ``on``; like
    ``selectors.followups_due``, only the user's own disputes for officers and auxiliaries."""
    on = on or selectors.today()
    qs = FollowUp.objects.visible_to(user).filter(
        status=FollowUpStatus.SCHEDULED,
        due_on__gt=selectors.week_end(on),
        due_on__lte=on + dt.timedelta(days=UPCOMING_DAYS),
    )
    if mine and user.role in (Role.OFFICER, Role.AUXILIARY) and not user.is_superuser:
        qs = qs.filter(dispute__officer=user)
    return (
        qs.select_related("dispute__building", "dispute__house", "dispute__officer")
        .prefetch_related(Prefetch("dispute__parties", queryset=Party.objects.order_by("order", "id")))
        .order_by("due_on", "id")
    )


# ---- the roster -------------------------------------------------------------------------------


def roster(user):
    """The mediators the user sees (their station's roster), with the disputes assigned to each
    and how many of those were resolved for good."""
    return (
        selectors.mediators_for_user(user)
        .annotate(
            assigned=Count("disputes", distinct=True),
            resolved=Count("disputes", filter=Q(disputes__state=DisputeState.RESOLVED), distinct=True),
        )
        .order_by("station__name", "-active", "type", "name")
    )


def login_choices(*, station=None, mediator: Mediator | None = None):
    """Logins a roster entry may be linked to: mediator accounts not on a roster yet, and the
    officers of ``station`` (of every station when None) not on it yet; the entry's own login stays."""
    from accounts.models import User

    taken = Mediator.objects.filter(user__isnull=False)
    if mediator is not None and mediator.pk:
        taken = taken.exclude(pk=mediator.pk)
    staff = Q(role__in=[Role.OFFICER, Role.AUXILIARY, Role.CHIEF])
    if station is not None:
        staff &= Q(station=station) | Q(station__isnull=True, police_grids__station=station)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.MEDIATOR) | staff)
        .exclude(pk__in=taken.values("user_id"))
        .distinct()
        .order_by("role", "full_name", "username")
    )
