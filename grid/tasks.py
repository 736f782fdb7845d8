"""Background work for the grid spine. Tasks take ids and call a service; all idempotent."""

import logging

from celery import shared_task

from grid import services

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def grid_reassign_buildings(grid_id: int) -> int:
    """After a boundary change: re-place the buildings the grid gained or lost."""
    moved = services.buildings_reassign(grid_id=grid_id)
    log.info("grid %s: %s buildings re-placed", grid_id, moved)
    return moved


@shared_task(acks_late=True)
def buildings_reassign_all() -> int:
    """Nightly sweep: any building whose point lies outside its grid is placed again."""
    moved = services.buildings_reassign()
    log.info("sweep: %s buildings re-placed", moved)
    return moved
