from celery import shared_task
from django.core.management import call_command


@shared_task(acks_late=True)
def sessions_clear_expired() -> None:
    """Nightly: drop expired sessions (Django's ``clearsessions``); idempotent."""
    call_command("clearsessions")
