"""Scope matrix rows for the grid event pages.

Grid roles (officer, auxiliary, grid worker, volunteer, chief, admin) use them; landlords and
mediators get 404, anonymous users are sent to log in. An event — reported by the volunteer of
grid 甲一 — is seen by the users whose scope covers 甲一 (and its reporter); for the other grid
roles it is absent from the lists and a 404 on its own pages. The actions are POST-only: a GET
answers 405 to grid roles (the role gate comes first). The time limits are for chiefs and admins.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events import dispatch
from tests.events.helpers import report
from tests.scope import NON_GRID, PERSONAS, SEES_A1, Route, gated_list, gated_object, gated_post, page_list

GRID_PERSONAS = set(PERSONAS) - NON_GRID - {"anonymous"}
DESCRIPTION = "矩阵测试：三号楼门口路灯不亮"


def _png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, format="PNG")
    return SimpleUploadedFile("lamp.png", buf.getvalue(), content_type="image/png")


def event_in(w):
    """An event in grid 甲一 reported by the volunteer, with a photo, made once per world."""
    cache = w.__dict__.setdefault("_events", {})
    if "a1" not in cache:
        cache["a1"] = report(w, description=DESCRIPTION, photos=[_png()])
    return cache["a1"]


def accepted_in(w):
    """The event accepted by the grid worker: the volunteer has points on 甲一's leaderboard."""
    event = event_in(w)
    if event.state == "reported":
        dispatch.event_accept(event=event, user=w.users["grid_worker"])
        event.refresh_from_db()
    return event


def _pk(w):
    return event_in(w).pk


def _description(w):
    event_in(w)
    return DESCRIPTION


def _post_only(name):
    return Route(lambda w: reverse(f"events:{name}", args=[_pk(w)]), gated_post(GRID_PERSONAS))


ROUTES = {
    "events:list": Route(lambda w: reverse("events:list"), page_list(SEES_A1), _description),
    "events:report": Route(
        lambda w: reverse("events:report") + f"?building={w.building('甲一网格').pk}",
        gated_object(SEES_A1),
        lambda w: w.building("甲一网格").address,
    ),
    "events:similar": Route(
        lambda w: (
            reverse("events:similar")
            + f"?category=facility&lat={w.building('甲一网格').lat}&lng={w.building('甲一网格').lng}"
        ),
        page_list(SEES_A1),
        _description,
    ),
    "events:tasks": Route(
        lambda w: reverse("events:tasks"), gated_list(GRID_PERSONAS, {"grid_worker", "aux_a"}), _description
    ),
    "events:mine": Route(lambda w: reverse("events:mine"), gated_list(GRID_PERSONAS, {"volunteer"}), _description),
    "events:leaderboard": Route(
        lambda w: reverse("events:leaderboard") + f"?grid={w.a1.pk}",
        gated_object(SEES_A1),
        lambda w: accepted_in(w).reporter.display_name,
    ),
    "events:limits": Route(lambda w: reverse("events:limits"), gated_object({"chief", "other_chief", "admin"})),
    "events:photo": Route(lambda w: reverse("events:photo", args=[event_in(w).photos.get().pk]), gated_object(SEES_A1)),
    "events:detail": Route(
        lambda w: reverse("events:detail", args=[_pk(w)]), gated_object(SEES_A1), lambda w: event_in(w).reference
    ),
    **{f"events:{name}": _post_only(name) for name in ("accept", "escalate", "handle", "rate", "reopen", "join")},
}
