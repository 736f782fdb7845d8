"""Incidents for tests: saved through the import's own services, heat cells rebuilt."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents import importer, services
from incidents.models import Incident, IncidentImport
from tests.factories import centre

HEADER = ["警情编号", "报警时间", "警情类别", "警情细类", "发生地址", "经度", "纬度", "简要情况"]


def at(text: str) -> dt.datetime:
    """An aware Beijing time from ``YYYY-MM-DD HH:MM``."""
    return timezone.make_aware(dt.datetime.strptime(text, "%Y-%m-%d %H:%M"))


def add(number: str, *, when: str, category: str = "criminal", grid=None, point=None, address: str = "", sub="盗窃"):
    """Save one incident at ``point`` (lat, lng) or in the middle of ``grid``; returns it."""
    lat, lng = point if point is not None else (centre(grid) if grid is not None else (None, None))
    locator = services.GridLocator()
    fields = services.incident_fields(
        occurred_at=at(when), category=category, subcategory=sub, address=address, lat=lat, lng=lng, summary="",
        grid_id=locator.grid_id(lat, lng),
    )  # fmt: skip
    _c, _u, _s, days = services.incidents_save(rows={number: fields})
    services.heat_cells_rebuild(days=days)
    return Incident.objects.get(number=number)


def csv_file(rows, *, encoding: str = "utf-8-sig", name: str = "警情.csv", header=HEADER) -> SimpleUploadedFile:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, name: str = "警情.xlsx", header=HEADER) -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def run(user, upload) -> IncidentImport:
    """Start an import and run it now (the task itself, without waiting for a commit)."""
    job = importer.import_start(user=user, file=upload)
    return importer.import_run(job.pk)


def row(number, when, category, grid, *, sub="盗窃", address="测试路1号", summary="", dx=0.0):
    lat, lng = centre(grid, dx)
    return [number, when, category, sub, address, f"{lng:.6f}", f"{lat:.6f}", summary]
