"""Background work for the registries. Tasks take ids and call a service; all idempotent."""

import logging

from celery import shared_task

from residents import labels, ledgers

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def label_sheet_render(sheet_id: int) -> str:
    """Render a door-plate QR label sheet (a sheet already done is left as it is)."""
    sheet = labels.label_sheet_render(sheet_id=sheet_id)
    return sheet.status if sheet is not None else "missing"


@shared_task(acks_late=True)
def label_sheets_sweep() -> int:
    """Every ten minutes: send again the sheets whose render task was lost."""
    stale = labels.label_sheets_stale()
    for sheet_id in stale:
        label_sheet_render.delay(sheet_id)
    if stale:
        log.info("sweep: %s label sheets sent again", len(stale))
    return len(stale)


@shared_task(acks_late=True)
def ledger_import_run(job_id: int) -> None:
    """Save a checked Excel import of persons or houses (a finished job is left alone)."""
    ledgers.import_job_run(job_id)
