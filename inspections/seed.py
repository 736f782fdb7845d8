"""Demo inspections: ~150 over the last 120 days with notices in every state; and the city's
200,000 inspections as rows only (PDFs are rendered on demand)."""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageDraw

from grid.models import PoliceGrid
from inspections import loop, services
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    HazardEvent,
    Inspection,
    RectificationNotice,
    Result,
)
from residents.models import House, HouseUse, Venue, VenueKind

NOTES = ["通道堆放杂物", "灭火器压力不足", "电线私拉乱接", "应急照明损坏", "电动车楼道充电", "燃气软管老化",
         "安全出口上锁", "消防责任人未明确"]  # fmt: skip
SIGNERS = ["王老板", "李经理", "马店长", "张师傅", "刘女士", "杨老板"]


def _photo(rng: random.Random, name="hazard.jpg") -> SimpleUploadedFile:
    im = Image.new("RGB", (480, 360), (rng.randrange(120, 220), rng.randrange(60, 160), rng.randrange(40, 120)))
    d = ImageDraw.Draw(im)
    for _ in range(6):
        x, y = rng.randrange(400), rng.randrange(300)
        d.rectangle([x, y, x + rng.randrange(20, 80), y + rng.randrange(20, 60)], fill=(rng.randrange(256),) * 3)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _signature(rng: random.Random) -> bytes:
    im = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    points = [(20 + i * 26, 60 + rng.randrange(-35, 35)) for i in range(11)]
    d.line(points, fill=(10, 10, 40, 255), width=4)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _backdate(inspection: Inspection, at: dt.datetime) -> None:
    """Move a just-submitted inspection, its hazards (deadlines from that day) and notice to ``at``."""
    day = timezone.localdate(at)
    Inspection.objects.filter(pk=inspection.pk).update(started_at=at - dt.timedelta(minutes=25), submitted_at=at)
    for h in Hazard.objects.filter(inspection=inspection):
        Hazard.objects.filter(pk=h.pk).update(deadline=day + dt.timedelta(days=int(h.grade)))
    HazardEvent.objects.filter(hazard__inspection=inspection).update(at=at)
    RectificationNotice.objects.filter(inspection=inspection).update(created_at=at)


def _inspect(rng, *, officer, place, fails: int, at: dt.datetime) -> Inspection:
    venue = place if isinstance(place, Venue) else None
    house = place if isinstance(place, House) else None
    inspection = services.inspection_start(user=officer, venue=venue, house=house)
    items = list(inspection.template.items.all())
    failing = set(rng.sample(range(len(items)), fails))
    for n, item in enumerate(items):
        if n in failing:
            a = services.answer_save(inspection=inspection, item=item, result=Result.FAIL, note=rng.choice(NOTES))
            services.photo_add(answer=a, upload=_photo(rng))
        else:
            services.answer_save(
                inspection=inspection, item=item, result=Result.NA if rng.random() < 0.05 else Result.PASS
            )
    inspection = services.inspection_submit(inspection=inspection, user=officer)
    _backdate(inspection, at)
    return inspection


def _took(pk: int) -> dt.timedelta:
    return dt.timedelta(minutes=1 if pk % 23 == 0 else 6 + pk % 17)


def seed_demo(*, rng: random.Random, out=print, count: int = 150) -> dict:
    """~150 inspections of the demo venues and some group-rental houses by their police grid's
    officer over the last 120 days, with notices unsigned, signed, reported fixed, overdue,
    closed, reissued and escalated. PDFs go through the normal render task (eager in the demo)."""
    from inspections import notices
    from inspections.tasks import notice_render

    services.checklists_seed_standard()
    if Inspection.objects.exists():
        out("  inspections already seeded")
        return {"created": False}
    officers = dict(PoliceGrid.objects.exclude(officer=None).values_list("id", "officer"))
    from accounts.models import User

    users = User.objects.in_bulk(set(officers.values()))
    venues = list(Venue.objects.select_related("grid").order_by("id"))
    houses = list(House.objects.filter(use=HouseUse.RENTAL).select_related("grid", "building").order_by("id")[:12])
    places = [p for p in venues + houses if p.grid.police_grid_id in officers]
    if not places:
        out("  inspections: no venue in a police grid with an officer")
        return {"created": False}
    now = timezone.now()
    plan = sorted(
        # More of them recent, so some deadlines are still running.
        (now - dt.timedelta(days=0.2 + 119.8 * rng.random() ** 1.6, hours=rng.randint(0, 6)), places[n % len(places)])
        for n in range(count)
    )
    made = {"inspections": 0, "notices": 0, "signed": 0, "fixed": 0, "closed": 0, "reissued": 0, "escalated": 0}
    for at, place in plan:
        officer = users[officers[place.grid.police_grid_id]]
        fails = 0 if rng.random() < 0.35 else rng.choice((1, 1, 2, 2, 3))
        inspection = _inspect(rng, officer=officer, place=place, fails=fails, at=at)
        made["inspections"] += 1
        notice = getattr(inspection, "notice", None) if fails else None
        if notice is None:
            continue
        made["notices"] += 1
        notice_render(notice.pk)  # the render task, run here: the submit's own enqueue then finds it rendered
        roll = rng.random()
        deadline = min(h.deadline for h in Hazard.objects.filter(notice=notice))
        today = timezone.localdate()
        if roll < (0.45 if deadline >= today else 0.08):
            continue  # issued, not signed
        notices.notice_sign(notice=notice, signature_png=_signature(rng), signer_name=rng.choice(SIGNERS), user=officer)
        RectificationNotice.objects.filter(pk=notice.pk).update(signed_at=at + dt.timedelta(minutes=5))
        made["signed"] += 1
        hazards = list(notice.hazards.order_by("id"))
        if deadline > today:
            if rng.random() < 0.4:  # the venue reports fixed before the deadline
                notices.hazard_report_fixed(
                    notice=notice, hazard_id=hazards[0].pk, photos=[_photo(rng, "fixed.jpg")], note="已整改完毕"
                )
                made["fixed"] += 1
            continue
        if roll < 0.15:
            continue  # overdue: nobody came back yet
        re_at = timezone.make_aware(dt.datetime.combine(deadline, dt.time(10, rng.randrange(60))))
        passes = roll < 0.75
        result = loop.reinspection_submit(
            notice=notice, user=officer, at=re_at,
            results={h.pk: (True, "", None) if passes or i else (False, "仍未整改", _photo(rng)) for i, h in enumerate(hazards)},
        )  # fmt: skip
        # A re-inspection takes a quarter of an hour or so (a couple in under two minutes, which the
        # KPI page flags); derived from the id so the seed's random sequence is unchanged.
        Inspection.objects.filter(pk=result.inspection.pk).update(started_at=re_at - _took(result.inspection.pk))
        made["closed"] += len(result.closed)
        if result.notice is None:
            continue
        made["reissued"] += 1
        second = result.notice
        RectificationNotice.objects.filter(pk=second.pk).update(created_at=re_at)
        notice_render(second.pk)
        notices.notice_sign(notice=second, signature_png=_signature(rng), signer_name=rng.choice(SIGNERS), user=officer)
        deadline2 = min(h.deadline for h in second.hazards.all())
        if deadline2 >= today or roll < 0.85:
            continue  # round 2 running or overdue
        re2 = timezone.make_aware(dt.datetime.combine(deadline2, dt.time(15, 0)))
        r2 = loop.reinspection_submit(
            notice=second, user=officer, at=re2,
            results={h.pk: (False, "二次复查仍未整改", _photo(rng)) for h in second.hazards.all()},
        )  # fmt: skip
        Inspection.objects.filter(pk=r2.inspection.pk).update(started_at=re2 - _took(r2.inspection.pk))
        made["escalated"] += len(r2.escalated)
    loop.hazards_sweep()
    out("  inspections: " + ", ".join(f"{v} {k}" for k, v in made.items()))
    return {"created": True, **made}


# ---- city ---------------------------------------------------------------------------------------


def seed_city(*, rng: random.Random, out=print, count: int = 200_000) -> dict:
    """200,000 inspections of city venues with their answers, hazards, notices and hazard events,
    streamed with COPY; no PDFs (rendered on demand). Numbers per station and year, gap-free."""
    from lib import bulk

    services.checklists_seed_standard()
    if Inspection.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city inspections already seeded")
        return {"created": False}
    venues = list(
        Venue.objects.filter(grid__code__startswith="CITY-")
        .order_by("id")
        .values_list("id", "kind", "grid_id", "grid__police_grid__officer_id", "grid__police_grid__station_id")
    )
    venues = [v for v in venues if v[3]]
    if not venues:
        out("  city inspections: no city venues with officers")
        return {"created": False}
    from grid.models import Station

    stations = {s.pk: s for s in Station.objects.filter(pk__in={v[4] for v in venues})}
    templates = {}
    for t in ChecklistTemplate.objects.filter(is_current=True):
        templates[t.venue_kind] = (t.pk, list(ChecklistItem.objects.filter(template=t).order_by("order").values_list(
            "id", "text", "legal_basis", "default_grade")))  # fmt: skip
    i0, a0, h0, n0 = (bulk.next_id(t) for t in ("inspections_inspection", "inspections_answer", "inspections_hazard",
                                                   "inspections_rectificationnotice"))  # fmt: skip
    seqs = {}
    for station_id, year, m in RectificationNotice.objects.values_list("station_id", "year").annotate(m=Max("seq")):
        seqs[(station_id, year)] = m
    now = timezone.now()
    today = timezone.localdate(now)
    ins_rows, ans_rows, haz_rows, not_rows, ev_rows = [], [], [], [], []
    aid, hid, nid = a0, h0, n0
    plan = sorted(now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60)) for _ in range(count))
    for n, at in enumerate(plan):
        v_id, kind, g_id, officer, station_id = venues[rng.randrange(len(venues))]
        kind = VenueKind.SHOP if kind == VenueKind.OTHER else kind
        t_id, items = templates[kind]
        iid = i0 + n
        ins_rows.append((iid, v_id, None, t_id, officer, "submitted", at, at, None, g_id))
        fails = set() if rng.random() < 0.4 else set(rng.sample(range(len(items)), rng.choice((1, 1, 2, 3))))
        notice_id = None
        day = timezone.localdate(at)
        if fails:
            key = (station_id, day.year)
            seqs[key] = seq = seqs.get(key, 0) + 1
            notice_id = nid
            nid += 1
            # Issued: a signed notice needs its signature image and archived PDF, which rows cannot carry.
            not_rows.append((notice_id, iid, station_id, day.year, seq, services.notice_number(stations[station_id], day.year, seq),
                             1, "issued", secrets.token_urlsafe(16), "", "", "", None, "", "", "", at, g_id))  # fmt: skip
        for k, (item_id, text, basis, grade) in enumerate(items):
            if k in fails:
                note = NOTES[rng.randrange(len(NOTES))]
                ans_rows.append((aid, iid, item_id, "fail", note, grade, at))
                deadline = day + dt.timedelta(days=int(grade))
                live = deadline >= today or rng.random() < 0.15
                status = "open" if live else "closed"
                closed_at = None if live else timezone.make_aware(dt.datetime.combine(deadline, dt.time(11)))
                haz_rows.append((hid, iid, aid, notice_id, v_id, None, text, basis, note, grade, deadline, 1, status,
                                 None, closed_at, g_id))  # fmt: skip
                ev_rows.append((hid, at, officer, "issued", ""))
                if not live:
                    ev_rows.append((hid, closed_at, officer, status, ""))
                hid += 1
            else:
                ans_rows.append((aid, iid, item_id, "pass", "", "", at))
            aid += 1
    bulk.load("inspections_inspection", ["id", "venue_id", "house_id", "template_id", "officer_id", "status", "started_at",
                                         "submitted_at", "reinspection_of_id", "grid_id"], ins_rows)  # fmt: skip
    bulk.load(
        "inspections_answer", ["id", "inspection_id", "item_id", "result", "note", "grade", "updated_at"], ans_rows
    )
    bulk.load("inspections_rectificationnotice", ["id", "inspection_id", "station_id", "year", "seq", "number", "round", "status",
              "token", "pdf", "signature", "signer_name", "signed_at", "signed_pdf", "sha256", "sign_code_hash", "created_at",
              "grid_id"], not_rows)  # fmt: skip
    bulk.load("inspections_hazard", ["id", "inspection_id", "answer_id", "notice_id", "venue_id", "house_id", "text", "legal_basis",
              "note", "grade", "deadline", "round", "status", "previous_id", "closed_at", "grid_id"], haz_rows)  # fmt: skip
    bulk.load("inspections_hazardevent", ["hazard_id", "at", "user_id", "action", "note"], ev_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE inspections_inspection; ANALYZE inspections_answer; ANALYZE inspections_hazard; "
                      "ANALYZE inspections_rectificationnotice; ANALYZE inspections_hazardevent")  # fmt: skip
    out(f"  city: {len(ins_rows):,} inspections, {len(ans_rows):,} answers, {len(haz_rows):,} hazards, "
        f"{len(not_rows):,} notices")  # fmt: skip
    return {"created": True, "inspections": len(ins_rows), "hazards": len(haz_rows), "notices": len(not_rows)}
