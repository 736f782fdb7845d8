import re

import pytest
from django.urls import reverse

from accounts.models import Role, User
from lib import sms
from rentals.models import LandlordProfile

PHONE = "13912340000"


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _code():
    phone, text = sms.outbox[-1]
    assert phone == PHONE
    return re.search(r"\d{6}", text).group()


def _register(client, **overrides):
    data = {"action": "register", "phone": PHONE, "code": _code(), "name": "赵房东", "kind": "landlord",
            "company": "", "password": "Lanterns-in-2026", "password2": "Lanterns-in-2026", **overrides}  # fmt: skip
    return client.post(reverse("rentals:register"), data)


def test_a_landlord_registers_with_an_sms_code_and_is_logged_in(db, client):
    client.post(reverse("rentals:register"), {"action": "send_code", "phone": PHONE})
    response = _register(client)
    assert response.status_code == 302
    user = User.objects.get(role=Role.LANDLORD)
    profile = LandlordProfile.objects.get(user=user)
    assert profile.phone_masked == "139****0000" and PHONE not in profile.phone_enc and PHONE not in user.username
    assert client.get(reverse("rentals:mine")).status_code == 200


def test_a_wrong_code_is_refused_at_the_field_and_keeps_the_input(db, client):
    client.post(reverse("rentals:register"), {"action": "send_code", "phone": PHONE})
    response = _register(client, code="000000" if _code() != "000000" else "111111")
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert 'value="赵房东"' in response.content.decode()
    assert not User.objects.filter(role=Role.LANDLORD).exists()


def test_a_code_dies_after_five_wrong_tries(db):
    sms.code_send(PHONE)
    good = _code()
    for _ in range(5):
        assert not sms.code_check(PHONE, "999999" if good != "999999" else "888888")
    assert not sms.code_check(PHONE, good)


def test_a_bad_phone_gets_a_message(db, client):
    response = client.post(reverse("rentals:register"), {"action": "send_code", "phone": "12345"})
    assert response.status_code == 200 and not sms.outbox
    assert response.context["form"].phone_errors


def test_the_landlord_logs_in_with_the_phone_number(db, client):
    client.post(reverse("rentals:register"), {"action": "send_code", "phone": PHONE})
    _register(client)
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": PHONE, "password": "Lanterns-in-2026"})
    assert response.status_code == 302
    assert client.get(reverse("rentals:mine")).status_code == 200


def test_a_phone_registers_only_once(db, client):
    client.post(reverse("rentals:register"), {"action": "send_code", "phone": PHONE})
    _register(client)
    client.logout()
    client.post(reverse("rentals:register"), {"action": "send_code", "phone": PHONE})
    response = _register(client)
    assert "phone" in response.context["form"].errors
