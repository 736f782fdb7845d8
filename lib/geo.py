"""GeoJSON polygons for grid boundaries: validation, point-in-polygon, bounding boxes.

Coordinates are WGS84 ``[lng, lat]`` as GeoJSON orders them. No models here; tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.prepared import prep
from shapely.validation import explain_validity


class BoundaryError(ValueError):
    """A boundary that is not a valid polygon; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class BBox:
    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    def contains(self, lng: float, lat: float) -> bool:
        return self.min_lng <= lng <= self.max_lng and self.min_lat <= lat <= self.max_lat


def _check_ring(ring, label: str) -> None:
    if not isinstance(ring, list | tuple) or len(ring) < 4:
        raise BoundaryError(
            _("%(label)s: a ring needs at least 4 positions (3 corners and the first repeated).") % {"label": label}
        )
    for pos in ring:
        if not isinstance(pos, list | tuple) or len(pos) < 2:
            raise BoundaryError(_("%(label)s: every position is [longitude, latitude].") % {"label": label})
        lng, lat = pos[0], pos[1]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lng, lat)):
            raise BoundaryError(_("%(label)s: coordinates must be numbers.") % {"label": label})
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise BoundaryError(
                _("%(label)s: coordinate out of range (longitude ±180, latitude ±90).") % {"label": label}
            )
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise BoundaryError(
            _("%(label)s: the ring is not closed (the last position must repeat the first).") % {"label": label}
        )


def validate_polygon(geojson) -> None:
    """Raise :class:`BoundaryError` unless ``geojson`` is a closed, simple Polygon or MultiPolygon."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise BoundaryError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    coords = geojson.get("coordinates")
    polygons = [coords] if geojson["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise BoundaryError(_("The boundary has no coordinates."))
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise BoundaryError(_("The boundary has no coordinates."))
        for r, ring in enumerate(rings):
            _check_ring(ring, _("polygon %(p)d, ring %(r)d") % {"p": p + 1, "r": r + 1})
    geom = shape(geojson)
    if not geom.is_valid:
        raise BoundaryError(
            _("The boundary crosses itself or is not a simple polygon (%(why)s).") % {"why": explain_validity(geom)}
        )
    if geom.area == 0:
        raise BoundaryError(_("The boundary encloses no area."))


def bbox(geojson) -> BBox:
    min_lng, min_lat, max_lng, max_lat = shape(geojson).bounds
    return BBox(min_lng, min_lat, max_lng, max_lat)


@lru_cache(maxsize=4096)
def _prepared(key: str):
    import json

    return prep(shape(json.loads(key)))


def contains(geojson, lng: float, lat: float) -> bool:
    """Point-in-polygon (boundary points count as inside). Prepared geometries are cached."""
    import json

    return _prepared(json.dumps(geojson, sort_keys=True)).covers(Point(lng, lat))


def centroid(geojson) -> tuple[float, float]:
    """A point inside the polygon (for labels), as ``(lng, lat)``."""
    p = shape(geojson).representative_point()
    return p.x, p.y
