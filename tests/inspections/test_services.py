import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspections import services
from inspections.models import ChecklistTemplate, Hazard, InspectionStatus, RectificationNotice, Result
from residents.models import VenueKind
from tests.factories import VenueFactory

pytestmark = pytest.mark.usefixtures("english")


def png(color=(200, 30, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, format="PNG")
    return SimpleUploadedFile("hazard.png", buf.getvalue(), content_type="image/png")


def test_every_venue_type_gets_a_standard_checklist_once(db):
    assert services.checklists_seed_standard() == 11
    assert services.checklists_seed_standard() == 0
    hotel = ChecklistTemplate.objects.get(venue_kind=VenueKind.HOTEL)
    texts = list(hotel.items.values_list("text", flat=True))
    assert any("疏散通道" in t for t in texts) and any("实名登记" in t for t in texts)
    assert all(hotel.items.values_list("legal_basis", flat=True))


def test_a_new_version_leaves_old_inspections_on_theirs(world):
    venue = VenueFactory(building=world.building("甲一网格"), kind=VenueKind.SHOP)
    inspection = services.inspection_start(user=world.users["officer_a"], venue=venue)
    old = inspection.template
    new = services.checklist_new_version(
        template=old, name="", items=[{"text": "新增项目", "legal_basis": "《消防法》", "default_grade": "3"}],
        user=world.users["chief"],
    )  # fmt: skip
    inspection.refresh_from_db()
    assert inspection.template == old and new.version == old.version + 1 and new.is_current
    assert not ChecklistTemplate.objects.get(pk=old.pk).is_current
    assert services.inspection_start(user=world.users["officer_b"], venue=venue).template == new


def _inspect(world, *, fails=2, photos=True):
    venue = VenueFactory(building=world.building("甲一网格"), kind=VenueKind.RESTAURANT, name="老马家牛肉面")
    inspection = services.inspection_start(user=world.users["officer_a"], venue=venue)
    items = list(inspection.template.items.all())
    for n, item in enumerate(items):
        failed = n < fails
        a = services.answer_save(
            inspection=inspection, item=item, result=Result.FAIL if failed else Result.PASS,
            note="灭火器过期" if failed else "",
        )  # fmt: skip
        if failed and photos:
            services.photo_add(answer=a, upload=png())
    return inspection


def test_submit_says_what_is_missing_and_saves_nothing(world):
    inspection = _inspect(world, photos=False)
    with pytest.raises(ValidationError) as exc:
        services.inspection_submit(inspection=inspection, user=world.users["officer_a"])
    assert sum("needs a photo" in m for m in exc.value.messages) == 2
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DRAFT and not Hazard.objects.exists()


def test_submit_makes_one_hazard_per_failed_item_and_a_numbered_notice(world, django_capture_on_commit_callbacks):
    inspection = _inspect(world)
    with django_capture_on_commit_callbacks() as callbacks:
        services.inspection_submit(inspection=inspection, user=world.users["officer_a"])
    inspection.refresh_from_db()
    notice = RectificationNotice.objects.get(inspection=inspection)
    assert (notice.year, notice.seq) == (notice.created_at.year, 1)
    assert notice.number.endswith("第0001号") and str(notice.year) in notice.number
    hazards = list(Hazard.objects.filter(notice=notice))
    assert len(hazards) == 2 and all(h.deadline >= inspection.submitted_at.date() for h in hazards)
    assert len(callbacks) == 1  # the PDF is rendered after commit
    services.inspection_submit(inspection=inspection, user=world.users["officer_a"])  # twice: nothing new
    assert RectificationNotice.objects.count() == 1 and Hazard.objects.count() == 2


def test_numbers_continue_per_station_and_year(world):
    first = _inspect(world)
    services.inspection_submit(inspection=first, user=world.users["officer_a"])
    second = _inspect(world)
    services.inspection_submit(inspection=second, user=world.users["officer_a"])
    assert sorted(RectificationNotice.objects.values_list("seq", flat=True)) == [1, 2]


def test_a_submitted_inspection_cannot_change(world):
    inspection = _inspect(world)
    services.inspection_submit(inspection=inspection, user=world.users["officer_a"])
    with pytest.raises(ValidationError, match="submitted"):
        services.answer_save(inspection=inspection, item=inspection.template.items.first(), result=Result.PASS)
