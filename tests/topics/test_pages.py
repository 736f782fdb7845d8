"""The topic pages: a meeting with two topics through the phone form, errors kept, the state
actions on the topic page, the ledger's filters and rates, read-only volunteers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.topics.helpers import meeting, plan, topic
from topics.models import Meeting, State, Topic


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    """These tests read the pages' English msgids: render them in English (the default is zh-hans)."""
    settings.LANGUAGE_CODE = "en"


def _form(world, **over):
    data = {
        "grid": str(world.a1.pk), "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "place": "民生茶馆",
        "attendees": "社区书记\n物业经理\n居民代表", "attendee_count": "", "notes": "",
        "topic-TOTAL_FORMS": "3", "topic-INITIAL_FORMS": "0", "topic-MIN_NUM_FORMS": "0", "topic-MAX_NUM_FORMS": "20",
        "topic-0-raised_by": "3号楼 王阿姨", "topic-0-title": "小区停车难", "topic-0-category": "parking",
        "topic-0-description": "晚上车位不够",
        "topic-1-raised_by": "楼长 刘师傅", "topic-1-title": "楼道照明", "topic-1-category": "facility",
        "topic-1-description": "",
        "topic-2-raised_by": "", "topic-2-title": "", "topic-2-category": "other", "topic-2-description": "",
    }  # fmt: skip
    data.update(over)
    return data


def test_a_meeting_with_two_topics_through_the_form(world, as_user):
    client = as_user("grid_worker")
    assert client.get(reverse("topics:meeting_create")).status_code == 200
    response = client.post(reverse("topics:meeting_create"), _form(world))
    m = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("topics:meeting", args=[m.pk])
    assert m.attendee_count == 3 and m.host == world.users["grid_worker"]
    assert sorted(m.topics.values_list("title", "category")) == [("小区停车难", "parking"), ("楼道照明", "facility")]
    page = client.get(response["Location"]).content.decode()
    assert "小区停车难" in page and "楼道照明" in page


def test_errors_are_shown_by_the_field_and_the_input_is_kept(world, as_user, english):
    client = as_user("grid_worker")
    response = client.post(reverse("topics:meeting_create"), _form(world, place="", **{"topic-1-raised_by": ""}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter where the meeting was held." in page
    assert "Enter who raised the topic" in page
    assert "小区停车难" in page and "楼道照明" in page and "晚上车位不够" in page
    assert not Meeting.objects.exists() and not Topic.objects.exists()


def test_a_grid_outside_the_scope_is_refused_in_the_form(world, as_user):
    response = as_user("grid_worker").post(reverse("topics:meeting_create"), _form(world, grid=str(world.b1.pk)))
    assert response.status_code == 200 and not Meeting.objects.exists()


def test_the_topic_page_walks_the_workflow(world, as_user, english):
    t = topic(world)
    client = as_user("officer_a")
    url = reverse("topics:topic", args=[t.pk])
    assert "Make the plan" in client.get(url).content.decode()
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    bad = client.post(
        reverse("topics:topic_plan", args=[t.pk]), {"plan": "重新划线", "responsible_party": "", "due_on": due}
    )
    assert bad.status_code == 200 and "Choose who is responsible." in bad.content.decode()
    assert "重新划线" in bad.content.decode()
    ok = client.post(
        reverse("topics:topic_plan", args=[t.pk]),
        {"plan": "重新划线", "responsible_party": "property", "responsible_name": "绿城物业", "due_on": due,
         "responsible_user": str(world.users["grid_worker"].pk)},
    )  # fmt: skip
    assert ok.status_code == 302
    t.refresh_from_db()
    assert t.state == State.PLANNED and t.responsible_user == world.users["grid_worker"]
    client.post(reverse("topics:topic_progress", args=[t.pk]), {"note": "已划线一半"})
    client.post(reverse("topics:topic_close", args=[t.pk]), {"result": "新增车位30个"})
    t.refresh_from_db()
    assert t.state == State.CLOSED
    page = client.get(url).content.decode()
    assert "新增车位30个" in page and "已划线一半" in page and "Make the plan" not in page
    refused = client.post(reverse("topics:topic_progress", args=[t.pk]), {"note": "再来"}, follow=True)
    assert "cannot be done" in refused.content.decode()


def test_volunteers_read_but_see_no_actions(world, as_user, english):
    t = topic(world)
    client = as_user("volunteer")
    page = client.get(reverse("topics:topic", args=[t.pk])).content.decode()
    assert t.title in page and "Make the plan" not in page
    assert "Record a meeting" not in client.get(reverse("topics:meetings")).content.decode()
    assert client.post(reverse("topics:topic_close", args=[t.pk]), {"result": "x"}).status_code == 404


def test_the_ledger_filters_and_shows_the_rates(world, as_user, english):
    t1 = plan(world, topic(world, titles=("停车难",)), due_on=timezone.localdate())
    Topic.objects.filter(pk=t1.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    meeting(world, titles=("楼道照明",))
    client = as_user("chief")
    page = client.get(reverse("topics:ledger")).content.decode()
    assert "停车难" in page and "楼道照明" in page and "fq-topic-chart" in page
    page = client.get(reverse("topics:ledger") + "?overdue=1").content.decode()
    assert "停车难" in page and "楼道照明" not in page
    page = client.get(reverse("topics:ledger") + "?state=raised").content.decode()
    assert "停车难" not in page and "楼道照明" in page
    assert client.get(reverse("topics:ledger") + f"?grid={world.c1.pk}").status_code == 404


def test_list_pages_do_not_grow_queries_with_rows(world, as_user, django_assert_max_num_queries):
    for _ in range(3):
        meeting(world, titles=("a", "b", "c"))
    client = as_user("chief")
    for name in ("topics:ledger", "topics:meetings"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200
