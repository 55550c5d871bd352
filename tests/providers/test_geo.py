"""The cell cover of a search circle never misses a point inside it, anywhere on the globe."""

import math
import random

import pytest

from apps.providers import geo


def _destination(lat: float, lng: float, distance_km: float, bearing_deg: float) -> tuple[float, float]:
    """The point reached from (lat, lng) after distance_km along a bearing (spherical Earth)."""
    delta = distance_km / geo.EARTH_RADIUS_KM
    theta, phi1, lam1 = math.radians(bearing_deg), math.radians(lat), math.radians(lng)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * math.sin(phi2)
    )
    lng2 = (math.degrees(lam2) + 540) % 360 - 180
    return math.degrees(phi2), lng2


def _covered(cell: int, ranges) -> bool:
    return any(low <= cell <= high for low, high in ranges)


CENTRES = [
    (-34.6, -58.4),  # Buenos Aires
    (40.4, -3.7),
    (0.0, 0.0),
    (-16.5, 179.9),  # Fiji, next to the antimeridian
    (65.0, -179.8),
    (89.95, 10.0),  # next to the North Pole
    (-89.9, -120.0),
    (71.0, 25.0),
]


@pytest.mark.parametrize(("lat", "lng"), CENTRES)
@pytest.mark.parametrize("radius", [0.5, 5, 50, 300, geo.MAX_RADIUS_KM])
def test_every_point_inside_the_circle_falls_in_the_cover(lat, lng, radius):
    rng = random.Random(f"{lat}{lng}{radius}")
    ranges = geo.cell_ranges(lat, lng, radius)
    for _ in range(400):
        point = _destination(lat, lng, radius * math.sqrt(rng.random()) * 0.999, rng.uniform(0, 360))
        assert _covered(geo.cell_of(*point), ranges), (point, ranges)


def test_cover_is_small_for_a_city_search():
    # 50 km at mid latitudes: a handful of ranges, one per latitude row.
    assert len(geo.cell_ranges(-34.6, -58.4, 50)) <= 3


def test_antimeridian_circle_wraps():
    ranges = geo.cell_ranges(-16.5, 179.9, 50)
    assert any(low % geo.ROW_STRIDE == 0 for low, _ in ranges)  # the -180 side
    assert any(high % geo.ROW_STRIDE == geo.LNG_COLS - 1 for _, high in ranges)  # the +180 side


def test_polar_circle_takes_whole_rows_in_one_range():
    ranges = geo.cell_ranges(89.9, 0.0, 100)
    assert len(ranges) == 1
    assert ranges[0][1] == (geo.LAT_ROWS - 1) * geo.ROW_STRIDE + geo.LNG_COLS - 1


@pytest.mark.parametrize(("lat", "lng"), [(90, 180), (-90, -180), (0, 180), (0, -180)])
def test_cells_of_extreme_coordinates_are_valid(lat, lng):
    cell = geo.cell_of(lat, lng)
    assert 0 <= cell // geo.ROW_STRIDE < geo.LAT_ROWS
    assert 0 <= cell % geo.ROW_STRIDE < geo.LNG_COLS


def test_haversine_known_distance():
    # Buenos Aires → Madrid is about 10,050 km.
    assert 10000 < geo.haversine_km(-34.6037, -58.3816, 40.4168, -3.7038) < 10100
