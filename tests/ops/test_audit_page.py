"""The chief's audit page: the station's lines only, filters, Excel export (itself audited), and the
"access denied" lines written when a signed-in user is refused a record."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from accounts.services import audit


def test_a_refused_record_writes_an_access_denied_line(world, as_user):
    person = world.person("甲一网格")
    url = reverse("residents:person_detail", args=[person.pk])

    assert as_user("other_station_officer").get(url).status_code == 404

    line = AuditEvent.objects.filter(action=AuditAction.DENIED).get()
    assert line.username == "other_station_officer"
    assert line.object_type == "residents:person_detail"
    assert line.object_id == str(person.pk)
    assert line.object_repr == f"GET {url}"


def test_an_unknown_address_or_an_anonymous_visitor_writes_no_denied_line(world, as_user):
    as_user("officer_a").get("/no/such/page/")
    as_user("anonymous").get(reverse("residents:person_detail", args=[world.person("甲一网格").pk]))
    assert not AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


def test_an_api_refusal_with_a_token_is_recorded_too(world, as_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["other_station_officer"])
    client = as_user("anonymous")
    response = client.get(
        reverse("person-detail", args=[world.person("甲一网格").pk]), HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, username="other_station_officer").exists()


@pytest.fixture
def lines(world):
    u = world.users
    person = world.person("甲一网格")
    audit(u["officer_a"], AuditAction.REVEAL, person, reason="核查甲一住户")
    audit(u["volunteer"], AuditAction.DOWNLOAD, object_repr="整改通知书 甲一")
    audit(u["other_station_officer"], AuditAction.REVEAL, person, reason="丙所查询")
    audit(None, AuditAction.LOGIN_FAILED, username="officer_a")
    return person


def test_the_chief_reads_the_station_lines_and_not_another_station(lines, as_user):
    page = as_user("chief").get(reverse("ops:audit")).content.decode()
    assert "核查甲一住户" in page
    assert "整改通知书 甲一" in page  # a volunteer of the station's grid
    assert "丙所查询" not in page
    assert page.count("text-bg-danger") == 1  # the failed login typed with officer_a's name

    other = as_user("other_chief").get(reverse("ops:audit")).content.decode()
    assert "丙所查询" in other and "核查甲一住户" not in other


@pytest.mark.parametrize("persona", ["officer_a", "aux_a", "volunteer", "landlord", "mediator"])
def test_only_chiefs_and_administrators_have_the_page(lines, as_user, persona):
    assert as_user(persona).get(reverse("ops:audit")).status_code == 404
    assert as_user(persona).get(reverse("ops:audit_export")).status_code == 404


def test_filters_narrow_the_lines(lines, as_user):
    client = as_user("chief")
    page = client.get(reverse("ops:audit"), {"action": "download"}).content.decode()
    assert "整改通知书 甲一" in page and "核查甲一住户" not in page
    page = client.get(reverse("ops:audit"), {"q": "核查"}).content.decode()
    assert "核查甲一住户" in page and "整改通知书 甲一" not in page
    page = client.get(reverse("ops:audit"), {"username": "volunteer"}).content.decode()
    assert "整改通知书 甲一" in page and "核查甲一住户" not in page


def test_a_wrong_date_is_a_field_error_not_a_crash(lines, as_user):
    response = as_user("chief").get(reverse("ops:audit"), {"date_from": "2026-13-45", "date_to": "<b>x</b>"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("invalid-feedback") == 2
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_the_export_holds_the_filtered_lines_and_is_itself_audited(lines, as_user):
    response = as_user("chief").get(reverse("ops:audit_export"), {"action": "reveal"})
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [c for row in ws.iter_rows(min_row=3, values_only=True) for c in row]
    assert "核查甲一住户" in cells
    assert "丙所查询" not in cells and "整改通知书 甲一" not in cells
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, username="chief").exists()
