"""Check the audit trail's hash chain; exit status 1 at the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from accounts import audit_chain
from accounts.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken link."

    def handle(self, *args, **options):
        checked, broken = audit_chain.verify()
        if broken is None:
            self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} rows, every link holds."))
            return
        row = AuditEvent.objects.filter(pk=broken.row_id).first()
        what = {
            "link": "its link does not match the hash of the row before it (a row was removed or inserted)",
            "content": "its content does not match its hash (the row was changed)",
        }[broken.reason]
        raise CommandError(
            f"Audit trail broken at row {broken.row_id} ({row}): {what}. {checked} rows before it are intact."
        )
