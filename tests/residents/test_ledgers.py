"""Ledgers in Excel: scoped, masked, audited exports; templates; all-or-nothing imports; the
landlord's tenant sheet."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from accounts import audit_chain
from accounts.models import AuditAction, AuditEvent
from documents import excel
from grid.models import Building
from rentals.models import DeclaredTenant, PermitBasis, PermitStatus, RentalDeclaration, ResidencePermit
from residents import ledgers
from residents.models import AttentionColour, AttentionTag, House, HouseUse, Person, Relation, Residence
from tests.factories import HouseFactory, PersonFactory, ResidenceFactory, resident_id
from tests.scope import NON_GRID, PERSONAS

GRIDS = ("甲一网格", "甲二网格", "乙一网格", "丙一网格")
EXPORTS = ["persons", "houses", "declarations", "permits"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- helpers ----------------------------------------------------------------------------------


def _bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _book(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(_bytes(response)))


def _rows(wb, sheet=0):
    return [list(r) for r in wb.worksheets[sheet].iter_rows(values_only=True)]


def _all_text(wb) -> str:
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


def _declaration(world, grid_name="甲一网格", *, tenants=1, seq=500):
    house = world.house(grid_name)
    at = timezone.now() - dt.timedelta(days=2)
    d = RentalDeclaration.objects.create(
        house=house, landlord=world.users["landlord"], submitted_at=at, event_date=at.date(),
        deadline=at.date() + dt.timedelta(days=3), is_late=True, grid=house.grid,
    )  # fmt: skip
    for n in range(tenants):
        t = DeclaredTenant(declaration=d, name=f"租客{seq + n}", move_in=at.date())
        t.set_id_number(resident_id(seq + 2 * n + 1))
        t.set_phone(f"1370000{seq + n:04d}")
        t.save()
    return d


def _permit(world, grid_name="甲一网格", *, seq=700):
    house = world.house(grid_name)
    p = ResidencePermit(
        name=f"申请人{seq}", house=house, basis=PermitBasis.WORK, basis_detail="某公司", status=PermitStatus.APPROVED,
        submitted_at=timezone.now(), number=f"640104-2026-{seq}", valid_until=dt.date(2027, 5, 1), grid=house.grid,
    )  # fmt: skip
    p.set_id_number(resident_id(seq + 1))
    p.set_phone(f"1350000{seq:04d}")
    p.save()
    return p


@pytest.fixture
def ledger_world(world):
    """The world plus a declaration and a permit in every grid."""
    for n, name in enumerate(GRIDS):
        _declaration(world, name, seq=500 + 20 * n)
        _permit(world, name, seq=700 + 20 * n)
    return world


def _url(kind, **params):
    url = reverse(f"ledgers:{kind}_export")
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


# ---- exports: content -------------------------------------------------------------------------


def test_person_ledger_has_title_headers_and_one_masked_row_per_visible_person(world, as_user):
    mine = [world.person("甲一网格"), world.person("甲二网格")]
    mine[0].attention_tags, mine[0].attention_colour = [AttentionTag.ELDERLY_ALONE], AttentionColour.ORANGE
    mine[0].save()
    wb = _book(as_user("officer_a").get(_url("persons")))
    ws = wb.worksheets[0]
    rows = _rows(wb)
    assert rows[0][0].startswith("人口台账")
    assert rows[1] == [
        "姓名", "性别", "出生日期", "身份证号(掩码)", "手机号(掩码)", "民族", "户籍类型", "户籍地", "关注标签", "关注等级",
        "现住址", "所属网格",
    ]  # fmt: skip
    body = {r[0]: r for r in rows[2:]}
    assert set(body) == {p.name for p in mine}
    row = body[mine[0].name]
    assert row[3] == mine[0].id_number_masked and "*" in row[3]
    assert row[4] == mine[0].phone_masked and "****" in row[4]
    assert row[1] in ("男", "女") and isinstance(row[2], dt.datetime)
    assert (row[8], row[9]) == ("独居老人", "橙")
    house = world.house("甲一网格")
    assert row[10] == f"{house.building.address} {house.unit}" and row[11] == "甲一网格"
    # reads well: frozen header, widths for every column, a filter on the header
    assert ws.freeze_panes == "A3"
    assert all(ws.column_dimensions[c].width >= 6 for c in "ABCDEFGHIJKL")
    assert ws.column_dimensions["D"].width >= 18  # the masked ID fits
    assert ws.auto_filter.ref == "A2:L4"


def test_grid_workers_export_persons_without_the_sensitive_attention_columns(world, as_user):
    rows = _rows(_book(as_user("grid_worker").get(_url("persons"))))
    assert "关注标签" not in rows[1] and "关注等级" not in rows[1]
    assert [r[0] for r in rows[2:]] == [world.person("甲一网格").name]


def test_house_ledger_rows(world, as_user):
    ResidenceFactory(person=PersonFactory(id_seq=901), house=world.house("甲一网格"))
    rows = _rows(_book(as_user("aux_a").get(_url("houses"))))
    assert rows[1] == ["标准地址", "单元/门牌", "楼层", "面积", "用途", "四色分级", "所属网格", "现住人数"]
    body = {r[1]: r for r in rows[2:]}
    assert set(body) == {"1单元101", "1单元102"}  # aux_a works grid 甲一 only
    assert body["1单元101"][4:] == ["出租", "蓝", "甲一网格", 2]
    assert body["1单元102"][4:] == ["自住", "橙", "甲一网格", 0]


def test_declaration_and_permit_ledgers(ledger_world, as_user):
    client = as_user("officer_a")
    rows = _rows(_book(client.get(_url("declarations"))))
    assert rows[1] == ["申报时间", "类型", "地址", "房东", "租客数", "状态", "截止日期", "是否逾期", "所属网格"]
    assert sorted(r[8] for r in rows[2:]) == ["甲一网格", "甲二网格"]
    first = rows[2]
    assert isinstance(first[0], dt.datetime) and first[1] == "入住" and first[4] == 1
    assert (first[5], first[7]) == ("待审核", "是")

    rows = _rows(_book(client.get(_url("permits"))))
    assert rows[1] == ["编号", "姓名", "身份证号(掩码)", "地址", "依据", "状态", "有效期至", "所属网格"]
    assert sorted(r[7] for r in rows[2:]) == ["甲一网格", "甲二网格"]
    assert all("*" in r[2] for r in rows[2:]) and {r[5] for r in rows[2:]} == {"已签发"}


@pytest.mark.parametrize("kind", EXPORTS)
def test_no_export_contains_a_full_id_or_phone(kind, ledger_world, as_user):
    # The administrator sees everything; scan every cell of every sheet.
    text = _all_text(_book(as_user("admin").get(_url(kind))))
    secrets = []
    for p in Person.objects.all():
        secrets += [p.id_number, p.phone]
    for t in DeclaredTenant.objects.all():
        secrets += [t.id_number, t.phone]
    for p in ResidencePermit.objects.all():
        secrets += [p.id_number, p.phone]
    assert len(secrets) >= 16
    assert not [s for s in secrets if s and s in text]
    assert "**" in text or kind in ("houses", "declarations")


def test_a_name_that_looks_like_a_formula_is_exported_as_text(world, as_user):
    p = world.person("甲一网格")
    p.name = '=HYPERLINK("http://x","y")'
    p.save()
    wb = _book(as_user("officer_a").get(_url("persons")))
    cells = [c for row in wb.worksheets[0].iter_rows(min_row=3) for c in row if c.value == p.name]
    assert cells and all(c.data_type == "s" for c in cells)


# ---- exports: scope, roles, audit, queries ---------------------------------------------------


@pytest.mark.parametrize("kind", EXPORTS)
def test_out_of_scope_rows_are_absent(kind, ledger_world, as_user):
    text = _all_text(_book(as_user("officer_b").get(_url(kind))))
    assert "乙一网格" in text
    assert "甲一网格" not in text and "丙一网格" not in text


@pytest.mark.parametrize("kind", EXPORTS)
def test_the_grid_filter_narrows_the_export_and_an_invisible_grid_is_a_404(kind, ledger_world, as_user):
    client = as_user("officer_a")
    wb = _book(client.get(_url(kind, grid=ledger_world.a2.pk)))
    assert len(_rows(wb)) > 2
    text = _all_text(wb)
    assert "甲二网格" in text and "甲一网格" not in text
    assert client.get(_url(kind, grid=ledger_world.b1.pk)).status_code == 404
    assert client.get(_url(kind, grid=ledger_world.c1.pk)).status_code == 404
    assert client.get(_url(kind, grid="x")).status_code == 404


def test_the_search_filter_narrows_the_person_ledger(world, as_user):
    client = as_user("officer_a")
    person = world.person("甲一网格")
    for q in ("甲一", person.id_number, person.phone):
        rows = _rows(_book(client.get(_url("persons"), {"q": q})))
        assert [r[0] for r in rows[2:]] == [person.name], q


def test_a_searched_id_or_phone_is_written_masked_to_the_audit_trail(world, as_user):
    person = world.person("甲一网格")
    client = as_user("officer_a")
    for q in (person.id_number, person.phone):
        client.get(_url("persons"), {"q": q})
    reasons = [e.reason for e in AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("id")]
    assert reasons == [f"q={person.id_number_masked}", f"q={person.phone_masked}"]


def test_the_house_ledger_filters_by_use(world, as_user):
    rows = _rows(_book(as_user("officer_a").get(_url("houses", use="owner"))))
    assert {r[4] for r in rows[2:]} == {"自住"} and len(rows) == 4  # one per grid of officer_a


@pytest.mark.parametrize("kind", EXPORTS)
def test_every_export_writes_one_audit_row(kind, ledger_world, as_user):
    title = ledgers.LEDGERS[kind].title
    client = as_user("officer_a")
    before = AuditEvent.objects.count()
    rows = _rows(_book(client.get(_url(kind, grid=ledger_world.a1.pk))))
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == AuditAction.EXPORT and event.user == ledger_world.users["officer_a"]
    assert event.object_type == ledgers.LEDGERS[kind].object_type
    assert event.object_repr == f"{title} {len(rows) - 2} 条"
    assert f"grid={ledger_world.a1.pk}" in event.reason


def test_the_person_export_is_audited_as_the_brief_says(world, as_user):
    as_user("chief").get(_url("persons"))
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.object_type, event.object_repr, event.reason) == ("residents.person", "人口台账 3 条", "all")


# The .xlsx routes are exempt from tests/test_scope_matrix.py (it reads pages as text); this
# is their matrix: every persona, with the marker of grid 甲一 present, absent or a 404.
A1_STAFF = {"officer_a", "aux_a", "chief", "admin"}
XLSX_ROUTES = {
    "persons_export": (ledgers.REGISTRY_ROLES, lambda w: w.person("甲一网格").name),
    "houses_export": (ledgers.REGISTRY_ROLES, lambda w: "甲一网格"),
    "declarations_export": (ledgers.RENTAL_LEDGER_ROLES, lambda w: "甲一网格"),
    "permits_export": (ledgers.RENTAL_LEDGER_ROLES, lambda w: "申请人700"),
    "persons_template": (ledgers.IMPORT_ROLES, lambda w: "身份证号"),
    "houses_template": (ledgers.IMPORT_ROLES, lambda w: "标准地址"),
    "tenants_template": (None, lambda w: "入住日期"),
}


def _expected(route: str, persona: str, world) -> str:
    roles, _marker = XLSX_ROUTES[route]
    if persona == "anonymous":
        return "login"
    if roles is None:
        return "ok"
    if world.users[persona].role not in roles:
        return "404"
    if route.endswith("_template"):
        return "ok"
    sees_a1 = persona in A1_STAFF or (persona == "grid_worker" and route in ("persons_export", "houses_export"))
    return "ok" if sees_a1 else "hidden"


@pytest.mark.parametrize("route", sorted(XLSX_ROUTES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_xlsx_route_answers_each_persona_as_its_scope_allows(route, persona, ledger_world, as_user):
    expected = _expected(route, persona, ledger_world)
    response = as_user(persona).get(reverse(f"ledgers:{route}"))
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    elif expected == "404":
        assert response.status_code == 404
    else:
        text = _all_text(_book(response))
        marker = XLSX_ROUTES[route][1](ledger_world)
        assert (marker in text) == (expected == "ok")
        assert response["Cache-Control"] == "private, no-store"
        assert "attachment" in response["Content-Disposition"]


def test_volunteers_landlords_and_mediators_get_404_for_every_export(world, as_user):
    for persona in ["volunteer", "volunteer_b", *sorted(NON_GRID)]:
        for kind in EXPORTS:
            assert as_user(persona).get(_url(kind)).status_code == 404, (persona, kind)


def test_grid_workers_get_404_for_the_rental_ledgers(world, as_user):
    client = as_user("grid_worker")
    assert client.get(_url("declarations")).status_code == 404
    assert client.get(_url("permits")).status_code == 404


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        _bytes(response)  # the body is built before the response; read it anyway
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(world, n):
    for i in range(6):
        house = HouseFactory(building=world.building("甲一网格"), unit=f"9单元{n + i}01", use=HouseUse.RENTAL)
        ResidenceFactory(person=PersonFactory(id_seq=n + i), house=house)
        _declaration(world, seq=n + 50 + 3 * i, tenants=2)
        _permit(world, seq=n + 80 + i)


# user, scope, the ledger (one query, iterated in chunks), the audit row (sessions live in the cache)
EXPORT_QUERIES = 3 + audit_chain.queries_per_append()


@pytest.mark.parametrize("kind", EXPORTS)
@pytest.mark.parametrize("persona", ["officer_a", "chief"])
def test_export_query_count_does_not_grow_with_rows(kind, persona, ledger_world, as_user):
    client = as_user(persona)
    url = _url(kind)
    client.get(url)  # warm per-process caches
    before = _count(client, url)
    _grow(ledger_world, 200)
    after = _count(client, url)
    assert after == before, f"{kind}: {before} queries before, {after} after adding rows"
    assert after == EXPORT_QUERIES
    assert _count(client, _url(kind, grid=ledger_world.a1.pk)) <= EXPORT_QUERIES + 1  # + the grid


# ---- templates ------------------------------------------------------------------------------


def test_the_person_template_has_a_header_an_example_and_instructions_for_each_column(world, as_user):
    wb = _book(as_user("officer_a").get(reverse("ledgers:persons_template")))
    assert wb.sheetnames == ["人口", "说明"]
    header = _rows(wb)[0]
    assert header == [
        "姓名*", "身份证号*", "手机号", "民族", "户籍类型", "户籍地", "标准地址*", "单元/门牌*", "与户主关系", "入住日期*",
    ]  # fmt: skip
    example = _rows(wb)[1]
    assert example[0].startswith(excel.EXAMPLE_MARK) and example[1] == "11010519491231002X"
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].number_format == "@"  # IDs typed in keep every digit
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert lists["E2"] == '"户籍,流动,境外"' and "租客" in lists["I2"]
    instructions = "\n".join(str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row if v)
    for name in (
        "姓名",
        "身份证号",
        "手机号",
        "民族",
        "户籍类型",
        "户籍地",
        "标准地址",
        "单元/门牌",
        "与户主关系",
        "入住日期",
    ):
        assert name in instructions


def test_the_house_and_tenant_templates(world, as_user):
    houses = _book(as_user("grid_worker").get(reverse("ledgers:houses_template")))
    assert _rows(houses)[0] == ["标准地址*", "单元/门牌*", "楼层*", "面积", "用途*"]
    tenants = _book(as_user("landlord").get(reverse("ledgers:tenants_template")))
    assert _rows(tenants)[0] == ["姓名*", "身份证号*", "手机号", "入住日期*"]
    assert tenants.sheetnames[-1] == "说明"


# ---- import ---------------------------------------------------------------------------------


def _fill(template: bytes, rows, *, keep_example=True) -> SimpleUploadedFile:
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    if not keep_example:
        ws.delete_rows(2)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("台账.xlsx", out.getvalue(), content_type=XLSX)


def _upload(client, kind, file):
    """Upload as the page does; a clean file is saved by the background task (run here on commit),
    and the import's own page then shows the result."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("ledgers:import"), {"kind": kind, f"{kind}-file": file})
    if response.status_code == 302:
        assert response["Location"].startswith("/ledgers/import/")
        response = client.get(response["Location"])
    return response


def _template(client, kind) -> bytes:
    return _bytes(client.get(reverse(f"ledgers:{kind}_template")))


def test_template_round_trip_creates_houses_then_persons_and_residences(world, as_user):
    client = as_user("officer_a")
    b1, b2 = world.building("甲一网格"), world.building("甲二网格")
    houses = _fill(
        _template(client, "houses"),
        [[b1.address, "2单元201", 2, 78.5, "出租"], [b2.address, "3单元301", "3", None, "民宿"],
         [b1.address, "1单元101", 1, None, "出租"]],  # already registered: a note
    )  # fmt: skip
    response = _upload(client, "houses", houses)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.saved and result.houses_created == 2 and [n.row for n in result.notes] == [5]
    new = House.objects.get(building=b1, unit="2单元201")
    assert (new.floor, new.area, new.use, new.grid) == (2, Decimal("78.5"), HouseUse.RENTAL, world.a1)
    assert House.objects.get(building=b2, unit="3单元301").use == HouseUse.HOTEL

    existing = world.person("甲一网格")
    persons = _fill(
        _template(client, "persons"),
        [["马晓燕", resident_id(601), "13912345678", "回族", "流动", "宁夏固原", b1.address, "2单元201", "租客",
          "2026-03-01"],
         ["李四", resident_id(603), "", "", "", "", b2.address, "3单元301", "", dt.datetime(2026, 4, 2)],
         [existing.name, existing.id_number, "", "", "", "", b1.address, "2单元201", "租客", "2026-05-01"],
         [existing.name, existing.id_number, "", "", "", "", b1.address, "1单元101", "租客", "2026-05-01"]],
    )  # fmt: skip
    # the same person twice is a duplicate: two uploads
    rows_ok = _upload(client, "persons", persons).context["result"]
    assert not rows_ok.saved and {(e.row, e.column) for e in rows_ok.errors} == {(6, "身份证号")}
    assert not Person.objects.filter(name="马晓燕").exists()

    persons = _fill(
        _template(client, "persons"),
        [["马晓燕", resident_id(601), "13912345678", "回族", "流动", "宁夏固原", b1.address, "2单元201", "租客",
          "2026-03-01"],
         ["李四", resident_id(603), "", "", "", "", b2.address, "3单元301", "", dt.datetime(2026, 4, 2)],
         [existing.name, existing.id_number, "", "", "", "", b1.address, "2单元201", "租客", "2026-05-01"]],
    )  # fmt: skip
    response = _upload(client, "persons", persons)
    result = response.context["result"]
    assert result.saved, result.errors
    assert resident_id(601) not in response.content.decode()  # the summary never echoes an ID
    assert (result.persons_created, result.residences_created) == (2, 3)
    ma = Person.objects.get(name="马晓燕")
    assert ma.id_number == resident_id(601) and ma.phone == "13912345678" and ma.grid == world.a1
    assert (ma.ethnicity, ma.household_status, ma.registration_place) == ("回族", "floating", "宁夏固原")
    assert ma.residences.get().relation == Relation.TENANT
    li = Person.objects.get(name="李四")
    assert li.ethnicity == "汉族" and li.grid == world.a2 and li.residences.get().relation == Relation.OTHER
    assert li.residences.get().start == dt.date(2026, 4, 2)
    assert Residence.objects.filter(person=existing, end__isnull=True).count() == 2  # a further residence
    assert [n.row for n in result.notes] == [5]
    assert result.rows == 3

    # again: everyone is registered and living there now → notes only, nothing new
    persons.seek(0)
    again = _upload(client, "persons", persons).context["result"]
    assert again.saved and again.persons_created == 0 and again.residences_created == 0 and len(again.notes) == 3


def test_one_bad_row_rejects_the_whole_file_and_names_the_row_and_column(world, as_user):
    client = as_user("officer_a")
    b = world.building("甲一网格")
    bad = resident_id(611)[:-1] + ("0" if resident_id(611)[-1] != "0" else "1")
    file = _fill(
        _template(client, "persons"),
        [["王一", resident_id(609), "", "", "", "", b.address, "1单元101", "租客", "2026-01-01"],
         ["王二", bad, "", "", "", "", b.address, "1单元101", "租客", "2026-01-01"],
         ["王三", resident_id(613), "", "", "", "", b.address, "1单元101", "租客", "2026-01-01"]],
    )  # fmt: skip
    persons, residences = Person.objects.count(), Residence.objects.count()
    response = _upload(client, "persons", file)
    assert response.status_code == 200
    result = response.context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(4, "身份证号")]
    assert (Person.objects.count(), Residence.objects.count()) == (persons, residences)
    html = response.content.decode()
    assert "fq-import-errors" in html and "<td>4</td>" in html
    assert gettext("The check character of this resident ID is wrong: check every digit.") in html
    assert gettext("Nothing was saved.") in html


def test_every_error_of_every_row_is_collected(world, as_user):
    client = as_user("officer_a")
    b = world.building("甲一网格")
    out_of_scope = world.building("乙一网格")
    file = _fill(
        _template(client, "persons"),
        [["", resident_id(621), "123", "", "外星", "", b.address, "1单元101", "邻居", "2026-13-01"],
         ["赵二", resident_id(623), "", "", "", "", out_of_scope.address, "1单元101", "", "2026-01-01"],
         ["赵三", resident_id(625), "", "", "", "", b.address, "8单元808", "", "2099-01-01"],
         ["赵四", resident_id(625), "", "", "", "", "不存在的地址", "1单元101", "", "2026-01-01"],
         ["赵五", 110105194912310020.0, "", "", "", "", b.address, "1单元101", "", "2026-01-01"]],
        keep_example=False,
    )  # fmt: skip
    result = _upload(client, "persons", file).context["result"]
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (2, "姓名"), (2, "手机号"), (2, "户籍类型"), (2, "与户主关系"), (2, "入住日期"),
        (3, "标准地址"),  # another officer's address is as unknown as a wrong one
        (4, "单元/门牌"), (4, "入住日期"),
        (5, "标准地址"), (5, "身份证号"),  # the same ID as row 4
        (6, "身份证号"),  # stored by Excel as a number
    }  # fmt: skip
    assert result.rows_with_errors == 5
    assert not Person.objects.filter(name__startswith="赵").exists()


def test_house_import_errors(world, as_user):
    client = as_user("grid_worker")
    b = world.building("甲一网格")
    Building.objects.filter(pk=b.pk).update(floors=6)
    file = _fill(
        _template(client, "houses"),
        [[b.address, "5单元501", "五", "大", "仓库"], [b.address, "5单元502", 9, 50, "出租"],
         [b.address, "5单元503", 3, 50, "出租"], [b.address, "5单元503", 3, 50, "出租"],
         [world.building("甲二网格").address, "1单元101", 1, None, "自住"]],  # the grid worker works 甲一 only
        keep_example=False,
    )  # fmt: skip
    result = _upload(client, "houses", file).context["result"]
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "楼层"), (2, "面积"), (2, "用途"), (3, "楼层"), (5, "单元/门牌"), (6, "标准地址"),
    }  # fmt: skip
    assert not House.objects.filter(unit__startswith="5单元").exists()


def _plain_xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GARBAGE = {
    "text renamed": ("台账.xlsx", "姓名,身份证号\n张三,110105194912310021\n".encode()),
    "csv": ("台账.csv", b"name,id\n"),
    "old xls": ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
    "zip but no workbook": ("台账.xlsx", b"PK\x03\x04" + b"\0" * 200),
    "empty workbook": ("台账.xlsx", _plain_xlsx([])),
    "missing headers": ("台账.xlsx", _plain_xlsx([["名字", "证件"], ["张三", "110105194912310021"]])),
    "header only": ("台账.xlsx", _plain_xlsx([["姓名", "身份证号", "标准地址", "单元/门牌", "入住日期"]])),
    "empty file": ("台账.xlsx", b""),
}


@pytest.mark.parametrize("case", sorted(GARBAGE))
def test_garbage_uploads_get_a_clear_message_next_to_the_field_and_nothing_is_saved(case, world, as_user):
    name, content = GARBAGE[case]
    persons = Person.objects.count()
    response = _upload(as_user("officer_a"), "persons", SimpleUploadedFile(name, content))
    assert response.status_code == 200
    errors = response.context["forms"]["persons"].errors["file"]
    assert errors and all(e.strip() for e in errors)
    assert response.context["result"] is None
    assert 'class="invalid-feedback"' in response.content.decode()
    assert Person.objects.count() == persons


def test_the_garbage_messages_say_what_is_wrong(world, english):
    def message(name, content, **kw):
        with pytest.raises(excel.ExcelError) as exc:
            excel.read_table(SimpleUploadedFile(name, content), columns=ledgers.person_template_columns(), **kw)
        return str(exc.value)

    assert "not an Excel workbook" in message(*GARBAGE["text renamed"])
    assert "save it as .xlsx" in message(*GARBAGE["old xls"])
    assert "empty" in message(*GARBAGE["empty workbook"])
    missing = message(*GARBAGE["missing headers"])
    assert "姓名" in missing and "身份证号" in missing and "入住日期" in missing
    assert "no rows" in message(*GARBAGE["header only"])
    assert "5 MB" in message("big.xlsx", b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024))


def test_files_over_the_row_limit_are_refused(world, as_user, settings, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 5)  # the same check as at 5,000, with a smaller file
    b = world.building("甲一网格")
    rows = [[b.address, f"7单元{n}01", 1, None, "出租"] for n in range(6)]
    response = _upload(as_user("officer_a"), "houses", _fill(_template(as_user("officer_a"), "houses"), rows))
    assert response.context["forms"]["houses"].errors["file"]
    assert not House.objects.filter(unit__startswith="7单元").exists()


def test_5000_rows_are_accepted_and_5001_refused(english):
    header = ["姓名", "身份证号", "标准地址", "单元/门牌", "入住日期"]
    rows = [header] + [["某", "x", "a", "b", "2026-01-01"]] * 5000
    assert (
        len(
            excel.read_table(SimpleUploadedFile("a.xlsx", _plain_xlsx(rows)), columns=ledgers.person_template_columns())
        )
        == 5000
    )
    with pytest.raises(excel.ExcelError, match="more than 5,000 rows"):
        excel.read_table(
            SimpleUploadedFile("a.xlsx", _plain_xlsx([*rows, rows[1]])), columns=ledgers.person_template_columns()
        )


def test_volunteers_and_landlords_cannot_import(world, as_user):
    b = world.building("甲一网格")
    for persona in ("volunteer", "landlord", "mediator"):
        file = SimpleUploadedFile(
            "h.xlsx", _plain_xlsx([["标准地址", "单元/门牌", "楼层", "用途"], [b.address, "6单元601", 1, "出租"]])
        )
        assert _upload(as_user(persona), "houses", file).status_code == 404
    assert not House.objects.filter(unit="6单元601").exists()


def test_the_import_page_offers_templates_and_the_exports_the_user_may_take(world, as_user):
    html = as_user("officer_a").get(reverse("ledgers:import")).content.decode()
    for name in ("persons_template", "houses_template", *(f"{k}_export" for k in EXPORTS)):
        assert reverse(f"ledgers:{name}") in html
    html = as_user("grid_worker").get(reverse("ledgers:import")).content.decode()
    assert reverse("ledgers:persons_export") in html and reverse("ledgers:permits_export") not in html


def test_the_import_page_query_count_is_fixed(world, as_user):
    client = as_user("officer_a")
    client.get(reverse("ledgers:import"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("ledgers:import"))
    assert len(ctx.captured_queries) <= 1  # the user (sessions live in the cache)


def test_checking_a_file_costs_a_fixed_number_of_queries(world, as_user):
    b = world.building("甲一网格")

    def rows(n):
        return [
            [f"钱{i}", resident_id(631 + 2 * i), "", "", "", "", b.address, "9单元999", "", "2026-01-01"]
            for i in range(n)
        ]

    client = as_user("officer_a")
    template = _template(client, "persons")
    counts = []
    for n in (2, 20):
        with CaptureQueriesContext(connection) as ctx:
            result = _upload(client, "persons", _fill(template, rows(n))).context["result"]
        assert len(result.errors) == n  # no such house
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# ---- the landlord's tenant sheet ------------------------------------------------------------


def _tenant_file(rows, **kw):
    return _fill(ledgers.tenant_template(), rows, **kw)


def test_parse_tenant_rows_returns_clean_rows(world):
    rows, errors = ledgers.parse_tenant_rows(
        _tenant_file(
            [
                ["马一", resident_id(641), "139 1234 5678", "2026-02-01"],
                ["马二", resident_id(642), None, dt.date(2026, 2, 3)],
            ]
        )
    )
    assert errors == []
    assert [r["row"] for r in rows] == [3, 4]  # row 2 is the template's example
    first = rows[0]
    assert first["name"] == "马一" and first["id_number"] == resident_id(641) and first["phone"] == "13912345678"
    assert (
        first["sex"] == "M" and first["birth_date"] == dt.date(1990, 5, 17) and first["move_in"] == dt.date(2026, 2, 1)
    )
    assert rows[1]["sex"] == "F" and rows[1]["phone"] == "" and rows[1]["move_in"] == dt.date(2026, 2, 3)


def test_parse_tenant_rows_reports_each_bad_cell_and_returns_no_rows(world, english):
    bad = resident_id(643)[:-1] + ("0" if resident_id(643)[-1] != "0" else "1")
    rows, errors = ledgers.parse_tenant_rows(
        _tenant_file(
            [["", resident_id(645), "12345", "2026-02-30"],
             ["马四", bad, "13800138000", "2026-02-01"],
             ["马五", resident_id(645), "", ""],
             ["马六", resident_id(647), "", "2026-01-01"]],
            keep_example=False,
        )
    )  # fmt: skip
    assert rows == []
    assert [(e.row, e.column) for e in errors] == [
        (2, "姓名"), (2, "手机号"), (2, "入住日期"), (3, "身份证号"), (4, "身份证号"), (4, "入住日期"),
    ]  # fmt: skip
    assert all(isinstance(e, tuple) and len(e) == 3 and e.message for e in errors)
    assert errors[1].message == "Enter an 11-digit mobile number, e.g. 13800138000."
    assert errors[3].message == "The check character of this resident ID is wrong: check every digit."
    assert errors[4].message == "The same ID number as row 2."


def test_parse_tenant_rows_reports_a_bad_file_as_row_0(world, english):
    rows, errors = ledgers.parse_tenant_rows(SimpleUploadedFile("t.xlsx", b"hello"))
    assert rows == [] and len(errors) == 1
    assert errors[0].row == 0 and errors[0].column == "" and "not an Excel workbook" in errors[0].message


def test_the_language_cookie_is_not_needed_for_the_file_format(world, as_user):
    # Headers and fixed values are the ledgers' Chinese format, whatever the page's language.
    client = as_user("officer_a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _rows(_book(client.get(_url("houses"))))[1][0] == "标准地址"
    assert _rows(_book(client.get(reverse("ledgers:persons_template"))))[0][0] == "姓名*"


def test_a_clean_upload_is_saved_in_the_background_behind_a_progress_bar(
    world, as_user, django_capture_on_commit_callbacks
):
    from residents.ledgers import import_job_run
    from residents.models import ImportJob, JobStatus

    client = as_user("officer_a")
    b1 = world.building("甲一网格")
    file = _fill(_template(client, "houses"), [[b1.address, "5单元501", 5, None, "自住"]])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("ledgers:import"), {"kind": "houses", "houses-file": file})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("ledgers:import_job", args=[job.pk])
    assert len(callbacks) == 1 and not House.objects.filter(unit="5单元501").exists()  # queued, not yet saved
    page = client.get(reverse("ledgers:import_job_progress", args=[job.pk])).content.decode()
    assert 'role="progressbar"' in page and "every 1s" in page
    assert as_user("officer_b").get(reverse("ledgers:import_job", args=[job.pk])).status_code == 404
    assert as_user("chief").get(reverse("ledgers:import_job", args=[job.pk])).status_code == 404  # the creator's only
    callbacks[0]()  # the worker runs the task
    import_job_run(job.pk)  # a second delivery changes nothing
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result["houses_created"] == 1
    assert House.objects.filter(unit="5单元501").count() == 1
    page = client.get(reverse("ledgers:import_job_progress", args=[job.pk])).content.decode()
    assert "every 1s" not in page  # finished: the polling stops
