from django.urls import reverse

from grid.models import Building
from tests.factories import centre


def test_adding_an_address_on_the_phone_places_it_in_the_officers_grid(world, as_user):
    lat, lng = centre(world.a2)
    response = as_user("officer_a").post(
        reverse("grid:building_create"), {"address": "甲路8号 3号楼", "compound": "甲苑", "lat": lat, "lng": lng}
    )
    b = Building.objects.get(address="甲路8号 3号楼")
    assert response.status_code == 302
    assert response["Location"] == reverse("grid:building_detail", args=[b.pk])
    assert b.grid == world.a2


def test_a_point_outside_every_grid_is_explained_at_the_field_and_the_input_is_kept(world, as_user):
    response = as_user("officer_a").post(
        reverse("grid:building_create"), {"address": "野外路1号", "compound": "无名村", "lat": "1.5", "lng": "1.5"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "lat" in form.errors
    html = response.content.decode()
    assert 'value="野外路1号"' in html and 'value="无名村"' in html
    assert "invalid-feedback" in html
    assert not Building.objects.filter(address="野外路1号").exists()


def test_garbage_coordinates_get_field_errors_not_a_500(world, as_user):
    response = as_user("officer_a").post(
        reverse("grid:building_create"), {"address": "<script>alert(1)</script>", "lat": "abc", "lng": "999"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "lat" in errors and "lng" in errors
    assert "<script>alert(1)</script>" not in response.content.decode()  # escaped when shown back


def test_an_officer_cannot_correct_an_address_in_another_grid(world, as_user):
    b = world.building("乙一网格")
    response = as_user("officer_a").post(
        reverse("grid:building_edit", args=[b.pk]), {"address": "改了", "lat": b.lat, "lng": b.lng}
    )
    assert response.status_code == 404
    b.refresh_from_db()
    assert b.address != "改了"


def test_search_by_address_finds_only_buildings_in_scope(world, as_user):
    mine, theirs = world.building("甲一网格"), world.building("丙一网格")
    client = as_user("officer_a")
    response = client.get(reverse("grid:building_list"), {"q": mine.address})
    assert [b.pk for b in response.context["page"]] == [mine.pk]
    response = client.get(reverse("grid:building_list"), {"q": theirs.address})
    assert list(response.context["page"]) == []
    assert "No address matches" in response.content.decode() or "没有" in response.content.decode()


def test_htmx_search_returns_only_the_rows(world, as_user):
    response = as_user("officer_a").get(reverse("grid:building_list"), {"q": "测试"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "list-group" in html


def test_grid_geojson_colours_and_labels_each_grid(world, as_user):
    fc = as_user("chief").get(reverse("grid:grids_geojson")).json()
    kinds = {(f["properties"]["kind"], f["properties"]["name"]) for f in fc["features"]}
    assert ("police_grid", "甲警务区") in kinds and ("community_grid", "甲一网格") in kinds
    assert ("police_grid", "丙警务区") not in kinds
    a1 = next(f for f in fc["features"] if f["properties"]["name"] == "甲一网格")
    assert a1["properties"]["colour"].startswith("#")
    assert a1["properties"]["url"] == reverse("grid:communitygrid_detail", args=[world.a1.pk])


def test_buildings_geojson_filters_by_bbox_and_rejects_a_bad_one(world, as_user):
    client = as_user("chief")
    b = world.building("甲一网格")
    box = f"{b.lng - 0.0001},{b.lat - 0.0001},{b.lng + 0.0001},{b.lat + 0.0001}"
    fc = client.get(reverse("grid:buildings_geojson"), {"bbox": box}).json()
    assert [f["properties"]["id"] for f in fc["features"]] == [b.pk]
    assert client.get(reverse("grid:buildings_geojson"), {"bbox": "1,2,x"}).status_code == 400
    assert fc["truncated"] is False


def test_buildings_beyond_the_limit_are_cut_and_said_to_be(world):
    from grid import selectors

    chief = world.users["chief"]
    everything = selectors.buildings_geojson(chief)
    assert everything["truncated"] is False and len(everything["features"]) == 6
    cut = selectors.buildings_geojson(chief, limit=4)
    assert cut["truncated"] is True and len(cut["features"]) == 4
    assert selectors.buildings_geojson(chief, limit=6)["truncated"] is False


def test_home_shows_the_officers_real_figures(world, as_user):
    response = as_user("officer_a").get(reverse("home"))
    f = response.context["figures"]
    assert (f["police_grids"], f["community_grids"], f["buildings"]) == (1, 2, 4)
    assert "甲一网格" in response.content.decode()


def test_home_for_the_chief_counts_the_station(world, as_user):
    f = as_user("chief").get(reverse("home")).context["figures"]
    assert (f["police_grids"], f["community_grids"], f["buildings"], f["officers"]) == (2, 3, 6, 2)
    rows = {p.name: (p.officer.username, p.community_grid_count, p.building_count) for p in f["police_grid_rows"]}
    assert rows == {"甲警务区": ("officer_a", 2, 4), "乙警务区": ("officer_b", 1, 2)}


def test_the_map_page_loads_leaflet_from_our_own_static_files(world, as_user):
    html = as_user("officer_a").get(reverse("grid:map")).content.decode()
    assert "/static/leaflet/leaflet.js" in html
    assert "http://" not in html and "https://" not in html


def test_the_chief_sets_the_declaration_deadline_on_the_station_page(world, as_user):
    url = reverse("grid:station_detail", args=[world.s1.pk])
    assert as_user("chief").post(url, {"declaration_deadline_days": "0", "permit_prefix": ""}).status_code == 200
    bad = as_user("chief").post(
        url, {"declaration_deadline_days": "5", "permit_prefix": "", "notice_pattern": "{oops}"}
    )
    assert "notice_pattern" in bad.context["form"].errors
    pattern = "金凤(上海西路)消改字〔{year}〕第{seq:04d}号"
    response = as_user("chief").post(
        url, {"declaration_deadline_days": "5", "permit_prefix": "640106", "notice_pattern": pattern}
    )
    assert response.status_code == 302
    world.s1.refresh_from_db()
    assert (world.s1.declaration_deadline_days, world.s1.permit_prefix) == (5, "640106")
    assert world.s1.notice_pattern == pattern
    assert as_user("officer_a").post(url, {"declaration_deadline_days": "9"}).status_code == 404
    world.s1.refresh_from_db()
    assert world.s1.declaration_deadline_days == 5
