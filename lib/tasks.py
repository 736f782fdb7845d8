"""Enqueue background work after the commit, without letting a broker outage fail the request.

A service saves its rows and enqueues the follow-up with :func:`enqueue_on_commit`. If the broker
cannot take the message (Redis down or restarting), the request still succeeds: the rows are
saved and stay marked as waiting (a notice ``pending``, a declaration without
``followup_done_at``…), a warning is logged, and the periodic sweeper of that work enqueues it
again later. Publishing is retried twice, 0.2 s apart, so a connection left stale by a Redis
restart is replaced without bothering the sweeper; with the broker really down the request waits
well under a second more (connecting is bounded by ``CELERY_BROKER_TRANSPORT_OPTIONS``'
``socket_connect_timeout``).

With no broker (``task_always_eager``: demo, tests) the task runs in-process and its errors
propagate, as before.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("fengqiao.tasks")

BROKER_UNAVAILABLE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue(task, *args, **kwargs) -> bool:
    """``task.delay(*args, **kwargs)``; False (and a warning) if the broker is unavailable."""
    if task.app.conf.task_always_eager:
        task.delay(*args, **kwargs)
        return True
    try:
        task.apply_async(args, kwargs, retry=True, retry_policy=PUBLISH_RETRY)
    except BROKER_UNAVAILABLE as exc:
        # Ids only: no personal data in the log.
        log.warning("%s%r not queued, broker unavailable (%s); its sweeper will queue it", task.name, args, exc)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
