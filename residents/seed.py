"""Demo registries: houses in all four colours, households, tenants, venues. Bulk, deterministic."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from array import array

from django.utils import timezone

from grid.models import Building
from lib import crypto, gb11643
from residents.models import (
    AttentionColour,
    AttentionTag,
    ChangeLog,
    House,
    HouseholdStatus,
    HouseUse,
    Person,
    Relation,
    Residence,
    Venue,
    VenueKind,
)

USES = [HouseUse.OWNER_OCCUPIED] * 50 + [HouseUse.RENTAL] * 30 + [HouseUse.HOTEL] * 5 + [HouseUse.STUDIO] * 8
USES += [HouseUse.SHOP] * 4 + [HouseUse.VACANT] * 3
AREAS = ["640104", "640105", "640106", "640121", "610113", "620102", "410105", "510107", "130102", "440106"]
PLACES = [
    "宁夏银川市兴庆区",
    "宁夏银川市金凤区",
    "宁夏吴忠市利通区",
    "甘肃兰州市城关区",
    "陕西西安市雁塔区",
    "河南郑州市金水区",
]
VENUE_NAMES = {
    VenueKind.SCHOOL: ["小太阳幼儿园", "启航托管班"],
    VenueKind.CLINIC: ["康宁诊所", "仁和口腔"],
    VenueKind.SHOP: ["便民超市", "好邻居便利店", "鑫鑫五金店", "惠民粮油店"],
    VenueKind.RESTAURANT: ["老马家牛肉面", "塞上烧烤", "川味小馆", "清真羊杂碎"],
    VenueKind.HOTEL: ["悦来宾馆", "如家小旅馆"],
    VenueKind.ENTERTAINMENT: ["星光KTV"],
    VenueKind.INTERNET_CAFE: ["极速网咖"],
    VenueKind.BEAUTY_BATH: ["丽人美发", "清泉浴池"],
    VenueKind.WORKSHOP: ["宏达门窗加工", "精工汽修"],
    VenueKind.GROUP_RENTAL: ["阅海公寓群租房"],
    VenueKind.FIRE_KEY_SITE: ["阅海万家商场"],
}


class IdMaker:
    """Unique, valid resident IDs from a seeded RNG."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def make(self, *, sex: str, birth: dt.date) -> str:
        while True:
            seq = self.rng.randrange(1 if sex == "M" else 0, 1000, 2)
            value = gb11643.make(self.rng.choice(AREAS), birth, seq)
            if value not in self.used:
                self.used.add(value)
                return value


def _person(rng, fake, ids: IdMaker, *, grid_id, age_range, status, sex=None) -> Person:
    sex = sex or rng.choice("MF")
    today = dt.date(2026, 11, 1)
    birth = today - dt.timedelta(days=rng.randint(age_range[0] * 365, age_range[1] * 365))
    number = ids.make(sex=sex, birth=birth)
    name = fake.name_male() if sex == "M" else fake.name_female()
    p = Person(
        name=name, sex=sex, birth_date=birth, household_status=status, grid_id=grid_id,
        registration_place=rng.choice(PLACES), ethnicity=rng.choice(["汉族"] * 8 + ["回族", "满族"]),
    )  # fmt: skip
    p.id_number_enc, p.id_number_hash, p.id_number_masked = (
        crypto.encrypt(number),
        Person.id_hash_for(number),
        gb11643.mask(number),
    )
    phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
    p.phone_enc, p.phone_hash, p.phone_masked = (
        crypto.encrypt(phone),
        Person.phone_hash_for(phone),
        gb11643.mask_phone(phone),
    )
    if rng.random() < 0.06:
        p.attention_tags = [rng.choice(AttentionTag.values)]
        p.attention_colour = rng.choice([AttentionColour.RED, AttentionColour.ORANGE, AttentionColour.YELLOW])
    return p


def seed_demo(*, rng: random.Random, fake, out=print) -> dict:
    """About 800 houses, 2,000 persons with their residences and 30 venues. Skips if houses exist."""
    if House.objects.exists():
        out("  registries already seeded")
        return {"created": False}
    buildings = list(Building.objects.order_by("grid_id", "id"))
    by_grid: dict[int, list[Building]] = {}
    for b in buildings:
        by_grid.setdefault(b.grid_id, []).append(b)
    houses = []
    for grid_buildings in by_grid.values():
        for i, b in enumerate(grid_buildings):
            if i < 2:  # two apartment blocks per grid, fully laid out: the four-colour ledger
                for floor in range(1, min(b.floors or 6, 11) + 1):
                    for unit in range(1, 4):
                        houses.append(
                            House(
                                building=b,
                                unit=f"{floor}{unit:02d}",
                                floor=floor,
                                use=rng.choice(USES),
                                grid_id=b.grid_id,
                                area=rng.choice([58, 76, 89, 96, 110, 128, 143]),
                            )
                        )
            elif i < 10:
                houses.append(
                    House(
                        building=b,
                        unit="1单元101",
                        floor=1,
                        use=rng.choice(USES),
                        grid_id=b.grid_id,
                        area=rng.choice([76, 89, 120]),
                    )
                )
    House.objects.bulk_create(houses, batch_size=1000)
    houses = list(House.objects.order_by("id"))
    ids = IdMaker(rng)
    persons, plan = [], []  # plan: (person index, house, relation)
    start0 = dt.date(2018, 1, 1)
    for h in houses:
        if h.use == HouseUse.OWNER_OCCUPIED:
            members = [(Relation.HOUSEHOLDER, (30, 70)), (Relation.SPOUSE, (28, 68))]
            members += [(Relation.CHILD, (1, 25))] * rng.randint(0, 2)
            if rng.random() < 0.15:
                members.append((Relation.PARENT, (65, 90)))
            status = HouseholdStatus.REGISTERED
        elif h.use in (HouseUse.RENTAL, HouseUse.STUDIO):
            members = [(Relation.TENANT, (19, 55))] * rng.randint(1, 4)
            status = HouseholdStatus.FLOATING
        else:
            continue
        for relation, ages in members:
            persons.append(_person(rng, fake, ids, grid_id=h.grid_id, age_range=ages, status=status))
            plan.append((len(persons) - 1, h, relation))
    Person.objects.bulk_create(persons, batch_size=1000)
    saved = list(Person.objects.order_by("id"))
    residences, owners = [], {}
    for idx, h, relation in plan:
        p = saved[idx]
        start = (
            start0 + dt.timedelta(days=rng.randint(0, 3000))
            if relation != Relation.TENANT
            else dt.date(2026, 11, 1) - dt.timedelta(days=rng.randint(5, 700))
        )
        residences.append(Residence(person=p, house=h, relation=relation, start=start, grid_id=h.grid_id))
        if relation == Relation.HOUSEHOLDER:
            owners[h.pk] = p.pk
    Residence.objects.bulk_create(residences, batch_size=1000)
    for h in houses:
        if h.pk in owners:
            h.owner_id = owners[h.pk]
    House.objects.bulk_update([h for h in houses if h.pk in owners], ["owner"], batch_size=1000)
    venues = []
    kinds = list(VENUE_NAMES)
    for n in range(30):
        kind = kinds[n % len(kinds)]
        b = buildings[(n * 37) % len(buildings)]
        name = VENUE_NAMES[kind][n % len(VENUE_NAMES[kind])]
        venues.append(
            Venue(
                name=f"{name}（{b.compound or b.address[:4]}店）" if kind == VenueKind.SHOP else name,
                kind=kind,
                licence_number=f"92640106MA{rng.randint(10**6, 10**7 - 1)}",
                responsible_name=fake.name(),
                building=b,
                grid_id=b.grid_id,
            )
        )
    Venue.objects.bulk_create(venues)
    history = _demo_history(residences)
    out(
        f"  registries: {len(houses)} houses, {len(saved)} persons, {len(residences)} residences, {len(venues)} venues, "
        f"{history} history rows"
    )
    return {"created": True}


def _demo_history(residences) -> int:
    """Who registered whom: a "create" history row for every person who moved in during the last
    14 months (on the day they moved in, by the grid's auxiliary, grid worker or officer), and a
    correction for one in twenty of them some weeks later — what the KPI page counts as registry
    records added and corrected. Derived from ids, so the seed's random sequence is unchanged."""
    from django.contrib.contenttypes.models import ContentType

    from grid.models import CommunityGrid

    today = timezone.localdate()
    since = today - dt.timedelta(days=430)
    staff = {
        g.pk: [u for u in (g.auxiliary_id, g.grid_worker_id, g.police_grid.officer_id) if u]
        for g in CommunityGrid.objects.select_related("police_grid")
    }
    person_type = ContentType.objects.get_for_model(Person)
    rows = []
    for r in residences:
        if r.start < since or r.start > today or not staff.get(r.grid_id):
            continue
        who = staff[r.grid_id][r.person_id % len(staff[r.grid_id])]
        at = timezone.make_aware(dt.datetime.combine(r.start, dt.time(9 + r.person_id % 8, r.person_id % 60)))
        rows.append(ChangeLog(content_type=person_type, object_id=r.person_id, user_id=who, action="create",
                              changes={"name": [None, "…"]}, at=at))  # fmt: skip
        fixed = at + dt.timedelta(days=10 + r.person_id % 40)
        if r.person_id % 20 == 0 and fixed.date() <= today:
            rows.append(ChangeLog(content_type=person_type, object_id=r.person_id, user_id=who, action="update",
                                  changes={"registration_place": ["", "宁夏银川市"]}, reason="核实户籍地", at=fixed))  # fmt: skip
    when = [row.at for row in rows]  # auto_now_add stamps "now" on create: put the real times back
    made = ChangeLog.objects.bulk_create(rows, batch_size=1000)
    for row, at in zip(made, when, strict=True):
        row.at = at
    ChangeLog.objects.bulk_update(made, ["at"], batch_size=1000)
    return len(made)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国红梅志宏海燕鹏飞晓东雪琴林斌浩宇欣怡子涵梓萱一诺佳琪雨桐俊杰嘉豪"
CITY_N = 10 * 1000 * 32000  # area × sequence × birth day: the space unique city IDs are drawn from
CITY_AREAS = ["640104", "640105", "640106", "640121", "640122", "640181", "610113", "620102", "410105", "510107"]


def city_id(i: int) -> tuple[str, dt.date, str]:
    """The i-th city person's resident ID: a bijection of i over the ID space, so all differ."""
    j = (i * 7919 + 13) % CITY_N
    birth = dt.date(1937, 1, 1) + dt.timedelta(days=j // 10000)
    seq = (j // 10) % 1000
    return gb11643.make(CITY_AREAS[j % 10], birth, seq), birth, "M" if seq % 2 else "F"


def seed_city(*, rng: random.Random, out=print, progress=None) -> dict:
    """1,000,000 houses, 3,000,000 persons and residences, 50,000 venues, streamed with COPY.

    Ten houses per building (five floors, two units); three people per house on average.
    Only buildings of the city (``CITY-`` grids) are used, so the demo data is untouched.
    """
    from django.db import connection

    from lib import bulk

    if House.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city registries already seeded")
        return {"created": False}
    buildings = list(
        Building.objects.filter(grid__code__startswith="CITY-").order_by("id").values_list("id", "grid_id")
    )
    house_id0, person_id0 = bulk.next_id("residents_house"), bulk.next_id("residents_person")
    now = "2026-11-01 00:00:00+08"
    uses = [u.value for u in USES]  # weighted
    code = {u.value: n for n, u in enumerate(HouseUse)}
    # What the persons need of each house, in compact arrays indexed by house id - house_id0 (a list
    # of tuples for a million houses and three million residences would take a gigabyte).
    house_grid, house_use = array("l"), bytearray()

    def houses():
        hid = house_id0
        for b_id, g_id in buildings:
            for floor in range(1, 6):
                for unit in (1, 2):
                    use = uses[rng.randrange(len(uses))]
                    yield (hid, b_id, f"{floor}{unit:02d}", floor, None, use, None, g_id, secrets.token_urlsafe(16),
                           now, now)  # fmt: skip
                    house_grid.append(g_id)
                    house_use.append(code[use])
                    hid += 1

    n_houses = bulk.load(
        "residents_house",
        ["id", "building_id", "unit", "floor", "area", "use", "owner_id", "grid_id", "qr_token", "created_at", "updated_at"],
        houses(),
    )  # fmt: skip
    out(f"  city: {n_houses:,} houses")

    total = 3 * n_houses
    state = {"pid": person_id0, "done": 0}
    lives_in = array("l")  # house id - house_id0 of person id - person_id0
    empty = {code["shop"], code["vacant"]}
    rented = {code["rental"], code["studio"]}

    def persons():
        for h in range(n_houses):
            g_id, k = house_grid[h], house_use[h]
            for _ in range(rng.choice((2, 3, 3, 4, 4, 4)) if k not in empty else 0):
                if state["done"] >= total:
                    return
                number, birth, sex = city_id(state["pid"])
                phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
                name = (
                    SURNAMES[rng.randrange(len(SURNAMES))]
                    + GIVEN[rng.randrange(len(GIVEN))]
                    + (GIVEN[rng.randrange(len(GIVEN))] if rng.random() < 0.7 else "")
                )
                status = "floating" if k in rented else "registered"
                ident = (crypto.encrypt(number), Person.id_hash_for(number), gb11643.mask(number))
                tel = (crypto.encrypt(phone), Person.phone_hash_for(phone), gb11643.mask_phone(phone))
                yield (
                    state["pid"],
                    name,
                    "resident_id",
                    *ident,
                    *tel,
                    sex,
                    birth,
                    "汉族",
                    status,
                    "",
                    "[]",
                    "green",
                    g_id,
                    now,
                    now,
                )
                lives_in.append(h)
                state["pid"] += 1
                state["done"] += 1
                if progress and state["done"] % 50_000 == 0:
                    progress(state["done"], total)

    bulk.load(
        "residents_person",
        ["id", "name", "id_type", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc", "phone_hash", "phone_masked",
         "sex", "birth_date", "ethnicity", "household_status", "registration_place", "attention_tags", "attention_colour", "grid_id",
         "created_at", "updated_at"],
        persons(),
    )  # fmt: skip
    if progress:
        progress(total, total)
    bulk.load(
        "residents_residence",
        ["person_id", "house_id", "relation", "start", "end", "grid_id", "created_at"],
        (
            (
                person_id0 + n,
                house_id0 + h,
                "tenant" if house_use[h] in rented else "householder",
                "2024-01-01",
                None,
                house_grid[h],
                now,
            )
            for n, h in enumerate(lives_in)
        ),
    )
    out(f"  city: {state['done']:,} persons and residences")
    kinds = [k.value for k in VenueKind]
    bulk.load(
        "residents_venue",
        ["name", "kind", "licence_number", "responsible_name", "responsible_id", "building_id", "house_id", "grid_id", "qr_token", "created_at", "updated_at"],
        ((f"商户{n}", kinds[n % len(kinds)], f"92{n:010d}", "负责人", None, buildings[n * 2 % len(buildings)][0], None,
          buildings[n * 2 % len(buildings)][1], secrets.token_urlsafe(16), now, now) for n in range(50_000)),
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(
                "ANALYZE residents_house; ANALYZE residents_person; ANALYZE residents_residence; ANALYZE residents_venue"
            )
    out("  city: 50,000 venues")
    return {"created": True}
