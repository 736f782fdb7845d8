"""``make bench``, the background half: the work people wait for without a request in front of it.

- Rectification notices per second in one process, without photos and with two (each of two
  hazards with a phone photo), through ``inspections.notices.notice_render`` — the task's own
  code: the row lock, the document's reads, the photos read from storage and downscaled, the PDF,
  the file saved and the row updated.
- The peak memory (VmHWM) of a real Celery worker (``--pool=solo``) rendering notices with photos.
- A door-plate QR label sheet for 1,000 houses, through ``residents.labels`` (create, then render).
- The monthly KPI aggregation of last month for the whole city (``kpi.aggregate.recompute``).

Nothing stays behind. The in-process measures run inside a transaction that is rolled back, with
media written to a temporary folder. The notices are copies made for the measure (real venues,
their officer, station and checklist; two hazards each; dated 2000-01-01 and closed, so no sweep,
list page or KPI picks them up). The worker cannot see an uncommitted transaction: its copies are
committed, rendered into a temporary folder and deleted afterwards, rows and files.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Count, Max
from django.test.utils import override_settings
from django.utils import timezone

NOTICES = "notices_per_s"
NOTICES_PHOTOS = "notices_2_photos_per_s"
NOTICES_ONE = "notices_one_by_one_per_s"
LABELS = "label_sheet_1000_s"
KPI_MONTH = "kpi_month_s"
WORKER_RSS = "peak_rss_worker_mb"
NAMES = (NOTICES, NOTICES_PHOTOS, NOTICES_ONE, LABELS, KPI_MONTH, WORKER_RSS)

PHONE_PHOTO = (4032, 3024)  # a 12-megapixel phone camera; the upload path keeps 2000 px of it
HAZARDS_PER_NOTICE = 2
COPY_DAY = dt.date(2000, 1, 1)  # the copies' date: before anything a page, sweep or figure looks at
NOTES = ["通道堆放杂物", "灭火器压力不足", "电线私拉乱接", "应急照明损坏"]


def skipped(name: str, reason: str, unit: str) -> dict:
    return {"name": name, "value": None, "unit": unit, "skipped": reason}


# --- media and photos -------------------------------------------------------------------------


@contextmanager
def private_media():
    """Media (photos read, PDFs written) in a temporary folder, removed afterwards; files only on
    the local disk there, whatever storage is configured."""
    with tempfile.TemporaryDirectory(prefix="fengqiao-bench-") as tmp:
        storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
        with override_settings(MEDIA_ROOT=tmp, STORAGES=storages):
            yield Path(tmp)


def phone_photo(seed: int, size: tuple[int, int] | None = None) -> bytes:
    """A JPEG like a phone's: full size, smooth light with texture and grain (it compresses like a
    photo, not like a flat test card)."""
    from PIL import Image, ImageChops, ImageDraw

    size = size or PHONE_PHOTO
    w, h = size
    light = Image.linear_gradient("L").rotate(30 + seed * 40).resize(size)
    texture = Image.effect_noise((max(1, w // 8), max(1, h // 8)), 60).resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 12)
    channels = [
        ImageChops.add(ImageChops.multiply(light, texture), grain, scale=1.0, offset=-40 + 25 * k) for k in range(3)
    ]
    im = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(im)
    for k in range(12):  # shelves, boxes, a fire extinguisher: edges the encoder has to keep
        x, y = (seed * 977 + k * 331) % w, (seed * 613 + k * 197) % h
        draw.rectangle([x, y, x + w // 10, y + h // 14], fill=(200 - k * 9, 40 + k * 11, 30 + k * 5))
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=92)
    return out.getvalue()


def stored_photos(count: int, *, size: tuple[int, int] | None = None) -> list[tuple[str, str]]:
    """``count`` phone photos through the upload path (``lib.images.clean_photo``: checked,
    re-encoded at most 2000 px, thumbnailed) into the current storage: (image, thumbnail) names."""
    from inspections.models import Photo
    from lib.images import clean_photo

    names = []
    for k in range(count):
        clean = clean_photo(SimpleUploadedFile(f"hazard-{k}.jpg", phone_photo(k, size), content_type="image/jpeg"))
        photo = Photo()
        photo.image.save(clean.image.name, clean.image, save=False)
        photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
        names.append((photo.image.name, photo.thumbnail.name))
    return names


# --- notices to render ------------------------------------------------------------------------


def _places(n: int) -> list:
    """Up to ``n`` real places an officer inspects: venues, else group-rental houses."""
    from residents.models import House, HouseUse, Venue

    related = ("grid__police_grid__station", "grid__police_grid__officer")
    venues = list(
        Venue.objects.filter(grid__police_grid__officer__isnull=False).select_related(*related).order_by("pk")[:n]
    )
    if venues:
        return venues
    houses = House.objects.filter(grid__police_grid__officer__isnull=False).select_related(*related)
    return list(houses.filter(use=HouseUse.RENTAL).order_by("pk")[:n]) or list(houses.order_by("pk")[:n])


def notice_copies(n: int, *, photos: list[tuple[str, str]], status: str = "issued") -> list[int]:
    """``n`` issued notices, each with two hazards, made for the measure; the hazards have the
    ``photos`` (stored names) one each, or none. Returns the notices' ids.

    Rows as ``inspection_submit`` makes them (a submitted inspection, its failed answers with
    their photos, the hazards, the numbered notice), written in bulk; the caller rolls them back or
    deletes them with :func:`delete_copies`.
    """
    from inspections.models import (
        Answer,
        Hazard,
        HazardStatus,
        Inspection,
        InspectionStatus,
        Photo,
        RectificationNotice,
        Result,
    )
    from inspections.services import current_template, notice_number
    from residents.models import Venue, VenueKind

    places = _places(n)
    if not places:
        raise RuntimeError("no venue or house in a police grid with an officer: seed first")
    at = timezone.make_aware(dt.datetime.combine(COPY_DAY, dt.time(10)))
    templates, items = {}, {}
    inspections = []
    for k in range(n):
        place = places[k % len(places)]
        kind = place.kind if isinstance(place, Venue) else VenueKind.GROUP_RENTAL
        kind = VenueKind.SHOP if kind == VenueKind.OTHER else kind
        if kind not in templates:
            templates[kind] = current_template(kind)
            items[kind] = list(templates[kind].items.order_by("order")[:HAZARDS_PER_NOTICE])
        inspections.append(
            Inspection(
                venue=place if isinstance(place, Venue) else None,
                house=None if isinstance(place, Venue) else place,
                template=templates[kind],
                officer=place.grid.police_grid.officer,
                status=InspectionStatus.SUBMITTED,
                submitted_at=at,
                grid=place.grid,
            )
        )
    Inspection.objects.bulk_create(inspections)
    Inspection.objects.filter(pk__in=[i.pk for i in inspections]).update(started_at=at - dt.timedelta(minutes=20))
    answers = [
        Answer(inspection=i, item=item, result=Result.FAIL, note=NOTES[(k + j) % len(NOTES)], grade=item.default_grade)
        for k, i in enumerate(inspections)
        for j, item in enumerate(items[i.template.venue_kind])
    ]
    Answer.objects.bulk_create(answers)
    if photos:
        Photo.objects.bulk_create(
            Photo(answer=a, image=photos[j % len(photos)][0], thumbnail=photos[j % len(photos)][1])
            for j, a in enumerate(answers)
        )
    stations = {i.grid.police_grid.station_id: i.grid.police_grid.station for i in inspections}
    seqs = dict(
        RectificationNotice.objects.filter(station__in=stations, year=COPY_DAY.year)
        .values_list("station")
        .annotate(m=Max("seq"))
    )
    notices = []
    for i in inspections:
        station = i.grid.police_grid.station
        seqs[station.pk] = seq = (seqs.get(station.pk) or 0) + 1
        notices.append(
            RectificationNotice(
                inspection=i,
                station=station,
                year=COPY_DAY.year,
                seq=seq,
                number=notice_number(station, COPY_DAY.year, seq),
                status=status,
                grid=i.grid,
            )
        )
    RectificationNotice.objects.bulk_create(notices)
    RectificationNotice.objects.filter(pk__in=[x.pk for x in notices]).update(created_at=at)
    by_inspection = {x.inspection_id: x for x in notices}
    Hazard.objects.bulk_create(
        Hazard(
            inspection=a.inspection,
            answer=a,
            notice=by_inspection[a.inspection.pk],
            venue=a.inspection.venue,
            house=a.inspection.house,
            text=a.item.text,
            legal_basis=a.item.legal_basis,
            note=a.note,
            grade=a.grade,
            deadline=COPY_DAY + dt.timedelta(days=int(a.grade)),
            status=HazardStatus.CLOSED,
            closed_at=at,
            grid=a.inspection.grid,
        )
        for a in answers
    )
    return [x.pk for x in notices]


def delete_copies(notice_ids: list[int]) -> None:
    """Delete what :func:`notice_copies` made (rows only: the files are in a temporary folder)."""
    from inspections.models import Answer, Hazard, HazardEvent, Inspection, RectificationNotice

    inspection_ids = list(RectificationNotice.objects.filter(pk__in=notice_ids).values_list("inspection", flat=True))
    with transaction.atomic():
        HazardEvent.objects.filter(hazard__notice__in=notice_ids).delete()
        Hazard.objects.filter(notice__in=notice_ids).delete()
        RectificationNotice.objects.filter(pk__in=notice_ids).delete()
        Answer.objects.filter(inspection__in=inspection_ids).delete()  # and their photos
        Inspection.objects.filter(pk__in=inspection_ids).delete()


# --- the measures -----------------------------------------------------------------------------


def notices_per_second(n: int, *, photos: int, one_by_one: bool = False) -> dict:
    """Notices rendered per second by one process, warm, through the render task's own code: ``n``
    notices waiting (pending), their tasks run one after another as a worker takes them from the
    queue — the first renders a batch, the next find theirs done (``notices_render_backlog``).
    ``one_by_one``: each notice rendered on its own instead (``notice_render``: a notice opened
    before its task ran, or a queue that holds one notice at a time)."""
    from inspections import notices
    from inspections.models import Hazard, NoticeStatus

    name = NOTICES_ONE if one_by_one else NOTICES_PHOTOS if photos else NOTICES
    if n <= 0:
        return skipped(name, "n = 0", "notices/s")
    with private_media(), transaction.atomic():
        stored = stored_photos(photos) if photos else []
        ids = notice_copies(n + 1, photos=stored, status=NoticeStatus.PENDING)
        if photos:  # the photos are really there for the renderer to read
            hazard = Hazard.objects.filter(notice=ids[0]).select_related("answer").first()
            if not notices._pdf_photo(hazard):
                raise RuntimeError("the bench's photos cannot be read back from storage")
        notices.notice_render(notice_id=ids[0])  # warm: a worker has rendered before
        started, cpu = time.perf_counter(), time.process_time()
        if one_by_one:
            rendered = sum(notices.notice_render(notice_id=pk) for pk in ids[1:])
        else:
            rendered = sum(notices.notices_render_backlog(first=pk) for pk in ids[1:])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if rendered != n:
            raise RuntimeError(f"{rendered} of {n} notices rendered")
        transaction.set_rollback(True)
    return {"name": name, "value": round(n / seconds, 1), "unit": "notices/s", "n": n,
            "photos_per_notice": photos, "seconds": round(seconds, 2), "cpu_s": round(cpu, 2)}  # fmt: skip


def label_sheet(houses: int = 1000) -> dict:
    """The label sheets of the community grids with the most houses, until ``houses`` are on them
    (a city grid holds about 500): created and rendered by ``residents.labels``, timed together."""
    from accounts.models import User
    from grid.models import CommunityGrid
    from residents import labels

    grids, total = [], 0
    counted = (
        CommunityGrid.objects.annotate(n=Count("buildings__houses"))
        .filter(n__gt=0)
        .select_related("police_grid__officer")
        .order_by("-n", "pk")
    )
    for grid in counted.iterator():
        grids.append(grid)
        total += grid.n
        if total >= houses:
            break
    if not grids:
        return skipped(LABELS, "no houses", "s")
    user = grids[0].police_grid.officer or User.objects.filter(is_superuser=True).first()
    with private_media(), transaction.atomic():
        started, cpu = time.perf_counter(), time.process_time()
        sheets = []
        for grid in grids:
            sheet = labels.label_sheet_create(user=user, grid=grid)
            sheets.append(labels.label_sheet_render(sheet_id=sheet.pk))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        transaction.set_rollback(True)
    failed = [s.error for s in sheets if s.status != "done"]
    if failed:
        raise RuntimeError(f"label sheet failed: {failed[0]}")
    from documents.labels import PER_PAGE

    return {"name": LABELS, "value": round(seconds, 2), "unit": "s", "houses": total,
            "labels": sum(s.total for s in sheets), "pages": sum(-(-s.total // PER_PAGE) for s in sheets),
            "sheets": len(sheets), "cpu_s": round(cpu, 2)}  # fmt: skip


def tidy(*models) -> None:
    """After a measure rolled back: vacuum the tables it wrote (PostgreSQL, outside a transaction),
    as autovacuum would. A rolled-back month of KPI figures leaves 800,000 dead rows, and until a
    vacuum the chief's page reads each page of them from the table instead of its index alone —
    on a machine with autovacuum off (as here), every later bench run would measure that."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')  # noqa: S608 (a model's table)


def kpi_month() -> dict:
    """Last complete month's figures for every grid and person, recomputed (then rolled back)."""
    from kpi import aggregate
    from kpi.models import Figure

    last = aggregate.month_start(timezone.localdate()) - dt.timedelta(days=1)
    first = aggregate.month_start(last)
    with transaction.atomic():
        started, cpu = time.perf_counter(), time.process_time()
        rows = aggregate.recompute(first, last)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        transaction.set_rollback(True)
    tidy(Figure)
    return {"name": KPI_MONTH, "value": round(seconds, 2), "unit": "s", "month": first.strftime("%Y-%m"),
            "rows_written": rows, "cpu_s": round(cpu, 2)}  # fmt: skip


def _database_url() -> str | None:
    """The bench's own database as a URL for the worker, or None when another process cannot share it."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(s["USER"] or "", safe="")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"], safe="")
        host = s["HOST"] or "localhost"
        return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{quote(str(s['NAME']), safe='')}"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return f"sqlite:///{s['NAME']}"
    return None


def _vm(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS of a process, in kB (Linux)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(rest.split()[0])
    return found


def worker_peak_rss(n: int, *, out: Callable[[str], None] = print, timeout: float | None = None) -> dict:
    """Start a real Celery worker (solo pool, one process, the bench's database and broker, media
    in a temporary folder), have it render ``n`` notices with two photos each, and read its
    peak resident memory (VmHWM) before stopping it."""
    from config.celery import app as celery_app
    from inspections.models import RectificationNotice
    from inspections.tasks import notice_render

    if n <= 0:
        return skipped(WORKER_RSS, "n = 0", "MB")
    if not settings.REDIS_URL:
        return skipped(WORKER_RSS, "no REDIS_URL: tasks run in-process, there is no worker", "MB")
    if not Path("/proc/self/status").exists():
        return skipped(WORKER_RSS, "no /proc to read the worker's memory from", "MB")
    database_url = _database_url()
    if database_url is None:
        return skipped(WORKER_RSS, "the database cannot be shared with another process", "MB")
    if connection.in_atomic_block:
        return skipped(WORKER_RSS, "inside a transaction: the worker could not see the notices", "MB")
    from inspections.models import NoticeStatus

    if RectificationNotice.objects.filter(status=NoticeStatus.PENDING, pdf="").exists():
        # The worker's tasks render the backlog with their own notice: real ones would get files in
        # the bench's temporary folder, committed.
        return skipped(WORKER_RSS, "notices waiting for their PDF in the database: render them first", "MB")
    timeout = timeout if timeout is not None else 120 + 2 * n
    queue = f"fq-bench-{uuid.uuid4().hex[:8]}"
    ids: list[int] = []
    with private_media() as media:
        with transaction.atomic():  # waiting, as behind a backlog: the worker renders them in batches
            ids = notice_copies(n, photos=stored_photos(2), status=NoticeStatus.PENDING)
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.REDIS_URL,
               "MEDIA_ROOT": str(media), "S3_BUCKET": ""}  # fmt: skip
        log_path = media / "worker.log"
        proc = None
        eager = celery_app.conf.task_always_eager
        try:
            with log_path.open("w") as log:
                proc = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
                     "-Q", queue, "-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat",
                     "-l", "warning"],
                    cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            celery_app.conf.task_always_eager = False
            started = time.perf_counter()
            for pk in ids:
                notice_render.apply_async(args=[pk], queue=queue)
            pending = RectificationNotice.objects.filter(pk__in=ids, pdf="")
            deadline = time.monotonic() + timeout
            left, first = n, None
            while left and time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"the worker stopped:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
                left = pending.count()
                if first is None and left < n:
                    first = _vm(proc.pid)["VmHWM"]  # started, imported everything, rendered one or two
            seconds = time.perf_counter() - started
            vm = _vm(proc.pid)
            if left:
                raise RuntimeError(f"the worker rendered {n - left} of {n} notices in {timeout:.0f} s:\n"
                                   f"{log_path.read_text()[-3000:]}")  # fmt: skip
        finally:
            celery_app.conf.task_always_eager = eager
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            _purge(queue, out)
            delete_copies(ids)
    return {"name": WORKER_RSS, "value": round(vm["VmHWM"] / 1024, 1), "unit": "MB", "n": n, "photos_per_notice": 2,
            "peak_after_first_mb": round((first or 0) / 1024, 1), "rss_at_end_mb": round(vm["VmRSS"] / 1024, 1),
            "seconds": round(seconds, 1)}  # fmt: skip


def _purge(queue: str, out) -> None:
    """Remove the bench's private queue from Redis: its list (tasks left by a failed run) and the
    bindings the publisher and the worker declared."""
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"*{queue}*"))  # the name carries a random part: only ours
        if keys:
            client.delete(*keys)
    except Exception as exc:  # the measure's own error matters more
        out(f"  (could not remove the queue {queue} from Redis: {exc})")
