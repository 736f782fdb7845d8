from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = "Back up the database and the media files into a new folder under --to (default: backups/)."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=Path("backups"))

    def handle(self, *args, to: Path, **options):
        try:
            folder = backup.backup(to)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.verify(folder)
        sizes = ", ".join(f"{n} {m['bytes']:,} bytes" for n, m in manifest["files"].items())
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder} ({sizes})"))
