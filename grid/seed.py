"""Demo and city data for the grid spine: stations, police grids, community grids, buildings, users.

Grids tile an area as a lattice of cells whose inner corners and edge midpoints are jittered,
so the boundaries look drawn by hand yet neighbours share every vertex (no gaps, no overlaps).
A police grid is the union of a block of cells, a station the union of a block of police grids.
Everything is drawn from one seeded ``random.Random``, so two runs give the same data; QR
tokens alone come from ``secrets`` because they must stay unguessable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import shapely
from django.contrib.auth.hashers import make_password
from shapely.geometry import Polygon, mapping
from shapely.ops import unary_union

from accounts.models import Role, User
from grid import members
from grid.models import Building, CommunityGrid, MemberType, PoliceGrid, Station

ROADS = [
    "上海西路",
    "北京中路",
    "宁安大街",
    "亲水大街",
    "正源街",
    "阅海路",
    "黄河东路",
    "贺兰山路",
    "长城中路",
    "新昌路",
    "湖滨街",
    "康平路",
    "万寿路",
    "满春路",
    "枕水路",
    "金凤一路",
    "金凤二路",
    "宝湖路",
    "沈阳路",
    "兴庆路",
    "丽景街",
    "泰康街",
    "开元路",
    "民族街",
]
COMPOUND_HEADS = ["阅海", "宝湖", "康平", "金凤", "湖畔", "丽景", "正丰", "亲水", "长城", "紫园", "怡景", "福泰"]
COMPOUND_TAILS = ["花园", "嘉苑", "家园", "新村", "小区", "名苑", "雅居", "万家", "公寓", "里"]
COMMUNITIES = [
    "阅海社区",
    "康平社区",
    "宝湖社区",
    "长城花园社区",
    "黄河东路社区",
    "湖畔嘉苑社区",
    "正丰社区",
    "亲水社区",
    "丽景社区",
    "紫园社区",
    "满春社区",
    "上海西路社区",
]
DEMO_STATION = {
    "code": "JF-SHXL",
    "name": "上海西路派出所",
    "district": "金凤区",
    "phone": "0951-5012110",
    "address": "宁夏银川市金凤区上海西路188号",
}


@dataclass
class Lattice:
    """``cols`` × ``rows`` cells from (lng0, lat0), each ``dlng`` × ``dlat`` degrees."""

    cols: int
    rows: int
    lng0: float
    lat0: float
    dlng: float
    dlat: float
    rng: random.Random

    def __post_init__(self):
        jx, jy = 0.12 * self.dlng, 0.12 * self.dlat
        self.vertex = {}
        for i in range(self.cols + 1):
            for j in range(self.rows + 1):
                x, y = self.lng0 + i * self.dlng, self.lat0 + j * self.dlat
                if 0 < i < self.cols and 0 < j < self.rows:
                    x += self.rng.uniform(-jx, jx)
                    y += self.rng.uniform(-jy, jy)
                self.vertex[i, j] = (round(x, 6), round(y, 6))
        self.mid = {}

    def _midpoint(self, a, b):
        key = (min(a, b), max(a, b))
        if key not in self.mid:
            (x1, y1), (x2, y2) = self.vertex[a], self.vertex[b]
            x, y = (x1 + x2) / 2, (y1 + y2) / 2
            on_border = (a[0] == b[0] and a[0] in (0, self.cols)) or (a[1] == b[1] and a[1] in (0, self.rows))
            if not on_border:  # bend interior edges a little, perpendicular to the edge
                if a[0] == b[0]:
                    x += self.rng.uniform(-0.08, 0.08) * self.dlng
                else:
                    y += self.rng.uniform(-0.08, 0.08) * self.dlat
            self.mid[key] = (round(x, 6), round(y, 6))
        return self.mid[key]

    def cell(self, i: int, j: int) -> Polygon:
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
        ring = []
        for k in range(4):
            a, b = corners[k], corners[(k + 1) % 4]
            ring += [self.vertex[a], self._midpoint(a, b)]
        ring.append(ring[0])
        return Polygon(ring)

    def inner_point(self, i: int, j: int, poly) -> tuple[float, float]:
        """A random point well inside cell (i, j): inset from the un-jittered rectangle, then checked."""
        for _ in range(50):
            x = self.lng0 + (i + self.rng.uniform(0.22, 0.78)) * self.dlng
            y = self.lat0 + (j + self.rng.uniform(0.22, 0.78)) * self.dlat
            if shapely.contains_xy(poly, x, y):
                return round(x, 6), round(y, 6)
        c = poly.representative_point()  # pragma: no cover - the inset makes this unreachable
        return round(c.x, 6), round(c.y, 6)


def geojson(geom) -> dict:
    """Shapely geometry as plain GeoJSON (lists, not tuples, so it round-trips through JSON)."""
    m = mapping(geom)

    def lists(v):
        return [lists(x) for x in v] if isinstance(v, list | tuple) else v

    return {"type": m["type"], "coordinates": lists(m["coordinates"])}


def _user(username, role, full_name, password_hash, station=None, **extra):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "full_name": full_name, "station": station, **extra},
    )
    if not created:
        user.role, user.full_name, user.station = role, full_name, station
        for k, v in extra.items():
            setattr(user, k, v)
    user.password = password_hash
    user.is_active = True
    user.save()
    return user


def _address(rng, road_no, compound, building_no):
    road = ROADS[road_no % len(ROADS)]
    return f"{road}{rng.randint(1, 399)}号{compound}{building_no}号楼"


def seed_demo(*, password: str, rng: random.Random, fake, out=print) -> dict:
    """One station, 4 police grids, 12 community grids, ~300 buildings and the demo users.

    Idempotent: a second run finds the station and only refreshes the demo users' passwords.
    """
    pw = make_password(password)
    station, created = Station.objects.get_or_create(code=DEMO_STATION["code"], defaults=DEMO_STATION)
    admin = _user("admin", Role.ADMIN, "系统管理员", pw, station, is_staff=True, is_superuser=True)
    chief = _user("chief", Role.CHIEF, "王建国", pw, station, police_number="640001", phone="13995010001")
    officers = [
        _user(f"officer{n}", Role.OFFICER, name, pw, station, police_number=f"64001{n}", phone=f"1399501001{n}")
        for n, name in enumerate(["李明", "张伟", "马志强", "杨帆"], start=1)
    ]
    auxes = [
        _user(f"aux{n}", Role.AUXILIARY, name, pw, station)
        for n, name in enumerate(["刘洋", "周杰", "吴磊", "郑浩"], start=1)
    ]
    workers = [
        _user(f"gridworker{n}", Role.GRID_WORKER, fake.name(), pw, phone=f"1389510{n:04d}") for n in range(1, 13)
    ]
    volunteer = _user("volunteer1", Role.VOLUNTEER, "陈秀兰", pw, phone="13895199001")
    _user("landlord1", Role.LANDLORD, "赵德胜", pw, phone="13895188001")
    _user("landlord2", Role.LANDLORD, "孙丽娟", pw, phone="13895188002")
    _user("mediator1", Role.MEDIATOR, "何律师", pw, phone="13895177001")

    if not created and station.police_grids.exists():
        out("  demo grids already seeded; demo users refreshed")
        return {"created": False, "admin": admin, "chief": chief}

    lat = Lattice(cols=6, rows=2, lng0=106.194, lat0=38.454, dlng=0.012, dlat=0.016, rng=rng)
    cells = {(i, j): lat.cell(i, j) for i in range(6) for j in range(2)}
    police_names = ["上海西路警务区", "阅海警务区", "宝湖警务区", "亲水警务区"]
    police = []
    for n in range(4):
        block = [(i, n // 2) for i in range(3 * (n % 2), 3 * (n % 2) + 3)]
        pg = PoliceGrid.objects.create(
            code=f"JF-SHXL-P{n + 1}",
            name=police_names[n],
            station=station,
            officer=officers[n],
            boundary=geojson(unary_union([cells[c] for c in block])),
        )
        police.append((pg, block))
    station.boundary = geojson(unary_union(list(cells.values())))
    station.save()

    buildings, k = [], 0
    for n, (pg, block) in enumerate(police):
        for m, (i, j) in enumerate(block):
            k += 1
            cg = CommunityGrid.objects.create(
                code=f"JF-SHXL-P{n + 1}-G{m + 1}",
                name=f"{COMMUNITIES[k - 1]}第{m + 1}网格",
                community=COMMUNITIES[k - 1],
                police_grid=pg,
                grid_worker=workers[k - 1],
                auxiliary=auxes[n],
                boundary=geojson(cells[i, j]),
            )
            if k == 1:
                members.enrol([(cg.pk, volunteer, MemberType.RESIDENT, "13700000001")])
            for b in range(25):
                compound = rng.choice(COMPOUND_HEADS) + rng.choice(COMPOUND_TAILS)
                x, y = lat.inner_point(i, j, cells[i, j])
                buildings.append(
                    Building(
                        address=f"{_address(rng, k * 3 + b % 3, compound, b + 1)}",
                        compound=compound,
                        lng=x,
                        lat=y,
                        floors=rng.choice([6, 6, 7, 11, 18, 26, 33]),
                        grid=cg,
                    )
                )
    # Addresses are random: keep the first of any duplicate so the run stays deterministic.
    unique = {}
    for b in buildings:
        unique.setdefault(b.address, b)
    Building.objects.bulk_create(unique.values(), batch_size=1000)
    out(f"  demo: 1 station, 4 police grids, 12 community grids, {len(unique)} buildings")
    return {"created": True, "admin": admin, "chief": chief}


def seed_city(*, password: str, rng: random.Random, fake, out=print, progress=None) -> dict:
    """10 stations × 20 police grids (an officer and nine auxiliaries each) × 10 community grids, 50
    buildings each (100,000), in bulk.

    The city lies apart from the demo area, so both can live in one database.
    """
    if Station.objects.filter(code="CITY-S01").exists():
        out("  city grids already seeded")
        return {"created": False}
    pw = make_password(password)
    cols, rows = 50, 40  # cells; police grid = 5 × 2 cells; station = 5 × 4 police grids
    lat = Lattice(cols=cols, rows=rows, lng0=114.0, lat0=30.4, dlng=0.01, dlat=0.008, rng=rng)
    cells = {(i, j): lat.cell(i, j) for i in range(cols) for j in range(rows)}
    stations, police, users = [], [], []

    def make_user(username, role, station=None):
        u = User(username=username, role=role, full_name=fake.name(), password=pw, station=station)
        users.append(u)
        return u

    for s in range(10):
        si, sj = s % 2, s // 2  # 2 × 5 stations, each 25 × 8 cells
        st = Station(code=f"CITY-S{s + 1:02d}", name=f"城区第{s + 1}派出所", district="城区")
        st.boundary = geojson(
            unary_union([cells[i, j] for i in range(si * 25, si * 25 + 25) for j in range(sj * 8, sj * 8 + 8)])
        )
        st.set_bbox()
        stations.append((st, si, sj))
    Station.objects.bulk_create([s for s, _, _ in stations])
    admin = make_user("city-admin", Role.ADMIN)  # the city's system administrator (and the bench's admin pages)
    admin.is_staff = admin.is_superuser = True
    for st, _, _ in stations:
        make_user(f"city-chief-{st.code[-2:]}", Role.CHIEF, st)
    for st, si, sj in stations:
        for p in range(20):
            pi, pj = si * 5 + p % 5, sj * 4 + p // 5  # police grid block position
            block = [(i, j) for i in range(pi * 5, pi * 5 + 5) for j in range(pj * 2, pj * 2 + 2)]
            officer = make_user(f"city-officer-{st.code[-2:]}-{p + 1:02d}", Role.OFFICER, st)
            pg = PoliceGrid(
                code=f"{st.code}-P{p + 1:02d}",
                name=f"{st.name}第{p + 1}警务区",
                station=st,
                officer=officer,
                boundary=geojson(unary_union([cells[c] for c in block])),
            )
            pg.set_bbox()
            police.append((pg, block))
    User.objects.bulk_create(users, batch_size=2000)
    by_name = {u.username: u for u in User.objects.filter(username__startswith="city-")}
    for pg, _ in police:
        pg.officer = by_name[pg.officer.username]
    PoliceGrid.objects.bulk_create([pg for pg, _ in police], batch_size=500)

    # Nine auxiliary police per police grid (with the 200 officers, 2,000 police staff); auxiliary k
    # looks after community grids k and k + 9 of the ten.
    User.objects.bulk_create(
        [
            User(username=f"city-aux-{pg.code[5:]}-{k + 1}", role=Role.AUXILIARY, full_name=fake.name(), password=pw,
                 station=pg.station)
            for pg, _ in police
            for k in range(9)
        ],
        batch_size=2000,
    )  # fmt: skip
    auxes = {u.username: u for u in User.objects.filter(role=Role.AUXILIARY, username__startswith="city-aux-")}
    workers, grids = [], []
    for pg, block in police:
        for m, (i, j) in enumerate(block):
            w = User(
                username=f"city-worker-{pg.code[5:]}-{m + 1:02d}",
                role=Role.GRID_WORKER,
                full_name=fake.name(),
                password=pw,
            )
            workers.append(w)
            cg = CommunityGrid(
                code=f"{pg.code}-G{m + 1:02d}",
                name=f"{pg.name}第{m + 1}网格",
                community=f"{rng.choice(COMMUNITIES)}",
                police_grid=pg,
                auxiliary=auxes[f"city-aux-{pg.code[5:]}-{m % 9 + 1}"],
                boundary=geojson(cells[i, j]),
            )
            cg.set_bbox()
            grids.append((cg, w, i, j))
    User.objects.bulk_create(workers, batch_size=2000)
    saved = {u.username: u for u in User.objects.filter(role=Role.GRID_WORKER, username__startswith="city-worker-")}
    for cg, w, _, _ in grids:
        cg.grid_worker = saved[w.username]
    CommunityGrid.objects.bulk_create([g for g, _, _, _ in grids], batch_size=500)
    out(f"  city: 10 stations, {len(police)} police grids, {len(grids)} community grids")

    total, batch, n = len(grids) * 50, [], 0
    for cg, _, i, j in grids:
        for b in range(50):
            compound = rng.choice(COMPOUND_HEADS) + rng.choice(COMPOUND_TAILS)
            x, y = lat.inner_point(i, j, cells[i, j])
            batch.append(
                Building(
                    address=f"{cg.code}·{_address(rng, i + j + b, compound, b + 1)}",
                    compound=compound,
                    lng=x,
                    lat=y,
                    floors=rng.choice([6, 11, 18, 26]),
                    grid=cg,
                )
            )
            n += 1
        if len(batch) >= 5000:
            Building.objects.bulk_create(batch, batch_size=5000)
            batch = []
            if progress:
                progress(n, total)
    Building.objects.bulk_create(batch, batch_size=5000)
    if progress:
        progress(n, total)
    return {"created": True}
