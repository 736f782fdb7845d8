"""Upload attacks on the inspection photo: refused with a clear message, or neutralised on storage."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from inspections import services
from inspections.models import Answer, Photo, Result
from residents.models import VenueKind
from tests.factories import VenueFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def as_user(as_user_en):
    """The personas' clients with pages in English: messages are matched by their msgid."""
    return as_user_en


XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def spot(world):
    """A draft with its first item failed and described: what a bad upload must not lose."""
    v = VenueFactory(building=world.building("甲一网格"), kind=VenueKind.SHOP)
    inspection = services.inspection_start(user=world.users["officer_a"], venue=v)
    item = inspection.template.items.order_by("order").first()
    services.answer_save(inspection=inspection, item=item, result=Result.FAIL, note="电线私拉乱接", grade="3")
    return inspection, item


def upload(as_user, spot, f):
    inspection, item = spot
    return as_user("officer_a").post(reverse("inspections:photo", args=[inspection.pk, item.pk]), {"photo": f}, **XHR)


def encoded(fmt="PNG", size=(64, 48), mode="RGB", **save) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 0 if mode == "1" else (10, 120, 200)).save(buf, format=fmt, **save)
    return buf.getvalue()


def assert_refused(response, message):
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "fq-item-error" in body
    assert not Photo.objects.exists()
    # Nothing else lost: the item keeps its answer and the card shows it.
    a = Answer.objects.get()
    assert (a.result, a.note, a.grade) == ("fail", "电线私拉乱接", "3") and "电线私拉乱接" in body


def test_a_text_file_renamed_jpg_is_refused(as_user, spot):
    f = SimpleUploadedFile("hazard.jpg", b"this is not a photo\n" * 50, content_type="image/jpeg")
    assert_refused(upload(as_user, spot, f), "This file is not a photo (JPEG, PNG or WebP).")


def test_a_gif_is_refused(as_user, spot):
    f = SimpleUploadedFile("hazard.gif", encoded("GIF"), content_type="image/gif")
    assert_refused(upload(as_user, spot, f), "Only JPEG, PNG or WebP photos are accepted.")


def test_an_image_over_40_megapixels_is_refused(as_user, spot):
    data = encoded(size=(8000, 6000), mode="1")  # 48 MP, a few kB compressed, under Pillow's own limit
    assert len(data) < 1_000_000
    f = SimpleUploadedFile("big.png", data, content_type="image/png")
    assert_refused(upload(as_user, spot, f), "more than 40 megapixels")


def test_a_decompression_bomb_is_refused(as_user, spot):
    data = encoded(size=(20000, 20000), mode="1")  # 400 MP: over Pillow's bomb limit
    assert len(data) < 1_000_000 and 2 * Image.MAX_IMAGE_PIXELS < 20000 * 20000
    f = SimpleUploadedFile("bomb.png", data, content_type="image/png")
    assert_refused(upload(as_user, spot, f), "more than 40 megapixels")


def test_a_50_mb_file_is_refused(as_user, spot):
    f = SimpleUploadedFile("huge.jpg", encoded("JPEG") + b"\0" * (50 * 1024 * 1024), content_type="image/jpeg")
    assert_refused(upload(as_user, spot, f), "larger than 10 MB")


def test_an_empty_file_is_refused(as_user, spot):
    f = SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg")
    response = upload(as_user, spot, f)
    assert "The file is empty." in response.content.decode() and not Photo.objects.exists()


def test_a_png_with_a_zip_appended_is_stored_re_encoded_without_it(as_user, spot):
    payload = b"PK\x03\x04" + b"\x14\x00" * 20 + b"evil.php<?php system($_GET['c']); ?>"
    f = SimpleUploadedFile("polyglot.png", encoded() + payload, content_type="image/png")
    assert upload(as_user, spot, f).status_code == 200
    photo = Photo.objects.get()
    stored = photo.image.read()
    assert stored[:2] == b"\xff\xd8" and b"PK\x03\x04" not in stored and b"<?php" not in stored
    assert b"PK\x03\x04" not in photo.thumbnail.read()


def test_a_file_name_with_path_separators_is_stored_under_inspections_with_a_safe_name(as_user, spot):
    f = SimpleUploadedFile("../../etc/passwd.png", encoded(), content_type="image/png")
    assert upload(as_user, spot, f).status_code == 200
    photo = Photo.objects.get()
    for name in (photo.image.name, photo.thumbnail.name):
        assert name.startswith("inspections/") and ".." not in name and "etc/" not in name
        assert name.endswith(".jpg")


def test_exif_is_stripped(as_user, spot):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "leaky-firmware 1.0"  # Software
    data = encoded("JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as probe:
        assert probe.getexif()  # the upload does carry EXIF
    f = SimpleUploadedFile("exif.jpg", data, content_type="image/jpeg")
    assert upload(as_user, spot, f).status_code == 200
    photo = Photo.objects.get()
    stored = photo.image.read()
    with Image.open(io.BytesIO(stored)) as im:
        assert not im.getexif() and "exif" not in im.info
    assert b"SecretCam" not in stored and b"Exif\x00\x00" not in stored


def test_a_good_photo_after_a_bad_one_is_accepted(as_user, spot):
    upload(as_user, spot, SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg"))
    response = upload(as_user, spot, SimpleUploadedFile("ok.webp", encoded("WEBP"), content_type="image/webp"))
    assert response.status_code == 200 and Photo.objects.count() == 1
    assert "fq-item-error" not in response.content.decode()
