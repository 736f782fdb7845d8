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
