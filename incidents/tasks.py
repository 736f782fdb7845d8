"""Background work for incidents. Tasks take ids and call a service; idempotent."""

from celery import shared_task

from incidents import importer


@shared_task(acks_late=True)
def incident_import_run(job_id: int) -> str:
    """Import a dispatch-system export (a finished job is left alone)."""
    return importer.import_run(job_id).status
