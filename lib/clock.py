"""The demo seeds' clock: run a step as if it happened at a planned time."""

import contextlib
import datetime as dt
from unittest import mock

from django.utils import timezone


@contextlib.contextmanager
def seed_clock(at: dt.datetime):
    """``timezone.now()`` is ``at`` inside. The demo plays months of work in seconds; the services
    stamp what they record with ``now`` (and PDFs print their dates), so each step runs with the
    clock set back. Only for single-threaded seeding: nothing else may run meanwhile."""
    with mock.patch.object(timezone, "now", new=lambda: at):  # a plain function: no Mock per step
        yield
