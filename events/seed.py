"""Demo and city grid events (网格吹哨).

The demo: ~60 volunteers over the demo station's grids, then ~400 events over the last 90 days
driven through ``events.dispatch`` step by step, each step with the clock set to its planned
time, so whatever the services stamp (the timeline, deadlines, points) is as it would have been.
The escalation clock is the beat task's: ``dispatch.escalate_due(at=…)`` runs at the first
five-minute mark after a limit an event is planned to miss, and since every other step is
planned within its tier's limit, those ticks move up only the events meant to move.

The city: 10,000 volunteers and 300,000 events as rows (COPY), following the same plans in a
small simulation of the services (no photos); the timeline has a row for each step.
"""

from __future__ import annotations

import datetime as dt
import heapq
import io
import itertools
import math
import random
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from faker import Faker
from PIL import Image, ImageDraw

from accounts.models import Role, User
from events import dispatch
from events.models import OPEN_STATES, Category, Event, PointAward, State, Tier
from grid import members
from grid.models import Building, CommunityGrid, GridMember, MemberStatus, MemberType, Station
from lib.clock import seed_clock

# --- what people report, and what was done ---------------------------------------------------------

# category → [(what the reporter saw, what the handler reported back)]; {place} is the spot.
CASES = {
    Category.FACILITY: [
        ("{place}门口的路灯连续几晚不亮，晚上出入一片漆黑，老人孩子容易摔倒。", "已联系物业电工更换灯泡和镇流器，路灯恢复照明。"),
        ("{place}旁人行道上的井盖缺失，只用一块木板临时盖着，行人有跌落危险。", "已设置围挡和警示标志，养护单位已补装新井盖。"),
        ("{place}单元门禁损坏，门一直关不上，外来人员随意进出。", "物业已更换门禁电磁锁，单元门恢复正常。"),
        ("{place}楼道灯全部不亮，声控开关失灵。", "物业已更换声控开关和灯泡，楼道照明恢复。"),
        ("{place}附近的健身器材螺丝松脱，有孩子在上面玩耍，很危险。", "已张贴停用告示，物业更换了松脱部件并加固。"),
        ("{place}外的井盖松动，车辆压过去哐哐响，晚上很吵也不安全。", "养护单位已重新固定井盖并加装防响垫。"),
    ],
    Category.SAFETY: [
        ("{place}附近连续两天有陌生男子挨家挨户敲门，自称检查燃气，居民很担心。", "民警到场核查，该人员系无证推销，已批评教育并带离小区，提醒居民不要随意开门。"),
        ("{place}楼下深夜有可疑人员来回查看电动车，疑似偷车。", "民警调取监控并加强夜间巡逻，已提醒车主加装车锁。"),
        ("{place}外侧围墙塌了一个缺口，外人可以直接翻进小区。", "物业已用彩钢板临时封堵，并安排砌墙修复。"),
        ("{place}高层窗户玻璃松动，刮风时有掉落危险，楼下是人行通道。", "已拉警戒线，物业联系业主拆除并更换了玻璃。"),
        ("{place}有人在散发“高息理财”传单，疑似非法集资。", "民警到场收缴传单，对居民开展防范非法集资宣传。"),
    ],
    Category.FIRE: [
        ("{place}楼道内堆放大量纸箱和旧家具，把安全通道堵了一半。", "已通知住户清理，楼道杂物全部清运完毕。"),
        ("{place}有住户把电动车推进楼道充电，电线从窗户拉下来。", "已劝导住户将电动车移至小区集中充电桩充电，飞线已拆除。"),
        ("{place}旁的消防通道被私家车长期占用，消防车无法通行。", "已联系车主挪车，消防通道施划了禁停标线。"),
        ("{place}楼道里的灭火器已过期，压力表指针在红区。", "物业已更换全部过期灭火器。"),
        ("{place}一楼门面房在店内存放多桶汽油，后门还上了锁。", "民警和网格员现场检查，责令清除油料并打开安全出口。"),
    ],
    Category.DISPUTE: [
        ("{place}两户邻居因楼上漏水在楼道里激烈争吵，还有推搡动作。", "民警和网格员到场劝解，双方情绪平稳，约定由物业查明漏水原因后协商赔偿。"),
        ("{place}楼下两位车主因停车位发生争执，互相堵车。", "现场调解，双方各自挪车，物业重新划定了车位。"),
        ("{place}住户装修打墙，楼上楼下为此吵了起来。", "现场调解，装修方承诺遵守施工时间，双方和解。"),
        ("{place}两家因为楼道里放鞋柜的事吵了好几天。", "上门调解，鞋柜移回户内，双方握手言和。"),
    ],
    Category.NOISE: [
        ("{place}楼上每天晚上十一点以后还在跳绳、拖椅子，噪音扰民。", "上门沟通，住户表示注意并铺设了地垫。"),
        ("{place}附近广场舞音响音量过大，一直放到晚上十点。", "与广场舞队负责人沟通，音量已调低，结束时间改为晚上九点。"),
        ("{place}底商KTV深夜噪音扰民，凌晨两点还很吵。", "民警检查后责令店家关窗降音，22时后控制音量。"),
        ("{place}旁烧烤摊夜里吆喝声、喝酒划拳声扰民。", "已劝导摊主22时前收摊，并在摊位张贴文明经营提示。"),
    ],
    Category.RENTAL: [
        ("{place}一套两居室被隔成六个小间出租，住了十几个人，疑似群租房。", "已会同房东核查，责令拆除隔断，租住人员全部登记。"),
        ("{place}出租屋人员进出频繁、经常更换，没有登记。", "民警上门核查，为租住人员办理了居住登记，提醒房东及时申报。"),
        ("{place}出租屋租客在屋内堆放大量快递货物，像是当仓库用。", "已约谈房东和租客，货物已清出，租客承诺不再存放。"),
    ],
    Category.ENVIRONMENT: [
        ("{place}门口有流动摊贩占道经营卖水果，堵塞人行道。", "城管队员到场劝离摊贩，人行道恢复通行。"),
        ("{place}旁的垃圾桶已经满溢三天没人清运，气味很大。", "已联系环卫公司清运，并增加了清运频次。"),
        ("{place}单元门和电梯里贴满了小广告。", "物业已清理小广告，并在单元门口安装了便民信息栏。"),
        ("{place}附近化粪池污水外溢，流到了路面上。", "物业已联系疏通车抽排，路面已冲洗消毒。"),
        ("{place}门口餐馆把桌椅摆到人行道上占道经营。", "已督促店主将桌椅收回店内，签订了门前三包责任书。"),
    ],
    Category.TRAFFIC: [
        ("{place}门口有车辆违规停放在人行道和盲道上。", "已联系车主挪车，并在路口张贴了文明停车提示。"),
        ("{place}附近一辆无牌轿车停放半年多未动，疑似僵尸车。", "已张贴限期挪车通知，车主已将车辆开走。"),
        ("{place}路口共享单车乱停乱放，堵住了小区出入口。", "已联系运营企业清运调度，重新划定了停放区。"),
        ("{place}小区门口接送孩子的车辆违规停车，早晚高峰堵成一团。", "与交警协调高峰时段疏导，并在门口设置了即停即走区。"),
    ],
    Category.OTHER: [
        ("{place}附近有几只流浪狗，追咬过路居民。", "已联系犬只收容机构将流浪狗带走。"),
        ("{place}独居老人已经三天没出门，敲门无人应答。", "网格员和民警上门查看，老人生病卧床，已联系家属送医。"),
        ("{place}旁的大树被风刮断，树枝压在电线上。", "已联系园林和供电部门处理断枝，线路恢复安全。"),
    ],
}  # fmt: skip
CATEGORY_WEIGHTS = {
    Category.FACILITY: 20, Category.FIRE: 16, Category.ENVIRONMENT: 14, Category.TRAFFIC: 13, Category.NOISE: 11,
    Category.SAFETY: 9, Category.DISPUTE: 7, Category.RENTAL: 6, Category.OTHER: 4,
}  # fmt: skip
DEPARTMENTS = {
    Category.FACILITY: ["区住建局", "供电公司"],
    Category.SAFETY: ["街道办", "区住建局"],
    Category.FIRE: ["街道办", "区消防救援大队"],
    Category.DISPUTE: ["街道办"],
    Category.NOISE: ["区城管局", "区生态环境局"],
    Category.RENTAL: ["街道办", "区住建局"],
    Category.ENVIRONMENT: ["区城管局", "街道办"],
    Category.TRAFFIC: ["区城管局", "交警大队"],
    Category.OTHER: ["街道办", "供电公司"],
}
ESCALATE_REASONS = {
    Tier.GRID: ["需要民警到场处置", "当事人不配合，网格员劝说无效", "涉及治安问题，超出网格处置范围", "需要执法权限才能处理"],
    Tier.POLICE_GRID: ["需要所里协调相关部门", "涉及多家单位，警务区无法单独解决", "问题反复出现，需要所里统筹"],
    Tier.STATION: ["属于{department}职责范围，移交处理", "需{department}依法处置"],
}  # fmt: skip
COMMENTS = {
    5: ["处理很及时，谢谢！", "网格员很负责，点赞", "问题解决了，非常满意", "", ""],
    4: ["解决了，就是慢了点", "满意", "", ""],
    3: ["基本解决", "处理了，但还不彻底"],
    2: ["拖的时间太长了", "只是暂时处理，过几天可能又这样"],
    1: ["问题没有解决", "没人来现场看"],
}
REOPEN_REASONS = [
    "问题又出现了，请再处理一下",
    "只处理了一半，还没有彻底解决",
    "过了两天又恢复原样了",
    "现场还是老样子",
]
JOIN_NOTES = ["我也看到了", "同一个问题，附近居民都在说", "今天早上还是这样", "", ""]
RATINGS = {5: 50, 4: 30, 3: 10, 2: 6, 1: 4}
RATINGS_AFTER_REOPEN = {5: 15, 4: 35, 3: 30, 2: 12, 1: 8}


_CUMULATIVE = {}


def _weighted(rng: random.Random, weights: dict):
    if id(weights) not in _CUMULATIVE:  # the module's tables: summed once
        _CUMULATIVE[id(weights)] = (list(weights), list(itertools.accumulate(weights.values())))
    keys, cumulative = _CUMULATIVE[id(weights)]
    return rng.choices(keys, cum_weights=cumulative)[0]


def _beat(deadline: dt.datetime) -> dt.datetime:
    """The first five-minute mark after ``deadline``: when the beat task finds the limit passed."""
    midnight = deadline.replace(hour=0, minute=0, second=0, microsecond=0)
    slots = int((deadline - midnight).total_seconds() // 300) + 1
    return midnight + dt.timedelta(seconds=300 * slots)


def _place(address: str) -> str:
    """The compound and building of an address, without the road: 上海西路12号阅海花园5号楼 → 阅海花园5号楼."""
    return address.split("·")[-1].split("号", 1)[-1] or address


def _namer(rng: random.Random):
    """Realistic Chinese names, the same ones every run."""
    fake = Faker("zh_CN")
    fake.seed_instance(rng.randrange(2**32))
    return fake.name


def _photo(rng: random.Random, name: str) -> SimpleUploadedFile:
    im = Image.new("RGB", (480, 360), (rng.randrange(90, 200), rng.randrange(90, 200), rng.randrange(90, 200)))
    d = ImageDraw.Draw(im)
    for _n in range(6):
        x, y = rng.randrange(420), rng.randrange(300)
        d.rectangle([x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 80)], fill=(rng.randrange(256),) * 3)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=75)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


# --- the plans: what happens to an event ------------------------------------------------------------
#
# A script is a list of steps after the report:
#   ("accept", f, slack) / ("handle", f, slack) / ("escalate", f, slack): after f × the tier's limit
#       (to accept while waiting, to handle once accepted) — within it below the station (f < 1);
#       at the station and beyond, where nothing escalates by itself, (f + slack) × the limit.
#   ("late",): nobody acts; the beat moves the event up at the first five-minute mark after the limit.
#   ("reopen", minutes) / ("rate", minutes, rating): the reporter, minutes after it was handled.
# A step that does not fit the event as it is (late at the station, escalate at a department,
# accept when already accepted) is skipped; steps planned after now have not happened yet.

PATHS = {
    "simple": 60, "never_rated": 4, "reopened": 5, "auto_accept": 9, "auto_handle": 4, "auto_twice": 3,
    "by_hand": 6, "to_station": 3, "to_department": 4, "stuck": 2,
}  # fmt: skip


def _path(rng: random.Random, age_days: float) -> str:
    path = _weighted(rng, PATHS)
    if path == "stuck" and age_days > 12:  # left waiting at the station: only lately
        path = "auto_twice"
    return path


def _script(rng: random.Random, path: str) -> list[tuple]:
    def slack():
        return rng.uniform(0.3, 1.2) if rng.random() < 0.25 else 0.0

    def accept():
        return ("accept", rng.uniform(0.05, 0.8), slack())

    def handle():
        return ("handle", rng.uniform(0.1, 0.85), slack())

    def escalate():
        return ("escalate", rng.uniform(0.1, 0.7), 0.0)

    def rate(ratings=RATINGS):
        return ("rate", 20 + 4000 * rng.random() ** 2, _weighted(rng, ratings))

    late = ("late",)
    if path == "never_rated":
        return [accept(), handle()]
    if path == "reopened":
        return [accept(), handle(), ("reopen", rng.uniform(60, 2880)), handle(), rate(RATINGS_AFTER_REOPEN)]
    if path == "auto_accept":
        return [late, accept(), handle(), rate()]
    if path == "auto_handle":
        return [accept(), late, accept(), handle(), rate()]
    if path == "auto_twice":
        return [late, late, accept(), handle(), rate()]
    if path == "by_hand":
        first = [accept(), escalate()] if rng.random() < 0.6 else [escalate()]
        return [*first, accept(), handle(), rate()]
    if path == "to_station":
        return [escalate(), accept(), escalate(), accept(), handle(), rate()]
    if path == "to_department":
        first = [late, late] if rng.random() < 0.5 else [escalate(), escalate()]
        return [*first, escalate(), accept(), handle(), rate()]
    if path == "stuck":
        return [late, late]
    return [accept(), handle(), rate()]


def _next_at(step: tuple, *, category, tier, state, accept_by, handle_by, base, limit) -> dt.datetime | None:
    """When ``step`` happens to an event in (tier, state) whose last step was at ``base``; ``None``:
    the step does not fit the event as it is, skip it."""
    kind = step[0]
    if kind == "late":
        if tier >= Tier.STATION or state not in OPEN_STATES:
            return None
        return _beat(accept_by if state == State.REPORTED else handle_by)
    if kind in ("accept", "handle", "escalate"):
        wanted = {"accept": (State.REPORTED,), "handle": (State.ACCEPTED,), "escalate": OPEN_STATES}[kind]
        if state not in wanted or (kind == "escalate" and tier >= Tier.DEPARTMENT):
            return None
        accept_minutes, handle_minutes = limit(category, tier)
        f = step[1] + (step[2] if tier >= Tier.STATION else 0.0)
        return base + dt.timedelta(minutes=f * (accept_minutes if state == State.REPORTED else handle_minutes))
    if state != State.HANDLED:  # reopen, rate
        return None
    return base + dt.timedelta(minutes=step[1])


def _limits():
    cache = {}

    def limit(category, tier):
        if (category, tier) not in cache:
            cache[category, tier] = dispatch.limits(category, tier)
        return cache[category, tier]

    return limit


def _when(rng: random.Random, now: dt.datetime, days_ago: float) -> dt.datetime:
    """A report ``days_ago``, moved out of the small hours."""
    at, back = now - dt.timedelta(days=days_ago), rng.uniform(1, 4)  # drawn either way: the same plans at any hour
    hour = timezone.localtime(at).hour
    return at - dt.timedelta(hours=hour + back) if hour < 7 else at


# --- the demo -------------------------------------------------------------------------------------


@dataclass
class Plan:
    n: int
    at: dt.datetime
    reporter: User
    grid: CommunityGrid
    category: str
    case: tuple
    building: Building
    point: tuple | None
    photo: bool
    script: list
    joins: list = field(default_factory=list)  # (minutes after the report, user)
    pos: int = 0
    base: dt.datetime | None = None
    event: Event | None = None


class Demo:
    """Plans the demo's events and plays them, in time order, through the services."""

    def __init__(self, rng: random.Random, station: Station, now: dt.datetime, *, photos: int, out=print):
        self.rng, self.now, self.photos_left, self.out = rng, now, photos, out
        self.grids = list(
            CommunityGrid.objects.filter(police_grid__station=station)
            .select_related("police_grid__officer", "grid_worker", "auxiliary")
            .order_by("id")
        )
        self.buildings = {}
        for b in Building.objects.filter(grid__in=self.grids).order_by("id"):
            self.buildings.setdefault(b.grid_id, []).append(b)
        self.grids = [g for g in self.grids if self.buildings.get(g.pk)]
        self.by_id = {g.pk: g for g in self.grids}
        self.volunteers = {g.pk: [] for g in self.grids}
        for m in (
            GridMember.objects.filter(grid__in=self.grids, status=MemberStatus.ACTIVE, user__is_active=True)
            .select_related("user")
            .order_by("user_id")
        ):
            self.volunteers[m.grid_id].append(m.user)
        self.volunteer1 = User.objects.filter(username="volunteer1").first()
        self.limit = _limits()
        self.ticks = set()
        self.made = dict.fromkeys(
            ("auto_escalated", "escalated", "to_department", "reopened", "supporters", "photos", "skipped"), 0
        )

    # -- planning --

    def _reporter(self, grid: CommunityGrid) -> User:
        rng, roll = self.rng, self.rng.random()
        vols = self.volunteers[grid.pk]
        if self.volunteer1 and self.volunteer1 in vols and roll < 0.25:
            return self.volunteer1
        if roll < 0.62 and vols:
            return rng.choice(vols)
        if roll < 0.9 and grid.grid_worker:
            return grid.grid_worker
        if roll < 0.95 and grid.auxiliary:
            return grid.auxiliary
        return grid.police_grid.officer or grid.grid_worker or rng.choice(vols)

    def plan(self, n: int, *, at: dt.datetime, grid: CommunityGrid, path: str | None = None, reporter=None) -> Plan:
        rng = self.rng
        reporter = reporter or self._reporter(grid)
        category = _weighted(rng, CATEGORY_WEIGHTS)
        building = rng.choice(self.buildings[grid.pk])
        point = None
        if rng.random() < 0.5:  # the phone's position near the building, rather than its door plate
            metres, angle = rng.uniform(3, 25), rng.uniform(0, 2 * math.pi)
            lat = building.lat + metres * math.sin(angle) / 111_000
            lng = building.lng + metres * math.cos(angle) / (111_000 * math.cos(math.radians(building.lat)))
            point = (round(lat, 6), round(lng, 6))
        age = (self.now - at).total_seconds() / 86400
        script = _script(rng, path or _path(rng, age))
        plan = Plan(n=n, at=at, reporter=reporter, grid=grid, category=category, case=rng.choice(CASES[category]),
                    building=building, point=point, photo=rng.random() < 0.11, script=script)  # fmt: skip
        others = [v for v in self.volunteers[grid.pk] if v.pk != reporter.pk]
        if others and rng.random() < 0.15:
            for user in rng.sample(others, min(len(others), rng.choice([1, 1, 2, 3]))):
                plan.joins.append((rng.uniform(10, 36 * 60), user))
        return plan

    # -- running --

    def run(self, plans: list[Plan]) -> None:
        """Every step of every plan in time order; each step schedules the plan's next one."""
        heap, seq = [], 0
        for p in plans:
            heap.append((p.at, seq, p.n, None))
            seq += 1
            for k, (minutes, _user) in enumerate(p.joins):
                heap.append((p.at + dt.timedelta(minutes=minutes), seq, p.n, k))
                seq += 1
        heapq.heapify(heap)
        by_n = {p.n: p for p in plans}
        while heap:
            at, _s, n, join = heapq.heappop(heap)
            if at > self.now:
                break
            plan = by_n[n]
            if join is not None:
                self._join(plan, at, plan.joins[join][1])
                continue
            try:
                self._step(plan, at)
            except ValidationError as exc:  # a plan that does not fit: stop it, and say so
                self.made["skipped"] += 1
                plan.pos = len(plan.script) + 1
                self.out(f"  event plan {n} stopped: {exc}")
                continue
            plan.base = at
            nxt = self._next(plan)
            if nxt is not None and nxt <= self.now:
                heapq.heappush(heap, (nxt, seq, n, None))
                seq += 1

    def _next(self, plan: Plan) -> dt.datetime | None:
        e = plan.event
        while plan.pos < len(plan.script):
            at = _next_at(plan.script[plan.pos], category=e.category, tier=e.tier, state=e.state,
                          accept_by=e.accept_by, handle_by=e.handle_by, base=plan.base, limit=self.limit)  # fmt: skip
            if at is not None:
                return at
            plan.pos += 1
        return None

    def _actor(self, event: Event) -> User:
        if event.state == State.ACCEPTED and event.handler_id:
            return event.handler
        event.grid = self.by_id[event.grid_id]  # loaded with its people: candidates() needs no queries
        users = [u for u in dispatch.candidates(event) if dispatch.can_act(u, event)]
        if not users:
            raise ValidationError("nobody to act at this tier")
        return users[0] if len(users) == 1 or self.rng.random() < 0.75 else self.rng.choice(users[1:])

    def _step(self, plan: Plan, at: dt.datetime) -> None:
        rng = self.rng
        if plan.event is None:
            place = _place(plan.building.address)
            photos = []
            if plan.photo and self.photos_left > 0:
                photos = [_photo(rng, f"event-{plan.n}.jpg")]
                self.photos_left -= 1
                self.made["photos"] += 1
            where = {"lat": plan.point[0], "lng": plan.point[1]} if plan.point else {"building": plan.building}
            with seed_clock(at):
                plan.event = dispatch.event_report(
                    user=plan.reporter, category=plan.category, description=plan.case[0].format(place=place),
                    photos=photos, **where,
                )  # fmt: skip
            return
        step, e = plan.script[plan.pos], plan.event
        plan.pos += 1
        kind = step[0]
        with seed_clock(at):
            if kind == "late":
                if at not in self.ticks:
                    self.ticks.add(at)
                    self.made["auto_escalated"] += dispatch.escalate_due(at=at)
                e.refresh_from_db()
                return
            if kind == "accept":
                plan.event = dispatch.event_accept(event=e, user=self._actor(e))
            elif kind == "escalate":
                department = rng.choice(DEPARTMENTS[e.category]) if e.tier == Tier.STATION else ""
                reason = rng.choice(ESCALATE_REASONS[Tier(e.tier)]).format(department=department)
                plan.event = dispatch.event_escalate(event=e, user=self._actor(e), reason=reason, department=department)
                self.made["to_department" if department else "escalated"] += 1
            elif kind == "handle":
                note = plan.case[1]
                if e.tier == Tier.DEPARTMENT:
                    note = f"{e.department}回复：{note}"
                photos = []
                if self.photos_left > 0 and rng.random() < 0.06:
                    photos = [_photo(rng, f"event-{plan.n}-done.jpg")]
                    self.photos_left -= 1
                    self.made["photos"] += 1
                plan.event = dispatch.event_handle(event=e, user=e.handler, note=note, photos=photos)
            elif kind == "reopen":
                plan.event = dispatch.event_reopen(event=e, user=plan.reporter, reason=rng.choice(REOPEN_REASONS))
                self.made["reopened"] += 1
            elif kind == "rate":
                rating = step[2]
                plan.event = dispatch.event_rate(
                    event=e, user=plan.reporter, rating=rating, comment=rng.choice(COMMENTS[rating])
                )

    def _join(self, plan: Plan, at: dt.datetime, user: User) -> None:
        """Someone else saw it too: they add to the open event instead of filing a duplicate."""
        if plan.event is None:
            return
        with seed_clock(at):
            try:
                dispatch.event_join(event=plan.event, user=user, note=self.rng.choice(JOIN_NOTES))
            except ValidationError:  # closed by then, or they were already on it
                return
        self.made["supporters"] += 1


def _demo_volunteers(rng: random.Random, grids: list[CommunityGrid], per_grid: int) -> int:
    """``per_grid`` volunteers (编外网格员: residents, shopkeepers, security guards, party members — the kind
    is not recorded) in each grid, ``volunteer2`` onwards, with the demo password. Idempotent."""
    taken = set(User.objects.filter(username__startswith="volunteer").values_list("username", flat=True))
    names = set(User.objects.filter(role=Role.VOLUNTEER).values_list("full_name", flat=True))
    password, name_of = None, _namer(rng)
    made, n = 0, 1
    for grid in grids:
        users = []
        for _k in range(per_grid):
            n += 1
            username = f"volunteer{n}"
            if username in taken:
                continue
            name = name_of()
            while name in names:
                name = name_of()
            names.add(name)
            password = password or make_password(settings.DEMO_PASSWORD)
            users.append(User(username=username, role=Role.VOLUNTEER, full_name=name, password=password))
        if users:
            User.objects.bulk_create(users)
            saved = User.objects.filter(username__in=[u.username for u in users]).order_by("id")
            members.enrol((grid.pk, u, rng.choice(MemberType.values), _phone(rng)) for u in saved)
            made += len(users)
    return made


def _demo_roster_changes(rng: random.Random, grids: list[CommunityGrid]) -> dict:
    """After the events: a few online applications waiting for the officer (mostly in
    volunteer1's grid, which is officer1's), two members suspended and one who left."""
    made = {"pending": 0, "suspended": 0, "left": 0}
    if not grids or GridMember.objects.filter(grid__in=grids, applied=True).exists():
        return made
    password, name_of = make_password(settings.DEMO_PASSWORD), _namer(rng)
    for k in range(6):
        member = GridMember(
            grid=grids[0] if k < 4 else rng.choice(grids), name=name_of(), member_type=rng.choice(MemberType.values),
            address=rng.choice(["3号楼", "沿街商铺", "物业服务中心", "5号楼2单元", ""]), applied=True,
            motivation=rng.choice(["退休了，想为小区出点力。", "在小区开店多年，熟悉周边情况。", "党员，愿意参加平安巡逻。"]),
            pending_password=password,
        )  # fmt: skip
        member.set_phone(_phone(rng))
        member.save()
        made["pending"] += 1
    active = list(
        GridMember.objects.filter(grid__in=grids, status=MemberStatus.ACTIVE)
        .exclude(user__username="volunteer1")
        .order_by("id")
    )
    for member, to in zip(rng.sample(active, min(3, len(active))), ["suspended", "suspended", "left"], strict=False):
        member.status, member.note = to, "长期联系不上" if to == "suspended" else "搬离本社区"
        member.save(update_fields=["status", "note"])
        User.objects.filter(pk=member.user_id).update(is_active=False)
        made[to] += 1
    return made


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def seed_demo(*, rng: random.Random, out=print, count: int = 400, days: int = 90, photos: int = 60) -> dict:
    """~60 volunteers over the demo station's grids and ~400 events of the last 90 days in every
    state: waiting to be accepted (some overdue at the station), being handled, handled and
    waiting for the rating, closed with a rating (mostly 4–5); some reopened once, some moved up
    by the escalation clock, some escalated by hand, a few passed by the station to a department;
    supporters, a few photos. volunteer1 and gridworker1 have reports and tasks of their own.
    Idempotent: skipped once the station has events."""
    station = (
        Station.objects.exclude(code__startswith="CITY-").filter(police_grids__isnull=False).order_by("id").first()
    )
    if station is None:
        out("  events: no demo station")
        return {"created": False}
    if Event.objects.filter(grid__police_grid__station=station).exists():
        out("  events already seeded")
        return {"created": False}
    grids = list(CommunityGrid.objects.filter(police_grid__station=station).order_by("id"))
    volunteers = _demo_volunteers(rng, grids, per_grid=max(1, round(60 / max(len(grids), 1))))
    now = timezone.now()
    demo = Demo(rng, station, now, photos=photos, out=out)
    if not demo.grids:
        out("  events: no demo buildings")
        return {"created": False}
    home = next((g for g in demo.grids if demo.volunteer1 in demo.volunteers[g.pk]), demo.grids[0])
    weights = [3 if g is home else 1 for g in demo.grids]
    plans, n = [], 0
    # Just reported: some still waiting for the grid worker (gridworker1's list), some taken on.
    for k in range(8):
        grid = home if k < 4 else rng.choice(demo.grids)
        reporter = demo.volunteer1 if k == 0 and demo.volunteer1 else None
        plans.append(demo.plan(n, at=now - dt.timedelta(minutes=rng.uniform(5, 100)), grid=grid, path="simple",
                               reporter=reporter))  # fmt: skip
        n += 1
    # volunteer1 has results to rate.
    if demo.volunteer1:
        for _k in range(2):
            at = _when(rng, now, rng.uniform(2, 10))
            plans.append(demo.plan(n, at=at, grid=home, path="never_rated", reporter=demo.volunteer1))
            n += 1
    while n < count:
        days_ago = 0.05 + (days - 0.05) * rng.random() ** 1.4  # more of them recent
        grid = rng.choices(demo.grids, weights)[0]
        plans.append(demo.plan(n, at=_when(rng, now, days_ago), grid=grid))
        n += 1
    demo.run(plans)
    states = dict.fromkeys(State.values, 0)
    for state in Event.objects.filter(grid__police_grid__station=station).values_list("state", flat=True):
        states[state] += 1
    points = sum(PointAward.objects.filter(grid__police_grid__station=station).values_list("points", flat=True))
    made = demo.made
    roster = _demo_roster_changes(rng, grids)
    out(f"  roster: {roster['pending']} applications waiting, {roster['suspended']} suspended, {roster['left']} left")
    out(
        f"  events: {len(plans)} (" + ", ".join(f"{v} {k}" for k, v in states.items()) + f"), {volunteers} volunteers, "
        f"{made['auto_escalated']} escalated automatically, {made['escalated']} by hand, {made['to_department']} "
        f"to departments, {made['reopened']} reopened, {made['supporters']} supporters, {made['photos']} photos, "
        f"{points} points" + (f"; {made['skipped']} plans stopped" if made["skipped"] else "")
    )  # fmt: skip
    return {"created": True, "events": len(plans), "states": states, "volunteers": volunteers, "points": points, **made}


# --- the city -----------------------------------------------------------------------------------


@dataclass
class _Sim:
    """An event as rows, walked through the same steps as the services would."""

    category: str
    reporter: int
    handlers: dict  # tier → user ids who may act (never the reporter)
    tier: int = Tier.GRID
    state: str = State.REPORTED
    handler: int | None = None
    department: str = ""
    accept_by: dt.datetime | None = None
    handle_by: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    handled_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    escalations: int = 0
    rating: int | None = None
    comment: str = ""
    reopen_count: int = 0
    first_accept: dt.datetime | None = None
    log: list = field(default_factory=list)  # (at, user id, action, tier, note)

    def arm(self, at, limit):
        accept, handle = limit(self.category, self.tier)
        if self.state == State.REPORTED:
            self.accept_by, self.handle_by = at + dt.timedelta(minutes=accept), None
        else:
            self.accept_by, self.handle_by = None, at + dt.timedelta(minutes=handle)

    def up(self, tier, department, at, limit):
        self.tier, self.state, self.handler = tier, State.REPORTED, None
        self.department = department if tier == Tier.DEPARTMENT else ""
        self.escalations += 1
        self.arm(at, limit)

    def next_tier(self):
        if self.tier == Tier.STATION:
            return Tier.DEPARTMENT
        if self.tier == Tier.GRID and self.handlers[Tier.POLICE_GRID]:
            return Tier.POLICE_GRID
        return Tier.STATION


def _city_event(rng, sim: _Sim, script, t0, now, limit, case, words) -> dt.datetime:
    """Play ``script`` on ``sim`` from the report at ``t0`` up to ``now``; returns the last step's time.
    ``words``: the tiers' names and the clock's reasons, translated once."""
    sim.tier = next((t for t in (Tier.GRID, Tier.POLICE_GRID) if sim.handlers[t]), Tier.STATION)
    sim.arm(t0, limit)
    sim.log.append((t0, sim.reporter, "reported", sim.tier, ""))
    base = t0
    for step in script:
        at = _next_at(step, category=sim.category, tier=sim.tier, state=sim.state, accept_by=sim.accept_by,
                      handle_by=sim.handle_by, base=base, limit=limit)  # fmt: skip
        if at is None:
            continue
        if at > now:
            break
        kind = step[0]
        actor = sim.handler
        if kind in ("accept", "escalate") and sim.state == State.REPORTED:
            acting = sim.handlers[min(sim.tier, Tier.STATION)]
            if not acting:
                break  # nobody at this tier: it waits
            actor = acting[0] if len(acting) == 1 or rng.random() < 0.75 else rng.choice(acting[1:])
        if kind == "late":
            before, why = words[sim.tier], words[sim.state]
            sim.up(sim.next_tier(), "", at, limit)
            sim.log.append((at, None, "auto_escalated", sim.tier, f"{before} → {words[sim.tier]}：{why}"))
        elif kind == "accept":
            sim.state, sim.handler, sim.accepted_at = State.ACCEPTED, actor, at
            sim.first_accept = sim.first_accept or at
            sim.arm(at, limit)
            sim.log.append((at, actor, "accepted", sim.tier, ""))
        elif kind == "escalate":
            tier = sim.next_tier()
            department = rng.choice(DEPARTMENTS[sim.category]) if tier == Tier.DEPARTMENT else ""
            reason = rng.choice(ESCALATE_REASONS[Tier(sim.tier)]).format(department=department)
            sim.up(tier, department, at, limit)
            where = words[tier] + (f"（{department}）" if department else "")
            sim.log.append((at, actor, "escalated", sim.tier, f"→ {where}：{reason}"))
        elif kind == "handle":
            note = case[1] if sim.tier != Tier.DEPARTMENT else f"{sim.department}回复：{case[1]}"
            sim.state, sim.handled_at, sim.handle_by = State.HANDLED, at, None
            sim.log.append((at, sim.handler, "handled", sim.tier, note))
        elif kind == "reopen":
            sim.state, sim.reopen_count, sim.handled_at = State.ACCEPTED, sim.reopen_count + 1, None
            sim.arm(at, limit)
            sim.log.append((at, sim.reporter, "reopened", sim.tier, rng.choice(REOPEN_REASONS)))
        elif kind == "rate":
            sim.state, sim.rating, sim.closed_at = State.CLOSED, step[2], at
            sim.comment = rng.choice(COMMENTS[step[2]])
            stars = f"{'★' * sim.rating}{'☆' * (5 - sim.rating)} {sim.comment}".strip()
            sim.log.append((at, sim.reporter, "rated", sim.tier, stars))
        base = at
    return base


def _city_volunteers(rng, grids: list[int], count: int) -> dict[int, list[int]]:
    """``count`` volunteers spread over the grids (one password hash for all); grid id → user ids."""
    if not User.objects.filter(username__startswith="city-volunteer-").exists():
        password, name_of = make_password(settings.DEMO_PASSWORD), _namer(rng)
        users = [
            User(username=f"city-volunteer-{k + 1:05d}", role=Role.VOLUNTEER, full_name=name_of(), password=password)
            for k in range(count)
        ]
        User.objects.bulk_create(users, batch_size=2000)
        saved = User.objects.filter(username__startswith="city-volunteer-").order_by("username")
        # Phones are unique per open membership: the volunteer's number is derived from its index.
        members.enrol(
            (grids[k % len(grids)], u, rng.choice(MemberType.values), f"1{3 + k % 7}{60_000_000 + k:09d}")
            for k, u in enumerate(saved.iterator(chunk_size=2000))
        )
    pool = {}
    for grid_id, user_id in GridMember.objects.filter(
        grid_id__in=grids, user__username__startswith="city-volunteer-"
    ).values_list("grid_id", "user_id"):
        pool.setdefault(grid_id, []).append(user_id)
    return pool


def seed_city(
    *, rng: random.Random, out=print, count: int = 300_000, volunteers: int = 10_000, days: int = 365,
    chunk: int = 25_000,
) -> dict:  # fmt: skip
    """10,000 volunteers over the city's grids and 300,000 events of the last year as rows, streamed
    with COPY: every state, escalations (by the clock and by hand, a few to departments), reopenings,
    ratings, supporters and points; a timeline row for each step. No photos. Idempotent: skipped
    once city events exist."""
    from lib import bulk

    if Event.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city events already seeded")
        return {"created": False}
    grids = list(
        CommunityGrid.objects.filter(code__startswith="CITY-")
        .order_by("id")
        .values_list("id", "grid_worker_id", "auxiliary_id", "police_grid__officer_id", "police_grid__station_id")
    )
    buildings = {}
    for row in (
        Building.objects.filter(grid_id__in=[g[0] for g in grids])
        .order_by("id")
        .values_list("grid_id", "id", "lat", "lng", "address")
        .iterator(chunk_size=20_000)
    ):
        buildings.setdefault(row[0], []).append((row[1], row[2], row[3], _place(row[4])))
    grids = [g for g in grids if buildings.get(g[0])]
    if not grids:
        out("  city events: no city grids with buildings")
        return {"created": False}
    chiefs = {}
    for user_id, station_id in User.objects.filter(
        role=Role.CHIEF, is_active=True, station_id__in={g[4] for g in grids}
    ).values_list("id", "station_id"):
        chiefs.setdefault(station_id, []).append(user_id)
    pool = _city_volunteers(rng, [g[0] for g in grids], volunteers)
    earners = set(User.objects.filter(role__in=(Role.VOLUNTEER, Role.GRID_WORKER)).values_list("id", flat=True))
    limit = _limits()
    now = timezone.now()
    sqlite = connection.vendor != "postgresql"
    adapt = connection.ops.adapt_datetimefield_value

    def fix(rows):  # SQLite compares datetimes as text: store them as the ORM does
        return [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in r) for r in rows] if sqlite else rows

    words = {t: str(t.label) for t in Tier}
    words[State.REPORTED] = _("not accepted within the time limit")
    words[State.ACCEPTED] = _("not handled within the time limit")
    times = sorted(now - dt.timedelta(minutes=10 + (days * 1440 - 10) * rng.random() ** 1.15) for _ in range(count))
    eid = bulk.next_id("events_event")
    made = dict.fromkeys(("events", "log", "points", "supporters"), 0)
    states = dict.fromkeys(State.values, 0)
    for start in range(0, len(times), chunk):
        ev_rows, log_rows, point_rows, sup_rows = [], [], [], []
        for t0 in times[start : start + chunk]:
            g_id, worker, aux, officer, station_id = grids[rng.randrange(len(grids))]
            vols = pool.get(g_id, [])
            roll = rng.random()
            if vols and roll < 0.7:
                reporter = vols[rng.randrange(len(vols))]
            elif worker and roll < 0.95:
                reporter = worker
            else:
                reporter = officer or worker or vols[0]
            handlers = {
                Tier.GRID: [u for u in (worker, aux) if u and u != reporter],
                Tier.POLICE_GRID: [officer] if officer and officer != reporter else [],
                Tier.STATION: [u for u in chiefs.get(station_id, []) if u != reporter],
            }
            category = _weighted(rng, CATEGORY_WEIGHTS)
            case = rng.choice(CASES[category])
            b_id, lat, lng, place = rng.choice(buildings[g_id])
            if rng.random() < 0.5:
                metres, angle = rng.uniform(3, 25), rng.uniform(0, 2 * math.pi)
                lat, lng = (
                    round(lat + metres * math.sin(angle) / 111_000, 6),
                    round(lng + metres * math.cos(angle) / (111_000 * math.cos(math.radians(lat))), 6),
                )
                b_id = None
            sim = _Sim(category=category, reporter=reporter, handlers=handlers)
            age = (now - t0).total_seconds() / 86400
            last = _city_event(rng, sim, _script(rng, _path(rng, age)), t0, now, limit, case, words)
            # Supporters: other volunteers of the grid, while it was open.
            others = [v for v in vols if v != reporter]
            if others and rng.random() < 0.06:
                for user in rng.sample(others, min(len(others), rng.choice([1, 1, 2]))):
                    at = t0 + dt.timedelta(minutes=rng.uniform(10, 36 * 60))
                    if at > now or (sim.closed_at and at >= sim.closed_at):
                        continue
                    note = rng.choice(JOIN_NOTES)
                    sup_rows.append((eid, user, note, at))
                    sim.log.append((at, user, "joined", sim.tier, note))
                    point_rows.append((user, g_id, eid, dispatch.POINTS_ADDED, "joined", at))
                    last = max(last, at)
            if sim.first_accept and reporter in earners:
                point_rows.append((reporter, g_id, eid, dispatch.POINTS_ACCEPTED, "accepted", sim.first_accept))
            ev_rows.append((
                eid, category, case[0].format(place=place), lat, lng, b_id, g_id, reporter, "app", sim.tier,
                sim.department, sim.handler, sim.state, sim.accept_by, sim.handle_by, t0, sim.accepted_at,
                sim.handled_at, sim.closed_at, sim.escalations, sim.rating, sim.comment, sim.reopen_count,
                secrets.token_urlsafe(12), last,
            ))  # fmt: skip
            log_rows.extend((eid, at, user, action, tier, note) for at, user, action, tier, note in sim.log)
            states[sim.state] += 1
            eid += 1
        bulk.load("events_event", ["id", "category", "description", "lat", "lng", "building_id", "grid_id",
                  "reporter_id", "source", "tier", "department", "handler_id", "state", "accept_by", "handle_by",
                  "reported_at", "accepted_at", "handled_at", "closed_at", "escalations", "rating", "rating_comment",
                  "reopen_count", "token", "updated_at"], fix(ev_rows))  # fmt: skip
        bulk.load("events_eventlog", ["event_id", "at", "user_id", "action", "tier", "note"], fix(log_rows))
        bulk.load("events_supporter", ["event_id", "user_id", "note", "at"], fix(sup_rows))
        bulk.load("events_pointaward", ["user_id", "grid_id", "event_id", "points", "reason", "at"], fix(point_rows))
        made["events"] += len(ev_rows)
        made["log"] += len(log_rows)
        made["points"] += len(point_rows)
        made["supporters"] += len(sup_rows)
    if not sqlite:
        with connection.cursor() as c:
            c.execute(
                "ANALYZE events_event; ANALYZE events_eventlog; ANALYZE events_pointaward; ANALYZE events_supporter"
            )
    volunteer_count = sum(len(v) for v in pool.values())
    out(
        f"  city: {made['events']:,} events (" + ", ".join(f"{v:,} {k}" for k, v in states.items())
        + f"), {volunteer_count:,} volunteers, {made['log']:,} timeline rows, {made['points']:,} point awards, "
        f"{made['supporters']:,} supporters"
    )  # fmt: skip
    return {"created": True, "volunteers": volunteer_count, "states": states, **made}
