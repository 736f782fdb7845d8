"""Background work for residence permits: the PDF render and the daily reminder sweep.

Tasks take ids and call ``rentals.permits``; each is idempotent. ``rentals/tasks.py`` imports
this module so Celery's autodiscovery (which imports ``<app>.tasks``) registers them.
"""

import logging

from celery import shared_task

from rentals import permits

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def permit_render_pdf(permit_id: int, version: int) -> bool:
    """Render the permit PDF for (permit, version); a stale or repeated task does nothing."""
    return permits.permit_pdf_render(permit_id=permit_id, version=version)


@shared_task(acks_late=True)
def permits_daily() -> dict:
    """Daily: remind holders whose permit expires within 30 days (once per expiry date), and
    render any issued permit whose PDF task was lost while the broker was down."""
    reminded = sum(permits.permit_remind(permit_id=pk) for pk in permits.permits_to_remind())
    missing = permits.permits_pdf_missing()
    for pk, version in missing:
        permit_render_pdf.delay(pk, version)
    log.info("residence permits: %s reminders, %s PDFs re-queued", reminded, len(missing))
    return {"reminded": reminded, "rendered": len(missing)}
