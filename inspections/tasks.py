"""Background work for inspections. Tasks take ids and call a service; all idempotent."""

from celery import shared_task


@shared_task(acks_late=True)
def notice_render(notice_id: int) -> int:
    """Render a rectification notice's PDF (a notice already rendered is left alone), and behind a
    backlog a batch of the others waiting (``notices.notices_render_backlog``)."""
    from inspections import notices

    return notices.notices_render_backlog(first=notice_id)


@shared_task(acks_late=True)
def notices_sweep() -> int:
    """Notices still pending five minutes after submission (their task was lost: the broker was
    down, a worker died before acknowledging it), rendered in batches."""
    import datetime as dt

    from django.utils import timezone

    from inspections import notices

    cutoff, total = timezone.now() - dt.timedelta(minutes=5), 0
    while rendered := notices.notices_render_backlog(older_than=cutoff):
        total += rendered
    return total


from inspections.tasks_loop import *  # noqa: E402, F403
