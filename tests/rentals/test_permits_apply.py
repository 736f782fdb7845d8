"""The resident's side of residence permits: apply, follow the status, correct after a return."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rentals import permits
from rentals.models import PermitAttachment, PermitEvent, PermitStatus, ResidencePermit
from residents.models import EncryptedIdentifiers
from tests.factories import resident_id
from tests.routes_permits import jpeg, permit_in

GOOD_ID = resident_id(911)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def form_data(world, **overrides):
    data = {
        "name": "李小红",
        "id_number": GOOD_ID,
        "phone": "139 1234 5678",
        "house": world.house("甲一网格").qr_token,
        "basis": "work",
        "basis_detail": "阅海小学",
    }
    data.update(overrides)
    return data


def test_an_invalid_id_is_explained_at_the_field_the_input_kept_and_nothing_saved(world, client):
    bad = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")
    response = client.post(reverse("permits:apply"), form_data(world, id_number=bad))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["id_number"]
    html = response.content.decode()
    assert 'value="李小红"' in html and f'value="{bad}"' in html and 'value="阅海小学"' in html
    assert "invalid-feedback" in html
    # The picked house stays picked.
    assert f'value="{world.house("甲一网格").qr_token}" checked' in html
    assert not ResidencePermit.objects.exists() and not PermitEvent.objects.exists()


def test_a_wrong_phone_and_a_missing_address_get_their_own_messages(world, client):
    response = client.post(reverse("permits:apply"), form_data(world, phone="12345", house=""))
    errors = response.context["form"].errors
    assert set(errors) == {"phone", "house"}
    assert not ResidencePermit.objects.exists()


def test_after_an_error_the_page_asks_for_the_photos_again(world, client):
    response = client.post(reverse("permits:apply"), {**form_data(world, name=""), "photo": jpeg()})
    assert response.status_code == 200
    assert response.context["files_lost"] is True


def test_a_file_that_is_not_a_photo_is_refused_at_its_field(world, client):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client.post(reverse("permits:apply"), {**form_data(world), "photo": fake})
    assert "photo" in response.context["form"].errors
    gif = jpeg(fmt="GIF", name="a.gif")
    response = client.post(reverse("permits:apply"), {**form_data(world), "attachments": [gif]})
    assert "attachments" in response.context["form"].errors
    assert not ResidencePermit.objects.exists()


def test_more_than_three_supporting_photos_are_refused(world, client):
    files = [jpeg(name=f"{i}.jpg") for i in range(4)]
    response = client.post(reverse("permits:apply"), {**form_data(world), "attachments": files})
    assert "attachments" in response.context["form"].errors


def test_an_application_is_stored_masked_and_leads_to_the_status_page(world, client):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    buf = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 200, 10)).save(buf, format="JPEG", exif=exif.tobytes())
    photo = SimpleUploadedFile("me.jpg", buf.getvalue(), content_type="image/jpeg")
    proofs = [jpeg(name="contract.png", fmt="PNG"), jpeg(name="card.webp", fmt="WEBP")]
    response = client.post(reverse("permits:apply"), {**form_data(world), "photo": photo, "attachments": proofs})

    permit = ResidencePermit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("permits:status", args=[permit.status_token])
    assert permit.status == PermitStatus.SUBMITTED
    assert permit.grid == world.a1 and permit.house == world.house("甲一网格")
    assert permit.id_number_hash == EncryptedIdentifiers.id_hash_for(GOOD_ID)
    assert permit.id_number_masked == GOOD_ID[:6] + "********" + GOOD_ID[-4:]
    assert permit.phone == "13912345678" and permit.phone_masked == "139****5678"
    assert GOOD_ID not in permit.id_number_enc
    assert [e.action for e in permit.events.all()] == ["submitted"]
    # Re-encoded: JPEG, shrunk, no EXIF left.
    with permit.photo.open("rb") as f, Image.open(f) as img:
        assert img.format == "JPEG" and max(img.size) <= 800 and not img.getexif()
    assert PermitAttachment.objects.filter(permit=permit).count() == 2
    for a in permit.attachments.all():
        assert a.image.name.endswith(".jpg")


def test_the_address_can_be_prefilled_from_a_door_plate_token(world, client):
    house = world.house("乙一网格")
    response = client.get(reverse("permits:apply"), {"house": house.qr_token})
    html = response.content.decode()
    assert f'value="{house.qr_token}" checked' in html
    assert house.building.address in html


def test_the_address_picker_shows_addresses_only_and_needs_two_characters(world, client):
    b = world.building("甲一网格")
    response = client.get(reverse("permits:houses"), {"q": f"{b.address} 101"})
    html = response.content.decode()
    assert f"{b.address} 1单元101" in html and "1单元102" not in html
    assert world.person("甲一网格").name not in html
    assert len(response.context["houses"]) == 1
    assert client.get(reverse("permits:houses"), {"q": "测"}).context["houses"] == []


def test_the_status_page_shows_masked_data_and_what_is_missing(world, client):
    permit = permits.permit_apply(
        name="王大明", id_number=GOOD_ID, phone="13912345678", house=world.house("甲一网格"),
        basis="study", basis_detail="宁夏大学",
    )  # fmt: skip
    response = client.get(reverse("permits:status", args=[permit.status_token]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "王*明" in html and permit.id_number_masked in html
    assert GOOD_ID not in html and "13912345678" not in html
    missing = response.context["missing"]
    assert response.context["check"].found is False
    assert len(missing) == 3  # no residence record, no photo, no supporting photos
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_status_token_is_a_404(client, db):
    assert client.get(reverse("permits:status", args=["nope"])).status_code == 404


def test_a_returned_application_is_corrected_and_submitted_again(world, client, as_user):
    permit = permit_in(world, approve=False, photos=False)
    permits.permit_return(permit=permit, user=world.users["officer_a"], reason="请补充工作证明照片")
    url = reverse("permits:status", args=[permit.status_token])
    page = client.get(url)
    html = page.content.decode()
    assert "请补充工作证明照片" in html and page.context["form"] is not None
    # The correction keeps the ID when left empty, and validates what is typed.
    bad = client.post(url, form_data(world, id_number="123", phone=""))
    assert "id_number" in bad.context["form"].errors
    permit.refresh_from_db()
    assert permit.status == PermitStatus.RETURNED

    assert 'value="申请人甲一"' not in html  # the page shows personal data only masked
    response = client.post(
        url, {**form_data(world, name="", id_number="", phone="", basis_detail="新公司"), "attachments": [jpeg()]}
    )
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUBMITTED and permit.basis_detail == "新公司" and permit.name == "申请人甲一"
    assert permit.id_number_hash == EncryptedIdentifiers.id_hash_for(resident_id(901))
    assert permit.attachments.count() == 1
    assert [e.action for e in permit.events.all()] == ["submitted", "returned", "resubmitted"]
    # No form once it is submitted again; a stray POST changes nothing.
    assert client.get(url).context["form"] is None
    client.post(url, form_data(world, basis_detail="再改"))
    permit.refresh_from_db()
    assert permit.basis_detail == "新公司"
