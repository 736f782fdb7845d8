"""Demo and city data for community topics (民生茶馆).

``seed_demo``: ~8 meetings over the demo station's grids in the last four months with ~30 topics
in every state (raised, planned, in progress — some past their due date — closed on time and
late, cannot be solved), played through ``topics.services`` with the clock set to each step's
time. ``seed_city``: 20,000 topics (2,500 meetings) over the city grids, streamed with
``lib.bulk``. Both idempotent: skipped once their topics exist.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.utils import timezone

from grid.models import CommunityGrid, Station
from lib.clock import seed_clock
from topics import services
from topics.models import Category, ResponsibleParty, State, Topic

# (title, category, description, plan, responsible party, responsible name, result)
TOPICS = [
    ("小区停车难，晚上车位不够", Category.PARKING, "晚上八点后小区内车位满，车辆停到消防通道上。",
     "物业重新施划车位，夜间开放周边单位停车场错时共享。", ResponsibleParty.PROPERTY, "物业服务中心",
     "新增车位42个，与邻近小学签订错时停车协议。"),
    ("电动车充电桩不足", Category.FACILITY, "楼道里飞线充电的多，存在火灾隐患。",
     "在3号楼西侧空地新建集中充电棚，民警配合开展飞线充电清理。", ResponsibleParty.COMMITTEE, "社区居委会",
     "充电棚建成，设充电口60个，楼道飞线全部清理。"),
    ("楼道照明坏了很久", Category.FACILITY, "5号楼2单元3至6层声控灯不亮。",
     "物业一周内更换灯具。", ResponsibleParty.PROPERTY, "物业维修班", "已更换为感应LED灯。"),
    ("广场舞音响噪音扰民", Category.NEIGHBOUR, "晚上九点后仍有广场舞，音响声音大。",
     "社区与舞队协商音量和结束时间，民警巡逻时提醒。", ResponsibleParty.COMMITTEE, "社区居委会",
     "舞队承诺21点前结束并使用蓝牙耳机音箱，投诉已停止。"),
    ("物业费上涨有争议", Category.PROPERTY, "物业公司未公示就上调物业费。",
     "召开业主代表、物业、街道三方协调会，公示收支。", ResponsibleParty.STREET, "街道办物业科",
     "物业公示近两年收支，调价方案经业主大会表决通过。"),
    ("老旧小区加装电梯", Category.FACILITY, "7号楼老人多，上下楼困难，希望加装电梯。",
     "征求单元住户意见，协助申请加装电梯补贴。", ResponsibleParty.STREET, "街道城建办", "电梯已完成加装并验收。"),
    ("垃圾分类点异味大", Category.ENVIRONMENT, "北门垃圾收集点清运不及时，夏天异味大。",
     "环卫部门增加清运频次，每日清洗。", ResponsibleParty.DEPARTMENT, "区城管局环卫所",
     "清运改为每日两次，收集点加装除臭设备。"),
    ("小区门禁形同虚设", Category.SECURITY, "东门门禁损坏，外来人员随意进出。",
     "物业修复门禁，警务室协助安装人脸识别门禁。", ResponsibleParty.POLICE, "社区警务室", "智能门禁已上线运行。"),
    ("楼上漏水邻里纠纷", Category.NEIGHBOUR, "602卫生间漏水至502，双方多次争吵。",
     "社区调解员上门调解，物业协助查找漏点。", ResponsibleParty.COMMITTEE, "社区人民调解委员会",
     "602已重做防水，双方签订调解协议。"),
    ("快递乱堆放占用楼道", Category.ENVIRONMENT, "快递员把包裹堆在楼道口，堵塞通道。",
     "在小区门口设置快递驿站和智能快递柜。", ResponsibleParty.PROPERTY, "物业服务中心", "快递柜已安装投用。"),
    ("夜间路灯不亮存在安全隐患", Category.SECURITY, "小区中心路段三盏路灯不亮，老人夜里摔倒过。",
     "物业报修，警务室加强夜间巡逻。", ResponsibleParty.PROPERTY, "物业工程部", "路灯已修复，新增两处监控。"),
    ("公共绿地被占用种菜", Category.ENVIRONMENT, "部分居民在绿化带种菜，影响环境。",
     "社区劝导，限期恢复绿化。", ResponsibleParty.COMMITTEE, "社区居委会", "绿地已恢复，设立共享小菜园。"),
    ("外卖电动车逆行车速快", Category.SECURITY, "小区门口外卖电动车逆行，存在交通隐患。",
     "联系交警中队在路口设置提示牌，约谈外卖站点。", ResponsibleParty.DEPARTMENT, "交警大队二中队",
     "设置减速带和提示牌，外卖站点开展安全教育。"),
    ("僵尸车长期占用车位", Category.PARKING, "小区内有6辆车长期不动，积灰破损。",
     "民警查询车主，通知限期挪走。", ResponsibleParty.POLICE, "社区警务室", "6辆僵尸车已全部清理。"),
    ("儿童游乐设施老化", Category.FACILITY, "滑梯有裂缝，秋千链条生锈。",
     "申请社区公益金更换设施。", ResponsibleParty.COMMITTEE, "社区居委会", "游乐设施已更换并铺设塑胶地面。"),
    ("养狗不拴绳吓到孩子", Category.NEIGHBOUR, "晚上遛狗不拴绳，狗追小孩。",
     "开展文明养犬宣传，民警配合登记犬只。", ResponsibleParty.POLICE, "社区警务室", "开展宣传三次，登记犬只58只。"),
]  # fmt: skip

UNSOLVABLE = [
    ("希望在小区内建地下停车场", Category.PARKING, "地下管网复杂，规划部门答复不具备建设条件，已向居民解释并推动错时停车。"),
    ("要求拆除相邻工地塔吊", Category.OTHER, "工地手续齐全，塔吊属合法施工设施；已协调工地夜间不施工。"),
]  # fmt: skip

RAISERS = ["3号楼居民 王阿姨", "退休教师 李老师", "5号楼 张先生", "业主代表 赵女士", "楼长 刘师傅", "居民 陈大爷",
           "党员志愿者 孙女士", "2号楼 周先生", "商户 吴老板", "居民 郑阿姨"]  # fmt: skip
ATTENDEES = ["社区党委书记", "社区居委会主任", "物业公司经理", "社区民警", "网格员", "业主委员会代表", "楼长代表",
             "居民代表", "街道办干部", "律师志愿者"]  # fmt: skip
DAYS_AGO = [118, 100, 84, 66, 48, 30, 14, 3]
PLACES = ["民生茶馆", "社区议事厅", "民生茶馆", "小区广场", "党群服务中心"]


def _host(grid: CommunityGrid):
    return grid.grid_worker or grid.auxiliary or grid.police_grid.officer


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed_demo(*, rng: random.Random, out=print, meetings: int = 8) -> dict:
    """~8 meetings with ~30 topics in the demo station's grids, in every state. Idempotent."""
    station = (
        Station.objects.exclude(code__startswith="CITY-").filter(police_grids__isnull=False).order_by("id").first()
    )
    if station is None:
        out("  topics: no demo station")
        return {"created": False}
    if Topic.objects.filter(grid__police_grid__station=station).exists():
        out("  topics already seeded")
        return {"created": False}
    grids = [
        g
        for g in CommunityGrid.objects.filter(police_grid__station=station)
        .select_related("grid_worker", "auxiliary", "police_grid__officer")
        .order_by("id")
        if _host(g) is not None
    ]
    if not grids:
        out("  topics: no demo grids with staff")
        return {"created": False}
    today = timezone.localdate()
    catalogue = list(TOPICS)
    rng.shuffle(catalogue)
    made = dict.fromkeys(State.values, 0)
    n_topics = 0
    for k in range(meetings):
        grid = grids[k % len(grids)] if k < len(grids) else rng.choice(grids)
        host = _host(grid)
        days_ago = DAYS_AGO[k % len(DAYS_AGO)] + rng.randint(0, 2)  # oldest first: older ones are further along
        held = _at(today - dt.timedelta(days=days_ago), rng.choice([9, 14, 15, 19]), rng.choice([0, 30]))
        names = rng.sample(ATTENDEES, rng.randint(4, 7))
        inputs = []
        for _ in range(rng.choice([3, 4, 4, 5])):
            if not catalogue:
                catalogue = list(TOPICS)
                rng.shuffle(catalogue)
            title, cat, desc, *_rest = catalogue.pop()
            inputs.append(services.TopicInput(raised_by=rng.choice(RAISERS), title=title, description=desc,
                                              category=cat))  # fmt: skip
        if k in (1, 4):  # two of the meetings raise something that turns out not to be solvable
            title, cat, _reason = UNSOLVABLE[0 if k == 1 else 1]
            inputs.append(services.TopicInput(raised_by=rng.choice(RAISERS), title=title, category=cat))
        with seed_clock(held + dt.timedelta(hours=2)):
            meeting = services.meeting_create(
                user=host, grid=grid, held_at=held, place=rng.choice(PLACES), attendees="\n".join(names),
                attendee_count=len(names) + rng.randint(5, 25), notes="会议由网格员主持，社区民警参加。",
                topics=inputs,
            )  # fmt: skip
        for topic in meeting.topics.order_by("id"):
            _play(rng, topic, host, held, today, days_ago)
            topic.refresh_from_db(fields=["state"])
            made[topic.state] += 1
            n_topics += 1
    out(f"  topics: {meetings} meetings, {n_topics} topics (" + ", ".join(f"{v} {k}" for k, v in made.items()) + ")")
    return {"created": True, "meetings": meetings, "topics": n_topics, "states": made}


def _play(rng: random.Random, topic: Topic, user, held: dt.datetime, today: dt.date, days_ago: int) -> None:
    """Take one topic as far as its age allows: recent meetings leave more open."""
    row = next((t for t in TOPICS if t[0] == topic.title), None)
    unsolvable = next((u for u in UNSOLVABLE if u[0] == topic.title), None)
    roll = rng.random()
    if days_ago < 10 and roll < 0.6:
        return  # raised, no plan yet
    plan_at = held + dt.timedelta(days=rng.randint(1, 4), hours=2)
    if unsolvable:
        with seed_clock(plan_at):
            services.topic_unsolvable(user=user, topic=topic, reason=unsolvable[2])
        return
    _t, _c, _d, plan, party, name, result = row
    due = timezone.localdate(plan_at) + dt.timedelta(days=rng.choice([14, 21, 30, 45]))
    with seed_clock(plan_at):
        services.topic_plan(user=user, topic=topic, plan=plan, responsible_party=party, responsible_name=name,
                            due_on=due)  # fmt: skip
    elapsed = (today - timezone.localdate(plan_at)).days
    if elapsed < 3 or roll < 0.15:
        return  # planned
    progress_at = plan_at + dt.timedelta(days=rng.randint(2, max(2, min(elapsed - 1, 12))))
    with seed_clock(progress_at):
        services.topic_progress(user=user, topic=topic, note="已与责任单位对接，正在推进：" + plan[:40])
    if elapsed < 15 or roll < 0.35:
        return  # in progress (past its due date if the meeting was long ago)
    # Closed: mostly by the due date, some a week or two late.
    late = roll > 0.85
    close_day = due + dt.timedelta(days=rng.randint(3, 15)) if late else due - dt.timedelta(days=rng.randint(0, 10))
    close_day = max(close_day, timezone.localdate(progress_at) + dt.timedelta(days=1))
    close_day = min(close_day, today)
    with seed_clock(_at(close_day, 16)):
        services.topic_close(user=user, topic=topic, result=result)


def _adapt(rows):
    ops = connection.ops

    def one(v):
        if isinstance(v, dt.datetime):
            return ops.adapt_datetimefield_value(v)
        if isinstance(v, dt.date):
            return ops.adapt_datefield_value(v)
        return str(v) if isinstance(v, str) else v

    return [tuple(one(v) for v in r) for r in rows]


# --- the city ------------------------------------------------------------------------------------


def seed_city(*, rng: random.Random, out=print, count: int = 20_000, per_meeting: int = 8) -> dict:
    """20,000 topics in 2,500 meetings over the city grids in the last year, with their timelines,
    streamed with ``lib.bulk`` (COPY on PostgreSQL). Idempotent: skipped once city topics exist."""
    from lib import bulk

    if Topic.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city topics already seeded")
        return {"created": False}
    grids = list(
        CommunityGrid.objects.filter(code__startswith="CITY-", police_grid__officer__isnull=False)
        .order_by("id")
        .values_list("id", "grid_worker_id", "police_grid__officer_id")
    )
    if not grids:
        out("  city topics: no city grids with officers")
        return {"created": False}
    now = timezone.now()
    today = timezone.localdate(now)
    mid, tid, eid = bulk.next_id("topics_meeting"), bulk.next_id("topics_topic"), bulk.next_id("topics_topicevent")
    meetings, topics, events = [], [], []
    made = dict.fromkeys(State.values, 0)
    n_meetings = -(-count // per_meeting)
    for k in range(n_meetings):
        grid_id, worker_id, officer_id = grids[rng.randrange(len(grids))]
        host = worker_id or officer_id
        held = now - dt.timedelta(minutes=rng.randrange(60 * 24, 365 * 24 * 60))
        names = rng.sample(ATTENDEES, 5)
        meetings.append((mid, grid_id, held, rng.choice(PLACES), host, "\n".join(names), len(names) + rng.randint(5, 30),
                         "", host, now))  # fmt: skip
        for _ in range(min(per_meeting, count - k * per_meeting)):
            title, cat, desc, plan, party, name, result = TOPICS[rng.randrange(len(TOPICS))]
            age = (today - timezone.localdate(held)).days
            roll = rng.random()
            state, due, closed_at, res = State.RAISED, None, None, ""
            evs = [("raised", "", State.RAISED, held)]
            if age > 7 or roll > 0.5:
                plan_at = held + dt.timedelta(days=rng.randint(1, 5))
                due = timezone.localdate(plan_at) + dt.timedelta(days=rng.choice([14, 30, 45]))
                state = State.PLANNED
                evs.append(("plan", State.RAISED, State.PLANNED, plan_at))
                if age > 20 and roll < 0.85:
                    prog_at = plan_at + dt.timedelta(days=rng.randint(2, 10))
                    evs.append(("progress", State.PLANNED, State.IN_PROGRESS, prog_at))
                    state = State.IN_PROGRESS
                    if age > 40 and roll < 0.8:
                        if roll < 0.04:
                            state = State.UNSOLVABLE
                            res = ""
                        else:
                            state, res = State.CLOSED, result
                        closed_at = min(now, prog_at + dt.timedelta(days=rng.randint(3, 50)))
                        evs.append(("close" if state == State.CLOSED else "unsolvable", State.IN_PROGRESS, state,
                                    closed_at))  # fmt: skip
            made[state] += 1
            reason = "不具备实施条件，已向居民解释" if state == State.UNSOLVABLE else ""
            topics.append((
                tid, mid, grid_id, rng.choice(RAISERS), None, title, desc, cat, plan if due else "",
                party if due else "", name if due else "", None, due, state, res, reason, held, closed_at, host, now,
            ))  # fmt: skip
            for action, frm, to, at in evs:
                events.append((eid, tid, at, host, action, frm, to, ""))
                eid += 1
            tid += 1
        mid += 1
    if connection.vendor != "postgresql":  # SQLite compares datetimes as text: store them as the ORM does
        meetings, topics, events = _adapt(meetings), _adapt(topics), _adapt(events)
    bulk.load("topics_meeting", ["id", "grid_id", "held_at", "place", "host_id", "attendees", "attendee_count",
                                 "notes", "created_by_id", "created_at"], meetings)  # fmt: skip
    bulk.load("topics_topic", ["id", "meeting_id", "grid_id", "raised_by", "person_id", "title", "description",
                               "category", "plan", "responsible_party", "responsible_name", "responsible_user_id",
                               "due_on", "state", "result", "reason", "raised_at", "closed_at", "created_by_id",
                               "updated_at"], topics)  # fmt: skip
    bulk.load("topics_topicevent", ["id", "topic_id", "at", "user_id", "action", "from_state", "to_state", "note"],
              events)  # fmt: skip
    out(f"  city topics: {len(meetings)} meetings, {len(topics)} topics, {len(events)} timeline rows")
    return {"created": True, "meetings": len(meetings), "topics": len(topics), "states": made}
