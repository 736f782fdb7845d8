"""Shared set-up for the topic tests."""

import datetime as dt

from django.utils import timezone

from topics import services


def meeting(world, user="grid_worker", *, grid=None, titles=("小区停车难",), held_at=None, **kw):
    """A meeting in 甲一 (or ``grid``) recorded by ``user``, with one topic per title."""
    return services.meeting_create(
        user=world.users[user], grid=grid or world.a1, held_at=held_at or timezone.now() - dt.timedelta(hours=2),
        place=kw.pop("place", "民生茶馆"), attendees=kw.pop("attendees", "社区书记\n物业经理"),
        topics=[services.TopicInput(raised_by="3号楼 王阿姨", title=t, category="parking") for t in titles], **kw,
    )  # fmt: skip


def topic(world, user="grid_worker", **kw):
    return meeting(world, user, **kw).topics.get()


def plan(world, t, user="officer_a", *, due_on=None):
    return services.topic_plan(
        user=world.users[user], topic=t, plan="物业重新施划车位", responsible_party="property",
        responsible_name="绿城物业", due_on=due_on or timezone.localdate() + dt.timedelta(days=14),
    )  # fmt: skip
