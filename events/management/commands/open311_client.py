"""``manage.py open311_client create|list|deactivate``: the Open311 clients and their keys.

create NAME --station CODE --user USERNAME   prints the new key, once
list                                         every client, never a key
deactivate ID                                revokes the client's key
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from events.clients import open311_client_create, open311_client_deactivate
from events.models import Open311Client
from grid.models import Station


class Command(BaseCommand):
    help = "Create, list or deactivate Open311 GeoReport v2 clients (the key is printed once, at creation)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Register a client and print its key once.")
        create.add_argument("name", help="the client's name, e.g. the app or the organisation")
        create.add_argument("--station", required=True, help="code of the station whose events the client reads")
        create.add_argument("--user", required=True, help="username of the account its events are filed under")
        sub.add_parser("list", help="List the clients (keys are never shown again).")
        deactivate = sub.add_parser("deactivate", help="Revoke a client's key.")
        deactivate.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, name, station, user, **_):
        try:
            station_obj = Station.objects.get(code=station)
        except Station.DoesNotExist:
            raise CommandError(f"No station has the code {station!r}.") from None
        try:
            user_obj = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {user!r}.") from None
        try:
            client, key = open311_client_create(name=name, station=station_obj, user=user_obj)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Open311 client {client.pk} “{client.name}”: station {station_obj.code}, files as {user}.")
        self.stdout.write("API key (shown only now — store it in the client):")
        self.stdout.write(key)

    def _list(self, **_):
        rows = Open311Client.objects.select_related("station", "user").order_by("id")
        if not rows:
            self.stdout.write("No Open311 clients.")
        for c in rows:
            state = "active" if c.active else "inactive"
            created = timezone.localtime(c.created_at)
            self.stdout.write(
                f"{c.pk}\t{c.name}\t{c.station.code}\t{c.user.username}\t{state}\t{created:%Y-%m-%d %H:%M}"
            )

    def _deactivate(self, *, id, **_):
        client = Open311Client.objects.filter(pk=id).first()
        if client is None:
            raise CommandError(f"No Open311 client has the id {id}.")
        open311_client_deactivate(client=client)
        self.stdout.write(f"Open311 client {client.pk} “{client.name}” deactivated.")
