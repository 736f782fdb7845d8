"""Pluggable SMS. ``SMS_BACKEND`` names a class with ``send(phone, text)``; the default logs.

Police networks reach an SMS gateway through their own platform; a deployment points
``SMS_BACKEND`` at a small adapter for it. The console backend writes the message (and so the
code) to the log, which is what the demo and the tests read; the number it went to is logged
masked (``139****0000``): a log is no place for a phone number.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from lib import crypto, gb11643

log = logging.getLogger("fengqiao.sms")
CODE_TTL = 10 * 60
MAX_TRIES = 5
# Sent messages, kept for the tests (console backend only).
outbox: list[tuple[str, str]] = []


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))
        log.info("SMS to %s: %s", gb11643.mask_phone(phone), text)


def send(phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)


def _key(phone: str) -> str:
    return "sms-code:" + crypto.keyed_hash("phone:" + phone)


def code_send(phone: str) -> None:
    """Send a fresh 6-digit code to ``phone``; valid for 10 minutes and 5 tries."""
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(phone), {"hash": crypto.keyed_hash(code), "tries": 0}, CODE_TTL)
    send(phone, f"【枫桥】您的验证码是 {code}，10分钟内有效。如非本人操作请忽略。")


def code_check(phone: str, code: str) -> bool:
    """True once for the right code; the code is spent on success and after 5 wrong tries."""
    entry = cache.get(_key(phone))
    if not entry:
        return False
    if crypto.keyed_hash((code or "").strip()) == entry["hash"]:
        cache.delete(_key(phone))
        return True
    entry["tries"] += 1
    if entry["tries"] >= MAX_TRIES:
        cache.delete(_key(phone))
    else:
        cache.set(_key(phone), entry, CODE_TTL)
    return False
