import datetime as dt

from celery import shared_task
from django.utils import timezone

from kpi import aggregate
from kpi.models import Run


@shared_task(ignore_result=True)
def figures_refresh():
    """Beat, every 15 minutes: yesterday (late entries, a check-out after midnight) and today."""
    today = timezone.localdate()
    aggregate.recompute(today - dt.timedelta(days=1), today)


@shared_task(ignore_result=True)
def figures_recompute(run_id: int):
    """A recomputation asked for on the KPI page; the page polls the run for its progress."""
    run = Run.objects.get(pk=run_id)
    try:
        aggregate.recompute(run.first_day, run.last_day, run=run)
    except Exception as exc:  # recorded for the page, then raised for the worker's log
        Run.objects.filter(pk=run_id).update(error=str(exc)[:300], finished_at=timezone.now())
        raise


@shared_task(ignore_result=True)
def report_render(report_id: int):
    """Render one report (PDF, and Excel for a performance list); the page polls its progress."""
    from kpi import reports

    reports.render(report_id)


@shared_task(ignore_result=True)
def reports_monthly():
    """Beat, on the 1st: last month's performance lists and station reports."""
    from kpi import reports

    reports.monthly()


@shared_task(ignore_result=True)
def reports_weekly():
    """Beat, on Mondays: last week's station reports."""
    from kpi import reports

    reports.weekly()
