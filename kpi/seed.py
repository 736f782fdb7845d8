"""The figures behind the KPI pages for the seeded data: the last 13 months (this month and the
same month a year before, for year-on-year change), aggregated as the beat job would."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from kpi import aggregate
from kpi.models import Figure


def seed(*, out=print, months: int = 13) -> dict:
    today = timezone.localdate()
    first = aggregate.month_start(today)
    for _ in range(months - 1):
        first = aggregate.month_start(first - dt.timedelta(days=1))
    if Figure.objects.filter(start__lte=first).exists():
        out("  kpi figures already aggregated")
        return {"created": False}
    started = time.monotonic()
    rows = aggregate.recompute(first, today)
    out(f"  kpi: {rows:,} figure rows from {first} to {today} in {time.monotonic() - started:.1f} s")
    return {"created": True, "rows": rows, "first": first}
