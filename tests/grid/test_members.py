"""The grid roster: a resident applies online with an SMS code, the grid's officer approves and
the volunteer logs in with the phone; suspension and leaving switch the login off; the officer
adds members by hand, who set a password by SMS; the roster page, export and call button."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditAction, AuditEvent, Role, User
from grid import members
from grid.models import GridMember, MemberStatus
from grid.scope import scope_for
from lib import sms

PHONE = "13912345678"
PASSWORD = "Lanterns-in-2026"


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _code(phone=PHONE):
    sent_to, text = sms.outbox[-1]
    assert sent_to == phone
    return re.search(r"\d{6}", text).group()


def _apply(client, world, **overrides):
    client.post(reverse("members:apply"), {"action": "send_code", "phone": overrides.get("phone", PHONE)})
    data = {"action": "apply", "grid": world.a1.pk, "name": "钱志愿", "phone": PHONE, "code": _code(),
            "member_type": "merchant", "address": "沿街商铺12号", "motivation": "熟悉周边", "password": PASSWORD,
            "password2": PASSWORD, **overrides}  # fmt: skip
    return client.post(reverse("members:apply"), data)


def test_a_resident_applies_online_and_waits_without_a_login(world, client):
    response = _apply(client, world)
    assert response.status_code == 200 and "grid/member_applied.html" in [t.name for t in response.templates]
    member = GridMember.objects.get(name="钱志愿")
    assert member.status == MemberStatus.PENDING and member.applied and member.grid == world.a1
    assert member.user is None and member.pending_password.startswith(("pbkdf2", "argon2", "md5"))
    assert member.phone_masked == "139****5678" and PHONE not in member.phone_enc and member.phone == PHONE
    assert not User.objects.filter(username__startswith="vol-").exists()


def test_a_wrong_code_is_refused_at_its_field_in_chinese_and_the_form_keeps_what_was_typed(world, client):
    client.post(reverse("members:apply"), {"action": "send_code", "phone": PHONE})
    wrong = "000000" if _code() != "000000" else "111111"
    response = _apply(client, world, code=wrong)
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["验证码错误或已过期，请重新获取。"]
    html = response.content.decode()
    assert 'value="钱志愿"' in html and PASSWORD not in html
    assert not GridMember.objects.filter(name="钱志愿").exists()


def test_the_grid_is_preselected_from_the_qr_link(world, client):
    response = client.get(reverse("members:apply") + f"?grid={world.a1.code}")
    assert response.context["form"].initial["grid"] == world.a1.pk


def test_one_phone_has_one_open_membership(world, client):
    _apply(client, world)
    response = _apply(client, world, grid=world.b1.pk)
    assert "phone" in response.context["form"].errors
    assert GridMember.objects.filter(phone_hash=GridMember.objects.get(name="钱志愿").phone_hash).count() == 1


def test_the_officer_approves_and_the_volunteer_logs_in_with_the_phone(world, client, as_user):
    _apply(client, world)
    member = GridMember.objects.get(name="钱志愿")
    response = as_user("officer_a").post(reverse("grid:member_decide", args=[member.pk]), {"to": "active"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE and member.decided_by == world.users["officer_a"]
    user = member.user
    assert user.role == Role.VOLUNTEER and user.is_active and user.full_name == "钱志愿" and not member.pending_password
    assert sms.outbox[-1][0] == PHONE and world.a1.name in sms.outbox[-1][1]
    assert scope_for(User.objects.get(pk=user.pk)).community_grid_ids == {world.a1.pk}

    client.logout()
    response = client.post(reverse("accounts:login"), {"username": PHONE, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("events:report")).status_code == 200


@pytest.mark.parametrize("persona", ["grid_worker", "officer_b", "other_chief"])
def test_only_police_of_the_grid_decide(world, persona):
    member = GridMember(grid=world.a1, name="孙申请", member_type="resident", applied=True)
    member.set_phone(PHONE)
    member.save()
    with pytest.raises(ValidationError):
        members.decide(member, by=world.users[persona], to=MemberStatus.ACTIVE)
    assert GridMember.objects.get(pk=member.pk).status == MemberStatus.PENDING


def test_not_approving_needs_a_reason_which_the_applicant_is_sent(world, client):
    _apply(client, world)
    member = GridMember.objects.get(name="钱志愿")
    with pytest.raises(ValidationError) as exc:
        members.decide(member, by=world.users["officer_a"], to=MemberStatus.REJECTED)
    assert "reason" in exc.value.message_dict
    members.decide(member, by=world.users["officer_a"], to=MemberStatus.REJECTED, reason="本网格志愿者已满")
    member.refresh_from_db()
    assert member.status == MemberStatus.REJECTED and member.user is None and not member.pending_password
    assert "本网格志愿者已满" in sms.outbox[-1][1]
    # The phone may apply again (a rejected application is not an open membership), a minute later:
    # one SMS code a minute per phone (lib.ratelimit).
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        _apply(client, world)
    assert GridMember.objects.filter(name="钱志愿", status=MemberStatus.PENDING).count() == 1


def test_suspending_switches_the_login_off_and_reinstating_on(world):
    officer, volunteer = world.users["officer_a"], world.users["volunteer"]
    member = GridMember.objects.get(user=volunteer)
    members.decide(member, by=officer, to=MemberStatus.SUSPENDED, reason="长期联系不上")
    volunteer.refresh_from_db()
    assert not volunteer.is_active and scope_for(User.objects.get(pk=volunteer.pk)).is_empty
    members.decide(member, by=officer, to=MemberStatus.ACTIVE)
    assert User.objects.get(pk=volunteer.pk).is_active
    assert scope_for(User.objects.get(pk=volunteer.pk)).community_grid_ids == {world.a1.pk}
    members.decide(member, by=officer, to=MemberStatus.LEFT)
    assert not User.objects.get(pk=volunteer.pk).is_active
    with pytest.raises(ValidationError):  # leaving is final
        members.decide(member, by=officer, to=MemberStatus.ACTIVE)


def test_the_officer_adds_a_member_who_sets_a_password_by_sms(world, client, as_user):
    response = as_user("officer_a").post(
        reverse("grid:member_add", args=[world.a1.pk]),
        {"name": "李保安", "phone": "138 0000 1234", "member_type": "security_guard", "address": "南门岗亭"},
    )
    member = GridMember.objects.get(name="李保安")
    assert response.status_code == 302 and response["Location"] == reverse("grid:member_detail", args=[member.pk])
    assert member.status == MemberStatus.ACTIVE and member.phone == "13800001234"
    assert not member.user.has_usable_password()
    assert reverse("members:password") in sms.outbox[-1][1]

    client.post(reverse("members:password"), {"action": "send_code", "phone": "13800001234"})
    response = client.post(
        reverse("members:password"),
        {"action": "set", "phone": "13800001234", "code": _code("13800001234"), "password": PASSWORD,
         "password2": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.post(reverse("accounts:login"), {"username": "13800001234", "password": PASSWORD}).status_code == 302


def test_the_password_page_refuses_a_phone_not_on_a_roster(world, client):
    client.post(reverse("members:password"), {"action": "send_code", "phone": PHONE})
    response = client.post(
        reverse("members:password"),
        {"action": "set", "phone": PHONE, "code": _code(), "password": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200 and "phone" in response.context["form"].errors


def test_a_bad_phone_on_the_add_form_is_refused_next_to_the_field(world, as_user):
    response = as_user("officer_a").post(
        reverse("grid:member_add", args=[world.a1.pk]), {"name": "李保安", "phone": "12345", "member_type": "resident"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["请填写以 1 开头的 11 位手机号。"]
    assert 'value="李保安"' in response.content.decode()
    assert not GridMember.objects.filter(name="李保安").exists()


def test_the_roster_lists_waiting_applications_first_and_exports_masked_phones(world, client, as_user):
    _apply(client, world)
    officer = as_user("officer_a")
    page = officer.get(reverse("grid:member_list")).context["page"]
    assert page[0].status == MemberStatus.PENDING and page[0].name == "钱志愿"
    response = officer.get(reverse("grid:member_export") + "?status=pending")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert len(rows) == 1 and rows[0][1] == "钱志愿" and rows[0][3] == "139****5678"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="grid.gridmember").exists()


def test_the_call_button_dials_the_number_and_is_audited(world, as_user):
    member = GridMember.objects.get(user=world.users["volunteer"])
    response = as_user("officer_a").get(reverse("grid:member_call", args=[member.pk]))
    assert response.status_code == 302 and response["Location"] == "tel:" + member.phone
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, object_id=str(member.pk)).count() == 1


def test_the_grid_page_shows_the_roster_and_the_application_qr_to_its_police_not_to_volunteers(world, as_user):
    url = reverse("grid:communitygrid_detail", args=[world.a1.pk])
    html = as_user("officer_a").get(url).content.decode()
    assert 'data-testid="roster"' in html and "<svg" in html and f"grid={world.a1.code}" in html
    html = as_user("volunteer").get(url).content.decode()
    assert 'data-testid="roster"' not in html
