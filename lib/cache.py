"""A Redis cache that fails open: with Redis down, the site works without its cache.

Nothing here keeps data that exists only in the cache: sessions are ``cached_db`` (the database
row is the truth), cached PDFs are rendered again, hints such as "last compared at" are lost. So
when Redis cannot be reached a read is a miss (``default``), a write is dropped, and the callers'
throttles fail open: ``add`` answers True and ``incr`` answers ``delta`` (the first failure), so a
counter of wrong codes never locks anyone out because Redis is away. What cannot work without the
cache says so itself: an SMS code sent while Redis is down cannot be checked (``lib.sms``).

Short socket timeouts (connect 0.25 s, read 0.5 s; a cached PDF is a few hundred KB on loopback)
keep a page from hanging on an unreachable host, and after a failure the process skips Redis for
``RETRY_AFTER`` seconds, so a page with ten cache calls pays for one. One warning per outage and
process, naming the error and never a key (keys can be derived from phones).

Caveat: a write dropped while Redis was unreachable but not restarted (a network partition) leaves
its old value there when it comes back — for a session, until the row's cache entry expires or is
written again.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("fengqiao.cache")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER = 5.0  # seconds without trying Redis after a failure
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}

# Per process and server list: when to try Redis again (monotonic seconds; 0 = up).
_down_until: dict[str, float] = {}


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._where = ",".join(self._servers)

    def _available(self) -> bool:
        return _down_until.get(self._where, 0.0) <= time.monotonic()

    def _failed(self, exc: Exception) -> None:
        if self._available():  # the first failure of this outage (or after a retry failed again)
            log.warning("cache unavailable (%s: %s); going on without it", type(exc).__name__, exc)
        _down_until[self._where] = time.monotonic() + RETRY_AFTER

    def _guard(self, fallback, method, *args, **kwargs):
        if not self._available():
            return fallback
        try:
            result = method(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._failed(exc)
            return fallback
        if self._where in _down_until:
            del _down_until[self._where]
            log.warning("cache available again")
        return result

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(True, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard([], super().set_many, data, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._guard(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._guard(delta, super().incr, key, delta, version)

    def clear(self):
        return self._guard(False, super().clear)
