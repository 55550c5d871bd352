"""Geometry for the nearest-provider search, portable across MySQL, MariaDB and SQLite.

The world is cut into 0.5° × 0.5° cells numbered ``lat_row * 1000 + lng_col``. A search around a
point turns its bounding box into a few ranges of cell numbers (one per latitude row, two where the
box crosses the antimeridian, one for a whole band when a pole is inside the circle), which a
B-tree index answers directly; only the candidates in those cells get the exact great-circle
distance (haversine), computed in SQL with Django's portable math functions.
"""

import math

from django.db.models import Expression, F, FloatField

CELL_DEGREES = 0.5
LAT_ROWS = int(180 / CELL_DEGREES)  # 360
LNG_COLS = int(360 / CELL_DEGREES)  # 720
ROW_STRIDE = 1000  # > LNG_COLS, so a row's cells are contiguous numbers and rows never overlap
EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 1000


def _row(lat: float) -> int:
    return min(int((lat + 90.0) / CELL_DEGREES), LAT_ROWS - 1)


def _col(lng: float) -> int:
    return min(int((lng + 180.0) / CELL_DEGREES), LNG_COLS - 1)


def cell_of(lat: float, lng: float) -> int:
    return _row(float(lat)) * ROW_STRIDE + _col(float(lng))


def _longitude_spans(lng: float, half_width: float) -> list[tuple[float, float]]:
    low, high = lng - half_width, lng + half_width
    if low < -180.0:
        return [(low + 360.0, 180.0), (-180.0, high)]
    if high > 180.0:
        return [(low, 180.0), (-180.0, high - 360.0)]
    return [(low, high)]


def cell_ranges(lat: float, lng: float, radius_km: float) -> list[tuple[int, int]]:
    """Inclusive ranges of cell numbers that together contain every point within ``radius_km``.

    Uses the exact longitude extent of a spherical cap (asin(sin δ / cos φ)), so the box is tight
    but never too small; when a pole lies inside the circle every longitude is included.
    """
    angular = radius_km / EARTH_RADIUS_KM
    lat_min = lat - math.degrees(angular)
    lat_max = lat + math.degrees(angular)
    if lat_min <= -90.0 or lat_max >= 90.0 or math.sin(angular) >= math.cos(math.radians(lat)):
        spans = [(-180.0, 180.0)]
    else:
        half_width = math.degrees(math.asin(math.sin(angular) / math.cos(math.radians(lat))))
        spans = _longitude_spans(lng, half_width)
    first_row, last_row = _row(max(lat_min, -90.0)), _row(min(lat_max, 90.0))
    if spans == [(-180.0, 180.0)]:
        # Whole rows are contiguous numbers too: one range for the whole band.
        return [(first_row * ROW_STRIDE, last_row * ROW_STRIDE + LNG_COLS - 1)]
    ranges = []
    for row in range(first_row, last_row + 1):
        for low, high in spans:
            ranges.append((row * ROW_STRIDE + _col(low), row * ROW_STRIDE + _col(high)))
    return ranges


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in Python (tests and benchmarks compare the SQL one against it)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


class HaversineKm(Expression):
    """Great-circle distance in km from a fixed point to each row's coordinates, in SQL.

    One expression node rendering the whole formula, rather than a tree of ORM math functions:
    the search compiles it on every request, and a tree of twenty nodes cost more to compile than
    the indexed query took to run.
    """

    output_field = FloatField()

    def __init__(self, lat: float, lng: float, *, lat_field: str = "latitude", lng_field: str = "longitude"):
        super().__init__()
        self.lat, self.lng = float(lat), float(lng)
        self.columns = [F(lat_field), F(lng_field)]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        lat_sql, lat_params = compiler.compile(self.columns[0])
        lng_sql, lng_params = compiler.compile(self.columns[1])
        if lat_params or lng_params:
            raise ValueError("HaversineKm takes plain columns")
        return haversine_sql(lat_sql, lng_sql, self.lat, self.lng, vendor=connection.vendor)


def haversine_sql(lat_sql: str, lng_sql: str, lat: float, lng: float, *, vendor: str) -> tuple[str, list]:
    """SQL for the great-circle distance in km from (lat, lng) to two column expressions.

    ASIN is undefined above 1, where rounding can push the haversine term, hence the clamp
    (LEAST on MySQL/MariaDB, MIN on SQLite, with the math functions Django registers there).
    """
    least = "MIN" if vendor == "sqlite" else "LEAST"
    sql = (
        f"({2 * EARTH_RADIUS_KM!r} * ASIN(SQRT({least}("
        f"POWER(SIN(RADIANS({lat_sql} - %s) * 0.5), 2)"
        f" + %s * COS(RADIANS({lat_sql})) * POWER(SIN(RADIANS({lng_sql} - %s) * 0.5), 2), 1.0))))"
    )
    return sql, [float(lat), math.cos(math.radians(lat)), float(lng)]


def distance_expression(lat: float, lng: float, *, lat_field: str = "latitude", lng_field: str = "longitude"):
    """The haversine distance in km from (lat, lng) to each row, as an ORM expression."""
    return HaversineKm(lat, lng, lat_field=lat_field, lng_field=lng_field)
