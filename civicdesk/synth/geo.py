"""The demo district's geometry: a Zhangqiu-like outline, street polygons, grid centroids and place points.

The outline is a plausible irregular polygon of Zhangqiu's rough size (about 1,720 km²) and shape: the
Yellow River along the narrow north edge, the plain in the middle, the hills of Wenzu, Caofan and
Duozhuang in the south. Streets are the Voronoi cells of their seats, clipped to the outline, so they
tile it without gaps or overlaps. Each grid gets a point inside its street (urban grids near the seat,
village grids anywhere in the street); each 小区 and village a point near its grid's point, each road a
point near one of its street's grids. Coordinates are WGS84 longitude and latitude, rounded to 5 decimals
(about a metre).

The geometry draws from its own generator, `np.random.default_rng([seed, 20])`: the demo's other random
draws (places, roster, tickets) are exactly those of a district generated without it. Shapely is imported
when `demo_shapes` runs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk.synth.places import STREET_SPECS, Places

#: The stream of `demo_shapes`: `default_rng([seed, GEO_STREAM])`, distinct from every stream of
#: `civicdesk.synth.district._streams`.
GEO_STREAM = 20
#: Coordinates are rounded to this many decimals (1e-5 degrees is about a metre).
DECIMALS = 5
#: Kilometres per degree of latitude, and of longitude at the outline's middle latitude.
KM_LAT = 110.95
MID_LAT = 36.75

#: The outline's vertices (lon, lat), clockwise from the north-west, before scaling to `OUTLINE_KM2`.
_OUTLINE = [
    (117.36, 37.00), (117.42, 37.04), (117.48, 37.05), (117.53, 37.02), (117.56, 36.97), (117.61, 36.93),
    (117.66, 36.90), (117.70, 36.85), (117.69, 36.79), (117.70, 36.73), (117.68, 36.67), (117.66, 36.62),
    (117.62, 36.58), (117.60, 36.52), (117.58, 36.47), (117.53, 36.45), (117.48, 36.46), (117.43, 36.48),
    (117.38, 36.50), (117.33, 36.53), (117.29, 36.57), (117.27, 36.62), (117.25, 36.67), (117.28, 36.71),
    (117.30, 36.76), (117.33, 36.80), (117.36, 36.85), (117.35, 36.90), (117.34, 36.95),
]
#: The outline's target area (Zhangqiu district: about 1,721 km²).
OUTLINE_KM2 = 1720.0

#: Approximate seat (lon, lat) of each street, by code.
SEATS: dict[str, tuple[float, float]] = {
    "mingshui": (117.530, 36.720), "shuangshan": (117.590, 36.705), "zaoyuan": (117.440, 36.790),
    "longshan": (117.370, 36.735), "bucun": (117.340, 36.630), "shengjing": (117.450, 36.670),
    "puji": (117.640, 36.650), "xiuhui": (117.540, 36.810), "xianggongzhuang": (117.620, 36.775),
    "wenzu": (117.400, 36.550), "guanzhuang": (117.520, 36.620), "gaoguanzhai": (117.500, 36.920),
    "baiyunhu": (117.410, 36.870), "ningjiabu": (117.600, 36.880), "caofan": (117.480, 36.520),
    "diaozhen": (117.665, 36.830), "duozhuang": (117.560, 36.500), "huanghe": (117.440, 36.990),
}
#: Spread (km, standard deviation) of urban grids' points around their street's seat.
URBAN_SPREAD_KM = 2.0
#: Spread (km) of a 小区's or village's point around its grid's point, and of a road's.
PLACE_SPREAD_KM = 0.25
ROAD_SPREAD_KM = 0.6
#: Points keep at least this far (degrees, about 100 m) inside their street's boundary.
INSET_DEG = 0.001


@dataclass(frozen=True)
class DemoShapes:
    """The demo district's geometry.

    Attributes:
        outline: the district outline, a GeoJSON Polygon (lon/lat).
        boundaries: street name → its GeoJSON geometry (Polygon, or MultiPolygon where clipping split it).
        grids: DataFrame[grid_id, lon, lat], one row per grid of `Places.grids`, in its order.
        places: DataFrame[street, name, grid_id, lon, lat]: every 小区, village and road (roads have no
            grid_id), unique on (street, name).
    """

    outline: dict
    boundaries: dict[str, dict]
    grids: pd.DataFrame
    places: pd.DataFrame


def _to_km(lon, lat):
    scale = KM_LAT * np.cos(np.radians(MID_LAT))
    return np.asarray(lon) * scale, np.asarray(lat) * KM_LAT


def _to_deg(x, y):
    scale = KM_LAT * np.cos(np.radians(MID_LAT))
    return np.asarray(x) / scale, np.asarray(y) / KM_LAT


def _projected(geom, to):
    """`geom` with every coordinate passed through `to(x, y)`."""
    import shapely

    return shapely.transform(geom, lambda xy: np.column_stack(to(xy[:, 0], xy[:, 1])))


def outline_km():
    """The outline as a shapely Polygon in kilometres (equirectangular at `MID_LAT`), scaled about its
    centroid to `OUTLINE_KM2`."""
    import shapely
    from shapely import affinity

    raw = shapely.Polygon(np.column_stack(_to_km(*np.array(_OUTLINE).T)))
    factor = float(np.sqrt(OUTLINE_KM2 / raw.area))
    return affinity.scale(raw, factor, factor, origin=raw.centroid)


def _geojson(geom) -> dict:
    """A shapely (Multi)Polygon as a GeoJSON dict with list coordinates."""
    import shapely

    return json.loads(shapely.to_geojson(geom))


def _street_cells(outline):
    """Voronoi cells of the seats (km), clipped to `outline`, one geometry per street in `STREET_SPECS`
    order; a cell the clip splits becomes a MultiPolygon."""
    import shapely

    seats = shapely.MultiPoint(np.column_stack(_to_km(*np.array([SEATS[s[0]] for s in STREET_SPECS]).T)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seats, extend_to=outline.buffer(20)))
    out = []
    for point in shapely.get_parts(seats):
        cell = next(c for c in cells if c.contains(point))
        out.append(cell.intersection(outline))
    return out


def _in_degrees(geom):
    """A km geometry in lon/lat, snapped to the `DECIMALS` grid (valid after snapping)."""
    import shapely

    return shapely.set_precision(_projected(geom, _to_deg), 10.0 ** -DECIMALS)


def _points_inside(rng, poly, n: int, centre=None, spread_km: float | None = None) -> np.ndarray:
    """`n` rounded lon/lat points inside `poly` (inset by `INSET_DEG`): uniform over it, or normal around
    `centre` (lon, lat) with `spread_km` when given. Shape (n, 2)."""
    import shapely

    inner = poly.buffer(-INSET_DEG)
    if inner.is_empty:
        inner = poly
    shapely.prepare(inner)
    minx, miny, maxx, maxy = inner.bounds
    out = np.empty((0, 2))
    for attempt in range(200):
        k = max(4 * (n - len(out)), 16)
        if centre is not None and attempt < 50:
            dx, dy = rng.normal(0.0, spread_km, k), rng.normal(0.0, spread_km, k)
            lon, lat = _to_deg(*(np.array(_to_km(*centre))[:, None] + np.vstack([dx, dy])))
        else:
            lon, lat = rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)
        lon, lat = np.round(lon, DECIMALS), np.round(lat, DECIMALS)
        ok = shapely.contains_xy(inner, lon, lat)
        out = np.vstack([out, np.column_stack([lon[ok], lat[ok]])])
        if len(out) >= n:
            return out[:n]
    raise RuntimeError("could not place points inside a street")  # pragma: no cover - polygons are large


def _grid_points(rng, places: Places, polys) -> np.ndarray:
    """One point per grid, inside its street: urban grids near the seat, village grids anywhere."""
    points = np.empty((len(places.grids), 2))
    for s, spec in enumerate(STREET_SPECS):
        idx = np.flatnonzero(places.grid_street == s)
        urban = idx[places.grid_urban[idx]]
        rural = idx[~places.grid_urban[idx]]
        if len(urban):
            points[urban] = _points_inside(rng, polys[s], len(urban), SEATS[spec[0]], URBAN_SPREAD_KM)
        if len(rural):
            points[rural] = _points_inside(rng, polys[s], len(rural))
    return points


def _place_rows(rng, places: Places, polys, grid_points: np.ndarray) -> list[dict]:
    """Every 小区 and village near its (first) grid's point, every road near one of its street's grids."""
    names = [spec[1] for spec in STREET_SPECS]
    grid_ids = places.grids["grid_id"].to_numpy(dtype=object)
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for g, sites in enumerate(places.grid_places):
        s = int(places.grid_street[g])
        for site in sites:
            if (names[s], site) in seen:  # a large village split over two grids: its first grid
                continue
            seen.add((names[s], site))
            lon, lat = _points_inside(rng, polys[s], 1, tuple(grid_points[g]), PLACE_SPREAD_KM)[0]
            rows.append({"street": names[s], "name": site, "grid_id": grid_ids[g], "lon": lon, "lat": lat})
    for s, roads in enumerate(places.street_roads):
        idx = np.flatnonzero(places.grid_street == s)
        for road in roads:
            if (names[s], road) in seen:
                continue
            seen.add((names[s], road))
            near = grid_points[int(rng.choice(idx))]
            lon, lat = _points_inside(rng, polys[s], 1, tuple(near), ROAD_SPREAD_KM)[0]
            rows.append({"street": names[s], "name": road, "grid_id": None, "lon": lon, "lat": lat})
    return rows


def demo_shapes(seed: int, places: Places) -> DemoShapes:
    """The demo district's outline, street boundaries, grid points and place points.

    Args:
        seed: the district's seed; the geometry draws from `default_rng([seed, GEO_STREAM])` only.
        places: the district's places (`build_places`), for its grids, 小区, villages and roads.

    Returns:
        The `DemoShapes`.
    """
    rng = np.random.default_rng([seed, GEO_STREAM])
    outline = outline_km()
    polys = [_in_degrees(cell) for cell in _street_cells(outline)]
    grid_points = _grid_points(rng, places, polys)
    grids = pd.DataFrame({"grid_id": places.grids["grid_id"].to_numpy(dtype=object),
                          "lon": grid_points[:, 0], "lat": grid_points[:, 1]})
    frame = pd.DataFrame(_place_rows(rng, places, polys, grid_points),
                         columns=["street", "name", "grid_id", "lon", "lat"])
    frame["grid_id"] = frame["grid_id"].astype(object).where(frame["grid_id"].notna(), None)
    return DemoShapes(outline=_geojson(_in_degrees(outline)),
                      boundaries={spec[1]: _geojson(p) for spec, p in zip(STREET_SPECS, polys)},
                      grids=grids, places=frame)
