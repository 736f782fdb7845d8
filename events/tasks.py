"""Background work for grid events."""

from celery import shared_task


@shared_task(acks_late=True)
def escalate_due() -> int:
    """Escalate every event whose tier's time limit has passed (beat: every five minutes)."""
    from events import dispatch

    return dispatch.escalate_due()
