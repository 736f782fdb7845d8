"""Field encryption and keyed hashes for personal data (resident IDs, phone numbers).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under ``FIELD_ENCRYPTION_KEY``;
beside each, an HMAC-SHA256 under ``FIELD_HASH_KEY`` allows exact search and uniqueness
without decrypting. Neither key is the Django ``SECRET_KEY``, so rotating one does not break
the others. Several encryption keys may be given (comma-separated, newest first) for rotation.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key: say so without echoing the value
        raise ValueError("cannot decrypt: wrong FIELD_ENCRYPTION_KEY") from exc


def keyed_hash(value: str) -> str:
    return hmac.new(settings.FIELD_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def phone_hash(value: str) -> str:
    """The keyed hash a phone number is found by (digits only, so "138 1234-5678" matches)."""
    return keyed_hash("phone:" + "".join(ch for ch in value if ch.isdigit()))
