"""Background cross-matching (百宝箱): every grid compared nightly. Thin and idempotent."""

import logging

from celery import shared_task

from grid.models import CommunityGrid
from rentals import matching

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def mismatch_tasks_sync_grid(grid_id: int) -> dict:
    """Compare one grid's registries and update its tasks. Safe to run again at any time."""
    grid = CommunityGrid.objects.filter(pk=grid_id).first()
    if grid is None:  # deleted since it was queued
        return {}
    result = matching.mismatch_tasks_sync(grid=grid)
    log.info("matching grid %s: %s", grid_id, result)
    return result.__dict__


@shared_task(acks_late=True)
def mismatch_tasks_sync_all() -> int:
    """Nightly (beat): one task per grid, so one grid's failure does not hold up the others."""
    ids = list(CommunityGrid.objects.order_by("id").values_list("id", flat=True))
    for grid_id in ids:
        mismatch_tasks_sync_grid.delay(grid_id)
    return len(ids)
