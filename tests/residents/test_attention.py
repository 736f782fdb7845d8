"""Attention tags (社区矫正对象, 刑满释放人员 …) and the attention level are for police staff only
(DOMAIN.md): a grid worker, who may open the same person, sees neither on the page, in the list, in
the history or through the API, cannot set them, and cannot filter by them."""

import pytest
from django.urls import reverse

from residents import services
from residents.models import Person

TAG_LABEL = "刑满释放人员"


@pytest.fixture
def tagged(world):
    person = world.person("甲一网格")
    services.person_save(
        user=world.users["officer_a"], person=person, name=person.name, id_type=person.id_type,
        id_number=person.id_number, phone=person.phone, sex=person.sex, birth_date=person.birth_date,
        attention_tags=["released"], attention_colour="red", reason="出狱登记",
    )  # fmt: skip
    return Person.objects.get(pk=person.pk)


def test_officers_see_the_tags_and_level_and_grid_workers_do_not(tagged, as_user):
    detail = reverse("residents:person_detail", args=[tagged.pk])
    officer = as_user("officer_a").get(detail).content.decode()
    assert TAG_LABEL in officer and "fq-att-red" in officer
    worker = as_user("grid_worker").get(detail).content.decode()
    assert tagged.name in worker
    assert TAG_LABEL not in worker and "fq-att-red" not in worker and "released" not in worker
    listing = as_user("grid_worker").get(reverse("residents:person_list"), {"q": tagged.name}).content.decode()
    assert tagged.name in listing and "fq-att-red" not in listing


def test_a_grid_worker_edits_a_person_without_the_fields_and_keeps_the_tags(tagged, as_user):
    url = reverse("residents:person_edit", args=[tagged.pk])
    client = as_user("grid_worker")
    form = client.get(url).context["form"]
    assert "attention_tags" not in form.fields and "attention_colour" not in form.fields
    data = {"name": tagged.name, "id_type": tagged.id_type, "household_status": tagged.household_status,
            "ethnicity": "回族", "attention_tags": [], "attention_colour": "green", "reason": "更正民族"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    tagged.refresh_from_db()
    assert tagged.ethnicity == "回族"
    assert tagged.attention_tags == ["released"] and tagged.attention_colour == "red"


def test_the_api_neither_shows_nor_takes_them_from_a_grid_worker_nor_filters_by_them(tagged, as_user):
    url = reverse("person-detail", args=[tagged.pk])
    assert as_user("officer_a").get(url).json()["attention_tags"] == ["released"]
    client = as_user("grid_worker")
    body = client.get(url).json()
    assert body["name"] == tagged.name and "attention_tags" not in body and "attention_colour" not in body
    response = client.patch(url, {"attention_colour": "green", "ethnicity": "回族"}, content_type="application/json")
    assert response.status_code == 200
    tagged.refresh_from_db()
    assert tagged.attention_colour == "red" and tagged.ethnicity == "回族"
    red = client.get(reverse("person-list"), {"attention_colour": "red"}).json()
    green = client.get(reverse("person-list"), {"attention_colour": "green"}).json()
    assert red["count"] == green["count"]  # the filter does not apply: it would reveal the level
    officer_green = as_user("officer_a").get(reverse("person-list"), {"attention_colour": "green"}).json()
    assert all(p["id"] != tagged.pk for p in officer_green["results"])


def test_the_history_hides_a_change_of_tags_from_a_grid_worker(tagged, as_user):
    detail = reverse("residents:person_detail", args=[tagged.pk])
    assert "出狱登记" in as_user("officer_a").get(detail).content.decode()
    worker = as_user("grid_worker").get(detail).content.decode()
    assert "attention_tags" not in worker and "出狱登记" not in worker
