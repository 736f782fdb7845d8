"""Reports: the station's monthly and weekly report and an officer's performance list, rendered
in the background from the figures (the PDF's text, the Excel's rows), who may ask for and read
them, and the beat that makes them on the 1st and on Mondays (idempotent)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from kpi import aggregate, reports
from kpi.models import Report, ReportKind, ReportStatus
from tests.disputes.helpers import pdf_text
from tests.kpi.test_aggregate import _checks, _visit, bj


@pytest.fixture
def october(world):
    _visit(world, bj("2026-10-05 10:00"), participants=["aux_a"])
    _visit(world, bj("2026-10-20 15:00"))
    _checks(world, bj("2026-10-06 09:00"), bj("2026-10-06 12:00"))
    with time_machine.travel(bj("2026-11-01 03:00"), tick=False):
        aggregate.recompute(dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    return world


def test_the_monthly_station_report_is_rendered_from_the_figures(october, django_capture_on_commit_callbacks):
    with time_machine.travel(bj("2026-11-01 07:00"), tick=False), django_capture_on_commit_callbacks(execute=True):
        report = reports.request(kind=ReportKind.STATION_MONTH, station=october.s1, day=dt.date(2026, 10, 9),
                                 by=october.users["chief"])  # fmt: skip
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.progress == 100 and len(report.sha256) == 64
    assert (report.first_day, report.last_day) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    with report.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert "上海西路派出所" in text and "社区警务工作月报" in text and "2026年10月" in text
    assert "走访" in text and "警情分类同比" in text and "警务区" in text
    # The police grids' table: 甲警务区 made the two visits, 乙警务区 none.
    line = next(ln for ln in text.splitlines() if "甲警务区" in ln)
    assert line.split()[2] == "2"


def test_an_officers_performance_list_has_a_pdf_and_an_excel(october, django_capture_on_commit_callbacks):
    officer = october.users["officer_a"]
    with time_machine.travel(bj("2026-11-01 07:00"), tick=False), django_capture_on_commit_callbacks(execute=True):
        report = reports.request(kind=ReportKind.OFFICER_MONTH, station=october.s1, day=dt.date(2026, 10, 1),
                                 officer=officer, by=officer)  # fmt: skip
    report.refresh_from_db()
    with report.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert "绩效清单" in text and officer.display_name in text
    with report.xlsx.open("rb") as f:
        rows = {r[0].value: r[1].value for r in load_workbook(io.BytesIO(f.read())).active.iter_rows(min_row=3)}
    assert rows["走访"] == "2" and rows["在社区时长（小时）"] == "3.0"


def test_who_may_ask_for_and_read_reports(october):
    s1, users = october.s1, october.users
    with time_machine.travel(bj("2026-11-01 07:00"), tick=False):
        with pytest.raises(ValidationError):  # another station's chief
            reports.request(
                kind=ReportKind.STATION_MONTH, station=s1, day=dt.date(2026, 10, 1), by=users["other_chief"]
            )
        with pytest.raises(ValidationError):  # an officer asking for a colleague's list
            reports.request(kind=ReportKind.OFFICER_MONTH, station=s1, day=dt.date(2026, 10, 1),
                            officer=users["officer_b"], by=users["officer_a"])  # fmt: skip
        with pytest.raises(ValidationError):  # not an officer of the station
            reports.request(kind=ReportKind.OFFICER_MONTH, station=s1, day=dt.date(2026, 10, 1),
                            officer=users["other_station_officer"], by=users["chief"])  # fmt: skip
        with pytest.raises(ValidationError):  # a period that has not begun
            reports.request(kind=ReportKind.STATION_MONTH, station=s1, day=dt.date(2026, 12, 1), by=users["chief"])
        mine = reports.request(kind=ReportKind.OFFICER_MONTH, station=s1, day=dt.date(2026, 10, 1),
                               officer=users["officer_a"], by=users["chief"])  # fmt: skip
    assert list(reports.reports_for(users["officer_a"])) == [mine]
    assert list(reports.reports_for(users["officer_b"])) == []
    assert list(reports.reports_for(users["chief"])) == [mine]
    assert list(reports.reports_for(users["other_chief"])) == []
    assert list(reports.reports_for(users["volunteer"])) == []


def test_the_beat_makes_last_months_lists_and_reports_once(october):
    with time_machine.travel(bj("2026-11-01 06:10"), tick=False):
        made = reports.monthly()
        assert reports.monthly() == 0
    kinds = sorted(Report.objects.values_list("kind", "station_id", "first_day"))
    officers = {r.officer.username for r in Report.objects.filter(kind=ReportKind.OFFICER_MONTH)}
    assert {"officer_a", "officer_b", "aux_a", "other_station_officer"} <= officers
    assert made == len(kinds) and all(first == dt.date(2026, 10, 1) for _k, _s, first in kinds)
    assert Report.objects.filter(kind=ReportKind.STATION_MONTH).count() == 2  # both stations
    with time_machine.travel(bj("2026-11-02 06:20"), tick=False):  # a Monday
        assert reports.weekly() == 2 and reports.weekly() == 0
    week = Report.objects.filter(kind=ReportKind.STATION_WEEK).first()
    assert (week.first_day, week.last_day) == (dt.date(2026, 10, 26), dt.date(2026, 11, 1))


def test_the_chief_asks_for_a_report_on_the_page_waits_and_downloads_it(
    october, as_user, django_capture_on_commit_callbacks
):
    with time_machine.travel(bj("2026-11-03 09:00"), tick=False):  # one clock: no idle logout
        _asks_waits_downloads(october, as_user, django_capture_on_commit_callbacks)


def _asks_waits_downloads(october, as_user, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from accounts.models import AuditAction, AuditEvent

    chief = as_user("chief")
    with django_capture_on_commit_callbacks(execute=True):
        response = chief.post(reverse("kpi:reports"), {"kind": "station_month", "month": "2026-10"})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("kpi:report", args=[report.pk])
    progress = chief.get(reverse("kpi:report", args=[report.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 200, progress
    progress = progress.content.decode()
    assert 'data-status="done"' in progress and "hx-trigger" not in progress
    pdf = chief.get(reverse("kpi:report_pdf", args=[report.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.DOWNLOAD, object_id=str(report.pk)).count() == 1
    assert as_user("other_chief").get(reverse("kpi:report_pdf", args=[report.pk])).status_code == 404
    assert as_user("officer_a").get(reverse("kpi:report", args=[report.pk])).status_code == 404
    # An officer asks for their own list, whatever the form says.
    with django_capture_on_commit_callbacks(execute=True):
        as_user("officer_a").post(reverse("kpi:reports"), {"kind": "station_month", "month": "2026-10", "officer": 0})
    mine = Report.objects.exclude(pk=report.pk).get()
    assert mine.kind == ReportKind.OFFICER_MONTH and mine.officer == october.users["officer_a"] and mine.xlsx
    bad = chief.post(reverse("kpi:reports"), {"kind": "station_month", "month": "2026-99"})
    assert bad.status_code == 200 and Report.objects.count() == 2
