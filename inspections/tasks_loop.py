"""The loop's periodic work: the daily sweep over deadlines (Celery beat, 06:30)."""

from celery import shared_task


@shared_task(acks_late=True)
def hazards_sweep_daily() -> int:
    """Record a ``due`` event on each hazard whose deadline has come (idempotent)."""
    from inspections import loop

    return loop.hazards_sweep()
