"""Scope matrix rows for residence permits (居住证).

Public: the application, the address picker, the applicant's status page and the verify page.
Staff (officer, auxiliary, chief, admin) see the permits of their grids; grid workers,
volunteers, landlords and mediators get 404 on every staff page. POST-only routes answer a GET
with 405 to staff and 404 to the rest; file downloads are covered in tests/rentals/test_permits_scope.py.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from rentals import permits
from rentals.models import PermitBasis
from tests.factories import resident_id
from tests.scope import Route, gated_list, gated_object, gated_post

APPLICANT = "申请人甲一"
PERMIT_STAFF_A1 = {"officer_a", "aux_a", "chief", "admin"}
PERMIT_STAFF = PERMIT_STAFF_A1 | {"officer_b", "other_station_officer", "other_chief"}


def jpeg(size=(60, 80), colour=(120, 140, 200), fmt="JPEG", name="photo.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


def permit_in(w, grid_name="甲一网格", *, name=APPLICANT, seq=901, approve=True, photos=True):
    """An application at that grid's rental house (with photo and one supporting photo), issued
    by the grid's officer when ``approve``. Cached on the world, so every row shares it."""
    cache = w.__dict__.setdefault("_permits", {})
    key = (grid_name, name, approve)
    if key not in cache:
        permit = permits.permit_apply(
            name=name,
            id_number=resident_id(seq),
            phone="13912345678",
            house=w.house(grid_name),
            basis=PermitBasis.WORK,
            basis_detail="枫桥科技有限公司",
            photo=permits.reencode_image(jpeg()) if photos else None,
            attachments=[permits.reencode_image(jpeg(name="proof.png", fmt="PNG"))] if photos else [],
        )
        if approve:
            officer = w.house(grid_name).grid.police_grid.officer
            with TestCase.captureOnCommitCallbacks(execute=True):  # renders the PDF
                permit = permits.permit_approve(permit=permit, user=officer)
            permit.refresh_from_db()
        cache[key] = permit
    return cache[key]


staff_list = gated_list(PERMIT_STAFF, PERMIT_STAFF_A1)
staff_object = gated_object(PERMIT_STAFF_A1)
staff_post_only = gated_post(PERMIT_STAFF)


def public(p):
    return "ok"


def _pk(w):
    return permit_in(w).pk


def _with_permit(name):
    """The list's URL, after the permit it must show (or hide) exists."""
    return lambda w: (permit_in(w), reverse(name))[1]


ROUTES = {
    "permits:apply": Route(lambda w: reverse("permits:apply"), public),
    "permits:houses": Route(
        lambda w: reverse("permits:houses") + f"?q={w.building('甲一网格').address}",
        public,
        lambda w: w.building("甲一网格").address,
    ),
    "permits:status": Route(
        lambda w: reverse("permits:status", args=[permit_in(w).status_token]),
        public,
        lambda w: permit_in(w).id_number_masked,
    ),
    "permits:verify": Route(
        lambda w: reverse("permits:verify", args=[permit_in(w).verify_token]),
        public,
        lambda w: permit_in(w).number,
    ),
    "permits:list": Route(_with_permit("permits:list"), staff_list, lambda w: permit_in(w).name),
    "permits:detail": Route(lambda w: reverse("permits:detail", args=[_pk(w)]), staff_object, lambda w: APPLICANT),
    "permits:reveal": Route(lambda w: reverse("permits:reveal", args=[_pk(w)]), staff_post_only),
    "permits:approve": Route(lambda w: reverse("permits:approve", args=[_pk(w)]), staff_post_only),
    "permits:return": Route(lambda w: reverse("permits:return", args=[_pk(w)]), staff_post_only),
    "permits:renew": Route(lambda w: reverse("permits:renew", args=[_pk(w)]), staff_post_only),
}

EXEMPT = {
    "permits:status_pdf": "file: tests/rentals/test_permits_scope.py::test_the_applicant_downloads_the_issued_pdf",
    "permits:pdf": "file download: tests/rentals/test_permits_scope.py::test_file_routes_follow_the_permit_scope",
    "permits:photo": "image: tests/rentals/test_permits_scope.py::test_file_routes_follow_the_permit_scope",
    "permits:attachment": "image: tests/rentals/test_permits_scope.py::test_file_routes_follow_the_permit_scope",
}


def api_list(p):
    if p == "anonymous":
        return "401"
    return "ok" if p in PERMIT_STAFF_A1 else "hidden"


def api_object(p):
    if p == "anonymous":
        return "401"
    return "ok" if p in PERMIT_STAFF_A1 else "404"


def api_post_only(p):
    return "401" if p == "anonymous" else "method_not_allowed"


ROUTES |= {
    "permit-list": Route(_with_permit("permit-list"), api_list, lambda w: permit_in(w).id_number_masked),
    "permit-detail": Route(lambda w: reverse("permit-detail", args=[_pk(w)]), api_object),
    "permit-approve": Route(lambda w: reverse("permit-approve", args=[_pk(w)]), api_post_only),
    "permit-return": Route(lambda w: reverse("permit-return", args=[_pk(w)]), api_post_only),
}
