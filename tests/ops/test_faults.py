"""Faults the site must ride out (issue 9): Redis down, the broker down while a landlord submits,
the database unreachable for a moment. ``make chaos`` (scripts/chaos/run.py) does the same with
real processes: workers killed, Redis and PostgreSQL restarted under load."""

import datetime as dt
import logging
import socket
import time

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from lib import crypto, gb11643, sms
from rentals.models import DeclarationKind, LandlordProfile, RentalDeclaration
from rentals.tasks_declarations import declarations_followup_sweep
from tests.conftest import PASSWORD
from tests.factories import resident_id


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Redis down: the cache fails open -----------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    from lib import cache as fail_open

    fail_open._down_until.clear()
    settings.CACHES = {
        "default": {"BACKEND": "lib.cache.FailOpenRedisCache", "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}
    }
    yield
    fail_open._down_until.clear()


def test_with_redis_down_login_home_and_the_person_list_answer(world, redis_down):
    client = Client()
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 302  # logged in: the session lives in the database part of cached_db
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("residents:person_list"))
    assert page.status_code == 200
    assert world.person("甲一网格").name in page.content.decode()


def test_with_redis_down_the_cache_misses_fast_and_throttles_fail_open(redis_down, caplog):
    from django.core.cache import cache

    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="fengqiao.cache"):
        for _ in range(50):
            assert cache.get("k", "default") == "default"
            cache.set("k", 1)
            assert cache.add("fails", 0) is True  # a counter's "first" write: nobody is locked out
            assert cache.incr("fails") == 1  # … and it never reaches a limit
            assert cache.get_many(["a", "b"]) == {}
            cache.delete("k")
    assert time.perf_counter() - started < 2  # 300 calls: one connection attempt, then skipped
    warnings = [r for r in caplog.records if r.name == "fengqiao.cache"]
    assert len(warnings) == 1 and "unavailable" in warnings[0].getMessage()


def test_with_redis_down_a_wrong_sign_code_never_locks_the_notice(redis_down, english):
    from django.core.exceptions import ValidationError

    from inspections.notices import code_check, sign_code

    class Notice:  # code_check reads the pk and the token only
        pk, token = 1, "t" * 20

    wrong = "000000" if sign_code(Notice()) != "000000" else "111111"
    for _ in range(8):  # the limit is 5
        with pytest.raises(ValidationError) as exc:
            code_check(notice=Notice(), code=wrong)
        assert "Wrong sign code" in str(exc.value)


# --- the broker down while a landlord submits ---------------------------------------------------


@pytest.fixture
def broker_down():
    """Celery publishing to a loopback port nothing listens on (not eager), as with Redis down."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    _reset_pools()
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{closed_port()}/0", False
    yield
    _reset_pools()
    conf.broker_url, conf.task_always_eager = saved


def _reset_pools():
    # The app caches its connection and producer pools for the broker URL it first used.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def landlord_phone(world):
    phone = "13912345678"
    LandlordProfile.objects.create(
        user=world.users["landlord"], phone_enc=crypto.encrypt(phone), phone_hash=LandlordProfile.phone_hash_for(phone),
        phone_masked=gb11643.mask_phone(phone), phone_verified_at=timezone.now(),
    )  # fmt: skip
    sms.outbox.clear()
    return phone


def _declare(client, house):
    today = str(timezone.localdate())
    data = {
        "house": house.qr_token, "rental_type": "long", "t-TOTAL_FORMS": "1", "t-INITIAL_FORMS": "0",
        "t-MIN_NUM_FORMS": "1", "t-MAX_NUM_FORMS": "50",
        "t-0-name": "王一", "t-0-id_number": resident_id(601), "t-0-phone": "13700001111", "t-0-move_in": today,
    }  # fmt: skip
    return client.post(reverse("rentals:declare"), data)


def test_broker_down_the_declaration_is_saved_and_its_receipt_sent_once_by_the_sweeper(
    world, as_user, landlord_phone, broker_down, django_capture_on_commit_callbacks, caplog
):
    client = as_user("landlord")
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="fengqiao.tasks"), django_capture_on_commit_callbacks(execute=True):
        response = _declare(client, world.house("甲一网格"))
    assert time.perf_counter() - started < 3  # the landlord is not kept waiting for the broker
    declaration = RentalDeclaration.objects.get(landlord=world.users["landlord"])
    assert response.status_code == 302
    assert response["Location"] == reverse("rentals:declaration_detail", args=[declaration.pk])
    assert declaration.followup_done_at is None  # pending: its task could not be queued
    assert "not queued" in caplog.text and landlord_phone not in caplog.text
    assert sms.outbox == []
    page = client.get(response["Location"])
    assert page.status_code == 200

    declarations_followup_sweep()  # the broker is still down: the sweeper tries, nothing breaks
    assert RentalDeclaration.objects.get(pk=declaration.pk).followup_done_at is None

    # The broker is back (eager here: the task runs in-process), six minutes later.
    celery_app.conf.task_always_eager = True
    RentalDeclaration.objects.filter(pk=declaration.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=6))
    assert declarations_followup_sweep() == 1
    assert declarations_followup_sweep() == 0  # done: the next sweep finds nothing
    declaration.refresh_from_db()
    assert declaration.followup_done_at is not None
    assert [phone for phone, _ in sms.outbox] == [landlord_phone]  # exactly one receipt


def test_with_the_broker_up_the_receipt_goes_at_once_and_the_sweeper_leaves_it(
    world, landlord_phone, django_capture_on_commit_callbacks
):
    from rentals import services

    with django_capture_on_commit_callbacks(execute=True):
        declaration = services.declaration_submit(
            landlord=world.users["landlord"], house=world.house("甲一网格"), kind=DeclarationKind.MOVE_IN,
            rental_type="long", tenants=[{"name": "王二", "id_number": resident_id(603), "move_in": timezone.localdate()}],
        )  # fmt: skip
    declaration.refresh_from_db()
    assert declaration.followup_done_at is not None
    assert len(sms.outbox) == 1 and "1" in sms.outbox[0][1]
    RentalDeclaration.objects.filter(pk=declaration.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=6))
    assert declarations_followup_sweep() == 0
    assert len(sms.outbox) == 1


# --- the database unreachable -------------------------------------------------------------------


def test_database_down_answers_a_quick_503_not_a_500(world, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(world.users["officer_a"])

    def unreachable(execute, sql, params, many, context):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    with connection.execute_wrapper(unreachable):
        response = client.get(reverse("residents:person_list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "503" in response.content.decode()
    assert client.get(reverse("residents:person_list")).status_code == 200  # and back at once
