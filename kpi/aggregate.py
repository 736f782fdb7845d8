"""Writing the figures: a range of days replaced at once, then the months it touches rolled up.

``recompute(first, last)`` is the only writer. The beat job calls it for yesterday and today every
quarter of an hour; a chief (or ``manage.py kpi_recompute``) calls it for any range, in the
background with a progress bar. Each chunk of days is replaced in one transaction, so a page never
sees a half-written day and the result does not depend on how the range was cut.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from kpi.metrics import METRICS, STOCK
from kpi.models import Figure, Period, Run
from lib import bulk

CHUNK_DAYS = 31  # each metric reads its tables once per chunk: a month at a time, not a week


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _days(first: dt.date, last: dt.date, days: int):
    a = first
    while a <= last:
        b = min(a + dt.timedelta(days=days - 1), last)
        yield a, b
        a = b + dt.timedelta(days=1)


def _stock_days(first: dt.date, last: dt.date, end: dt.date) -> list[dt.date]:
    """Stocks (a state at the end of a day) are taken at month ends and at the end of the range —
    what the pages read — rather than every day, which at city scale is most of the work."""
    return [d for d in (first + dt.timedelta(days=k) for k in range((last - first).days + 1))
            if d == end or d == month_end(d)]  # fmt: skip


COLUMNS = ["period", "start", "metric", "grid_id", "user_id", "value"]


def _write_days(first: dt.date, last: dt.date, *, end: dt.date) -> int:
    rows = []
    stock_days = _stock_days(first, last, end)
    for metric in METRICS:
        if metric.kind == STOCK:
            produced = (r for d in stock_days for r in metric.rows(d, d))
        else:
            produced = metric.rows(first, last)
        rows += [(Period.DAY, day, metric.key, grid, user, value) for day, grid, user, value in produced]
    with transaction.atomic():
        Figure.objects.filter(period=Period.DAY, start__gte=first, start__lte=last).delete()
        bulk.load(Figure._meta.db_table, COLUMNS, rows)  # tuples, no model instances: a city day has many
    return len(rows)


def _roll_up_month(month: dt.date) -> int:
    """The month's rows from its days, in the database: flows summed, stocks as of the month's last
    day with stocks."""
    first, last = month_start(month), month_end(month)
    table = Figure._meta.db_table
    stocks = [m.key for m in METRICS if m.kind == STOCK]
    marks = ", ".join(["%s"] * len(stocks))
    with transaction.atomic(), connection.cursor() as c:
        Figure.objects.filter(period=Period.MONTH, start=first).delete()
        c.execute(
            f"INSERT INTO {table} (period, start, metric, grid_id, user_id, value) "  # noqa: S608 (our table)
            f"SELECT %s, %s, metric, grid_id, user_id, SUM(value) FROM {table} "
            f"WHERE period = %s AND start BETWEEN %s AND %s AND metric NOT IN ({marks}) "
            "GROUP BY metric, grid_id, user_id",
            [Period.MONTH, first, Period.DAY, first, last, *stocks],
        )
        written = c.rowcount
        c.execute(
            f"INSERT INTO {table} (period, start, metric, grid_id, user_id, value) "  # noqa: S608 (our table)
            f"SELECT %s, %s, metric, grid_id, user_id, value FROM {table} "
            f"WHERE period = %s AND metric IN ({marks}) AND start = (SELECT MAX(start) FROM {table} "
            f"WHERE period = %s AND start BETWEEN %s AND %s AND metric IN ({marks}))",
            [Period.MONTH, first, Period.DAY, *stocks, Period.DAY, first, last, *stocks],
        )
        written += c.rowcount
    return written


def recompute(first: dt.date, last: dt.date, *, run: Run | None = None) -> int:
    """Replace the daily figures of ``first``..``last`` (never past today) and their months."""
    last = min(last, timezone.localdate())
    written = 0
    for a, b in _days(first, last, CHUNK_DAYS):
        written += _write_days(a, b, end=last)
        if run is not None:
            run.days_done = (b - run.first_day).days + 1
            run.rows = written
            run.save(update_fields=["days_done", "rows"])
    month = month_start(first)
    while month <= last:
        written += _roll_up_month(month)
        month = month_start(month_end(month) + dt.timedelta(days=1))
    if run is not None:
        run.rows, run.finished_at = written, timezone.now()
        run.days_done = run.total_days
        run.save(update_fields=["rows", "finished_at", "days_done"])
    return written


def request_recompute(first: dt.date, last: dt.date, *, by) -> Run:
    """Queue a recomputation of ``first``..``last`` (never past today) for the background; the
    run's page follows its progress. The caller has checked the period has begun."""
    from kpi.tasks import figures_recompute

    run = Run.objects.create(first_day=first, last_day=min(last, timezone.localdate()), requested_by=by)
    transaction.on_commit(lambda: figures_recompute.delay(run.pk))
    return run
