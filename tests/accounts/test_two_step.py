"""Two-step verification for police staff (django-otp): enrolment with a QR code, recovery codes,
the code asked after the password, the API token, and who is never asked."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD
from tests.test_settings import FIELD_KEYS, STRONG_KEY, manage


@pytest.fixture
def required(settings):
    settings.STAFF_OTP_REQUIRED = True


def code(device, offset=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(username) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrol(client, username):
    """Set up the authenticator as the officer would: open the set-up page, type the app's code."""
    page = client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post(reverse("accounts:otp_setup"), {"code": code(device), "next": "/"})
    return page, response, device


def test_an_officer_is_sent_to_set_up_the_app_then_gets_in_with_recovery_codes(world, required):
    client = password_login("officer_a")
    response = client.get(reverse("residents:person_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))

    page, response, device = enrol(client, "officer_a")
    html = page.content.decode()
    assert "<svg" in html and 'data-testid="otp-secret"' in html
    assert response.status_code == 200
    codes = re.findall(r'<li class="col py-1">(\w+)</li>', response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("residents:person_list")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.OTP_ENROLLED, username="officer_a").exists()


def test_a_wrong_enrolment_code_is_a_field_error_and_nothing_is_confirmed(world, required):
    client = password_login("officer_a")
    client.get(reverse("accounts:otp_setup"))
    response = client.post(reverse("accounts:otp_setup"), {"code": "000000"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user__username="officer_a", confirmed=True).exists()
    assert client.get(reverse("residents:person_list")).status_code == 302


def test_next_time_the_code_is_asked_after_the_password_and_a_recovery_code_works_once(world, required):
    client = password_login("chief")
    _, response, device = enrol(client, "chief")
    recovery = re.findall(r'<li class="col py-1">(\w+)</li>', response.content.decode())[0]

    client = password_login("chief")
    response = client.get(reverse("kpi:station"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    response = client.post(reverse("accounts:otp_verify"), {"code": "123456", "next": "/kpi/"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.OTP_FAILED, username="chief").exists()

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=3)):  # django-otp's throttle after a miss
        response = client.post(reverse("accounts:otp_verify"), {"code": recovery.upper(), "next": "/kpi/"})
    assert response.status_code == 302 and response["Location"] == "/kpi/"
    assert client.get(reverse("kpi:station")).status_code == 200

    again = password_login("chief")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=10)):
        response = again.post(reverse("accounts:otp_verify"), {"code": recovery})
    assert response.status_code == 200  # spent


def test_a_code_from_the_app_verifies_a_new_session(world, required):
    client = password_login("aux_a")
    _, _, device = enrol(client, "aux_a")
    client = password_login("aux_a")
    response = client.post(reverse("accounts:otp_verify"), {"code": code(device, offset=1), "next": "/"})
    assert response.status_code == 302


def test_a_next_address_off_the_site_is_ignored(world, required):
    client = password_login("officer_a")
    _, _, device = enrol(client, "officer_a")
    client = password_login("officer_a")
    response = client.post(reverse("accounts:otp_verify"), {"code": code(device, 1), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("persona", ["landlord", "volunteer", "grid_worker", "mediator"])
def test_people_who_are_not_police_staff_are_never_asked(world, required, as_user, persona):
    assert as_user(persona).get(reverse("home")).status_code == 200
    assert as_user(persona).get(reverse("accounts:otp_setup")).status_code == 404


def test_an_unverified_session_gets_a_json_refusal_from_the_api(world, required):
    client = password_login("officer_a")
    response = client.get(reverse("person-list"))
    assert response.status_code == 403
    assert response.json()["detail"]


def test_the_api_token_needs_the_code_for_staff(world, required):
    device = TOTPDevice.objects.create(user=world.users["officer_a"], name="authenticator", confirmed=True)
    url = reverse("token")
    response = Client().post(url, {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 400 and "otp" in response.json()
    response = Client().post(url, {"username": "officer_a", "password": PASSWORD, "otp": code(device)})
    assert response.status_code == 200 and response.json()["token"]
    assert Client().post(url, {"username": "landlord", "password": PASSWORD}).status_code == 200


def test_when_switched_off_staff_go_straight_in_and_the_login_page_says_so(world, settings):
    settings.STAFF_OTP_REQUIRED = False
    client = password_login("officer_a")
    assert client.get(reverse("residents:person_list")).status_code == 200
    assert 'data-testid="otp-off"' in Client().get(reverse("accounts:login")).content.decode()
    settings.STAFF_OTP_REQUIRED = True
    assert 'data-testid="otp-off"' not in Client().get(reverse("accounts:login")).content.decode()


def test_production_settings_require_it_and_the_demo_turns_it_off():
    code_ = "from django.conf import settings as s; print(s.STAFF_OTP_REQUIRED)"
    prod = manage("shell", "-c", code_, DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="x", **FIELD_KEYS)
    assert prod.stdout.strip().splitlines()[-1] == "True", prod.stderr
    demo = manage("shell", "-c", code_, DEBUG="1", STAFF_OTP_REQUIRED="0")
    assert demo.stdout.strip().splitlines()[-1] == "False", demo.stderr
