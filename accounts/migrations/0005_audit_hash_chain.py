"""The audit trail gets its hash chain; rows already written are linked in id order."""

import django.utils.timezone
from django.db import migrations, models


def chain_existing(apps, schema_editor):
    """Link the rows written before the chain existed, in id order (the trigger is off meanwhile)."""
    from accounts.audit_chain import GENESIS, content_hash

    AuditEvent = apps.get_model("accounts", "AuditEvent")
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_no_update_delete")
    prev = GENESIS
    for row in AuditEvent._base_manager.order_by("id").iterator(chunk_size=2000):
        row.prev_hash = prev
        row.hash = content_hash(prev, row)
        schema_editor.execute(
            "UPDATE accounts_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [row.prev_hash, row.hash, row.id]
        )
        prev = row.hash
    if pg:
        schema_editor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER accounts_auditevent_no_update_delete")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_base_manager"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, db_default="", max_length=64, verbose_name="hash"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, db_default="", max_length=64, verbose_name="previous hash"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("reveal", "Revealed personal data"),
                    ("export", "Exported data"),
                    ("view", "Viewed a record"),
                    ("download", "Downloaded a document"),
                    ("login", "Logged in"),
                    ("login_failed", "Failed login"),
                    ("logout", "Logged out"),
                    ("denied", "Access denied"),
                    ("otp_enrolled", "Set up two-step verification"),
                    ("otp_failed", "Failed verification code"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="time"),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
