"""Scope matrix rows for the inspection pages (issue 4): start, the draft/submitted inspection,
per-item saves and photos, submit, photo files, my inspections, checklist templates."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import VenueFactory
from tests.scope import Route, gated_list, gated_object, gated_post

# Police roles (inspections are police work); grid workers, volunteers, landlords, mediators: 404.
POLICE = {"officer_a", "aux_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}
POLICE_OF_A1 = {"officer_a", "aux_a", "chief", "admin"}
CHECKLIST_EDITORS = {"chief", "admin", "other_chief"}


def venue(w):
    if not hasattr(w, "_insp_venue"):
        w._insp_venue = VenueFactory(building=w.building("甲一网格"), name="甲一检查小餐馆", kind="restaurant")
    return w._insp_venue


def inspection(w):
    """officer_a's draft of a venue in 甲一网格, its first item failed with a photo."""
    if not hasattr(w, "_inspection"):
        from inspections import services

        i = services.inspection_start(user=w.users["officer_a"], venue=venue(w))
        item = i.template.items.order_by("order").first()
        a = services.answer_save(inspection=i, item=item, result="fail", note="灭火器过期")
        buf = io.BytesIO()
        Image.new("RGB", (32, 24), (200, 30, 30)).save(buf, format="PNG")
        services.photo_add(answer=a, upload=SimpleUploadedFile("p.png", buf.getvalue(), content_type="image/png"))
        w._inspection = i
    return w._inspection


def first_item(w):
    return inspection(w).template.items.order_by("order").first()


def template(w):
    from inspections.services import current_template

    return current_template("shop")


def start_expect(p):
    if p == "anonymous":
        return "login"
    return "redirect" if p in POLICE_OF_A1 else "404"


ROUTES = {
    "inspections:start": Route(lambda w: reverse("inspections:start") + f"?venue={venue(w).pk}", start_expect),
    "inspections:detail": Route(
        lambda w: reverse("inspections:detail", args=[inspection(w).pk]),
        gated_object(POLICE_OF_A1),
        lambda w: venue(w).name,
    ),
    "inspections:answer": Route(
        lambda w: reverse("inspections:answer", args=[inspection(w).pk, first_item(w).pk]), gated_post(POLICE)
    ),
    "inspections:photo": Route(
        lambda w: reverse("inspections:photo", args=[inspection(w).pk, first_item(w).pk]), gated_post(POLICE)
    ),
    "inspections:submit": Route(lambda w: reverse("inspections:submit", args=[inspection(w).pk]), gated_post(POLICE)),
    "inspections:photo_file": Route(
        lambda w: reverse("inspections:photo_file", args=[inspection(w).answers.get().photos.get().pk]),
        gated_object(POLICE_OF_A1),
    ),
    "inspections:mine": Route(
        lambda w: reverse("inspections:mine"), gated_list(POLICE, {"officer_a"}), lambda w: inspection(w).venue.name
    ),
    "inspections:checklists": Route(
        lambda w: reverse("inspections:checklists"), gated_list(POLICE, POLICE), lambda w: template(w).name
    ),
    "inspections:checklist_detail": Route(
        lambda w: reverse("inspections:checklist_detail", args=[template(w).pk]),
        gated_object(POLICE),
        lambda w: template(w).items.first().text,
    ),
    "inspections:checklist_edit": Route(
        lambda w: reverse("inspections:checklist_edit", args=[template(w).pk]),
        gated_object(CHECKLIST_EDITORS),
        lambda w: template(w).items.first().text,
    ),
}
