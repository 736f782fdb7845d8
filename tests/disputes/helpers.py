"""Shared set-up for the dispute tests: a roster, a dispute in grid 甲一, a session, signatures."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess

from django.test import TestCase
from django.utils import timezone
from PIL import Image, ImageDraw

from disputes import services
from disputes.models import Mediator, MediatorType, Outcome
from lib import gb11643
from residents.models import IdType
from tests.conftest import need

FACTS = "双方因楼上漏水损坏楼下天花板发生纠纷。"
TERMS = "一、张三于2026年12月1日前赔偿李四维修费人民币3000元。\n二、双方互不追究其他责任。"


def valid_id(seq: int, birth: str = "19800101", area: str = "640106") -> str:
    """A valid resident ID with that sequence number (odd: male)."""
    body = f"{area}{birth}{seq:03d}"
    return body + gb11643.check_char(body)


def roster(world) -> dict[str, Mediator]:
    """Station 1's roster: a lawyer with the ``mediator`` login, a judge without one; station 2 a
    people's mediator. Cached on the world."""
    cache = world.__dict__.setdefault("_roster", {})
    if not cache:
        cache["lawyer"] = services.mediator_save(
            station=world.s1, user_account=world.users["mediator"], name="何律师", type=MediatorType.LAWYER,
            organisation="宁夏某律师事务所", phone="13895177001",
        )  # fmt: skip
        cache["judge"] = services.mediator_save(
            station=world.s1, name="王法官", type=MediatorType.JUDGE, organisation="金凤区人民法院"
        )
        cache["other"] = services.mediator_save(station=world.s2, name="赵调解", type=MediatorType.PEOPLES)
    return cache


def parties(world, *, first=None, seq=901):
    """Two parties: the registry tenant of 甲一 (or ``first``) and a new person with a valid ID."""
    return [
        services.PartyInput(person=first or world.person("甲一网格"), role="applicant"),
        services.PartyInput(name="李四", role="respondent", id_type=IdType.RESIDENT_ID,
                            id_number=valid_id(seq), phone="13900000001"),
    ]  # fmt: skip


def make_dispute(world, *, grid="甲一网格", officer="officer_a", received_at=None, **kw):
    kw.setdefault("parties", parties(world))
    return services.dispute_create(
        user=world.users[officer], source="walk_in", category=kw.pop("category", "neighbour"), risk="low",
        building=world.building(grid), description="楼上漏水", officer=world.users[officer],
        received_at=received_at, **kw,
    )  # fmt: skip


def hold_session(world, dispute, *, outcome=Outcome.AGREED, held_at=None, user="officer_a", **kw):
    mediators = kw.pop("mediators", None) or [roster(world)["lawyer"]]
    kw.setdefault("facts", FACTS if outcome == Outcome.AGREED else "")
    kw.setdefault("terms", TERMS if outcome == Outcome.AGREED else "")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.session_record(
            dispute=dispute, user=world.users[user], held_at=held_at or timezone.now(), place="民生茶馆",
            mediators=mediators, parties_present=list(dispute.parties.all()), outcome=outcome, **kw,
        )  # fmt: skip


def signature_png(seed: int = 0) -> bytes:
    im = Image.new("RGB", (300, 120), "white")
    d = ImageDraw.Draw(im)
    d.line([(20, 60 + seed), (90, 20), (160, 100 - seed), (280, 40)], fill="black", width=5)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def signature_data_url(seed: int = 0) -> str:
    return "data:image/png;base64," + base64.b64encode(signature_png(seed)).decode()


def sign_all(world, agreement, user="officer_a"):
    for n, party in enumerate(agreement.dispute.parties.all()):
        agreement = services.agreement_sign(
            agreement=agreement, party=party, signature_png=signature_png(n), user=world.users[user]
        )
    return agreement


def pdf_text(data: bytes) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)  # noqa: S607
    return out.stdout.decode()
