"""Logging in and out: the page, the audit trail, the axes lockout and the idle timeout for staff."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.sessions.models import Session
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertRedirects, assertTemplateUsed

from accounts.middleware import SEEN_KEY
from accounts.models import AuditEvent, User
from tests.conftest import PASSWORD

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"


def log_in(client, username, password=PASSWORD):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def fail_five_times(client, username="officer_a"):
    for _ in range(5):
        response = log_in(client, username, "wrong-password")
    return response


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


# --- The page --------------------------------------------------------------------------


def test_the_login_urls_are_where_the_brief_says():
    assert reverse("accounts:login") == LOGIN_URL
    assert reverse("accounts:logout") == LOGOUT_URL


def test_the_login_page_is_served_in_simplified_chinese_by_default(db, client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assertContains(response, '<html lang="zh-hans">')


def test_a_wrong_password_shows_djangos_chinese_error_message(world, client):
    with translation.override("zh-hans"):
        expected = AuthenticationForm.error_messages["invalid_login"] % {
            "username": User._meta.get_field("username").verbose_name
        }
    assert "密码" in expected  # Django's own zh_Hans catalogue, not ours

    response = log_in(client, "officer_a", "wrong-password")

    assertContains(response, escape(expected))


# --- Success and failure are audited ---------------------------------------------------


def test_a_correct_login_redirects_home_and_is_audited(world, client):
    response = log_in(client, "officer_a")

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert is_logged_in(client)
    event = AuditEvent.objects.get(action="login")
    assert event.user == world.users["officer_a"]
    assert event.username == "officer_a"
    assert event.ip == "127.0.0.1"


def test_a_wrong_password_is_audited_with_the_username_and_no_user(world, client):
    response = log_in(client, "officer_a", "wrong-password")

    assert response.status_code == 200
    assert not is_logged_in(client)
    event = AuditEvent.objects.get()
    assert event.action == "login_failed"
    assert event.username == "officer_a"
    assert event.user is None
    assert event.ip == "127.0.0.1"


def test_the_audit_trail_never_stores_the_password(world, client):
    log_in(client, "officer_a", "wrong-password")

    event = AuditEvent.objects.get()
    stored = " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.fields)
    assert "wrong-password" not in stored


# --- Lockout (django-axes) -------------------------------------------------------------


def test_the_fifth_wrong_password_locks_the_account(world, client):
    for _ in range(4):
        assert log_in(client, "officer_a", "wrong-password").status_code == 200

    response = log_in(client, "officer_a", "wrong-password")

    assert response.status_code == 429
    assertTemplateUsed(response, "accounts/locked_out.html")


def test_after_five_wrong_passwords_the_right_one_is_refused(world, client):
    fail_five_times(client)

    response = log_in(client, "officer_a")

    assert response.status_code == 429
    assertTemplateUsed(response, "accounts/locked_out.html")
    assert not is_logged_in(client)
    assert not AuditEvent.objects.filter(action="login").exists()


def test_the_lockout_is_by_account_not_by_address(world, client):
    fail_five_times(client, "officer_a")

    # Same client, same REMOTE_ADDR: a colleague behind the station's NAT still gets in.
    response = log_in(client, "officer_b")

    assertRedirects(response, "/", fetch_redirect_response=False)


def test_a_successful_login_forgives_earlier_typos(world, client):
    for _ in range(4):
        log_in(client, "officer_a", "wrong-password")
    log_in(client, "officer_a")
    client.post(LOGOUT_URL)
    for _ in range(4):
        log_in(client, "officer_a", "wrong-password")

    response = log_in(client, "officer_a")

    assertRedirects(response, "/", fetch_redirect_response=False)


def test_the_cooloff_is_configured_as_thirty_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    cooloff = settings.AXES_COOLOFF_TIME
    assert cooloff == timedelta(minutes=30)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]


def age_the_failures(minutes: int) -> None:
    assert AccessAttempt.objects.filter(username="officer_a").exists()
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_the_account_is_still_locked_after_twenty_nine_minutes(world, client):
    fail_five_times(client)
    age_the_failures(29)

    response = log_in(client, "officer_a")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_the_account_unlocks_after_thirty_minutes(world, client):
    fail_five_times(client)
    age_the_failures(31)

    response = log_in(client, "officer_a")

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert is_logged_in(client)


# --- Logout ----------------------------------------------------------------------------


def test_logout_by_get_is_refused_and_keeps_the_session(world, client):
    log_in(client, "officer_a")

    response = client.get(LOGOUT_URL)

    assert response.status_code == 405
    assert is_logged_in(client)
    assert not AuditEvent.objects.filter(action="logout").exists()


def test_logout_by_post_ends_the_session_and_is_audited(world, client):
    log_in(client, "officer_a")

    response = client.post(LOGOUT_URL)

    assertRedirects(response, LOGIN_URL, fetch_redirect_response=False)
    assert not is_logged_in(client)
    event = AuditEvent.objects.get(action="logout")
    assert event.user == world.users["officer_a"]
    assert event.username == "officer_a"
    assert event.ip == "127.0.0.1"


# --- Sessions --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer_a", "aux_a", "chief", "admin", "grid_worker", "volunteer", "mediator"])
def test_a_police_staff_session_expires_after_thirty_idle_minutes(world, client, settings, persona):
    assert settings.STAFF_SESSION_IDLE_SECONDS == 1800
    client.force_login(world.users[persona])

    before = timezone.now()
    response = client.get("/")

    assert response.status_code == 200
    assert client.session.get_expiry_age() == 1800
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800
    expire_date = Session.objects.get(session_key=client.session.session_key).expire_date
    assert before + timedelta(seconds=1790) < expire_date <= timezone.now() + timedelta(seconds=1800)


def test_a_police_staff_session_is_short_from_the_moment_of_login(world, client, settings):
    response = log_in(client, "officer_a")

    assert response.status_code == 302
    assert client.session.get_expiry_age() == 1800
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800


def idle_for(client, minutes: int) -> None:
    session = client.session
    session[SEEN_KEY] -= minutes * 60
    session.save()


def test_a_staff_member_idle_for_thirty_one_minutes_is_logged_out(world, client):
    log_in(client, "officer_a")
    idle_for(client, 31)

    response = client.get("/")

    assertRedirects(response, f"{LOGIN_URL}?next=/", fetch_redirect_response=False)
    assert not is_logged_in(client)
    assert AuditEvent.objects.filter(action="logout", username="officer_a").count() == 1


def test_a_staff_member_logged_out_for_idleness_is_told_why(world, client):
    log_in(client, "officer_a")
    idle_for(client, 31)

    response = client.get("/", follow=True)

    assert response.request["PATH_INFO"] == LOGIN_URL
    assert len(list(response.context["messages"])) == 1


def test_a_staff_member_idle_for_twenty_nine_minutes_stays_logged_in(world, client):
    log_in(client, "officer_a")
    idle_for(client, 29)

    response = client.get("/")

    assert response.status_code == 200
    assert is_logged_in(client)
    assert client.session.get_expiry_age() == 1800


@pytest.mark.parametrize("persona", ["landlord"])
def test_a_public_users_session_keeps_the_long_default(world, client, settings, persona):
    log_in(client, persona)

    response = client.get("/")

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_AGE == 7 * 24 * 3600
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_an_anonymous_visitor_is_sent_to_the_login_page_with_next(db, client):
    response = client.get("/")

    assertRedirects(response, f"{LOGIN_URL}?next=/", fetch_redirect_response=False)


def test_a_mobile_number_typed_as_user_name_is_counted_under_a_hash_and_still_locks(world, client):
    """Landlords and volunteers log in with their phone: axes' tables must not hold it in plain text."""
    from axes.models import AccessAttempt, AccessFailureLog

    for _ in range(5):
        response = log_in(client, "139 1234 0000", "wrong-password")
    assert response.status_code == 429
    assert log_in(client, "13912340000", "wrong-password").status_code == 429  # the same number, typed plainly
    stored = [a.username for a in AccessAttempt.objects.all()] + [f.username for f in AccessFailureLog.objects.all()]
    assert stored and all(name.startswith("h:") and "1234" not in name for name in stored)
    assert log_in(client, "officer_a", "wrong-password").status_code == 200  # other accounts unaffected
