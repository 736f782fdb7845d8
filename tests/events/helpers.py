"""Shared set-up for the event tests."""

from events import dispatch


def report(world, user="volunteer", *, grid="甲一网格", category="facility", dx=0.0, **kw):
    """An event at (near) the grid's first building, reported by ``user``."""
    b = world.building(grid)
    return dispatch.event_report(
        user=world.users[user], category=category, description=kw.pop("description", "路灯不亮"),
        lat=b.lat + dx, lng=b.lng, **kw,
    )  # fmt: skip
