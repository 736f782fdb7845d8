from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = "Restore a backup folder made by `backup`: checks its checksums, then replaces the database and media."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the data")

    def handle(self, *args, folder: Path, yes: bool, **options):
        try:
            manifest = backup.verify(folder)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not yes:
            answer = input(f"Replace the database and media with the backup of {manifest['created_at']}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing restored.")
        try:
            backup.restore(folder)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {folder} (made {manifest['created_at']})."))
