"""The read-only topic API: scoped lists, the timeline in the detail, filters, no writes."""

from django.urls import reverse

from tests.topics.helpers import meeting, plan


def test_topics_and_meetings_are_scoped(world, as_user):
    m = meeting(world, titles=("小区停车难", "楼道照明"))
    meeting(world, "officer_b", grid=world.b1, titles=("乙一的议题",))
    data = as_user("grid_worker").get(reverse("topic-list")).json()
    titles = {r["title"] for r in data["results"]} if isinstance(data, dict) else {r["title"] for r in data}
    assert titles == {"小区停车难", "楼道照明"}
    meetings = as_user("volunteer_b").get(reverse("meeting-list")).json()
    rows = meetings["results"] if isinstance(meetings, dict) else meetings
    assert [r["grid_name"] for r in rows] == ["乙一网格"]
    assert as_user("officer_b").get(reverse("meeting-detail", args=[m.pk])).status_code == 404
    assert as_user("landlord").get(reverse("topic-detail", args=[m.topics.first().pk])).status_code == 404


def test_the_detail_carries_the_timeline_and_lists_filter(world, as_user):
    t = plan(world, meeting(world, titles=("小区停车难", "楼道照明")).topics.order_by("id").first())
    client = as_user("officer_a")
    detail = client.get(reverse("topic-detail", args=[t.pk])).json()
    assert [e["to_state"] for e in detail["events"]] == ["raised", "planned"]
    data = client.get(reverse("topic-list") + "?state=planned").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["id"] for r in rows] == [t.pk]
    assert client.post(reverse("topic-list"), {}).status_code == 405


def test_a_grid_filter_that_is_no_row_id_is_ignored_not_a_500(world, as_user):
    meeting(world, titles=("小区停车难",))
    client = as_user("officer_a")
    # "²" passes str.isdigit() but not int(); 2**63 overflows SQLite's integers.
    for grid in ("²", "9223372036854775808", "-1", "abc"):
        response = client.get(reverse("topic-list"), {"grid": grid})
        assert response.status_code == 200, grid
        assert [r["title"] for r in response.json()["results"]] == ["小区停车难"]
    assert client.get(reverse("topic-list"), {"grid": world.b1.pk}).json()["results"] == []
