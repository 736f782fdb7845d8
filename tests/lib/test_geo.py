import pytest

from lib import geo

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_a_closed_square_is_valid():
    geo.validate_polygon(SQUARE)


@pytest.mark.parametrize(
    "boundary, words",
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
        # A bow-tie: the edges cross.
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "crosses itself"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "out of range"),
        ({"type": "Polygon", "coordinates": [[["a", 0], [1, 0], [1, 1], ["a", 0]]]}, "numbers"),
        ({"type": "Polygon", "coordinates": []}, "no coordinates"),
        ("not json", "Polygon"),
    ],
)
def test_invalid_boundaries_are_refused_with_a_reason(boundary, words):
    with pytest.raises(geo.BoundaryError, match=words):
        geo.validate_polygon(boundary)


def test_point_in_polygon_counts_the_edge_as_inside():
    assert geo.contains(SQUARE, 0.5, 0.5)
    assert geo.contains(SQUARE, 1, 0.5)
    assert not geo.contains(SQUARE, 1.01, 0.5)


def test_bbox_and_a_label_point_inside_an_l_shape():
    l_shape = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]]]}
    assert geo.bbox(l_shape) == geo.BBox(0, 0, 2, 2)
    lng, lat = geo.centroid(l_shape)
    assert geo.contains(l_shape, lng, lat)
