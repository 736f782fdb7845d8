"""Malformed input: every form in the project refuses over-long text, impossible dates and bad ID
or phone numbers at the field (never a crash); HTML typed into the main records comes back
escaped on every page, ledger, map layer and API answer that shows it.
"""

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse

from disputes.models import Dispute, Mediator
from grid.models import CommunityGrid
from residents.models import Person
from tests.factories import resident_id

FORM_MODULES = sorted(
    f"{app}.{m.name}"
    for app in (
        "accounts",
        "disputes",
        "events",
        "field",
        "grid",
        "incidents",
        "inspections",
        "lib",
        "noise",
        "rentals",
        "residents",
        "topics",
        "kpi",
        "documents",
        "ops",
    )  # fmt: skip
    if (Path(settings.BASE_DIR) / app).is_dir()
    for m in pkgutil.iter_modules([str(Path(settings.BASE_DIR) / app)])
    if m.name.startswith("forms") or m.name.startswith("views")
)


def project_forms() -> list[type[forms.BaseForm]]:
    found = {}
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, forms.BaseForm)
                and obj.__module__ == module.__name__
                and obj.base_fields
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


FORMS = project_forms()


def keyword_arguments(world):
    """What the forms' ``__init__`` take besides data, by name. A new form with a keyword-only
    argument not listed here fails ``test_every_form_can_be_built``: add it."""
    mediators = Mediator.objects.all()
    return {
        "user": world.users["officer_a"],
        "roster": mediators,
        "parties": Person.objects.none(),
        "permit": _permit(world),
        "tenants": (),
        "grids": CommunityGrid.objects.all(),
        "grid": world.a1,
        "with_residence": True,
        "phone_optional": False,
    }


def _permit(world):
    from tests.routes_permits import permit_in

    return permit_in(world, approve=False, photos=False)


def build(form_class, world, data):
    kwargs = keyword_arguments(world)
    wanted = {}
    for cls in form_class.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.default is p.empty:
                assert p.name in kwargs, f"{form_class.__qualname__} needs {p.name!r}: add it to keyword_arguments"
            if p.kind is p.KEYWORD_ONLY and p.name in kwargs:
                wanted.setdefault(p.name, kwargs[p.name])
    if "id_type" in form_class.base_fields:  # the ID is checked against GB 11643 for this type
        data = {"id_type": "resident_id", **data}
    prefix = getattr(form_class, "prefix", None)
    if prefix:
        data = {f"{prefix}-{k}": v for k, v in data.items()}
    return form_class(data=data, **wanted)


# A party's ID and phone are checked by disputes.services.dispute_create (the message goes to its row).
SERVICE_CHECKED = {("PartyForm", "id_number"), ("PartyForm", "phone")}


def test_the_walk_finds_the_forms():
    names = {f.__qualname__ for f in FORMS}
    assert {"ReportForm", "PermitApplicationForm", "DisputeForm", "PersonForm"} <= names, names
    assert len(FORMS) >= 25


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f"{f.__module__}.{f.__qualname__}")
def test_every_form_can_be_built_and_refuses_malformed_input_at_the_field(world, form_class):
    form = build(form_class, world, {})
    form.is_valid()  # an empty form may be valid or not, but never raises

    for name, field in form.fields.items():
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput | forms.PasswordInput):
            limit = field.max_length
            assert limit is not None or isinstance(field, forms.RegexField | forms.EmailField), (
                f"{form_class.__qualname__}.{name}: a text field without max_length takes 10,000 characters"
            )
        if isinstance(field, forms.CharField) and field.max_length:
            for value in ("界" * (field.max_length + 1), "x" * 10_000):
                bound = build(form_class, world, {name: value})
                assert not bound.is_valid() and name in bound.errors, (form_class.__qualname__, name, len(value))
        if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
            for value in ("2026-13-45", "昨天", "2026-02-30 25:61", "9" * 500):
                bound = build(form_class, world, {name: value})
                assert not bound.is_valid() and name in bound.errors, (form_class.__qualname__, name, value)
        if ("id_number" in name or name in ("resident_id", "id_card")) and (
            form_class.__qualname__,
            name,
        ) not in SERVICE_CHECKED:
            good = resident_id(321)
            bad = good[:-1] + ("0" if good[-1] != "0" else "1")
            for value in (bad, "11010519491231002", "ABCDEFGHIJKLMNOPQR"):
                bound = build(form_class, world, {name: value})
                assert not bound.is_valid() and name in bound.errors, (form_class.__qualname__, name, value)
        if ("phone" in name or "mobile" in name) and (form_class.__qualname__, name) not in SERVICE_CHECKED:
            for value in ("1390000000a", "<script>"):
                bound = build(form_class, world, {name: value})
                assert not bound.is_valid() and name in bound.errors, (form_class.__qualname__, name, value)
        if isinstance(field, forms.ModelChoiceField):
            for value in ("999999999", "-1", "abc", "1 OR 1=1", "9" * 40):
                bound = build(form_class, world, {name: value})
                assert not bound.is_valid() and name in bound.errors, (form_class.__qualname__, name, value)
        if isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
            for value in ("abc", "1e999", "nan", "9" * 400):
                bound = build(form_class, world, {name: value})
                bound.is_valid()  # "1e999" may be refused or clamped, but never raise
                if value in ("abc", "9" * 400) and not isinstance(field, forms.FloatField):
                    assert name in bound.errors, (form_class.__qualname__, name, value)


# --- HTML in the main records, end to end --------------------------------------------------------

XSS = "<script>alert(1)</script><img src=x onerror=1>"  # 46 characters: fits a 50-character name


def assert_escaped(response, *, html=True):
    body = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert "<script>alert" not in body and "<img src=x" not in body
    if html:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    else:  # JSON: the text itself, which the page's JavaScript must treat as text
        assert XSS in json.dumps(response.json(), ensure_ascii=False) or "\\u003cscript" in body


def test_html_in_a_person_is_escaped_on_every_page_and_answer(world, as_user):
    person = world.person("甲一网格")
    person.name = "张三" + XSS
    person.save(update_fields=["name"])
    client = as_user("officer_a")
    assert_escaped(client.get(reverse("residents:person_detail", args=[person.pk])))
    assert_escaped(client.get(reverse("residents:person_list"), {"q": "张三"}))
    assert_escaped(client.get(reverse("residents:house_detail", args=[world.house("甲一网格").pk])))
    api = client.get(reverse("person-detail", args=[person.pk]))
    assert api.status_code == 200 and "<script>" not in api["Content-Type"]
    assert api["Content-Type"].startswith("application/json")


def test_html_in_a_dispute_is_escaped_on_its_page_the_ledger_and_the_api(world, as_user):
    from tests.disputes.helpers import make_dispute

    dispute = make_dispute(world)
    Dispute.objects.filter(pk=dispute.pk).update(description="邻里噪声" + XSS)
    client = as_user("officer_a")
    assert_escaped(client.get(reverse("disputes:detail", args=[dispute.pk])))
    assert "<script>alert" not in client.get(reverse("disputes:ledger")).content.decode()
    api = client.get(reverse("dispute-detail", args=[dispute.pk]))
    assert api.status_code == 200 and api["Content-Type"].startswith("application/json")
    assert Dispute.objects.filter(description__contains="<script>").exists()  # stored as typed, escaped when shown


def test_html_in_an_event_reported_through_the_page_is_escaped_everywhere(world, as_user):
    from events.models import Event

    b = world.building("甲一网格")
    response = as_user("volunteer").post(
        reverse("events:report"), {"category": "facility", "description": "路灯" + XSS, "lat": b.lat, "lng": b.lng}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    client = as_user("officer_a")
    assert_escaped(client.get(reverse("events:detail", args=[event.pk])))
    assert_escaped(client.get(reverse("events:list")))
    api = client.get(reverse("event-detail", args=[event.pk]))
    assert api.status_code == 200 and api["Content-Type"].startswith("application/json")
    assert api.json()["description"] == "路灯" + XSS  # stored as typed; JSON is not HTML


def test_html_in_a_hazard_note_is_escaped_on_the_notice_and_the_ledger(world, as_user):
    from tests.routes_notices import notice_in

    notice = notice_in(world)
    hazard = notice.hazards.order_by("id").first()
    hazard.text = "电线" + XSS
    hazard.save(update_fields=["text"])
    client = as_user("officer_a")
    assert_escaped(client.get(reverse("notices:detail", args=[notice.pk])))
    assert_escaped(client.get(reverse("notices:public", args=[notice.token])))
    assert_escaped(client.get(reverse("hazards:ledger")))


def test_html_in_a_grid_name_stays_text_in_the_map_layer(world, as_user):
    world.a1.name = "甲一" + XSS
    world.a1.save(update_fields=["name"])
    client = as_user("officer_a")
    layer = client.get(reverse("grid:grids_geojson"))
    assert layer.status_code == 200 and layer["Content-Type"].startswith(("application/json", "application/geo+json"))
    assert "甲一" + XSS in [f["properties"].get("name") for f in layer.json()["features"]]
    assert_escaped(client.get(reverse("grid:communitygrid_detail", args=[world.a1.pk])))
    for js in ("grid-map.js", "event-report.js", "point-map.js", "incidents-map.js"):
        text = (Path(settings.BASE_DIR) / "static" / "js" / js).read_text()
        assert "bindTooltip(f.properties.name" not in text, js  # a name reaches Leaflet as text only


def test_no_template_marks_user_text_safe():
    """``|safe`` and ``{% autoescape off %}`` appear only where the value is built by the server."""
    allowed = {"grid/communitygrid_detail.html": "apply_qr|safe"}  # an SVG QR code drawn by lib.qr
    root = Path(settings.BASE_DIR) / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text()
        rel = str(path.relative_to(root))
        for marker in ("|safe", "autoescape off", "|safeseq"):
            if marker in text:
                assert rel in allowed and allowed[rel] in text and text.count(marker) == 1, rel


# --- ids in query strings: digits that are not ASCII, numbers past bigint ----------------------


@pytest.mark.parametrize("value", ["²", "١٢", str(2**70), "1.5", "-1"])
@pytest.mark.parametrize(
    "name,param,persona",
    [
        ("events:leaderboard", "grid", "officer_a"),
        ("field:diary", "user", "chief"),
        ("inspections:start", "venue", "officer_a"),
        ("inspections:start", "house", "officer_a"),
        ("residents:person_create", "house", "officer_a"),
        ("events:report", "building", "volunteer"),
        ("disputes:create", "building", "officer_a"),
        ("disputes:ledger", "officer", "chief"),
        ("events:list", "tier", "chief"),
    ],
)
def test_an_id_that_is_no_row_id_is_ignored_or_refused_never_a_500(world, as_user, name, param, persona, value):
    response = as_user(persona).get(reverse(name), {param: value})
    assert response.status_code in (200, 302, 400, 404), response.status_code
