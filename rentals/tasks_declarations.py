"""Background work for landlord declarations: the submission's follow-up and its sweeper.

Tasks take ids and call ``rentals.services``; each is idempotent. ``rentals/tasks.py`` imports
this module so Celery's autodiscovery (which imports ``<app>.tasks``) registers them.
"""

import logging

from celery import shared_task

from lib.tasks import enqueue
from rentals import services

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def declaration_followup(declaration_id: int) -> bool:
    """The landlord's SMS receipt for a (re)submitted declaration; sent once."""
    return services.declaration_followup(declaration_id=declaration_id)


@shared_task(acks_late=True)
def declarations_followup_sweep() -> int:
    """Every few minutes: re-enqueue the follow-up of declarations still waiting five minutes after
    submission (its task was lost while the broker was down). Returns how many it queued."""
    pending = services.declarations_followup_pending()
    queued = sum(enqueue(declaration_followup, pk) for pk in pending)
    if pending:
        log.warning("declarations: %s follow-ups were still waiting; %s queued again", len(pending), queued)
    return queued
