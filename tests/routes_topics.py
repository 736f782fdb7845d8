"""Scope matrix rows for the community topic pages and API (/topics/, /api/v1/grid/topics/,
/api/v1/grid/meetings/): a meeting in 甲一网格 recorded by its grid worker, with one topic.

Grid roles read in their scope (landlords and mediators: 404; anonymous: log in); officers,
auxiliaries, grid workers, chiefs and admins write — volunteers get 404 on the recording form and
the actions, which are POST-only (405 on GET for writers). The API is read-only and scoped.
"""

from django.urls import reverse

from tests.scope import (
    EDITOR_ROLES,
    EDITORS_OF_A1,
    SEES_A1,
    Route,
    api_list,
    api_object,
    gated_list,
    gated_object,
    gated_post,
    page_list,
)
from tests.topics.helpers import meeting

TITLE = "矩阵测试：小区停车难"


def meeting_in(w):
    if not hasattr(w, "_topic_meeting"):
        w._topic_meeting = meeting(w, titles=(TITLE,), place="民生茶馆矩阵")
    return w._topic_meeting


def topic_in(w):
    return meeting_in(w).topics.get()


def _title(w):
    meeting_in(w)
    return TITLE


def _post_only(name):
    return Route(lambda w: reverse(f"topics:{name}", args=[topic_in(w).pk]), gated_post(EDITOR_ROLES))


ROUTES = {
    "topics:meetings": Route(lambda w: reverse("topics:meetings"), page_list(SEES_A1), lambda w: meeting_in(w).place),
    "topics:ledger": Route(lambda w: reverse("topics:ledger"), page_list(SEES_A1), _title),
    "topics:meeting": Route(
        lambda w: reverse("topics:meeting", args=[meeting_in(w).pk]), gated_object(SEES_A1), _title
    ),
    "topics:topic": Route(lambda w: reverse("topics:topic", args=[topic_in(w).pk]), gated_object(SEES_A1), _title),
    # The form offers the writer's own grids: 甲一 for its editors; other writers get it without.
    "topics:meeting_create": Route(
        lambda w: reverse("topics:meeting_create"), gated_list(EDITOR_ROLES, EDITORS_OF_A1), lambda w: w.a1.name
    ),
    "topics:topic_add": Route(
        lambda w: reverse("topics:topic_add", args=[meeting_in(w).pk]),
        gated_object(EDITORS_OF_A1),
        lambda w: meeting_in(w).place,
    ),
    **{
        f"topics:{name}": _post_only(name)
        for name in ("topic_plan", "topic_progress", "topic_close", "topic_unsolvable")
    },
    "topic-list": Route(lambda w: reverse("topic-list"), api_list(SEES_A1), _title),
    "topic-detail": Route(lambda w: reverse("topic-detail", args=[topic_in(w).pk]), api_object(SEES_A1), _title),
    "meeting-list": Route(lambda w: reverse("meeting-list"), api_list(SEES_A1), lambda w: meeting_in(w).place),
    "meeting-detail": Route(
        lambda w: reverse("meeting-detail", args=[meeting_in(w).pk]), api_object(SEES_A1), lambda w: meeting_in(w).place
    ),
}
