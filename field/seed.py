"""Demo community time: a month of check-ins, patrol tracks, visits made together and publicity
for the demo officers and auxiliary, as rows (the services' rules hold: pairs of check-in and
check-out, one open patrol at most, flags outside the officer's own grids)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from accounts.models import User
from field.models import Check, Kind, Patrol, Publicity, Topic, TrackPoint
from grid.models import Building
from grid.scope import forget_scope, scope_for
from residents.models import Visit

DEMO_STAFF = ("officer1", "officer2", "aux1")
PURPOSES = ["入户走访", "出租屋核查", "独居老人探访", "反诈宣传入户", "矛盾纠纷排查", "重点人员走访"]
PLACES = ["社区广场", "小区门口", "菜市场", "社区活动室", "学校门口", "超市门前"]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


VISIT_NOTES = ["住户在家，登记信息无变化。", "提醒防范电信诈骗，发放宣传单。", "了解邻里关系，无矛盾。",
               "核对租户信息，已告知房东按时申报。", "查看楼道消防通道，畅通。", "老人独居，留下联系电话。",
               "住户反映楼下噪声，已记录。", "", "家中无人，留联系卡。", "核实新搬入人员，已登记。",
               "检查电动车充电情况，已提醒。"]  # fmt: skip


def seed_demo(*, rng: random.Random, out=print, days: int = 30) -> dict:
    """Idempotent: skipped once the demo staff have check-ins."""
    staff = list(User.objects.filter(username__in=DEMO_STAFF).order_by("username"))
    if not staff or Check.objects.filter(user__in=staff).exists():
        out("  field: already seeded" if staff else "  field: no demo staff")
        return {"created": False}
    today = timezone.localdate()
    checks, points, visits_with, publicity = [], [], [], []
    patrol_count = 0
    outside = list(Building.objects.order_by("id")[:400])
    for user in staff:
        forget_scope(user)
        grids = sorted(scope_for(user).community_grid_ids)
        buildings = list(Building.objects.filter(grid_id__in=grids).order_by("id"))
        if not buildings:
            continue
        station_id = user.station_id or min(scope_for(user).station_ids)
        team = {
            b.grid_id: [
                u for u in (b.grid.grid_worker, b.grid.auxiliary, b.grid.police_grid.officer) if u and u.pk != user.pk
            ]
            for b in Building.objects.filter(grid_id__in=grids).select_related(
                "grid__grid_worker", "grid__auxiliary", "grid__police_grid__officer"
            )
        }
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            if day.weekday() == 6 or rng.random() < 0.1:  # Sundays and the odd day at the station
                continue
            start_b = rng.choice(buildings)
            flagged = rng.random() < 0.06  # now and then a check-in from outside the own grids
            where = rng.choice([b for b in outside if b.grid_id not in grids] or buildings) if flagged else start_b
            t_in = _at(day, 8, 30 + rng.randrange(30))
            t_out = _at(day, 16, rng.randrange(50))
            checks.append(Check(user=user, kind=Kind.IN, at=t_in, lat=where.lat, lng=where.lng, accuracy=12,
                                grid_id=where.grid_id, station_id=station_id, inside=not flagged))  # fmt: skip
            end_b = rng.choice(buildings)
            checks.append(Check(user=user, kind=Kind.OUT, at=t_out, lat=end_b.lat, lng=end_b.lng, accuracy=15,
                                grid_id=end_b.grid_id, station_id=station_id, inside=True))  # fmt: skip
            # A patrol of about an hour through four of the officer's buildings, a point every 30 s.
            p_start = _at(day, 10, rng.randrange(30))
            patrol = Patrol(user=user, station_id=station_id, started_at=p_start,
                            ended_at=p_start + dt.timedelta(minutes=60))  # fmt: skip
            patrol.save()
            patrol_count += 1
            stops = [rng.choice(buildings) for _ in range(4)]
            n = 120
            for k in range(n):
                seg = min(int(k / n * (len(stops) - 1)), len(stops) - 2)
                f = k / n * (len(stops) - 1) - seg
                a, b = stops[seg], stops[seg + 1]
                points.append(TrackPoint(
                    patrol=patrol, at=p_start + dt.timedelta(seconds=30 * k),
                    lat=a.lat + (b.lat - a.lat) * f + rng.uniform(-2e-5, 2e-5),
                    lng=a.lng + (b.lng - a.lng) * f + rng.uniform(-2e-5, 2e-5), accuracy=8,
                ))  # fmt: skip
            # Two or three visits a day, one in three made together with a colleague of the grid.
            for _ in range(rng.randrange(2, 4)):
                b = rng.choice(buildings)
                v = Visit.objects.create(user=user, building=b, source="manual", purpose=rng.choice(PURPOSES),
                                         grid_id=b.grid_id)  # fmt: skip
                # Most visits note what was found (from the id: the random sequence stays as it was); the
                # few without anything recorded show as a quality flag on the KPI page.
                Visit.objects.filter(pk=v.pk).update(
                    at=_at(day, rng.randrange(11, 16), rng.randrange(60)), notes=VISIT_NOTES[v.pk % len(VISIT_NOTES)]
                )
                if team.get(b.grid_id) and rng.random() < 0.33:
                    visits_with.append((v, rng.choice(team[b.grid_id])))
            if rng.random() < 0.15:
                b = rng.choice(buildings)
                publicity.append(Publicity(
                    user=user, held_on=day, topic=rng.choice(Topic.values), place=rng.choice(PLACES), grid_id=b.grid_id,
                    leaflets=rng.randrange(30, 300), people=rng.randrange(20, 200), notes="",
                ))  # fmt: skip
        # Out in the community right now (the command room has someone to show).
        if user.username != "officer2":
            here = rng.choice(buildings)
            checks.append(Check(user=user, kind=Kind.IN, at=timezone.now() - dt.timedelta(minutes=rng.randrange(20, 120)),
                                lat=here.lat, lng=here.lng, accuracy=10, grid_id=here.grid_id, station_id=station_id,
                                inside=True))  # fmt: skip
    Check.objects.bulk_create(checks, batch_size=2000)
    TrackPoint.objects.bulk_create(points, batch_size=5000)
    Publicity.objects.bulk_create(publicity)
    for visit, colleague in visits_with:
        visit.participants.add(colleague)
    out(
        f"  field: {len(checks)} check-ins and check-outs, {patrol_count} patrols ({len(points)} track points), "
        f"{len(visits_with)} visits made together, {len(publicity)} publicity activities"
    )
    return {"created": True}


def seed_city(*, rng: random.Random, out=print, days: int = 365, progress=None) -> dict:
    """A year of check-ins, check-outs and door visits for the city's police staff (an officer and
    nine auxiliaries per police grid: 2,000), streamed with COPY: about 1.2 million check rows and
    1.5 million visits, a third of them made together with the grid worker. Patrol tracks are left
    to the demo (a point every 30 s for a year would be 70 million rows). Idempotent: skipped once
    city staff have check-ins."""
    from django.db import connection

    from accounts.models import Role
    from grid.models import CommunityGrid
    from lib import bulk

    staff_q = User.objects.filter(role__in=(Role.OFFICER, Role.AUXILIARY), username__startswith="city-")
    if Check.objects.filter(user__in=staff_q).exists():
        out("  city field work: already seeded")
        return {"created": False}
    # Each person's grids: an officer has the police grid's ten, an auxiliary the ones they look after.
    grids_of: dict[int, list[int]] = {}
    station_of: dict[int, int] = {}
    workers: dict[int, int | None] = {}
    for g_id, officer, aux, worker, station_id in (
        CommunityGrid.objects.filter(code__startswith="CITY-")
        .order_by("id")
        .values_list("id", "police_grid__officer_id", "auxiliary_id", "grid_worker_id", "police_grid__station_id")
    ):
        workers[g_id] = worker
        for u in (officer, aux):
            if u:
                grids_of.setdefault(u, []).append(g_id)
                station_of[u] = station_id
    if not grids_of:
        out("  city field work: no city staff")
        return {"created": False}
    buildings: dict[int, list[tuple[int, float, float]]] = {}
    for g_id, b_id, lat, lng in (
        Building.objects.filter(grid_id__in=workers).order_by("id").values_list("grid_id", "id", "lat", "lng")
        .iterator(chunk_size=20_000)
    ):  # fmt: skip
        buildings.setdefault(g_id, []).append((b_id, lat, lng))
    sqlite = connection.vendor != "postgresql"
    adapt = connection.ops.adapt_datetimefield_value

    def when(day: dt.date, hour: int, minute: int):
        at = _at(day, hour, minute)
        return adapt(at) if sqlite else at.isoformat()

    today = timezone.localdate()
    v0 = bulk.next_id("residents_visit")
    state = {"visit": v0, "done": 0}
    checks, visits, together = [], [], []
    users = sorted(u for u in grids_of if any(buildings.get(g) for g in grids_of[u]))
    for n, user in enumerate(users):
        grids = [g for g in grids_of[user] if buildings.get(g)]
        station_id = station_of[user]
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            if day.weekday() == 6 or rng.random() < 0.1:  # Sundays and the odd day at the station
                continue
            g_in = grids[rng.randrange(len(grids))]
            b_id, lat, lng = buildings[g_in][rng.randrange(len(buildings[g_in]))]
            checks.append((user, "in", when(day, 8, 30 + rng.randrange(30)), lat, lng, 12, g_in, station_id, True, ""))
            for _ in range(rng.randrange(2, 4)):  # two or three doors a day
                g = grids[rng.randrange(len(grids))]
                b_id, lat, lng = buildings[g][rng.randrange(len(buildings[g]))]
                vid = state["visit"]
                visits.append((vid, user, when(day, rng.randrange(9, 16), rng.randrange(60)), "manual", b_id, None,
                               PURPOSES[vid % len(PURPOSES)], VISIT_NOTES[vid % len(VISIT_NOTES)], g))  # fmt: skip
                if workers.get(g) and vid % 3 == 0:
                    together.append((vid, workers[g]))
                state["visit"] += 1
            g_out = grids[rng.randrange(len(grids))]
            b_id, lat, lng = buildings[g_out][rng.randrange(len(buildings[g_out]))]
            checks.append((user, "out", when(day, 16, rng.randrange(50)), lat, lng, 15, g_out, station_id, True, ""))
        if len(visits) >= 200_000 or n == len(users) - 1:
            bulk.load("field_check", ["user_id", "kind", "at", "lat", "lng", "accuracy", "grid_id", "station_id",
                                      "inside", "note"], checks)  # fmt: skip
            bulk.load("residents_visit", ["id", "user_id", "at", "source", "building_id", "house_id", "purpose",
                                          "notes", "grid_id"], visits)  # fmt: skip
            bulk.load("residents_visit_participants", ["visit_id", "user_id"], together)
            state["done"] += len(visits)
            checks, visits, together = [], [], []
            if progress:
                progress(n + 1, len(users))
    out(f"  city field work: a year of check-ins and {state['done']:,} visits by {len(users):,} police staff")
    return {"created": True, "staff": len(users), "visits": state["done"]}
