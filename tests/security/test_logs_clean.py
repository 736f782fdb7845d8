"""No resident ID or phone number reaches a log in plain text.

Every logger (the root, django.request, django.security, axes, celery, ours) is opened to DEBUG
with propagation on while the main flows run through the real views as the people who use them;
stdout and stderr are captured too (the console SMS backend writes there through the log). Then
every record — message with its arguments, exception text, what an error e-mail would show of the
request's POST — every line gunicorn's access log would write for the requests made, and the audit
trail's rows are searched for each ID number and phone number used, in plain, split 6+8+4 / 3+4+4
and digits-only forms. The values are made with the GB 11643 helper from an area code and birth
dates no other test uses, so a hit cannot be a coincidence.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import types
from urllib.parse import unquote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.views.debug import get_exception_reporter_filter
from PIL import Image

from accounts.models import AuditEvent
from lib import gb11643, sms
from rentals.models import RentalDeclaration, ResidencePermit
from residents.models import Person

AREA = "650102"  # 乌鲁木齐市天山区: no fixture or seed in the suite uses it


def _id(seq: int, birth: dt.date) -> str:
    return gb11643.make(AREA, birth, seq)


PERSON_ID, PERSON_PHONE = _id(731, dt.date(1987, 3, 29)), "19961730001"
LANDLORD_PHONE = "19961730002"
TENANT_IDS = (_id(733, dt.date(1991, 11, 7)), _id(734, dt.date(1993, 2, 14)))
TENANT_PHONES = ("19961730003", "19961730004")
APPLICANT_ID, APPLICANT_PHONE = _id(735, dt.date(1985, 8, 19)), "19961730005"
PARTY_ID, PARTY_PHONE = _id(737, dt.date(1979, 6, 2)), "19961730006"
MEMBER_PHONE = "19961730007"
LOGIN_ID = _id(739, dt.date(1982, 12, 24))
# A wrong check character: the ID of a validation error.
BAD_ID = (lambda v: v[:17] + ("1" if v[17] != "1" else "2"))(_id(741, dt.date(1988, 1, 31)))
ERROR_ID, ERROR_PHONE = _id(743, dt.date(1976, 4, 9)), "19961730008"
IDS = (PERSON_ID, *TENANT_IDS, APPLICANT_ID, PARTY_ID, LOGIN_ID, BAD_ID, ERROR_ID)
PHONES = (PERSON_PHONE, LANDLORD_PHONE, *TENANT_PHONES, APPLICANT_PHONE, PARTY_PHONE, MEMBER_PHONE, ERROR_PHONE)
PASSWORD = "Lanterns-in-2026"


def split_id(v: str, sep: str = " ") -> str:
    return sep.join((v[:6], v[6:14], v[14:]))


def split_phone(v: str, sep: str = " ") -> str:
    return sep.join((v[:3], v[3:7], v[7:]))


def needles() -> dict[str, str]:
    """Each value in the forms a log could carry it, keyed by what to call it in a failure.

    The haystack is also searched with spaces and dashes removed, so split forms are covered by
    the plain one; the first 17 characters of an ID catch it with another check character or X.
    """
    found = {}
    for v in IDS:
        found[v] = v
        found[v[:17]] = f"{v} (first 17)"
    for p in PHONES:
        found[p] = p
    return found


def leaks(text: str) -> list[str]:
    squashed = re.sub(r"[\s\-–]", "", unquote_plus(text)).upper()
    return sorted({name for needle, name in needles().items() if needle.upper() in squashed})


def test_the_scanner_finds_every_form_of_a_value():
    assert leaks(f"SMS to {PERSON_PHONE}") == [PERSON_PHONE]
    assert leaks(f"+86 {split_phone(TENANT_PHONES[0], '-')}") == [TENANT_PHONES[0]]
    assert leaks(f"id={split_id(PERSON_ID)}") == [PERSON_ID, f"{PERSON_ID} (first 17)"]
    assert leaks(PERSON_ID.lower()) == leaks(PERSON_ID)
    assert (
        leaks(f"GET /?q={split_id(PERSON_ID, '+')}")
        == leaks(f"GET /?q={split_id(PERSON_ID, '%20')}")
        == leaks(PERSON_ID)
    )
    assert leaks(gb11643.mask(PERSON_ID) + " " + gb11643.mask_phone(PERSON_PHONE)) == []
    assert all(gb11643.is_valid(v) for v in IDS if v != BAD_ID) and not gb11643.is_valid(BAD_ID)


# --- capture ---------------------------------------------------------------------------------------


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write from the record: message, arguments, traceback, and for
    a request that failed, the POST data an error report (mail_admins) shows after its filter."""
    parts = [record.getMessage(), repr(record.args), repr(record.msg)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    request = getattr(record, "request", None)
    if request is not None and hasattr(request, "POST"):
        reporter_filter = get_exception_reporter_filter(request)
        parts.append(repr(reporter_filter.get_post_parameters(request)))
        parts.append(repr(reporter_filter.get_safe_request_meta(request)))
    return "\n".join(parts)


def gunicorn_access_lines(requests) -> list[str]:
    """The access-log line gunicorn writes for each request, with the format gunicorn.conf.py sets."""
    import runpy

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    for key, value in runpy.run_path("gunicorn.conf.py").items():
        if key in cfg.settings:
            cfg.set(key, value)
    logger = Logger(cfg)
    out = io.StringIO()
    logger.access_log.handlers[:] = [logging.StreamHandler(out)]
    referer = ""
    for request in requests:
        path, _, query = request.get_full_path().partition("?")
        environ = {
            "REQUEST_METHOD": request.method,
            "RAW_URI": request.get_full_path(),
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "10.0.0.1",
            "HTTP_REFERER": referer,  # a browser sends the page it came from, query and all
            "HTTP_USER_AGENT": "test",
        }
        req = types.SimpleNamespace(headers=[], method=request.method, uri=request.get_full_path(), path=path,
                                    query=query, version=(1, 1))  # fmt: skip
        resp = types.SimpleNamespace(status="200 OK", response_length=10, sent=10, headers=[])
        logger.access(resp, req, environ, dt.timedelta(milliseconds=5))
        referer = "https://fengqiao.station.local" + request.get_full_path()
    return out.getvalue().splitlines()


class Logs:
    def __init__(self, handler, capfd):
        self.handler, self.capfd, self.requests = handler, capfd, []

    def client(self, user=None, **kwargs) -> Client:
        """A test client whose requests are remembered for the access-log check."""
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        original = client.request

        def request(**environ):
            response = original(**environ)
            self.requests.append(response.wsgi_request)
            return response

        client.request = request
        return client

    def assert_clean(self):
        problems = []
        for record in self.handler.records:
            if found := leaks(record_text(record)):
                problems.append(
                    f"log {record.name} [{record.levelname}]: {record.getMessage()[:200]!r} carries {found}"
                )
        out, err = self.capfd.readouterr()
        for stream, text in (("stdout", out), ("stderr", err)):
            for line in text.splitlines():
                if found := leaks(line):
                    problems.append(f"{stream}: {line[:200]!r} carries {found}")
        for line in gunicorn_access_lines(self.requests):
            if found := leaks(line):
                problems.append(f"gunicorn access log: {line[:200]!r} carries {found}")
        for row in AuditEvent.objects.order_by("id"):
            if found := leaks(f"{row.username} {row.object_repr} {row.reason}"):
                problems.append(f"audit trail: {row} / {row.reason!r} carries {found}")
        assert not problems, "\n".join(problems)


@pytest.fixture
def logs(capfd):
    """Every logger at DEBUG, propagating to the root, where one handler keeps every record."""
    import celery.app.trace  # noqa: F401 -- make sure celery's loggers exist before they are opened

    handler = _Keep()
    root = logging.getLogger()
    saved_root = root.level
    saved = {}
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            saved[name] = (logger.level, logger.propagate, logger.disabled)
            logger.setLevel(logging.DEBUG)
            logger.propagate, logger.disabled = True, False
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    sms.outbox.clear()
    try:
        yield Logs(handler, capfd)
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_root)
        for name, (level, propagate, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled
        sms.outbox.clear()


def _jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (60, 80), (120, 140, 200)).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _code(phone: str) -> str:
    sent_to, text = sms.outbox[-1]
    assert sent_to == phone
    return re.search(r"\d{6}", text).group()


# --- the flows --------------------------------------------------------------------------------------


def test_the_registry_flows_log_no_id_or_phone(world, logs):
    officer = logs.client(world.users["officer_a"])
    house = world.house("甲一网格")
    response = officer.post(
        f"{reverse('residents:person_create')}?house={house.pk}",
        {"name": "日志核查", "id_type": "resident_id", "id_number": PERSON_ID, "phone": PERSON_PHONE,
         "ethnicity": "汉族", "household_status": "floating", "attention_colour": "green", "relation": "tenant",
         "start": "2026-10-01"},
    )  # fmt: skip
    assert response.status_code == 302
    person = Person.objects.get(id_number_hash=Person.id_hash_for(PERSON_ID))

    shown = officer.post(reverse("residents:person_reveal", args=[person.pk]), {"reason": "入户核对"},
                         HTTP_HX_REQUEST="true")  # fmt: skip
    assert PERSON_ID in shown.content.decode()  # the reveal really showed it …

    for q in (PERSON_ID, split_id(PERSON_ID), PERSON_PHONE, split_phone(PERSON_PHONE, "-")):
        found = officer.get(reverse("residents:person_list"), {"q": q})
        assert [p.pk for p in found.context["page"]] == [person.pk]  # … and each search found the person
    assert person.pk in [p["id"] for p in officer.get("/api/v1/residents/persons/", {"q": PERSON_ID}).json()["results"]]
    assert officer.get(reverse("disputes:person_search"), {"q": PERSON_ID}).status_code == 200

    export = officer.get(reverse("ledgers:persons_export"), {"q": PERSON_PHONE})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert body[:2] == b"PK"  # an .xlsx (a zip)

    # A validation error with an ID and a phone in the form data, on a page and in the API.
    bad = officer.post(
        f"{reverse('residents:person_create')}?house={house.pk}",
        {"name": "错号", "id_type": "resident_id", "id_number": BAD_ID, "phone": ERROR_PHONE, "ethnicity": "汉族",
         "household_status": "floating", "attention_colour": "green", "relation": "tenant", "start": "2026-10-01"},
    )  # fmt: skip
    assert bad.status_code == 200 and "id_number" in bad.context["form"].errors
    api_bad = officer.post(
        "/api/v1/residents/persons/",
        {"name": "错号", "id_number": BAD_ID, "phone": ERROR_PHONE, "house": house.pk},
        content_type="application/json",
    )
    assert api_bad.status_code == 400
    # The access log still names each request's path, only not its query.
    assert any('"GET /residents/persons/ HTTP/1.1" 200' in line for line in gunicorn_access_lines(logs.requests))
    logs.assert_clean()


def test_the_error_report_filter_hides_identifiers_whatever_the_field_is_called(rf):
    from lib.redact import PersonalDataReporterFilter

    request = rf.post(
        f"/x/?q={split_id(ERROR_ID, '+')}",
        {"t-0-id_number": "whatever", "search": split_phone(ERROR_PHONE), "name": "王五", "reason": "入户核对"},
        HTTP_REFERER=f"https://fengqiao.station.local/residents/persons/?q={ERROR_PHONE}",
    )
    report_filter = PersonalDataReporterFilter()
    post = report_filter.get_post_parameters(request)
    assert post["t-0-id_number"] == post["search"] == report_filter.cleansed_substitute
    assert (post["name"], post["reason"]) == ("王五", "入户核对")  # the rest stays readable
    meta = report_filter.get_safe_request_meta(request)
    assert meta["QUERY_STRING"] == meta["HTTP_REFERER"] == report_filter.cleansed_substitute
    assert not leaks(repr(post) + repr(meta))


def test_a_request_that_fails_logs_no_id_or_phone_from_its_form(world, logs, monkeypatch):
    """The 500's record carries the request: what an error report shows of its POST goes through
    ``DEFAULT_EXCEPTION_REPORTER_FILTER``, which must be ``lib.redact.PersonalDataReporterFilter``."""
    from residents import services

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "person_save", broken)
    officer = logs.client(world.users["officer_a"], raise_request_exception=False)
    response = officer.post(
        f"{reverse('residents:person_create')}?house={world.house('甲一网格').pk}",
        {"name": "出错", "id_type": "resident_id", "id_number": ERROR_ID, "phone": ERROR_PHONE, "ethnicity": "汉族",
         "household_status": "floating", "attention_colour": "green", "relation": "tenant", "start": "2026-10-01"},
    )  # fmt: skip
    assert response.status_code == 500
    errors = [r for r in logs.handler.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert errors and getattr(errors[0], "request", None) is not None  # the 500 was logged with its request
    logs.assert_clean()


def test_the_landlord_flows_log_no_id_or_phone(world, logs):
    public = logs.client()
    public.post(reverse("rentals:register"), {"action": "send_code", "phone": split_phone(LANDLORD_PHONE)})
    response = public.post(
        reverse("rentals:register"),
        {"action": "register", "phone": LANDLORD_PHONE, "code": _code(LANDLORD_PHONE), "name": "日志房东",
         "kind": "landlord", "company": "", "password": PASSWORD, "password2": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    public.logout()
    assert public.post(reverse("accounts:login"), {"username": LANDLORD_PHONE, "password": "wrong"}).status_code == 200
    assert public.post(reverse("accounts:login"), {"username": LANDLORD_PHONE, "password": PASSWORD}).status_code == 302

    house = world.house("甲一网格")
    today = str(dt.date.today())
    data = {
        "house": house.qr_token, "rental_type": "long", "t-TOTAL_FORMS": "2", "t-INITIAL_FORMS": "0",
        "t-MIN_NUM_FORMS": "1", "t-MAX_NUM_FORMS": "50",
        "t-0-name": "日志租客一", "t-0-id_number": TENANT_IDS[0], "t-0-phone": TENANT_PHONES[0], "t-0-move_in": today,
        "t-1-name": "日志租客二", "t-1-id_number": BAD_ID, "t-1-phone": TENANT_PHONES[1], "t-1-move_in": today,
    }  # fmt: skip
    assert public.post(reverse("rentals:declare"), data).status_code == 200  # the bad ID comes back to the form
    data["t-1-id_number"] = TENANT_IDS[1]
    assert public.post(reverse("rentals:declare"), data).status_code == 302
    declaration = RentalDeclaration.objects.get(landlord__full_name="日志房东")

    officer = logs.client(world.users["officer_a"])
    assert TENANT_IDS[0][:6] in officer.get(reverse("rentals:review")).content.decode()
    assert officer.post(reverse("rentals:approve", args=[declaration.pk])).status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == "approved"
    assert Person.objects.filter(id_number_hash=Person.id_hash_for(TENANT_IDS[1])).exists()
    logs.assert_clean()


def test_a_residence_permit_and_a_volunteer_application_log_no_id_or_phone(world, logs):
    public = logs.client()
    response = public.post(
        reverse("permits:apply"),
        {"name": "日志申请人", "id_number": APPLICANT_ID, "phone": split_phone(APPLICANT_PHONE),
         "house": world.house("甲一网格").qr_token, "basis": "work", "basis_detail": "枫桥科技有限公司",
         "photo": _jpeg(), "attachments": [_jpeg("proof.jpg")]},
    )  # fmt: skip
    assert response.status_code == 302
    permit = ResidencePermit.objects.get(name="日志申请人")
    officer = logs.client(world.users["officer_a"])
    shown = officer.post(reverse("permits:reveal", args=[permit.pk]), {"reason": "核对申请"}, HTTP_HX_REQUEST="true")
    assert APPLICANT_ID in shown.content.decode()
    assert officer.post(reverse("permits:approve", args=[permit.pk])).status_code == 302
    permit.refresh_from_db()
    assert permit.status == "approved"

    from grid.models import GridMember

    public.post(reverse("members:apply"), {"action": "send_code", "phone": MEMBER_PHONE})
    public.post(
        reverse("members:apply"),
        {"action": "apply", "grid": world.a1.pk, "name": "日志志愿者", "phone": MEMBER_PHONE,
         "code": _code(MEMBER_PHONE), "member_type": "merchant", "address": "沿街商铺12号", "motivation": "熟悉周边",
         "password": PASSWORD, "password2": PASSWORD},
    )  # fmt: skip
    member = GridMember.objects.get(name="日志志愿者")
    assert officer.post(reverse("grid:member_decide", args=[member.pk]), {"to": "active"}).status_code == 302
    assert sms.outbox[-1][0] == MEMBER_PHONE  # the approval was texted to the member
    logs.assert_clean()


def test_a_dispute_an_event_and_a_failed_login_log_no_id_or_phone(world, logs):
    from disputes.models import Dispute
    from events.models import Event

    officer = logs.client(world.users["officer_a"])
    response = officer.post(
        reverse("disputes:create"),
        {"source": "walk_in", "category": "neighbour", "risk": "medium",
         "building": world.building("甲一网格").pk, "house": world.house("甲一网格").pk,
         "place_detail": "楼道", "description": "楼上漏水，楼下天花板受损。",
         "officer": world.users["officer_a"].pk, "received_at": "",
         "party-TOTAL_FORMS": "2", "party-INITIAL_FORMS": "0", "party-MIN_NUM_FORMS": "2", "party-MAX_NUM_FORMS": "10",
         "party-0-role": "applicant", "party-0-person": world.person("甲一网格").pk, "party-0-id_type": "resident_id",
         "party-0-name": "", "party-0-id_number": "", "party-0-phone": "",
         "party-1-role": "respondent", "party-1-person": "", "party-1-name": "日志当事人",
         "party-1-id_type": "resident_id", "party-1-id_number": PARTY_ID, "party-1-phone": PARTY_PHONE},
    )  # fmt: skip
    assert response.status_code == 302 and Dispute.objects.filter(parties__name="日志当事人").exists()

    b = world.building("甲一网格")
    volunteer = logs.client(world.users["volunteer"])
    response = volunteer.post(
        reverse("events:report"),
        {"category": "facility", "description": "路灯不亮", "lat": str(b.lat + 0.0001), "lng": str(b.lng)},
    )
    assert response.status_code == 302 and Event.objects.filter(reporter=world.users["volunteer"]).exists()

    anonymous = logs.client()
    for _ in range(2):  # axes logs the first failure at INFO and the next at WARNING
        response = anonymous.post(reverse("accounts:login"), {"username": LOGIN_ID, "password": "not-it"})
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    logs.assert_clean()
