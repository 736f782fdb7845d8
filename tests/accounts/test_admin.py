"""The Django admin: staff only, and the audit trail in it can be read but never changed."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import AuditEvent, User
from accounts.services import audit
from tests.conftest import PASSWORD, otp_verified

ADMIN_LOGIN = "/admin/login/"


def admin_client(as_user):
    """The administrator, with the session verified by a second factor (the admin requires it)."""
    client = as_user("admin")
    return otp_verified(client, User.objects.get(username="admin"))


@pytest.fixture
def event(world):
    return audit(world.users["officer_a"], "reveal", world.building("甲一网格"), reason="核查租户")


def changelist_url():
    return reverse("admin:accounts_auditevent_changelist")


def change_url(event):
    return reverse("admin:accounts_auditevent_change", args=[event.pk])


def delete_url(event):
    return reverse("admin:accounts_auditevent_delete", args=[event.pk])


# --- Who gets in -----------------------------------------------------------------------


ADMIN_URLS = ["/admin/", "/admin/accounts/auditevent/", "/admin/accounts/user/"]


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_the_admin_sends_an_anonymous_visitor_to_a_login_page(as_user, url):
    response = as_user("anonymous").get(url)

    # The index is the admin's own (login_not_required); model pages meet the site-wide login first.
    assert response.status_code == 302
    assert response["Location"] in (f"{ADMIN_LOGIN}?next={url}", f"/accounts/login/?next={url}")


@pytest.mark.parametrize("persona", ["officer_a", "chief", "landlord"])
@pytest.mark.parametrize("url", ADMIN_URLS)
def test_the_admin_sends_a_logged_in_non_staff_user_to_the_admin_login(as_user, persona, url):
    response = as_user(persona).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{ADMIN_LOGIN}?next={url}"


def test_a_non_staff_user_cannot_log_in_to_the_admin_with_the_right_password(world):
    client = Client()

    response = client.post(ADMIN_LOGIN, {"username": "officer_a", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 200  # the form again, with an error
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_admin_user_logs_in_to_the_admin_with_password_and_code(world):
    device = TOTPDevice.objects.create(user=world.users["admin"], name="authenticator", confirmed=True)
    client = Client()

    response = client.post(ADMIN_LOGIN, {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200 and response.context["form"].errors  # the code is required too
    assert client.get("/admin/").status_code == 302

    data = {"username": "admin", "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": code(device)}
    response = client.post(ADMIN_LOGIN, {**data, "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_but_unverified_administrator_is_sent_to_type_a_code_first(world, as_user):
    response = as_user("admin").get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- The audit trail is read-only ------------------------------------------------------


def test_the_admin_can_search_the_audit_trail(as_user, event):
    response = admin_client(as_user).get(changelist_url(), {"q": "核查租户"})

    assert response.status_code == 200
    assertContains(response, "核查租户")
    assert list(response.context["cl"].result_list) == [event]


def test_the_audit_trail_changelist_offers_no_add_button(as_user, event):
    response = admin_client(as_user).get(changelist_url())

    assert response.context["has_add_permission"] is False
    assertNotContains(response, reverse("admin:accounts_auditevent_add"))


def test_the_audit_trail_changelist_offers_no_bulk_delete(as_user, event):
    response = admin_client(as_user).get(changelist_url())

    assert response.status_code == 200
    assert response.context["action_form"] is None  # no actions at all, so no "delete selected"
    assertNotContains(response, "delete_selected")


def test_the_audit_trail_changelist_does_not_query_per_row(as_user, world, django_assert_max_num_queries):
    for i in range(30):
        audit(world.users["officer_a"], "view", world.building("甲一网格"), reason=f"第{i}次")
    client = admin_client(as_user)
    client.get(changelist_url())  # warm the session cache

    with django_assert_max_num_queries(8):  # 6 today; one per row would be 36+
        response = client.get(changelist_url())
    assert sum(e.action == "view" for e in response.context["cl"].result_list) == 30


def test_the_add_view_of_the_audit_trail_is_forbidden(as_user, world):
    client = admin_client(as_user)

    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    response = client.post(reverse("admin:accounts_auditevent_add"), {"action": "export", "username": "forged"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(username="forged").exists()


def test_the_change_view_of_an_audit_event_is_read_only(as_user, event):
    response = admin_client(as_user).get(change_url(event))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert {"reason", "username", "action", "ip"} <= set(response.context["adminform"].readonly_fields)
    assertNotContains(response, 'name="reason"')
    assertNotContains(response, 'name="_save"')
    assertContains(response, "核查租户")


def test_posting_to_the_change_view_is_forbidden(as_user, event):
    response = admin_client(as_user).post(change_url(event), {"reason": "edited", "action": "reveal"})

    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).reason == "核查租户"


def test_the_delete_view_of_an_audit_event_is_forbidden(as_user, event):
    client = admin_client(as_user)

    assert client.get(delete_url(event)).status_code == 403
    assert client.post(delete_url(event), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_bulk_delete_action_is_refused(as_user, event):
    response = admin_client(as_user).post(
        changelist_url(), {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )

    assert response.status_code == 200  # the changelist again: there is no such action
    assert AuditEvent.objects.filter(pk=event.pk).exists()
