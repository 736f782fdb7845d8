"""Background work for inspections. Tasks take ids and call a service; all idempotent."""

from celery import shared_task


@shared_task(acks_late=True)
def notice_render(notice_id: int) -> None:
    """Render a rectification notice's PDF (a notice already rendered is left alone)."""
    from inspections import notices

    notices.notice_render(notice_id=notice_id)


from inspections.tasks_loop import *  # noqa: E402, F403
