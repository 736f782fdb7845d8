"""Rate limits for the public endpoints: per client address and per target (a phone, a token, a key).

A fixed-window counter in the cache (Redis in production, so every web worker shares it): the first
hit of a window creates the key with the window as its lifetime, later hits increment it. Over the
limit, the view is not called: pages answer 429 with a Chinese page that says how long to wait,
JSON endpoints a 429 error of their own format (``on_limit``), and ``Retry-After`` is set.

Signed-in users are not limited on GET (an officer scanning door plates from a station whose
officers share one NAT address must never be stopped); every POST to a public endpoint is.
With the cache down the limits fail open (``lib.cache``): a missing Redis never locks the public out.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``seconds`` for one key."""

    count: int
    seconds: int


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _cache_key(scope: str, key: str, limit: Limit, now: float) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]  # keys may be phones: never stored as they are
    return f"rl:{scope}:{digest}:{limit.seconds}:{int(now // limit.seconds)}"


def hit(scope: str, key: str, limit: Limit) -> int:
    """Count one hit; return 0 when allowed, else the seconds until the window ends."""
    now = time.time()
    cache_key = _cache_key(scope, key, limit, now)
    try:
        cache.add(cache_key, 0, limit.seconds + 1)
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, limit.seconds + 1)
        count = 1
    if count <= limit.count:
        return 0
    return max(1, math.ceil(limit.seconds - now % limit.seconds))


def check(scope: str, rules: list[tuple[str, Limit]]) -> int:
    """Count a hit on each ``(key, limit)``; the longest wait among those over their limit, else 0."""
    return max((hit(scope, key, limit) for key, limit in rules if key), default=0)


def wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def too_many_message(seconds: int) -> str:
    return _("Too many attempts from this device. Please try again in %(wait)s.") % {"wait": wait_text(seconds)}


def limited_page(request, seconds: int):
    return render(request, "429.html", {"message": too_many_message(seconds)}, status=429)


def ratelimit(
    scope: str,
    *,
    per_ip: Limit | None = None,
    per_target: Limit | None = None,
    target: Callable | None = None,
    methods: tuple[str, ...] = ("POST",),
    spare_signed_in_get: bool = True,
    on_limit: Callable | None = None,
):
    """View decorator. ``target(request, *args, **kwargs)`` names what is aimed at (a token, a key);
    ``on_limit(request, seconds)`` answers instead of the page (JSON endpoints)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and not (
                spare_signed_in_get and request.method in ("GET", "HEAD") and request.user.is_authenticated
            ):
                rules = []
                if per_ip:
                    rules.append(("ip:" + client_ip(request), per_ip))
                if per_target and target:
                    aimed = target(request, *args, **kwargs)
                    rules.append((f"target:{aimed}" if aimed else "", per_target))
                seconds = check(scope, rules)
                if seconds:
                    response = (on_limit or limited_page)(request, seconds)
                    response["Retry-After"] = str(seconds)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def token_kwarg(request, token=None, *args, **kwargs):
    return token


# Shared rules, in one place so the README and the tests read the same numbers.
TOKEN_PAGE = {
    "methods": ("GET", "HEAD", "POST"),
    "per_ip": Limit(60, 60),
    "per_target": Limit(120, 60 * 60),
    "target": token_kwarg,
}
PUBLIC_FORM = {"per_ip": Limit(20, 60 * 60)}
SMS_PER_PHONE = (Limit(1, 60), Limit(5, 60 * 60))
SMS_PER_IP = Limit(10, 60 * 60)  # below PUBLIC_FORM, so the field says why
