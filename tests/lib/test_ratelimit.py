"""Rate limits on the public endpoints: per address and per target, a clear message, Retry-After,
signed-in officers' scans never limited, and a missing Redis never locks the public out."""

import secrets

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events.open311 import OPEN311_PER_IP
from lib import ratelimit, sms
from lib.ratelimit import Limit

PHONE = "13912340001"


def token():
    return secrets.token_urlsafe(16)


def test_the_counter_allows_the_limit_then_names_the_wait(db):
    limit = Limit(3, 60)
    assert [ratelimit.hit("t", "k", limit) for _ in range(3)] == [0, 0, 0]
    wait = ratelimit.hit("t", "k", limit)
    assert 1 <= wait <= 60
    assert ratelimit.hit("t", "other", limit) == 0  # each key counts on its own
    assert ratelimit.hit("u", "k", limit) == 0  # and each scope


def test_a_wait_reads_in_seconds_or_minutes():
    with translation.override("zh-hans"):
        assert ratelimit.wait_text(1) == "1 秒"
        assert ratelimit.wait_text(45) == "45 秒"
        assert ratelimit.wait_text(3599) == "60 分钟"
    with translation.override("en"):
        assert ratelimit.wait_text(1) == "1 second"
        assert ratelimit.wait_text(150) == "3 minutes"


# --- SMS codes: per phone and per address -------------------------------------------------------


def send_code(client, phone=PHONE, ip="10.0.0.1"):
    return client.post(reverse("rentals:register"), {"action": "send_code", "phone": phone}, REMOTE_ADDR=ip)


def test_a_second_code_to_the_same_phone_within_a_minute_is_refused_at_the_field(db, client):
    sms.outbox.clear()
    assert send_code(client).status_code == 200
    response = send_code(client, ip="10.0.0.2")  # another address: the phone is the target
    assert response.status_code == 200
    assert "验证码发送过于频繁" in response.content.decode()
    assert len(sms.outbox) == 1
    assert send_code(client, phone="13912340002").status_code == 200
    assert len(sms.outbox) == 2


def test_one_address_cannot_send_codes_to_many_phones(db, client):
    sms.outbox.clear()
    for n in range(ratelimit.SMS_PER_IP.count):
        send_code(client, phone=f"139{n:08d}")
    assert len(sms.outbox) == ratelimit.SMS_PER_IP.count
    response = send_code(client, phone="13800000000")
    assert "验证码发送过于频繁" in response.content.decode()
    assert len(sms.outbox) == ratelimit.SMS_PER_IP.count


def test_registration_posts_from_one_address_are_limited_with_a_chinese_page(db, client):
    url = reverse("rentals:register")
    for _ in range(ratelimit.PUBLIC_FORM["per_ip"].count):
        assert client.post(url, {"action": "register"}, REMOTE_ADDR="10.0.0.9").status_code == 200
    response = client.post(url, {"action": "register"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "操作过于频繁" in response.content.decode()
    assert client.post(url, {"action": "register"}, REMOTE_ADDR="10.0.0.10").status_code == 200


# --- token pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,kwargs",
    [("notices:public", {}), ("permits:verify", {}), ("permits:status", {}), ("scan:scan", {})],
)
def test_guessing_tokens_from_one_address_is_stopped(db, name, kwargs):
    client = Client(REMOTE_ADDR="10.1.0.1")
    per_ip = ratelimit.TOKEN_PAGE["per_ip"].count
    codes = {client.get(reverse(name, kwargs={"token": token()})).status_code for _ in range(per_ip)}
    assert 429 not in codes
    response = client.get(reverse(name, kwargs={"token": token()}))
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()


def test_one_token_opened_from_many_addresses_is_limited_too(db):
    t = token()
    url = reverse("permits:verify", kwargs={"token": t})
    per_target = ratelimit.TOKEN_PAGE["per_target"].count
    for n in range(per_target):
        assert Client(REMOTE_ADDR=f"10.2.{n // 250}.{n % 250}").get(url).status_code != 429
    assert Client(REMOTE_ADDR="10.3.0.1").get(url).status_code == 429
    assert Client(REMOTE_ADDR="10.3.0.1").get(reverse("permits:verify", kwargs={"token": token()})).status_code != 429


def test_a_signed_in_officer_scanning_door_plates_is_never_limited(world, as_user):
    client = as_user("officer_a")
    per_ip = ratelimit.TOKEN_PAGE["per_ip"].count
    codes = {client.get(reverse("scan:scan", kwargs={"token": token()})).status_code for _ in range(per_ip + 5)}
    assert 429 not in codes


# --- Open311 ----------------------------------------------------------------------------------


def test_open311_posts_are_limited_per_address_with_a_georeport_error(db, settings):
    settings.CACHES = settings.CACHES  # the default cache, cleared before each test
    client = Client(REMOTE_ADDR="10.4.0.1")
    url = reverse("open311:requests")
    for _ in range(OPEN311_PER_IP.count):
        assert client.post(url, {"api_key": "no-such-key"}).status_code == 403
    response = client.post(url, {"api_key": "no-such-key"})
    assert response.status_code == 429
    [error] = response.json()
    assert error["code"] == 429 and "操作过于频繁" in error["description"]
    assert int(response["Retry-After"]) > 0


# --- Redis down -------------------------------------------------------------------------------


def test_limits_fail_open_when_the_cache_is_unreachable(db, monkeypatch):
    from lib.cache import FailOpenRedisCache

    dead = FailOpenRedisCache("redis://127.0.0.1:1/0", {})
    monkeypatch.setattr(ratelimit, "cache", dead)
    assert all(ratelimit.hit("t", "k", Limit(1, 60)) == 0 for _ in range(5))
