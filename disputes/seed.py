"""Demo mediation ledger: each demo station's roster (三官一师一员 and people's mediators) and ~120
disputes over the last 200 days in every state, driven through the services; and the city's
50,000 disputes as rows only (no PDFs, no signature images).

The services stamp ``now`` on what they record (signatures, follow-ups, the timeline, the signed
PDF's dates); the demo plans every step of every dispute in the past and runs the steps in time
order (so agreement numbers follow the calendar), each with the clock set to its planned time.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Role, User
from disputes import services
from disputes.models import (
    FOLLOW_UP_DAYS,
    Agreement,
    AgreementStatus,
    Category,
    Dispute,
    DisputeState,
    FollowUp,
    FollowUpStatus,
    Mediator,
    MediatorType,
    Outcome,
    PartyRole,
    ReferredTo,
    Source,
)
from grid.models import CommunityGrid, Station
from lib import gb11643
from lib.clock import seed_clock
from residents.models import Person, Residence, Venue
from residents.seed import GIVEN, SURNAMES

# --- the roster ---------------------------------------------------------------------------------

# key → (name, type, organisation, phone); "lawyer" is mediator1's entry, "police" officer1's.
ROSTER = {
    "lawyer": ("何律师", MediatorType.LAWYER, "宁夏正言律师事务所", "13895177001"),
    "judge": ("王立新", MediatorType.JUDGE, "银川市金凤区人民法院", "0951-5016021"),
    "prosecutor": ("马晓燕", MediatorType.PROSECUTOR, "银川市金凤区人民检察院", "0951-5016388"),
    "police": ("", MediatorType.POLICE, "", ""),
    "law_society": ("杨志诚", MediatorType.LAW_SOCIETY, "银川市法学会", "13995106612"),
    "peoples1": ("马桂兰", MediatorType.PEOPLES, "{community}人民调解委员会", "13709513376"),
    "peoples2": ("张福德", MediatorType.PEOPLES, "{community}人民调解委员会", "13895031185"),
}

# Who mediates what: the consumer "mediation station" is the judge with the lawyer.
MEDIATORS_FOR = {
    Category.NEIGHBOUR: ["police", "peoples"],
    Category.FAMILY: ["peoples", "law_society"],
    Category.PROPERTY: ["peoples", "police"],
    Category.TENANCY: ["peoples", "police"],
    Category.CONSUMER: ["judge", "lawyer"],
    Category.LABOUR: ["law_society", "police"],
    Category.TRAFFIC: ["police", "judge"],
    Category.DAMAGES: ["judge", "peoples"],
    Category.OTHER: ["peoples"],
}
CATEGORY_WEIGHTS = {
    Category.NEIGHBOUR: 30, Category.FAMILY: 18, Category.PROPERTY: 16, Category.TENANCY: 9, Category.CONSUMER: 8,
    Category.LABOUR: 7, Category.TRAFFIC: 5, Category.DAMAGES: 4, Category.OTHER: 3,
}  # fmt: skip
SOURCE_WEIGHTS = {Source.WALK_IN: 40, Source.CALL: 20, Source.GRID_EVENT: 15, Source.PATROL: 10, Source.REFERRAL: 15}
RISK_WEIGHTS = {"low": 65, "medium": 27, "high": 8}

# --- what happened ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A kind of dispute: what the ledger says ({a} applicant, {b} respondent) and what was agreed."""

    description: str
    terms: str
    place_detail: str = ""


CASES = {
    Category.NEIGHBOUR: [
        Case("{b}家卫生间漏水，导致楼下{a}家天花板及墙面发霉脱落，双方就维修费用发生争执。",
             "一、{b}于{d1}前请专业人员对卫生间防水层进行维修，费用自理；\n二、{b}一次性赔偿{a}墙面修复费用人民币{amt}元，于本协议签订当日付清；\n三、双方今后互谅互让，和睦相处，不再就此事发生纠纷。"),
        Case("{b}家夜间经常拖动桌椅、孩子跑跳，噪音扰民，{a}家老人长期休息不好，多次上门理论未果，双方发生口角。",
             "一、{b}家每日22时至次日7时不进行产生较大噪音的活动，并于{d1}前在客厅铺设隔音地垫；\n二、{a}遇到问题先与{b}沟通或联系网格员，不再采取敲击暖气管等方式回应；\n三、双方互相谅解，和睦相处。"),
        Case("{b}饲养的宠物犬在楼道内随地便溺、夜间吠叫，并曾扑咬{a}的孩子致轻微擦伤，双方发生争执。",
             "一、{b}赔偿{a}孩子就医及狂犬疫苗费用人民币{amt}元，于本协议签订当日付清；\n二、{b}遛狗时牵绳并及时清理粪便，于{d1}前为犬只办理登记和免疫；\n三、双方不再追究其他责任。"),
        Case("{b}家装修期间在午休时间使用电钻施工，并将建筑垃圾堆放在楼道内，{a}多次劝说无果，双方发生推搡。",
             "一、{b}家装修严格遵守物业规定时间（8:00—12:00、14:00—18:00），周末不进行高噪音作业；\n二、{b}于{d1}前清运楼道内的建筑垃圾；\n三、双方就推搡一事互相赔礼道歉，不再追究。"),
        Case("{b}长期将车辆停放在{a}租用的固定停车位上，{a}多次要求挪车未果，双方发生争吵并相互堵车。",
             "一、{b}自即日起不再占用{a}租用的停车位；\n二、双方互不堵车，停车问题通过物业协调解决；\n三、双方就此前的争吵互相谅解，不再追究。", "小区地面停车场"),
        Case("{b}在楼道内长期堆放纸箱、旧家具等杂物，影响通行和消防安全，{a}将杂物清出后双方发生争执。",
             "一、{b}于{d1}前自行清理楼道内的全部杂物，今后不再在公共区域堆放物品；\n二、{a}就擅自处置杂物向{b}道歉，并补偿人民币{amt2}元；\n三、双方互谅互让，和睦相处。"),
    ],
    Category.FAMILY: [
        Case("{a}年迈多病，与子女{b}就赡养费支付及日常照料问题发生矛盾，{a}到派出所求助。",
             "一、{b}自{month}起每月10日前向{a}支付赡养费人民币{amt}元；\n二、{b}每周至少探望{a}一次，{a}生病住院时负责陪护；\n三、双方互相尊重，不再发生争吵。"),
        Case("{a}与{b}系夫妻，因家庭开支和照顾孩子问题多次争吵，{a}报警称遭到推搡。",
             "一、双方保证今后遇事冷静沟通，不得有任何家庭暴力行为；\n二、家庭开支由双方共同承担，每月收入共同管理；\n三、如再发生矛盾，双方先向社区人民调解委员会申请调解。"),
        Case("{a}与{b}系兄弟姐妹，因父母遗留房屋的居住和出租收益分配发生纠纷。",
             "一、父母遗留房屋暂由{b}居住，{b}每月向{a}支付补偿人民币{amt}元；\n二、房屋如出售，所得价款由双方平均分配；\n三、双方共同承担赡养母亲的费用和照料义务。"),
        Case("{a}与{b}离婚后，就孩子的探视时间和抚养费支付发生争执，在小区内发生争吵。",
             "一、{a}每月第一、第三个周末可接孩子共同生活两天；\n二、{b}每月5日前支付抚养费人民币{amt}元；\n三、双方不在孩子面前相互指责。"),
    ],
    Category.PROPERTY: [
        Case("{a}以小区电梯频繁故障、垃圾清运不及时为由拒交物业费两年，物业公司负责人{b}上门催缴时双方发生争执。",
             "一、物业公司于{d1}前完成电梯维修并在单元门口公示维保记录；\n二、{a}于{d2}前补交物业费人民币{amt}元，物业公司免除滞纳金；\n三、双方今后有问题通过物业服务中心沟通解决。", "物业服务中心"),
        Case("小区公共排水管道堵塞反水，{a}家地板被泡，要求物业赔偿，物业负责人{b}认为系业主私改管道所致。",
             "一、物业公司于{d1}前疏通并更换公共排水管道；\n二、物业公司一次性补偿{a}地板修复费用人民币{amt}元；\n三、{a}不再就此事向物业公司主张其他费用。"),
        Case("物业更换小区门禁和道闸后，{a}的车辆无法入场，与保安发生冲突，物业负责人{b}到场后双方争执升级。",
             "一、物业公司于{d1}前为{a}办理车辆登记和门禁卡；\n二、{a}补交停车管理费人民币{amt2}元；\n三、双方就冲突一事互相谅解，不再追究。", "小区南门道闸处"),
        Case("冬季{a}家暖气温度长期达不到18℃，{a}要求退还部分取暖费，与物业负责人{b}发生纠纷。",
             "一、物业公司于{d1}前对{a}家所在单元的供暖管道进行排查维修；\n二、物业公司退还{a}本季取暖费人民币{amt2}元；\n三、双方今后共同监督供暖质量。"),
    ],
    Category.TENANCY: [
        Case("{a}租住{b}的房屋，租期届满退房时{b}以墙面污损、家具损坏为由扣留押金，双方发生纠纷。",
             "一、{b}于{d1}前退还{a}押金人民币{amt}元（已扣除墙面修补费用人民币{amt2}元）；\n二、双方租赁关系解除，互不追究其他责任。"),
        Case("{a}因工作调动提前退租，房东{b}要求按合同支付三个月租金作为违约金，双方对金额有争议。",
             "一、{a}向{b}支付违约金人民币{amt2}元，{b}退还剩余押金；\n二、{a}于{d1}前搬离并交还钥匙；\n三、双方租赁关系解除，无其他争议。"),
        Case("{a}拖欠房东{b}三个月房租，{b}擅自更换门锁，{a}的物品被锁在屋内，双方发生争执。",
             "一、{b}当日为{a}打开房门，{a}取回个人物品；\n二、{a}于{d1}前付清所欠房租人民币{amt}元；\n三、双方租赁合同于{d2}解除。"),
    ],
    Category.CONSUMER: [
        Case("{a}在{b}经营的家具店购买的沙发使用一个月即出现塌陷，要求退货遭拒，双方发生争执。",
             "一、{b}于{d1}前为{a}更换同款新沙发并负责送货上门；\n二、旧沙发由{b}负责收回；\n三、双方无其他争议。"),
        Case("{a}在{b}经营的美容店办理预付卡，充值后店铺转让、拒绝继续服务，{a}要求退还余额。",
             "一、{b}于{d1}前退还{a}预付卡余额人民币{amt}元；\n二、预付卡同时作废；\n三、双方无其他争议。"),
        Case("{a}委托{b}装修房屋，完工后发现卫生间瓷砖空鼓、地面渗水，双方就返工及尾款支付发生纠纷。",
             "一、{b}于{d1}前对卫生间重新做防水并更换空鼓瓷砖，费用自理；\n二、返工验收合格后{a}支付装修尾款人民币{amt}元；\n三、双方无其他争议。"),
        Case("{a}在{b}经营的饭馆就餐后出现腹泻并就医，要求赔偿医药费和误工费。",
             "一、{b}一次性赔偿{a}医药费、误工费共计人民币{amt2}元，于本协议签订当日付清；\n二、双方无其他争议。"),
    ],
    Category.LABOUR: [
        Case("{a}等人在{b}承包的装修工地务工，工程结束后{b}拖欠工资共计人民币{amt}元未付，{a}到派出所求助。",
             "一、{b}于{d1}前一次性支付{a}拖欠工资人民币{amt}元；\n二、如逾期未付，{a}可持本协议向人民法院申请司法确认；\n三、双方劳务关系终结，无其他争议。"),
        Case("{a}在{b}经营的餐馆打工时切伤手指，就医疗费和误工费赔偿发生纠纷。",
             "一、{b}承担{a}全部医疗费，并支付误工费人民币{amt}元；\n二、上述款项于{d1}前付清；\n三、双方无其他争议。"),
        Case("{a}在{b}开办的超市工作两年，被口头辞退后要求支付经济补偿和未结工资。",
             "一、{b}于{d1}前支付{a}未结工资及经济补偿共计人民币{amt}元；\n二、双方劳动关系于本协议签订之日解除；\n三、双方无其他争议。"),
    ],
    Category.TRAFFIC: [
        Case("{a}骑电动车在小区门口与{b}驾驶的小轿车发生剐蹭，{a}腿部擦伤，双方对责任和赔偿金额有争议。",
             "一、{b}一次性赔偿{a}医疗费、误工费及电动车维修费共计人民币{amt2}元，当场付清；\n二、双方就此次事故再无其他争议。", "小区东门口"),
        Case("{b}倒车时将{a}停放在路边的轿车后保险杠撞坏，双方就维修费用发生争执。",
             "一、{b}赔偿{a}车辆维修费人民币{amt2}元，于{d1}前付清；\n二、双方就此次事故再无其他争议。", "路边停车位"),
    ],
    Category.DAMAGES: [
        Case("{b}家孩子在小区玩耍时将{a}家一楼窗户玻璃打碎，双方就赔偿金额发生争执。",
             "一、{b}于{d1}前负责为{a}家更换窗户玻璃，费用自理；\n二、双方无其他争议。"),
        Case("{b}家阳台花盆被大风吹落，砸坏{a}停放在楼下的电动车，双方就赔偿发生纠纷。",
             "一、{b}赔偿{a}电动车维修费人民币{amt2}元，当场付清；\n二、{b}于{d1}前清理阳台外侧的花盆等物品；\n三、双方无其他争议。"),
    ],
    Category.OTHER: [
        Case("{a}与{b}因小区广场舞场地使用和音响音量问题发生争执。",
             "一、广场舞活动时间为每日19:00—20:30，音响音量不超过社区规定；\n二、双方互相理解，文明使用公共场地。", "小区中心广场"),
        Case("{a}借给{b}人民币{amt}元，约定半年归还，到期后{b}以各种理由拖延，双方发生争吵。",
             "一、{b}于{d1}前归还{a}借款人民币{amt}元；\n二、如逾期未还，{a}可持本协议向人民法院申请司法确认。"),
    ],
}  # fmt: skip

NO_AGREEMENT = [
    "双方对赔偿金额分歧过大，经两次调解未能达成一致",
    "一方当事人拒绝继续参加调解",
    "双方各执一词，事实难以查清，当事人表示另行解决",
]
REFERRALS = {
    Category.LABOUR: [
        (ReferredTo.DEPARTMENT, "金凤区人社局劳动保障监察大队", "涉及拖欠工资，移交劳动保障监察部门处理")
    ],
    Category.PROPERTY: [
        (ReferredTo.HOTLINE, "", "涉及小区供暖和电梯维保，已转12345政务服务便民热线督办"),
        (ReferredTo.DEPARTMENT, "金凤区住房和城乡建设局", "涉及物业服务企业履约问题，移交行业主管部门"),
    ],
    Category.CONSUMER: [(ReferredTo.DEPARTMENT, "金凤区市场监督管理局", "涉及经营者预付卡问题，移交市场监管部门")],
    Category.TENANCY: [(ReferredTo.HOTLINE, "", "涉及群租问题，已转12345热线由社区和相关部门处理")],
    Category.NEIGHBOUR: [(ReferredTo.HOTLINE, "", "涉及违章搭建，已转12345热线由城管部门依法处理")],
    Category.FAMILY: [
        (ReferredTo.DEPARTMENT, "金凤区妇女联合会", "存在家庭暴力风险，移交区妇联跟进帮扶并告知申请人身安全保护令")
    ],
}
COURT = (ReferredTo.COURT, "", "涉及金额较大且双方对事实争议较大，引导当事人向人民法院提起诉讼")
ADJOURNED_NOTES = [
    "双方分歧较大，约定{a}提供维修票据后再次调解。",
    "{b}未到场，电话联系后约定下周再次调解。",
    "双方情绪激动，先分别做思想工作，择日再谈。",
    "调解员实地查看了现场，双方同意待查明原因后继续调解。",
]
AGREED_NOTES = [
    "双方陈述了各自诉求，调解员释法明理，双方情绪缓和，自愿达成协议。",
    "调解员结合《民法典》相关规定讲解了双方的权利义务，双方互谅互让达成一致。",
    "经背对背做工作后当面协商，双方同意按以下方案解决。",
]
KEPT_NOTES = [
    "双方均表示协议已履行，关系缓和。",
    "款项已付清，未再发生矛盾。",
    "电话回访，当事人对调解结果满意。",
    "走访邻居了解，近期未再发生争执。",
    "",
]
RECURRED_NOTES = [
    "问题再次出现，双方又发生争吵，{a}到派出所反映。",
    "{b}未按约定履行，{a}再次求助。",
]
NEWCOMER_AREAS = ["640202", "640302", "640402", "640502", "622901", "152921", "610402"]
ROLE_ORDER = [PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _texts(rng: random.Random, case: Case, a: str, b: str, on: dt.date) -> dict:
    next_month = (on.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    values = {
        "a": a, "b": b, "amt": rng.choice([800, 1200, 1500, 2000, 3000, 4500, 6000, 8000, 12000]),
        "amt2": rng.choice([200, 300, 500, 600, 800, 1000]), "d1": _cn_date(on + dt.timedelta(days=rng.randint(7, 20))),
        "d2": _cn_date(on + dt.timedelta(days=rng.randint(21, 40))), "month": f"{next_month.year}年{next_month.month}月",
    }  # fmt: skip
    return {
        "description": case.description.format(**values),
        "terms": case.terms.format(**values),
        "facts": case.description.format(**values) + f"{a}到派出所申请调解，{b}同意调解。",
    }


def _signature(rng: random.Random) -> bytes:
    im = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    for stroke in range(rng.randint(2, 3)):
        x0 = 25 + stroke * 85
        points = [(x0 + i * 9, 60 + rng.randrange(-30, 30)) for i in range(rng.randint(6, 9))]
        d.line(points, fill=(10, 10, 40, 255), width=4)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _newcomer_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


def _newcomer(rng: random.Random, role: str, used: set) -> services.PartyInput:
    """Someone not in the registry (a shop owner, an employer, a landlord from elsewhere)."""
    while True:
        birth = dt.date(1962, 1, 1) + dt.timedelta(days=rng.randrange(38 * 365))
        number = gb11643.make(rng.choice(NEWCOMER_AREAS), birth, rng.randrange(1000))
        if number not in used:
            used.add(number)
            break
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    return services.PartyInput(name=_newcomer_name(rng), role=role, id_number=number, phone=phone)


# --- the roster ---------------------------------------------------------------------------------


def roster_seed(station: Station, *, community: str = "", lawyer_user=None, police_user=None) -> dict[str, Mediator]:
    """The station's roster, keyed like ``ROSTER`` (idempotent: entries are found by name)."""
    existing = {m.name: m for m in Mediator.objects.filter(station=station)}
    roster = {}
    for key, (name, kind, organisation, phone) in ROSTER.items():
        user = lawyer_user if key == "lawyer" else police_user if key == "police" else None
        if key == "police":
            if police_user is None:
                continue
            name, organisation, phone = police_user.display_name, station.name, police_user.phone or ""
        if name in existing:
            roster[key] = existing[name]
            continue
        if user is not None and Mediator.objects.filter(user=user).exists():
            user = None  # already on another station's roster
        roster[key] = services.mediator_save(
            station=station, user_account=user, name=name, type=kind,
            organisation=organisation.format(community=community or station.name.removesuffix("派出所")), phone=phone,
        )  # fmt: skip
    return roster


# --- the demo ------------------------------------------------------------------------------------


@dataclass
class Plan:
    """One dispute's intake and its later steps ``(at, kind, args)``, all in the past."""

    n: int
    create: dict
    texts: dict
    names: list
    mediators: list
    officer: User
    steps: list = field(default_factory=list)
    dispute: Dispute | None = None
    agreement: Agreement | None = None


class Demo:
    """Plans and runs the demo ledger of one station."""

    def __init__(self, rng: random.Random, station: Station, now: dt.datetime):
        self.rng, self.station, self.now = rng, station, now
        self.horizon = now - dt.timedelta(minutes=10)
        self.today = timezone.localdate(now)
        self.used_ids: set[str] = set()
        self.made = {"sessions": 0, "agreements": 0, "signed": 0, "followups": 0}
        grids = list(
            CommunityGrid.objects.filter(police_grid__station=station, police_grid__officer__isnull=False)
            .select_related("police_grid__officer")
            .order_by("police_grid__code", "code")
        )
        self.grids = {g.pk: g for g in grids}
        adult = dt.date(self.today.year - 18, self.today.month, 1)
        residences = (
            Residence.objects.filter(end__isnull=True, grid_id__in=self.grids, person__birth_date__lte=adult)
            .select_related("person", "house__building")
            .order_by("id")
        )
        self.by_grid, self.by_building, self.by_house = {}, {}, {}
        for r in residences:
            self.by_grid.setdefault(r.grid_id, []).append(r)
            self.by_building.setdefault(r.house.building_id, []).append(r)
            self.by_house.setdefault(r.house_id, []).append(r)
        self.venues = {}
        for v in Venue.objects.filter(grid_id__in=self.grids).select_related("building").order_by("id"):
            self.venues.setdefault(v.grid_id, []).append(v)
        officer1 = User.objects.filter(username="officer1", station=station).first()
        self.roster = roster_seed(
            station,
            community=grids[0].community if grids else "",
            lawyer_user=User.objects.filter(username="mediator1", role=Role.MEDIATOR).first(),
            police_user=officer1,
        )
        self.lawyer_user = self.roster["lawyer"].user
        self.lawyer_cases = 0

    # -- planning --

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def _pick_mediators(self, category: str, risk: str) -> list[Mediator]:
        rng, keys = self.rng, list(MEDIATORS_FOR[category])
        keys = [rng.choice(["peoples1", "peoples2"]) if k == "peoples" else k for k in keys]
        if "police" in keys and "police" not in self.roster:
            keys[keys.index("police")] = "peoples1"
        extra = {Category.LABOUR: 0.6, Category.PROPERTY: 0.25, Category.FAMILY: 0.12}  # the lawyer joins some
        if category in extra and self.lawyer_cases < 16 and rng.random() < extra[category]:
            keys.append("lawyer")
        if risk == "high" and "prosecutor" not in keys:
            keys.append("prosecutor")
        if "lawyer" in keys:
            self.lawyer_cases += 1
        return [self.roster[k] for k in dict.fromkeys(keys)]

    def _parties(self, category: str, grid_id: int, first: Residence | None):
        """The party inputs (the applicant first), and the building, house and place details of the dispute."""
        rng, people = self.rng, self.by_grid[grid_id]
        a = first or rng.choice(people)
        others = [r for r in people if r.person_id != a.person_id]
        house, place = None, ""
        building = a.house.building
        if category == Category.NEIGHBOUR:
            same = [r for r in self.by_building[building.pk] if r.house_id != a.house_id]
            b = rng.choice(same or others)
            inputs = [services.PartyInput(person=a.person), services.PartyInput(person=b.person)]
            house = a.house
        elif category == Category.FAMILY:
            home = [r for r in self.by_house[a.house_id] if r.person_id != a.person_id]
            b = rng.choice(home or others)
            inputs = [services.PartyInput(person=a.person), services.PartyInput(person=b.person)]
            house = a.house
        elif category in (Category.PROPERTY, Category.TENANCY):
            inputs = [services.PartyInput(person=a.person), _newcomer(rng, PartyRole.RESPONDENT, self.used_ids)]
            house = a.house
        elif category == Category.CONSUMER and self.venues.get(grid_id):
            venue = rng.choice(self.venues[grid_id])
            building, place = venue.building, venue.name
            inputs = [services.PartyInput(person=a.person), _newcomer(rng, PartyRole.RESPONDENT, self.used_ids)]
        elif category in (Category.CONSUMER, Category.LABOUR, Category.TRAFFIC):
            inputs = [services.PartyInput(person=a.person), _newcomer(rng, PartyRole.RESPONDENT, self.used_ids)]
            if category == Category.LABOUR and rng.random() < 0.5:  # workers from out of town
                inputs[0] = _newcomer(rng, PartyRole.APPLICANT, self.used_ids)
                inputs[1] = services.PartyInput(person=a.person)
        else:
            inputs = [services.PartyInput(person=a.person), services.PartyInput(person=rng.choice(others).person)]
        if rng.random() < 0.08:  # a third party: a witness-neighbour, the other spouse, a guarantor
            taken = {p.person.pk for p in inputs if p.person}
            extra = [r for r in others if r.person_id not in taken]
            inputs.append(
                services.PartyInput(person=rng.choice(extra).person) if extra else _newcomer(rng, "", self.used_ids)
            )
        for n, p in enumerate(inputs):
            p.role = ROLE_ORDER[min(n, 2)]
        return inputs, building, house, place

    def plan(self, n: int, *, days_ago: float, grid_id: int, first: Residence | None = None, category=None,
             path: str | None = None, twist: str = "") -> Plan:  # fmt: skip
        """One dispute received ``days_ago`` in the grid. ``path``: intake, mediating, agreed or final (no
        agreement or referred); drawn by age if not given. ``twist``: "again" (recurs at the 30-day
        follow-up, mediated to a new agreement), "open" (recurs, mediation resumed) or "unsigned"."""
        rng = self.rng
        grid = self.grids[grid_id]
        category = category or _weighted(rng, CATEGORY_WEIGHTS)
        source = Source.GRID_EVENT if category == Category.NEIGHBOUR and rng.random() < 0.2 else None
        source = source or _weighted(rng, SOURCE_WEIGHTS)
        risk = _weighted(rng, RISK_WEIGHTS)
        day = self.today - dt.timedelta(days=int(days_ago))
        received = self.at(day, rng.randint(8, 19), rng.randrange(60))
        if received > self.horizon:
            received = self.horizon - dt.timedelta(minutes=rng.randint(30, 240))
        inputs, building, house, place = self._parties(category, grid_id, first)
        case = rng.choice(CASES[category])
        names = [p.person.name if p.person else p.name for p in inputs]
        texts = _texts(rng, case, names[0], names[1], day)
        officer = grid.police_grid.officer
        plan = Plan(
            n=n, texts=texts, names=names, officer=officer, mediators=self._pick_mediators(category, risk),
            create={"source": source, "category": category, "risk": risk, "building": building, "house": house,
                    "place_detail": place or case.place_detail, "description": texts["description"],
                    "officer": officer, "parties": inputs, "received_at": received},
        )  # fmt: skip
        age = (self.now - received).total_seconds() / 86400
        if path is None:
            roll = rng.random()
            if age < 1.5:
                path = "intake"
            elif age < 20:
                path = "intake" if roll < 0.2 else "mediating" if roll < 0.4 else "agreed" if roll < 0.9 else "final"
            elif age < 60:
                path = "intake" if roll < 0.03 else "mediating" if roll < 0.13 else "agreed" if roll < 0.73 else "final"
            else:
                path = "mediating" if roll < 0.03 else "agreed" if roll < 0.75 else "final"
        self._steps(plan, path, received, twist)
        # Whatever would fall after now has not happened yet.
        plan.steps.sort(key=lambda s: s[0])
        cut = next((k for k, s in enumerate(plan.steps) if s[0] > self.horizon), len(plan.steps))
        del plan.steps[cut:]
        return plan

    def _steps(self, plan: Plan, path: str, received: dt.datetime, twist: str) -> None:
        rng, steps = self.rng, plan.steps
        category = plan.create["category"]
        if path == "intake":
            if rng.random() < 0.5:
                steps.append((received + dt.timedelta(hours=rng.randint(1, 5)), "assign", {}))
            return
        steps.append((received + dt.timedelta(minutes=rng.randint(5, 14)), "assign", {}))
        if category == Category.CONSUMER:  # the mediation station: settled within the hour
            held = received + dt.timedelta(minutes=rng.randint(15, 60))
        else:
            held = self.at(timezone.localdate(received) + dt.timedelta(days=rng.randint(1, 6)), rng.randint(9, 17))
        if path == "mediating":
            steps.append((held, "session", {"outcome": Outcome.ADJOURNED}))
            return
        if category != Category.CONSUMER and rng.random() < 0.3:
            steps.append((held, "session", {"outcome": Outcome.ADJOURNED}))
            held = self.at(timezone.localdate(held) + dt.timedelta(days=rng.randint(2, 8)), rng.randint(9, 17))
        if path == "final":
            if rng.random() < 0.45:
                steps.append((held, "session", {"outcome": Outcome.NO_AGREEMENT, "reason": rng.choice(NO_AGREEMENT)}))
            else:
                to, department, reason = rng.choice(REFERRALS.get(category, []) + [COURT])
                steps.append((held, "session", {"outcome": Outcome.REFERRED, "reason": reason, "referred_to": to,
                                                "referred_department": department}))  # fmt: skip
            return
        self._agree(plan, held, twist)

    def _agree(self, plan: Plan, held: dt.datetime, twist: str) -> None:
        rng, steps = self.rng, plan.steps
        steps.append((held, "session", {"outcome": Outcome.AGREED}))
        if twist == "unsigned" or ((self.now - held).days < 4 and rng.random() < 0.5):
            return  # the parties have not all signed yet
        signed = held + dt.timedelta(minutes=rng.randint(20, 45))
        steps.append((signed, "sign", {}))
        start = timezone.localdate(signed)
        for day in FOLLOW_UP_DAYS:
            due = start + dt.timedelta(days=day)
            done = self.at(due + dt.timedelta(days=rng.choice([0, 0, 0, 1, 2])), rng.randint(9, 17), rng.randrange(60))
            if done > self.horizon or (due < self.today and not twist and rng.random() < 0.04):
                return  # not due yet, or overdue: nobody has been yet
            if twist and day == 30:
                steps.append((done, "followup", {"day": day, "kept": False}))
                again = self.at(timezone.localdate(done) + dt.timedelta(days=rng.randint(3, 8)), rng.randint(9, 17))
                if twist == "again":
                    self._agree(plan, again, "")
                else:
                    steps.append((again, "session", {"outcome": Outcome.ADJOURNED}))
                return
            steps.append((done, "followup", {"day": day, "kept": True}))

    # -- running --

    def run(self, plan: Plan, at: dt.datetime, kind: str, args: dict) -> None:
        """One step, on the services, with the clock at ``at``: whatever they stamp with ``now`` (the
        timeline, signatures, the archived PDF's dates, the follow-up schedule) is then as planned."""
        rng = self.rng
        with seed_clock(at):
            if kind == "create":
                plan.dispute = services.dispute_create(user=plan.officer, **plan.create)
            elif kind == "assign":
                services.dispute_assign(dispute=plan.dispute, user=plan.officer, mediators=plan.mediators)
            elif kind == "session":
                self._session(plan, at, **args)
            elif kind == "sign":
                for party in plan.dispute.parties.all():
                    services.agreement_sign(
                        agreement=plan.agreement, party=party, signature_png=_signature(rng), user=plan.officer
                    )
                self.made["signed"] += 1
            elif kind == "followup":
                followup = FollowUp.objects.get(agreement=plan.agreement, day=args["day"])
                note = rng.choice(KEPT_NOTES) if args["kept"] else rng.choice(RECURRED_NOTES)
                services.followup_record(
                    followup=followup, user=plan.officer, method=rng.choice(["visit", "visit", "phone"]),
                    kept=args["kept"], note=note.format(a=plan.names[0], b=plan.names[1]),
                )  # fmt: skip
                self.made["followups"] += 1

    def _session(self, plan: Plan, at: dt.datetime, *, outcome: str, **args) -> None:
        rng = self.rng
        parties = list(plan.dispute.parties.all())
        present = parties if outcome == Outcome.AGREED or rng.random() < 0.7 else parties[:1]
        notes = rng.choice(AGREED_NOTES if outcome == Outcome.AGREED else ADJOURNED_NOTES)
        lawyer = self.lawyer_user and any(m.user_id == self.lawyer_user.pk for m in plan.mediators)
        session = services.session_record(
            dispute=plan.dispute, user=self.lawyer_user if lawyer and rng.random() < 0.3 else plan.officer,
            held_at=at, place=self._place(plan), mediators=plan.mediators, parties_present=present, outcome=outcome,
            notes=notes.format(a=plan.names[0], b=plan.names[1]), facts=plan.texts["facts"],
            terms=plan.texts["terms"], **args,
        )  # fmt: skip
        self.made["sessions"] += 1
        if outcome == Outcome.AGREED:
            plan.agreement = session.agreement
            services.agreement_render(agreement_id=plan.agreement.pk)  # the task's work; its enqueue finds it done
            self.made["agreements"] += 1

    def _place(self, plan: Plan) -> str:
        grid = self.grids[plan.create["building"].grid_id]
        station = self.station.name
        if plan.create["category"] == Category.CONSUMER or any(m.type == MediatorType.JUDGE for m in plan.mediators):
            return f"{station}“三官一师一员”联合调解室"
        return self.rng.choice(
            [f"{grid.community}民生茶馆", f"{grid.community}人民调解室", f"{station}调解室", "当事人家中"]
        )


def seed_demo(*, rng: random.Random, out=print, count: int = 120) -> dict:
    """~120 disputes of the demo station over the last 200 days, in every state: received,
    being mediated, agreed (awaiting signatures; follow-ups pending, overdue and done), resolved,
    no agreement, referred (court, 12345, a department), and a few reopened after a recurrence.
    A handful of residents are in two or three disputes within 90 days (重点关注); mediator1 (the
    lawyer) is assigned to about fifteen. Idempotent: skipped once the station has disputes."""
    station = (
        Station.objects.exclude(code__startswith="CITY-").filter(police_grids__isnull=False).order_by("id").first()
    )
    if station is None:
        out("  disputes: no demo station")
        return {"created": False}
    if Dispute.objects.filter(grid__police_grid__station=station).exists():
        out("  disputes already seeded")
        return {"created": False}
    now = timezone.now()
    demo = Demo(rng, station, now)
    grid_ids = [g for g in demo.grids if len(demo.by_grid.get(g, [])) >= 4]
    if not grid_ids:
        out("  disputes: no residents to be parties")
        return {"created": False}
    plans, n = [], 0
    # Residents in two or three disputes within 90 days, the first of them in officer1's grids.
    repeaters = [rng.choice(demo.by_grid[grid_ids[k % len(grid_ids)]]) for k in (0, 1, 2, 4, 6, 9)]
    for r in repeaters:
        for days_ago in sorted(rng.sample(range(2, 80), rng.choice([2, 2, 3]))):
            cat = rng.choice([Category.NEIGHBOUR, Category.NEIGHBOUR, Category.FAMILY, Category.PROPERTY])
            plans.append(demo.plan(n, days_ago=days_ago, grid_id=r.grid_id, first=r, category=cat))
            n += 1
    # Three agreements broken at the 30-day follow-up: two mediated again to a new agreement.
    for twist in ("again", "again", "open"):
        plans.append(demo.plan(n, days_ago=rng.uniform(110, 190), grid_id=rng.choice(grid_ids),
                               category=Category.NEIGHBOUR, path="agreed", twist=twist))  # fmt: skip
        n += 1
    # Agreements reached a week ago, still waiting for a party to sign.
    for _ in range(2):
        plans.append(demo.plan(n, days_ago=rng.uniform(7, 9), grid_id=rng.choice(grid_ids), path="agreed",
                               twist="unsigned"))  # fmt: skip
        n += 1
    while n < count:
        days_ago = 0.2 + 199.8 * rng.random() ** 1.3  # more of them recent
        plans.append(demo.plan(n, days_ago=days_ago, grid_id=rng.choice(grid_ids)))
        n += 1
    steps = sorted(
        (step[0], plan.n, k, step[1], step[2])
        for plan in plans
        for k, step in enumerate([(plan.create["received_at"], "create", {}), *plan.steps])
    )
    by_n = {p.n: p for p in plans}
    for at, plan_n, _k, kind, args in steps:
        demo.run(by_n[plan_n], at, kind, dict(args))
    states = dict.fromkeys(DisputeState.values, 0)
    for state in Dispute.objects.filter(grid__police_grid__station=station).values_list("state", flat=True):
        states[state] += 1
    lawyer = Dispute.objects.filter(mediators=demo.roster["lawyer"]).count()
    out(
        f"  disputes: {len(plans)} (" + ", ".join(f"{v} {k}" for k, v in states.items()) + "), "
        + ", ".join(f"{v} {k}" for k, v in demo.made.items()) + f"; {lawyer} with the lawyer {ROSTER['lawyer'][0]}"
    )  # fmt: skip
    return {"created": True, "disputes": len(plans), "states": states, "lawyer": lawyer, **demo.made}


# --- the city ------------------------------------------------------------------------------------


def seed_city(*, rng: random.Random, out=print, count: int = 50_000, sample_every: int = 6) -> dict:
    """50,000 disputes of the city's grids over the last year, streamed with COPY: parties (registry
    persons of the grid; identifiers copied from them), mediators, sessions, agreements (numbered
    per station and year), follow-ups and the timeline. No PDFs or signature images: a city
    agreement is signed with no archived file. Idempotent: skipped once city disputes exist."""
    from django.db.models import F
    from django.db.models.functions import Mod

    from grid.models import Building
    from lib import bulk

    if Dispute.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city disputes already seeded")
        return {"created": False}
    grids = list(
        CommunityGrid.objects.filter(code__startswith="CITY-", police_grid__officer__isnull=False)
        .order_by("id")
        .values_list("id", "police_grid__officer_id", "police_grid__station_id", "community")
    )
    if not grids:
        out("  city disputes: no city grids with officers")
        return {"created": False}
    stations = {s.pk: s for s in Station.objects.filter(pk__in={g[2] for g in grids})}
    buildings = {}
    for b_id, g_id in (
        Building.objects.filter(grid_id__in=[g[0] for g in grids]).order_by("id").values_list("id", "grid_id")
    ):
        buildings.setdefault(g_id, []).append(b_id)
    now = timezone.now()
    today = timezone.localdate(now)
    # The parties: drawn from a sample of each grid's adults (1 in 6: ~500,000 of the city's 3 million, ids
    # only), so a resident is rarely in two disputes; then the identifiers of those drawn are read.
    adult = today - dt.timedelta(days=18 * 366)
    pool = {}
    sample = (
        Person.objects.annotate(r=Mod(F("id"), sample_every))
        .filter(r=0, grid_id__in=[g[0] for g in grids], birth_date__lte=adult)
        .values_list("id", "grid_id")
    )
    for person_id, grid_id in sample.iterator(chunk_size=20_000):
        pool.setdefault(grid_id, []).append(person_id)
    grids = [g for g in grids if len(pool.get(g[0], ())) >= 2 and buildings.get(g[0])]
    if not grids:
        out("  city disputes: no city residents to be parties")
        return {"created": False}
    plan = []
    for received in sorted(now - dt.timedelta(minutes=rng.randrange(60, 365 * 24 * 60)) for _ in range(count)):
        grid = grids[rng.randrange(len(grids))]
        ids_ = pool[grid[0]]
        a = b = ids_[rng.randrange(len(ids_))]
        while b == a:
            b = ids_[rng.randrange(len(ids_))]
        plan.append((received, grid, a, b))
    del pool
    chosen = sorted({p for _, _, a, b in plan for p in (a, b)})
    people = {}
    for k in range(0, len(chosen), 5000):
        people.update(
            (row[0], row)
            for row in Person.objects.filter(id__in=chosen[k : k + 5000]).values_list(
                "id", "grid_id", "name", "id_type", "id_number_enc", "id_number_hash", "id_number_masked",
                "phone_enc", "phone_hash", "phone_masked")
        )  # fmt: skip

    roster = {}  # station id → {key: mediator id}
    for sid, station in stations.items():
        entries = []
        for key, (name, kind, organisation, phone) in ROSTER.items():
            if key == "police":
                name, organisation = "社区民警调解员", station.name
            organisation = organisation.replace("金凤区", "城区").format(community="城区")
            entries.append(Mediator(station=station, name=name, type=kind, organisation=organisation, phone=phone))
        Mediator.objects.bulk_create(entries)
        roster[sid] = dict(
            zip(ROSTER, [m.pk for m in Mediator.objects.filter(station=station).order_by("id")], strict=True)
        )
    ids = {t: bulk.next_id(f"disputes_{t}") for t in ("dispute", "party", "mediationsession", "agreement")}
    rows = {k: [] for k in ("dispute", "party", "session", "agreement", "followup", "event", "dm", "sm", "sp")}
    agreements = []  # (held_at, station id, row) → numbered once all are known
    categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    sources, source_w = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
    peoples = ("peoples1", "peoples2")
    did, pid, sid_, aid = ids["dispute"], ids["party"], ids["mediationsession"], ids["agreement"]
    for received, (g_id, officer, station_id, community), a_id, b_id in plan:
        a, b = people[a_id], people[b_id]
        category = rng.choices(categories, weights)[0]
        case = CASES[category][rng.randrange(len(CASES[category]))]
        texts = _texts(rng, case, a[2], b[2], timezone.localdate(received))
        building = rng.choice(buildings[g_id])
        keys = [rng.choice(peoples) if k == "peoples" else k for k in MEDIATORS_FOR[category]]
        mediators = [roster[station_id][k] for k in dict.fromkeys(keys)]
        age = (now - received).days
        roll = rng.random()
        path = (
            "intake" if age < 2 or roll < 0.05 else "mediating" if roll < 0.12 else "final" if roll < 0.32 else "agreed"
        )
        d = {"state": DisputeState.INTAKE, "outcome_reason": "", "referred_to": "", "referred_department": "",
             "agreed_at": None, "resolved_at": None, "reopen_count": 0}  # fmt: skip
        party_ids = []
        for n, person in enumerate((a, b)):
            rows["party"].append((pid, person[3], *person[4:10], person[2], ROLE_ORDER[n], n, did, person[0]))
            party_ids.append(pid)
            pid += 1
        events = [(received, "received", f"{a[2]}, {b[2]}")]
        if path != "intake":
            for m in mediators:
                rows["dm"].append((did, m))
            held = received + dt.timedelta(hours=rng.randint(2, 120))
            sessions = [Outcome.ADJOURNED] if path == "mediating" else []
            if path == "final":
                sessions = [Outcome.NO_AGREEMENT if rng.random() < 0.45 else Outcome.REFERRED]
            elif path == "agreed":
                sessions = [Outcome.AGREED]
            if path != "mediating" and rng.random() < 0.25:
                sessions.insert(0, Outcome.ADJOURNED)
            for outcome in sessions:
                held = min(held, now - dt.timedelta(minutes=5))
                reason = to = department = ""
                if outcome == Outcome.NO_AGREEMENT:
                    reason = rng.choice(NO_AGREEMENT)
                elif outcome == Outcome.REFERRED:
                    to, department, reason = rng.choice(REFERRALS.get(category, []) + [COURT])
                notes = rng.choice(AGREED_NOTES if outcome == Outcome.AGREED else ADJOURNED_NOTES).format(
                    a=a[2], b=b[2]
                )
                rows["session"].append((sid_, held, f"{community}人民调解室", notes, outcome, reason, to, department,
                                        held, did, g_id, officer))  # fmt: skip
                rows["sm"].extend((sid_, m) for m in mediators)
                rows["sp"].extend((sid_, p) for p in party_ids)
                events.append((held, "session", f"{community}人民调解室；{Outcome(outcome).label}"))
                if outcome == Outcome.ADJOURNED:
                    d["state"] = DisputeState.MEDIATING
                elif outcome == Outcome.AGREED:
                    d["state"], d["agreed_at"] = DisputeState.AGREED, held
                    signed = held + dt.timedelta(minutes=30)
                    agreements.append([held, station_id, aid, did, sid_, texts["facts"], texts["terms"], signed, g_id])
                    events.append((held, "agreement", ""))
                    events.append((signed, "signed", ""))
                    _city_followups(rng, rows, d, events, aid, did, g_id, officer, signed, today, now)
                    aid += 1
                else:
                    d["state"] = DisputeState.NO_AGREEMENT if outcome == Outcome.NO_AGREEMENT else DisputeState.REFERRED
                    d["outcome_reason"], d["referred_to"], d["referred_department"] = reason, to, department
                    events.append((held, d["state"], reason))
                sid_ += 1
                held += dt.timedelta(days=rng.randint(2, 7))
        rows["dispute"].append((
            did, rng.choices(sources, source_w)[0], category, _weighted(rng, RISK_WEIGHTS), case.place_detail,
            texts["description"], d["state"], d["outcome_reason"], d["referred_to"], d["referred_department"], received,
            d["agreed_at"], d["resolved_at"], d["reopen_count"], received, now, building, officer, g_id, None, officer,
        ))  # fmt: skip
        rows["event"].extend((did, at, officer, action, note[:300]) for at, action, note in events)
        did += 1
    seqs = {}
    for station_id, year, m in Agreement.objects.values_list("station_id", "year").annotate(m=Max("seq")):
        seqs[(station_id, year)] = m
    for held, station_id, a_id, d_id, s_id, facts, terms, signed, g_id in sorted(
        agreements, key=lambda r: (r[0], r[2])
    ):
        year = timezone.localdate(held).year
        seqs[(station_id, year)] = seq = seqs.get((station_id, year), 0) + 1
        number = services.agreement_number(stations[station_id], year, seq)
        rows["agreement"].append((a_id, year, seq, number, facts, terms, AgreementStatus.SIGNED, "", "", "", signed,
                                  held, g_id, station_id, d_id, s_id))  # fmt: skip
    if connection.vendor != "postgresql":  # SQLite compares datetimes as text: store them as the ORM does
        adapt = connection.ops.adapt_datetimefield_value
        for key, table in rows.items():
            rows[key] = [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row) for row in table]
    bulk.load("disputes_dispute", ["id", "source", "category", "risk", "place_detail", "description", "state",
              "outcome_reason", "referred_to", "referred_department", "received_at", "agreed_at", "resolved_at",
              "reopen_count", "created_at", "updated_at", "building_id", "created_by_id", "grid_id", "house_id",
              "officer_id"], rows["dispute"])  # fmt: skip
    bulk.load("disputes_party", ["id", "id_type", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc",
              "phone_hash", "phone_masked", "name", "role", "order", "dispute_id", "person_id"], rows["party"])  # fmt: skip
    bulk.load("disputes_dispute_mediators", ["dispute_id", "mediator_id"], rows["dm"])
    bulk.load("disputes_mediationsession", ["id", "held_at", "place", "notes", "outcome", "reason", "referred_to",
              "referred_department", "created_at", "dispute_id", "grid_id", "recorded_by_id"], rows["session"])  # fmt: skip
    bulk.load("disputes_mediationsession_mediators", ["mediationsession_id", "mediator_id"], rows["sm"])
    bulk.load("disputes_mediationsession_parties_present", ["mediationsession_id", "party_id"], rows["sp"])
    bulk.load("disputes_agreement", ["id", "year", "seq", "number", "facts", "terms", "status", "pdf", "signed_pdf",
              "sha256", "signed_at", "created_at", "grid_id", "station_id", "dispute_id", "session_id"],
              rows["agreement"])  # fmt: skip
    bulk.load("disputes_followup", ["agreement_id", "day", "due_on", "status", "method", "kept", "note", "done_at",
              "dispute_id", "done_by_id", "grid_id"], rows["followup"])  # fmt: skip
    bulk.load("disputes_disputeevent", ["dispute_id", "at", "user_id", "action", "note"], rows["event"])
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(
                "ANALYZE disputes_dispute; ANALYZE disputes_party; ANALYZE disputes_mediationsession; "
                "ANALYZE disputes_agreement; ANALYZE disputes_followup; ANALYZE disputes_disputeevent; "
                "ANALYZE disputes_dispute_mediators"
            )
    made = {"disputes": len(rows["dispute"]), "parties": len(rows["party"]), "sessions": len(rows["session"]),
            "agreements": len(rows["agreement"]), "followups": len(rows["followup"])}  # fmt: skip
    out("  city: " + ", ".join(f"{v:,} {k}" for k, v in made.items()))
    return {"created": True, **made}


def _city_followups(rng, rows, d, events, agreement_id, dispute_id, grid_id, officer, signed, today, now) -> None:
    """The 7/30/90-day follow-ups of a city agreement: done once due, except a few overdue (the later
    ones then wait) and 2% where the dispute recurred (the later ones cancelled)."""
    start = timezone.localdate(signed)
    mode = "do"  # → "wait" (one not done yet) or "cancel" (recurred)
    for day in FOLLOW_UP_DAYS:
        due = start + dt.timedelta(days=day)
        done_at = timezone.make_aware(dt.datetime.combine(due, dt.time(10))) + dt.timedelta(hours=rng.randint(0, 30))
        if mode == "do" and (done_at > now or rng.random() < 0.04):
            mode = "wait"
        if mode != "do":
            status = FollowUpStatus.CANCELLED if mode == "cancel" else FollowUpStatus.SCHEDULED
            rows["followup"].append((agreement_id, day, due, status, "", None, "", None, dispute_id, None, grid_id))
            continue
        kept = rng.random() >= 0.02
        method = "visit" if rng.random() < 0.7 else "phone"
        rows["followup"].append((agreement_id, day, due, FollowUpStatus.DONE, method, kept,
                                 "" if kept else "问题再次出现", done_at, dispute_id, officer, grid_id))  # fmt: skip
        events.append((done_at, "followup", f"{day}天"))
        if not kept:
            d["state"], d["reopen_count"] = DisputeState.MEDIATING, 1
            events.append((done_at, "recurred", "问题再次出现"))
            mode = "cancel"
        elif day == FOLLOW_UP_DAYS[-1]:
            d["state"], d["resolved_at"] = DisputeState.RESOLVED, done_at
            events.append((done_at, "resolved", ""))
