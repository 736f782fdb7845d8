"""/api/v1/rentals/permits/: scoped and masked like the pages; approve and return; in the schema."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rentals.models import PermitStatus
from tests.factories import resident_id
from tests.routes_permits import APPLICANT, permit_in

FULL_ID = resident_id(901)


def test_the_list_is_scoped_and_masked(world, as_user):
    permit = permit_in(world)
    permit_in(world, "丙一网格", name="申请人丙一", seq=907)
    data = as_user("officer_a").get(reverse("permit-list")).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["id"] == permit.pk and row["name"] == APPLICANT
    assert row["id_number_masked"] == permit.id_number_masked and row["phone_masked"] == "139****5678"
    assert row["status"] == "approved" and row["number"] == permit.number
    body = json.dumps(data, ensure_ascii=False)
    assert FULL_ID not in body and "13912345678" not in body
    assert not {"id_number_enc", "id_number_hash", "phone_enc", "phone_hash", "status_token", "verify_token"} & set(row)
    assert as_user("chief").get(reverse("permit-list")).json()["count"] == 1
    assert as_user("admin").get(reverse("permit-list")).json()["count"] == 2


@pytest.mark.parametrize("persona", ["grid_worker", "volunteer", "officer_b", "landlord"])
def test_others_get_an_empty_list_and_404s(world, as_user, persona):
    permit = permit_in(world, approve=False)
    client = as_user(persona)
    assert client.get(reverse("permit-list")).json()["count"] == 0
    assert client.get(reverse("permit-detail", args=[permit.pk])).status_code == 404
    assert client.post(reverse("permit-approve", args=[permit.pk])).status_code == 404
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUBMITTED


def test_anonymous_callers_get_401(world, client):
    assert client.get(reverse("permit-list")).status_code == 401


def test_filters_by_status_and_expiry(world, as_user):
    issued = permit_in(world)
    pending = permit_in(world, "甲二网格", name="申请人甲二", seq=903, approve=False)
    client = as_user("officer_a")
    ids = [r["id"] for r in client.get(reverse("permit-list"), {"status": "submitted"}).json()["results"]]
    assert ids == [pending.pk]
    assert client.get(reverse("permit-list"), {"expiring": "true"}).json()["count"] == 0
    found = client.get(reverse("permit-list"), {"q": FULL_ID}).json()["results"]
    assert [r["id"] for r in found] == [issued.pk]


def test_an_officer_approves_and_returns_through_the_api(world, as_user, django_capture_on_commit_callbacks):
    permit = permit_in(world, approve=False)
    client = as_user("aux_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("permit-approve", args=[permit.pk]))
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["number"].endswith("000001")
    again = client.post(reverse("permit-approve", args=[permit.pk]))
    assert again.status_code == 400

    other = permit_in(world, name="申请人二", seq=903, approve=False)  # the auxiliary's own grid
    assert client.post(reverse("permit-return", args=[other.pk]), {}).status_code == 400
    response = client.post(reverse("permit-return", args=[other.pk]), {"reason": "请上传学生证"})
    assert response.status_code == 200 and response.json()["return_reason"] == "请上传学生证"


def test_the_api_list_costs_the_same_queries_however_many_permits(world, as_user):
    client = as_user("officer_a")
    url = reverse("permit-list")
    permit_in(world)
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(3):
        permit_in(world, "甲二网格", name=f"申请人{n}", seq=931 + 2 * n)
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).json()["count"] == 4
    assert len(second.captured_queries) == len(first.captured_queries)
    assert len(second.captured_queries) <= 5  # session, user, scope, count, rows


def test_the_openapi_schema_documents_the_permit_endpoints(world, as_user):
    response = as_user("officer_a").get(reverse("schema"), {"format": "json"})
    schema = json.loads(response.content)
    paths = schema["paths"]
    assert "/api/v1/rentals/permits/" in paths
    assert "post" in paths["/api/v1/rentals/permits/{id}/approve/"]
    assert "post" in paths["/api/v1/rentals/permits/{id}/return/"]
    props = schema["components"]["schemas"]["Permit"]["properties"]
    assert "id_number_masked" in props and "id_number_enc" not in props and "phone_masked" in props
    assert "reason" in schema["components"]["schemas"]["PermitReturnRequest"]["properties"]
