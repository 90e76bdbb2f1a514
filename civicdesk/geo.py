"""Street and grid shapes: read them from the store, locate places, and load a centre's GeoJSON boundaries.

    shapes = street_shapes(engine)            # streets (GeoJSON geometry), grid and place points
    shapes.feature_collection()               # the streets as one GeoJSON FeatureCollection
    shapes.locate("明水街道", "mingshui-001", "翡翠华庭")   # (lon, lat) or None
    match = read_geojson(text, known_streets(engine))      # which features name which streets
    save_boundaries(engine, match.matched)

Shapes are the store's own data (`streets.boundary`, `grids.lon/lat`, `places`): nothing is fetched at run
time. Coordinates are WGS84 longitude and latitude. Shapely is imported by the functions that need it, so
importing this module stays light.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

STREET_COLUMNS = ["street", "households", "geometry", "lon", "lat"]
GRID_COLUMNS = ["grid_id", "street", "lon", "lat"]
PLACE_COLUMNS = ["street", "name", "grid_id", "lon", "lat"]

#: Feature properties tried for the street's name, in this order, when none is named.
NAME_PROPERTIES = ("name", "NAME", "Name", "名称", "街道", "镇街", "街道名称", "乡镇", "乡镇名称", "镇街名称",
                   "street", "STREET", "street_name", "XZQMC", "NAME_CHN", "name_zh", "code", "CODE", "代码")
#: Suffixes dropped to match "明水" to "明水街道" (longest first).
_SUFFIXES = ("街道办事处", "办事处", "街道", "镇", "乡")
#: A repair by `make_valid` is harmless when it changes the area by at most this share.
REPAIR_TOLERANCE = 0.01


@dataclass(frozen=True)
class Shapes:
    """The store's shapes.

    Attributes:
        streets: DataFrame[street, households, geometry, lon, lat]: the streets with a boundary; `geometry`
            is a GeoJSON dict (Polygon or MultiPolygon, lon/lat), `lon`/`lat` a representative point inside
            it, `households` NaN when unknown.
        grids: DataFrame[grid_id, street, lon, lat]: the grids with a point.
        places: DataFrame[street, name, grid_id, lon, lat]: named places (小区, villages, roads) with a point.
    """

    streets: pd.DataFrame
    grids: pd.DataFrame
    places: pd.DataFrame

    @property
    def empty(self) -> bool:
        """True when no street has a boundary."""
        return self.streets.empty

    def feature_collection(self) -> dict:
        """The streets as a GeoJSON FeatureCollection, each feature's properties {"street": name}."""
        return {"type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"street": name}, "geometry": geometry}
                             for name, geometry in zip(self.streets["street"], self.streets["geometry"])]}

    @cached_property
    def _points(self) -> tuple[dict, dict, dict]:
        def pairs(frame: pd.DataFrame, keys: list[str]) -> dict:
            return {(k[0] if len(keys) == 1 else tuple(k)): (float(x), float(y))
                    for *k, x, y in frame[[*keys, "lon", "lat"]].itertuples(index=False)}
        return pairs(self.places, ["street", "name"]), pairs(self.grids, ["grid_id"]), \
            pairs(self.streets, ["street"])

    @cached_property
    def _names_by_street(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for street, name in zip(self.places["street"], self.places["name"]):
            out.setdefault(street, []).append(name)
        return out

    def _place(self, street, site) -> tuple[float, float] | None:
        """The point of place `site` of `street`: its own name, else the one place of the street whose name
        starts with it (a site read from a ticket's text may lack the tail: "大石家村" for "大石家村村")."""
        places = self._points[0]
        if (street, site) in places:
            return places[(street, site)]
        longer = [n for n in self._names_by_street.get(street, ()) if n.startswith(site)]
        return places[(street, longer[0])] if len(longer) == 1 else None

    def locate(self, street, grid_id=None, site=None) -> tuple[float, float] | None:
        """A point (lon, lat) for a place: the place's own point (street + site), else the grid's point, else
        the street's representative point, else None."""
        _, grids, streets = self._points
        for found in (self._place(street, site) if site else None,
                      grids.get(grid_id) if grid_id else None, streets.get(street)):
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class GeoJSONMatch:
    """What `read_geojson` made of a file.

    Attributes:
        matched: street name → its geometry (a GeoJSON Polygon or MultiPolygon dict, lon/lat).
        unmatched: (feature index, the name it carries or None, reason) for every feature not matched; the
            reason is an i18n key (`civicdesk.i18n.geo`).
        name_property: the property names were read from (None when no feature has one).
    """

    matched: dict[str, dict]
    unmatched: list[tuple[int, str | None, str]]
    name_property: str | None = None


class GeoJSONError(ValueError):
    """The text is not GeoJSON at all; `key` is the i18n key of the reason."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


# ---------------------------------------------------------------------------------------------
# Reading from the store
# ---------------------------------------------------------------------------------------------

def _geometry(text) -> dict | None:
    """A stored boundary as a Polygon or MultiPolygon dict (Features and FeatureCollections unwrapped)."""
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("type")
    if kind == "Feature":
        return _geometry(data.get("geometry"))
    if kind == "FeatureCollection":
        parts = [_geometry(f) for f in data.get("features") or []]
        polygons = [p["coordinates"] for p in parts if p and p["type"] == "Polygon"]
        polygons += [c for p in parts if p and p["type"] == "MultiPolygon" for c in p["coordinates"]]
        return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
    if kind in ("Polygon", "MultiPolygon") and isinstance(data.get("coordinates"), list):
        return {"type": kind, "coordinates": data["coordinates"]}
    return None


def _representative(geometry: dict) -> tuple[float, float] | None:
    from shapely.geometry import shape

    try:
        point = shape(geometry).representative_point()
    except Exception:  # noqa: BLE001 - a stored shape shapely cannot read has no point
        return None
    return (round(point.x, 6), round(point.y, 6)) if not point.is_empty else None


def _street_frame(rows) -> pd.DataFrame:
    records = []
    for name, households, boundary in rows:
        geometry = _geometry(boundary)
        point = _representative(geometry) if geometry else None
        if point is None:
            continue
        records.append({"street": name, "households": math.nan if households is None else float(households),
                        "geometry": geometry, "lon": point[0], "lat": point[1]})
    frame = pd.DataFrame(records, columns=STREET_COLUMNS)
    frame["households"] = frame["households"].astype(float)
    return frame


def street_shapes(engine: Engine) -> Shapes:
    """The store's shapes: streets with a boundary, grids with a point and places.

    Args:
        engine: the store (from `civicdesk.store.connect`).

    Returns:
        `Shapes`; `Shapes.empty` when no street has a boundary.
    """
    from civicdesk.store.schema import grids, places, streets

    with engine.connect() as conn:
        street_rows = conn.execute(sa.select(streets.c.name, streets.c.households, streets.c.boundary)
                                   .where(streets.c.boundary.is_not(None)).order_by(streets.c.street_id)).all()
        grid_rows = conn.execute(
            sa.select(grids.c.grid_id, streets.c.name, grids.c.lon, grids.c.lat)
            .join(streets, streets.c.street_id == grids.c.street_id)
            .where(grids.c.lon.is_not(None), grids.c.lat.is_not(None)).order_by(grids.c.grid_id)).all()
        place_rows = conn.execute(
            sa.select(places.c.street, places.c.name, places.c.grid_id, places.c.lon, places.c.lat)
            .where(places.c.lon.is_not(None), places.c.lat.is_not(None)).order_by(places.c.place_id)).all()
    grid_frame = pd.DataFrame([tuple(r) for r in grid_rows], columns=GRID_COLUMNS)
    place_frame = pd.DataFrame([tuple(r) for r in place_rows], columns=PLACE_COLUMNS)
    for frame in (grid_frame, place_frame):
        frame[["lon", "lat"]] = frame[["lon", "lat"]].astype(float)
    place_frame["grid_id"] = place_frame["grid_id"].astype(object).where(place_frame["grid_id"].notna(), None)
    return Shapes(streets=_street_frame(street_rows), grids=grid_frame, places=place_frame)


def known_streets(engine: Engine) -> dict[str, str]:
    """Streets a boundary can be given to: name → code for the streets table, and name → name for the
    streets only tickets name (what `read_geojson` matches against)."""
    from civicdesk.store.schema import streets, weekly_margins

    with engine.connect() as conn:
        known = {name: code for name, code in conn.execute(sa.select(streets.c.name, streets.c.code))}
        ticket_names = conn.execute(sa.select(weekly_margins.c.value).distinct()
                                    .where(weekly_margins.c.dimension == "street", weekly_margins.c.value != ""))
        for (name,) in ticket_names:
            known.setdefault(name, name)
    return known


# ---------------------------------------------------------------------------------------------
# Reading a centre's GeoJSON
# ---------------------------------------------------------------------------------------------

def _features(text: str) -> list[dict]:
    """The features of a GeoJSON text (a FeatureCollection, one Feature or one bare geometry)."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        raise GeoJSONError("geo_not_json", "the file is not JSON") from None
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        return [f if isinstance(f, dict) else {} for f in data["features"]]
    if kind == "Feature":
        return [data]
    if kind in ("Polygon", "MultiPolygon", "GeometryCollection", "Point", "MultiPoint", "LineString",
                "MultiLineString"):
        return [{"type": "Feature", "properties": {}, "geometry": data}]
    raise GeoJSONError("geo_not_geojson", "the JSON is not GeoJSON (no FeatureCollection, Feature or geometry)")


def _base(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Names:
    """Finds a street from a feature's name: its name, its code, or its name without 街道/镇/乡."""

    def __init__(self, known: Iterable[str] | Mapping[str, str]):
        codes = dict(known) if isinstance(known, Mapping) else {n: n for n in known}
        self.exact = {str(n).strip(): n for n in codes}
        self.code = {str(c).strip().lower(): n for n, c in codes.items() if c}
        bases: dict[str, list[str]] = {}
        for n in codes:
            bases.setdefault(_base(str(n).strip()), []).append(n)
        self.base = {b: ns[0] for b, ns in bases.items() if len(ns) == 1}

    def find(self, value) -> str | None:
        if value is None or isinstance(value, (dict, list)):
            return None
        text = str(value).strip()
        if not text:
            return None
        return self.exact.get(text) or self.code.get(text.lower()) or self.base.get(_base(text))


def _guess_property(features: list[dict], names: _Names) -> str | None:
    """The property whose values name the most known streets (ties: the earlier in `NAME_PROPERTIES`);
    without any match, the first of `NAME_PROPERTIES` the features carry."""
    counts: dict[str, int] = {}
    for f in features:
        for key, value in (f.get("properties") or {}).items():
            if names.find(value):
                counts[key] = counts.get(key, 0) + 1
    order = {p: i for i, p in enumerate(NAME_PROPERTIES)}
    if counts:
        return min(counts, key=lambda k: (-counts[k], order.get(k, len(order)), k))
    present = {k for f in features for k in (f.get("properties") or {})}
    return next((p for p in NAME_PROPERTIES if p in present), None)


def _in_range(coords) -> bool:
    import numpy as np

    xy = np.asarray(coords, dtype=float)
    return bool(len(xy)) and bool(np.all((np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)))


def check_geometry(geometry) -> tuple[dict | None, str | None]:
    """A feature's geometry as a valid Polygon or MultiPolygon dict (lon/lat, 2-D, 6 decimals), or
    (None, reason key) when it cannot be one: not a polygon, empty, not lon/lat, or invalid beyond a
    harmless repair (`make_valid` changing the area by at most `REPAIR_TOLERANCE`)."""
    import shapely
    from shapely.geometry import shape

    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None, "geo_not_polygon"
    try:
        geom = shapely.force_2d(shape(geometry))
    except Exception:  # noqa: BLE001 - malformed coordinates of any kind
        return None, "geo_bad_coordinates"
    if geom.is_empty or (geom.is_valid and geom.area == 0):
        return None, "geo_empty"
    if not _in_range(shapely.get_coordinates(geom)):
        return None, "geo_not_lonlat"
    if not geom.is_valid:
        fixed = shapely.make_valid(geom)
        polygons = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polygons) if polygons else None
        if fixed is None or fixed.is_empty or abs(fixed.area - geom.area) > REPAIR_TOLERANCE * fixed.area:
            return None, "geo_invalid"
        geom = fixed
    rounded = shapely.transform(geom, lambda xy: xy.round(6))  # keeps the rings' order and winding
    geom = rounded if rounded.is_valid else shapely.set_precision(geom, 1e-6)
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None, "geo_invalid"
    return json.loads(shapely.to_geojson(geom)), None


def read_geojson(text: str, known_streets: Iterable[str] | Mapping[str, str],
                 name_property: str | None = None) -> GeoJSONMatch:
    """Match a GeoJSON file's features to the centre's streets and check their geometries.

    Args:
        text: the file's text (a FeatureCollection, a Feature or a bare geometry).
        known_streets: the street names, or name → code (`known_streets(engine)`); a feature matches a
            street by its name, its code, or its name without 街道/镇/乡.
        name_property: the feature property holding the street's name or code; guessed when None (the
            property naming the most known streets, among `NAME_PROPERTIES` first on ties).

    Returns:
        `GeoJSONMatch`: the matched geometries and each unmatched feature with its reason key.

    Raises:
        GeoJSONError: the text is not GeoJSON at all.
    """
    features = _features(text)
    names = _Names(known_streets)
    prop = name_property or _guess_property(features, names)
    matched: dict[str, dict] = {}
    unmatched: list[tuple[int, str | None, str]] = []
    for i, feature in enumerate(features):
        value = (feature.get("properties") or {}).get(prop) if prop else None
        label = None if value is None or isinstance(value, (dict, list)) else str(value).strip() or None
        street = names.find(value)
        if label is None:
            unmatched.append((i, None, "geo_no_name"))
            continue
        if street is None:
            unmatched.append((i, label, "geo_unknown_street"))
            continue
        if street in matched:
            unmatched.append((i, label, "geo_duplicate"))
            continue
        geometry, reason = check_geometry(feature.get("geometry"))
        if reason:
            unmatched.append((i, label, reason))
            continue
        matched[street] = geometry
    return GeoJSONMatch(matched=matched, unmatched=unmatched, name_property=prop)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

def save_boundaries(engine: Engine, boundaries: dict[str, dict], *, file_name: str = "") -> int:
    """Store street boundaries, in one transaction, recorded in the audit log (needs the "import" right).

    A street the streets table does not hold yet (one only tickets name, in a store built from ticket
    exports alone) gets a row with code = name, so that it can take its shape.

    Args:
        engine: the store.
        boundaries: street name → GeoJSON geometry dict (as `read_geojson` returns them).
        file_name: the file they came from, for the audit log.

    Returns:
        The number of streets given a boundary.

    Raises:
        civicdesk.access.AccessDenied: the acting user may not import.
    """
    from civicdesk.access import require
    from civicdesk.accounts import record
    from civicdesk.store.schema import streets

    require("import")
    if not boundaries:
        return 0
    with engine.begin() as conn:
        have = set(conn.execute(sa.select(streets.c.name)).scalars())
        codes = set(conn.execute(sa.select(streets.c.code)).scalars())
        next_id = (conn.execute(sa.select(sa.func.max(streets.c.street_id))).scalar() or 0) + 1
        for name, geometry in boundaries.items():
            text = json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))
            if name in have:
                conn.execute(streets.update().where(streets.c.name == name).values(boundary=text))
                continue
            code = name if name not in codes else f"{name}-{next_id}"
            conn.execute(streets.insert().values(street_id=next_id, code=code, name=name, boundary=text))
            codes.add(code)
            next_id += 1
        record(conn, "import_boundaries", file_name or "GeoJSON", {"streets": sorted(boundaries)})
    return len(boundaries)
