"""Open311 clients: civic-reporting apps that file and follow events with an API key.

The key is shown once, when the client is created; only its keyed hash (``lib.crypto``) is
stored, so a lost key is replaced by creating a new client and deactivating the old one.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import Event, Open311Client
from grid.models import Station
from lib.crypto import keyed_hash


def key_hash(key: str) -> str:
    return keyed_hash("open311:" + key)


@transaction.atomic
def open311_client_create(*, name: str, station: Station, user: User) -> tuple[Open311Client, str]:
    """Register a client reading ``station``'s events and filing under ``user``.

    Returns the client and its key in clear — the only time the key exists outside the caller.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the client a name.")})
    if not user.is_active:
        raise ValidationError({"user": _("The account the events are filed under is not active.")})
    key = secrets.token_urlsafe(24)
    client = Open311Client.objects.create(name=name[:100], station=station, user=user, key_hash=key_hash(key))
    return client, key


def open311_client_deactivate(*, client: Open311Client) -> Open311Client:
    """Revoke the client's key (idempotent); its events stay."""
    if client.active:
        client.active = False
        client.save(update_fields=["active"])
    return client


def client_for_key(key: str | None) -> Open311Client | None:
    """The active client holding ``key``, or ``None``."""
    if not key:
        return None
    return Open311Client.objects.filter(key_hash=key_hash(key), active=True).select_related("station", "user").first()


def events_for_client(client: Open311Client):
    """The events a client may read: those of its station's community grids."""
    return Event.objects.filter(grid__police_grid__station_id=client.station_id)
