"""Scope matrix rows for rectification notices.

Staff pages (officer, auxiliary, chief, admin) show the notices of their grids; grid workers,
volunteers, landlords, mediators and staff of other grids get 404. The venue's page behind the
notice's token is public; its POST-only actions answer a GET with 405 to everyone.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from inspections import services
from inspections.models import RectificationNotice, Result
from residents.models import VenueKind
from tests.factories import VenueFactory
from tests.scope import Route, gated_object

VENUE = "整改通知小餐馆"
NOTICE_STAFF_A1 = {"officer_a", "aux_a", "chief", "admin"}


def _png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, format="PNG")
    return SimpleUploadedFile("hazard.png", buf.getvalue(), content_type="image/png")


def notice_in(w) -> RectificationNotice:
    """A rendered notice for a restaurant in grid 甲一 (two failed items), cached on the world."""
    cache = w.__dict__.setdefault("_notices", {})
    if "a1" not in cache:
        officer = w.users["officer_a"]
        venue = VenueFactory(building=w.building("甲一网格"), kind=VenueKind.RESTAURANT, name=VENUE)
        inspection = services.inspection_start(user=officer, venue=venue)
        for n, item in enumerate(inspection.template.items.all()):
            a = services.answer_save(
                inspection=inspection, item=item, result=Result.FAIL if n < 2 else Result.PASS,
                note="问题" if n < 2 else "",
            )  # fmt: skip
            if n < 2:
                services.photo_add(answer=a, upload=_png())
        with TestCase.captureOnCommitCallbacks(execute=True):  # renders the PDF
            services.inspection_submit(inspection=inspection, user=officer)
        cache["a1"] = RectificationNotice.objects.get(inspection=inspection)
    return cache["a1"]


staff_object = gated_object(NOTICE_STAFF_A1)


def public(p):
    return "ok"


def public_post_only(p):
    return "method_not_allowed"


def _pk(w):
    return notice_in(w).pk


def _token(w):
    return notice_in(w).token


ROUTES = {
    "notices:detail": Route(
        lambda w: reverse("notices:detail", args=[_pk(w)]), staff_object, lambda w: notice_in(w).number
    ),
    "notices:sign": Route(lambda w: reverse("notices:sign", args=[_pk(w)]), staff_object, lambda w: VENUE),
    "notices:pdf": Route(lambda w: reverse("notices:pdf", args=[_pk(w)]), staff_object),
    "notices:public": Route(lambda w: reverse("notices:public", args=[_token(w)]), public, lambda w: VENUE),
    "notices:public_pdf": Route(lambda w: reverse("notices:public_pdf", args=[_token(w)]), public),
    "notices:public_sign": Route(lambda w: reverse("notices:public_sign", args=[_token(w)]), public_post_only),
    "notices:public_fixed": Route(
        lambda w: reverse("notices:public_fixed", args=[_token(w), notice_in(w).hazards.first().pk]),
        public_post_only,
    ),
}
