"""Celery autodiscovery imports ``<app>.tasks``: the task modules of this app are imported here."""

from rentals.tasks_permits import *  # noqa
from rentals.tasks_matching import *  # noqa: F403
from rentals.tasks_declarations import *  # noqa: F403
