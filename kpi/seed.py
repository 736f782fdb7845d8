"""The figures behind the KPI pages for the seeded data: the last 14 months (so that this month's
and last month's reports can compare with the same month a year before), aggregated as the beat
job would, then last month's reports (performance lists and the station report) as the beat would
make them on the 1st."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from kpi import aggregate, reports
from kpi.models import Figure


def seed(*, out=print, months: int = 14, make_reports: bool = True) -> dict:
    """``make_reports=False`` (the city): no reports queued; the beat makes them on the 1st and on Mondays
    (two thousand officers' performance lists would render one by one in a seed without a broker)."""
    today = timezone.localdate()
    first = aggregate.month_start(today)
    for _ in range(months - 1):
        first = aggregate.month_start(first - dt.timedelta(days=1))
    if Figure.objects.filter(start__lte=first).exists():
        out("  kpi figures already aggregated")
        return {"created": False}
    started = time.monotonic()
    rows = aggregate.recompute(first, today)
    made = (reports.monthly(today) + reports.weekly(today)) if make_reports else 0  # rendered once the seed commits
    out(
        f"  kpi: {rows:,} figure rows from {first} to {today} in {time.monotonic() - started:.1f} s; "
        f"{made} reports queued"
    )
    return {"created": True, "rows": rows, "first": first, "reports": made}
