"""The disputes admin: read-only (changes go through the services), masked identifiers only."""

import pytest
from django.urls import reverse

from disputes.models import Party
from tests.conftest import otp_verified
from tests.disputes.helpers import hold_session, make_dispute, sign_all, valid_id

pytestmark = pytest.mark.django_db

MODELS = ["mediator", "dispute", "mediationsession", "agreement", "followup"]


def test_the_admin_lists_and_shows_the_ledger_but_changes_nothing(world, as_user):
    dispute = make_dispute(world)
    sign_all(world, hold_session(world, dispute).agreement)
    admin = otp_verified(as_user("admin"), world.users["admin"])  # the admin asks for the second factor
    for model in MODELS:
        assert admin.get(reverse(f"admin:disputes_{model}_changelist")).status_code == 200, model
        assert admin.get(reverse(f"admin:disputes_{model}_add")).status_code == 403, model
    page = admin.get(reverse("admin:disputes_dispute_change", args=[dispute.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    newcomer = Party.objects.get(dispute=dispute, person=None)
    assert newcomer.id_number_masked in body
    assert valid_id(901) not in body and newcomer.id_number_enc not in body
    assert admin.post(reverse("admin:disputes_dispute_delete", args=[dispute.pk]), {"post": "yes"}).status_code == 403
