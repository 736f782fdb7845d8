"""Background work for the mediation ledger. Tasks take ids and call a service; idempotent."""

from celery import shared_task


@shared_task(acks_late=True)
def agreement_render(agreement_id: int) -> None:
    """Render a mediation agreement's PDF for signing (one already rendered is left alone)."""
    from disputes import services

    services.agreement_render(agreement_id=agreement_id)
