"""Shapes: the demo's streets tile its outline, grids and places lie inside their streets, the demo's tickets
are those drawn without geometry; `street_shapes` round-trips through the store on both engines;
`read_geojson` matches features to streets and says why others are not; `save_boundaries` on a store built
from tickets alone; `civicdesk shapes import` end to end in both languages; migration 0010."""
from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from civicdesk import store
from civicdesk.geo import (GeoJSONError, GeoJSONMatch, Shapes, check_geometry, known_streets, read_geojson,
                           save_boundaries, street_shapes)
from civicdesk.i18n.geo import GEO_STRINGS
from civicdesk.store.schema import audit_log, grids, places, streets
from civicdesk.synth import generate_district
from civicdesk.synth.geo import OUTLINE_KM2, SEATS, _to_km
from civicdesk.synth.places import STREET_SPECS
from tests.conftest import make_tickets

NAMES = [spec[1] for spec in STREET_SPECS]
#: sha256 of `generate_district(scale=0.02).tickets.to_csv(index=False)` computed at git HEAD 981e391, before
#: the demo had geometry. Update it only when the generator's draws change on purpose.
TICKETS_DIGEST_BEFORE_SHAPES = "a3887eba812f6897642dddc928ba3f0edeae4337d985c674d83744c4e2198358"
TINY_DEMO = dict(seed=0, start="2023-01-01", end="2023-01-31", scale=0.02)


def _shape(geometry: dict):
    from shapely.geometry import shape

    return shape(geometry)


def _km2(geom) -> float:
    import shapely

    return shapely.transform(geom, lambda xy: np.column_stack(_to_km(xy[:, 0], xy[:, 1]))).area


def _km(a, b) -> float:
    (x1, y1), (x2, y2) = _to_km(*a), _to_km(*b)
    return float(math.hypot(x1 - x2, y1 - y2))


def square(x0: float, y0: float, side: float = 0.01) -> dict:
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(properties: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# The demo's geometry
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(small_district):
    return small_district.shapes


def test_streets_tile_the_outline_without_gaps_or_overlaps(demo):
    import shapely

    outline = _shape(demo.outline)
    parts = [_shape(demo.boundaries[n]) for n in NAMES]
    union = shapely.union_all(parts)
    assert abs(union.area / outline.area - 1) < 0.001  # no gaps
    assert abs(sum(p.area for p in parts) / union.area - 1) < 0.001  # no overlaps
    assert abs(_km2(outline) / OUTLINE_KM2 - 1) < 0.02  # Zhangqiu's size
    lon0, lat0, lon1, lat1 = outline.bounds
    assert 117.2 <= lon0 < lon1 <= 117.75 and 36.4 <= lat0 < lat1 <= 37.1
    assert 20 <= len(outline.exterior.coords) - 1 <= 40
    assert outline.area / outline.envelope.area < 0.9  # not a rectangle


def test_every_street_has_exactly_one_valid_geometry(demo):
    import shapely

    assert list(demo.boundaries) == NAMES
    for name, geometry in demo.boundaries.items():
        geom = _shape(geometry)
        assert geometry["type"] in ("Polygon", "MultiPolygon") and geom.is_valid and geom.area > 0, name
        assert 20 < _km2(geom) < 250, name  # an 18-street district of 1,720 km²
        coords = shapely.get_coordinates(geom)
        assert np.allclose(coords, coords.round(5), rtol=0, atol=1e-9), name  # rounded to 5 decimals
    seat = SEATS["mingshui"]
    assert _shape(demo.boundaries["明水街道"]).contains(_shape({"type": "Point", "coordinates": list(seat)}))
    # the north edge is Huanghe town's, the south Duozhuang's
    outline = _shape(demo.outline)
    north = max(outline.exterior.coords, key=lambda c: c[1])
    south = min(outline.exterior.coords, key=lambda c: c[1])
    point = _shape({"type": "Point", "coordinates": list(north)})
    assert _shape(demo.boundaries["黄河镇"]).distance(point) < 1e-4
    point = _shape({"type": "Point", "coordinates": list(south)})
    assert min(_shape(demo.boundaries[n]).distance(point) for n in ("垛庄镇", "曹范街道", "文祖街道")) < 1e-4


def test_every_grid_point_lies_inside_its_street(small_district, demo):
    import shapely

    grid_street = small_district.grids.set_index("grid_id")["street_id"].map(dict(enumerate(NAMES, start=1)))
    assert demo.grids["grid_id"].tolist() == small_district.grids["grid_id"].tolist()
    for name, rows in demo.grids.groupby(demo.grids["grid_id"].map(grid_street)):
        inside = shapely.contains_xy(_shape(demo.boundaries[name]), rows["lon"].to_numpy(), rows["lat"].to_numpy())
        assert inside.all(), name
    assert np.allclose(demo.grids[["lon", "lat"]].round(5), demo.grids[["lon", "lat"]])


def test_places_lie_near_their_grids_and_cover_the_tickets_sites(small_district, demo):
    from civicdesk.drivers.repeats import extract_site

    frame = demo.places
    assert not frame.duplicated(["street", "name"]).any()
    points = demo.grids.set_index("grid_id")
    with_grid = frame[frame["grid_id"].notna()]
    assert len(with_grid) > 1000 and (frame["grid_id"].isna()).sum() > 50  # 小区 and villages; roads
    far = [_km((r.lon, r.lat), (points.at[r.grid_id, "lon"], points.at[r.grid_id, "lat"]))
           for r in with_grid.itertuples()]
    assert max(far) < 1.5 and np.median(far) < 0.5
    for name, rows in frame.groupby("street"):
        assert _shape(demo.boundaries[name]).contains(
            _shape({"type": "MultiPoint", "coordinates": rows[["lon", "lat"]].to_numpy().tolist()})), name
    # the places key problems read from tickets' texts have a point of their own
    shapes = Shapes(streets=pd.DataFrame(columns=["street", "households", "geometry", "lon", "lat"]),
                    grids=pd.DataFrame(columns=["grid_id", "street", "lon", "lat"]), places=frame)
    sites = extract_site(small_district.tickets["description"].head(20_000))
    found = [shapes.locate(s, None, n) is not None
             for s, n in zip(small_district.tickets["street"].head(20_000)[sites.notna()], sites.dropna())]
    assert len(found) > 5000 and np.mean(found) > 0.97


def test_the_demo_tickets_are_those_drawn_without_geometry():
    with_shapes = generate_district(scale=0.02)
    without = generate_district(scale=0.02, shapes=False)
    assert without.shapes is None and with_shapes.shapes is not None
    text = with_shapes.tickets.to_csv(index=False)
    assert text == without.tickets.to_csv(index=False)
    assert hashlib.sha256(text.encode()).hexdigest() == TICKETS_DIGEST_BEFORE_SHAPES
    for name in ("streets", "grids", "staff"):
        pd.testing.assert_frame_equal(getattr(with_shapes, name), getattr(without, name))
    # the geometry depends on the seed only: the same for every block of a city
    again = generate_district(**TINY_DEMO, block=1).shapes
    assert again.boundaries == with_shapes.shapes.boundaries
    pd.testing.assert_frame_equal(again.places, with_shapes.shapes.places)


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------

def test_street_shapes_round_trip_through_the_store(store_url):
    district = generate_district(**TINY_DEMO)
    engine = store.connect(store_url)
    store.load_district(engine, district)
    shapes = street_shapes(engine)
    assert not shapes.empty
    assert shapes.streets.columns.tolist() == ["street", "households", "geometry", "lon", "lat"]
    assert shapes.streets["street"].tolist() == NAMES
    assert shapes.streets["households"].tolist() == district.streets["households"].astype(float).tolist()
    for row in shapes.streets.itertuples():
        assert row.geometry == district.shapes.boundaries[row.street]
        assert _shape(row.geometry).contains(_shape({"type": "Point", "coordinates": [row.lon, row.lat]}))
    expected = district.shapes.grids.assign(street=district.grids["street_id"].map(dict(enumerate(NAMES, 1))))
    pd.testing.assert_frame_equal(shapes.grids.reset_index(drop=True),
                                  expected[["grid_id", "street", "lon", "lat"]].sort_values("grid_id")
                                  .reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(shapes.places, district.shapes.places, check_dtype=False)
    collection = shapes.feature_collection()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 18
    assert collection["features"][0]["properties"] == {"street": "明水街道"}
    # locate: the place's point, else the grid's, else the street's, else None
    place = district.shapes.places.iloc[0]
    grid = shapes.grids.set_index("grid_id").loc[place["grid_id"]]
    street = shapes.streets.set_index("street").loc[place["street"]]
    assert shapes.locate(place["street"], place["grid_id"], place["name"]) == (place["lon"], place["lat"])
    assert shapes.locate(place["street"], place["grid_id"], "没有这个小区") == (grid["lon"], grid["lat"])
    assert shapes.locate(place["street"], None, None) == (street["lon"], street["lat"])
    assert shapes.locate("不存在的街道") is None
    engine.dispose()


def test_a_store_without_shapes_is_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    engine = store.connect(url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets([dict(created_at="2023-05-08 09:00")]))
    shapes = street_shapes(engine)
    assert shapes.empty and shapes.grids.empty and shapes.places.empty
    assert shapes.locate("明水街道", "g1", "翡翠华庭") is None
    assert shapes.feature_collection() == {"type": "FeatureCollection", "features": []}


def test_save_boundaries_on_a_store_built_from_tickets_only(sqlite_url):
    from civicdesk.access import AccessDenied, User, acting_as

    engine = store.connect(sqlite_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets([dict(created_at="2023-05-08 09:00"),
                                                dict(created_at="2023-05-08 10:00", street="双山街道")]))
    assert known_streets(engine) == {"明水街道": "明水街道", "双山街道": "双山街道"}
    match = read_geojson(collection(feature({"名称": "明水街道"}, square(117.5, 36.7)),
                                    feature({"名称": "双山"}, square(117.6, 36.7))), known_streets(engine))
    assert set(match.matched) == {"明水街道", "双山街道"} and not match.unmatched
    with acting_as(User("viewer", "viewer")), pytest.raises(AccessDenied):
        save_boundaries(engine, match.matched)
    assert street_shapes(engine).empty  # refused: nothing written
    assert save_boundaries(engine, match.matched, file_name="边界.geojson") == 2
    shapes = street_shapes(engine)
    assert sorted(shapes.streets["street"]) == ["双山街道", "明水街道"]
    assert shapes.streets["households"].isna().all()
    with engine.connect() as conn:
        rows = conn.execute(sa.select(streets.c.street_id, streets.c.code, streets.c.name)).all()
        audit = conn.execute(sa.select(audit_log.c.action, audit_log.c.target)).all()
    assert sorted(r.code for r in rows) == ["双山街道", "明水街道"] and {r.street_id for r in rows} == {1, 2}
    assert ("import_boundaries", "边界.geojson") in audit
    # a second load replaces the shapes and adds no street
    assert save_boundaries(engine, {"明水街道": square(117.4, 36.6)}) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(streets)).scalar() == 2
    assert street_shapes(engine).streets.set_index("street").at["明水街道", "geometry"] == square(117.4, 36.6)


# ---------------------------------------------------------------------------------------------
# Reading a centre's GeoJSON
# ---------------------------------------------------------------------------------------------

KNOWN = {"明水街道": "mingshui", "双山街道": "shuangshan", "刁镇": "diaozhen", "黄河镇": "huanghe"}


def test_read_geojson_matches_by_name_code_or_short_name_and_says_why_not():
    bowtie = {"type": "Polygon", "coordinates": [[[117.0, 36.0], [117.1, 36.1], [117.1, 36.0], [117.0, 36.1],
                                                  [117.0, 36.0]]]}
    projected = {"type": "Polygon", "coordinates": [[[13_070_000, 4_400_000], [13_080_000, 4_400_000],
                                                     [13_080_000, 4_410_000], [13_070_000, 4_400_000]]]}
    text = collection(
        feature({"NAME": "明水街道", "id": 1}, square(117.5, 36.7)),      # name
        feature({"NAME": "shuangshan"}, square(117.6, 36.7)),            # code
        feature({"NAME": "黄河"}, square(117.4, 37.0)),                   # name without 镇
        feature({"NAME": "明水街道"}, square(117.5, 36.8)),                # a second one
        feature({"NAME": "历城区"}, square(117.1, 36.7)),                   # not a street of the centre
        feature({"id": 7}, square(117.2, 36.7)),                          # no name
        feature({"NAME": "刁镇"}, {"type": "Point", "coordinates": [117.6, 36.8]}),
        feature({"NAME": "刁镇"}, projected),
        feature({"NAME": "刁镇"}, bowtie),
    )
    match = read_geojson(text, KNOWN)
    assert isinstance(match, GeoJSONMatch) and match.name_property == "NAME"
    assert list(match.matched) == ["明水街道", "双山街道", "黄河镇"]
    assert match.matched["明水街道"] == square(117.5, 36.7)
    assert match.unmatched == [(3, "明水街道", "geo_duplicate"), (4, "历城区", "geo_unknown_street"),
                               (5, None, "geo_no_name"), (6, "刁镇", "geo_not_polygon"),
                               (7, "刁镇", "geo_not_lonlat"), (8, "刁镇", "geo_invalid")]
    # by names alone, and with the property named
    by_names = read_geojson(text, list(KNOWN))
    assert list(by_names.matched) == ["明水街道", "黄河镇"]
    named = read_geojson(collection(feature({"名称": "刁镇", "街道": "明水街道"}, square(117.5, 36.7))), KNOWN,
                         name_property="名称")
    assert list(named.matched) == ["刁镇"] and named.name_property == "名称"
    absent = read_geojson(collection(feature({"名称": "刁镇"}, square(117.5, 36.7))), KNOWN, name_property="xzqmc")
    assert not absent.matched and absent.unmatched == [(0, None, "geo_no_name")]


def test_read_geojson_guesses_the_property_naming_most_streets():
    text = collection(feature({"name": "Zone A", "街道": "明水街道"}, square(117.5, 36.7)),
                      feature({"name": "Zone B", "街道": "刁镇"}, square(117.6, 36.7)))
    match = read_geojson(text, KNOWN)
    assert match.name_property == "街道" and list(match.matched) == ["明水街道", "刁镇"]
    single = json.dumps(feature({"name": "双山街道"}, square(117.5, 36.7)), ensure_ascii=False)
    assert list(read_geojson(single, KNOWN).matched) == ["双山街道"]


def test_harmless_repairs_are_made_and_3d_coordinates_flattened():
    overlapping = {"type": "MultiPolygon", "coordinates": [square(117.0, 36.0, 0.1)["coordinates"],
                                                           square(117.0999, 36.0, 0.1)["coordinates"]]}
    fixed, reason = check_geometry(overlapping)
    assert reason is None and _shape(fixed).is_valid and abs(_shape(fixed).area - 0.01999) < 1e-8
    solid = {"type": "Polygon", "coordinates": [[[117.0, 36.0, 5], [117.1, 36.0, 5], [117.1, 36.1, 5],
                                                 [117.0, 36.0, 5]]]}
    flat, reason = check_geometry(solid)
    assert reason is None and len(flat["coordinates"][0][0]) == 2
    assert check_geometry({"type": "Polygon", "coordinates": [[[1, 2]]]})[1] in ("geo_bad_coordinates", "geo_empty")
    assert check_geometry(None) == (None, "geo_not_polygon")


@pytest.mark.parametrize("text, key", [("a,b\n1,2", "geo_not_json"), ('{"a": 1}', "geo_not_geojson"),
                                       ("[1, 2]", "geo_not_geojson")])
def test_a_file_that_is_not_geojson_raises(text, key):
    with pytest.raises(GeoJSONError) as caught:
        read_geojson(text, KNOWN)
    assert caught.value.key == key


def test_every_reason_has_both_languages():
    keys = {"geo_not_json", "geo_not_geojson", "geo_no_name", "geo_unknown_street", "geo_duplicate",
            "geo_not_polygon", "geo_bad_coordinates", "geo_empty", "geo_not_lonlat", "geo_invalid"}
    from tests.language_check import CJK_RUN
    for key in keys:
        zh, en = GEO_STRINGS[key]
        assert CJK_RUN.search(zh) and not CJK_RUN.search(en), key


# ---------------------------------------------------------------------------------------------
# The command and the Data view
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_shapes_import_command(sqlite_url, tmp_path, lang):
    from civicdesk.cli import app

    engine = store.connect(sqlite_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets([dict(created_at="2023-05-08 09:00"),
                                                dict(created_at="2023-05-08 10:00", street="刁镇")]))
    path = tmp_path / "边界.geojson"
    path.write_text(collection(feature({"名称": "明水"}, square(117.5, 36.7)),
                               feature({"名称": "刁镇"}, square(117.6, 36.7)),
                               feature({"名称": "历城区"}, square(117.1, 36.7))), encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["shapes", "import", str(path), "--lang", lang, "--db", sqlite_url])
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    if lang == "zh":
        assert lines[:3] == ["已为 2 个镇街保存边界。", "镇街名称取自要素属性“名称”。", "以下 1 个要素未能使用："]
        assert lines[3].strip() == "第 3 个要素（历城区）：名称与本中心的镇街都对不上"
    else:
        assert lines[:3] == ["Boundaries saved for 2 streets.", "Street names were read from the feature "
                             "property “名称”.", "1 features could not be used:"]
        assert lines[3].strip() == "feature 3 (历城区): the name matches none of the centre's streets"
    assert sorted(street_shapes(engine).streets["street"]) == ["刁镇", "明水街道"]
    # not GeoJSON at all: one sentence, exit 1, nothing stored
    bad = tmp_path / "streets.geojson"
    bad.write_text('{"streets": ["明水街道"]}', encoding="utf-8")
    with engine.begin() as conn:
        conn.execute(streets.update().values(boundary=None))
    done = runner.invoke(app, ["shapes", "import", str(bad), "--lang", lang, "--db", sqlite_url])
    assert done.exit_code == 1
    expected = {"zh": "无法读取 streets.geojson：文件不是 GeoJSON", "en": "Cannot read streets.geojson: the file is "
                "not GeoJSON"}[lang]
    assert expected in done.output and len(done.output.strip().splitlines()) == 1
    assert street_shapes(engine).empty
    # a missing file, and a file no feature of which matches
    assert runner.invoke(app, ["shapes", "import", str(tmp_path / "none.geojson"), "--db", sqlite_url]).exit_code == 1
    other = tmp_path / "other.geojson"
    other.write_text(collection(feature({"名称": "历城区"}, square(117.1, 36.7))), encoding="utf-8")
    done = runner.invoke(app, ["shapes", "import", str(other), "--lang", lang, "--db", sqlite_url])
    assert done.exit_code == 1 and done.output.splitlines()[0] == GEO_STRINGS["geo_saved_none"][lang == "en"]
    engine.dispose()


def test_help_lists_shapes():
    out = subprocess.run([sys.executable, "-m", "civicdesk.cli", "--help"], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}, check=True).stdout
    assert " shapes " in out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_view_has_the_boundary_uploader(monkeypatch, demo_store_url, lang):
    from civicdesk.i18n import t
    from tests.language_check import language_problems, store_values
    from tests.test_app_data import open_data_view

    at = open_data_view(monkeypatch, demo_store_url, lang)
    at.radio(key="data_section").set_value("reference_tab").run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("geo_section", lang) in [s.value for s in at.subheader]
    assert any(u.proto.label == t("geo_upload", lang) for u in at.get("file_uploader"))
    assert at.text_input(key="geo-property").label == t("geo_name_property", lang)
    assert not language_problems(at, lang, store_values(store.connect(demo_store_url)))


# ---------------------------------------------------------------------------------------------
# Migration 0010
# ---------------------------------------------------------------------------------------------

def test_migration_0010_adds_grid_points_and_places_and_goes_back(store_url):
    from civicdesk.store.engine import _head_from_files

    assert _head_from_files() == store.head_revision() == "0010"
    engine = store.create_engine(store_url)
    store.migrate(engine, "0009")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO streets (street_id, code, name) VALUES (1, 'mingshui', '明水街道')"))
        conn.execute(sa.text("INSERT INTO grids (grid_id, street_id, name) VALUES ('g1', 1, '一网格')"))
    assert "places" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    upgraded = store.connect(store_url)
    inspector = sa.inspect(upgraded)
    assert {"lon", "lat"} <= {c["name"] for c in inspector.get_columns("grids")}
    assert {c["name"] for c in inspector.get_columns("places")} == {"place_id", "street", "name", "grid_id", "lon",
                                                                  "lat"}
    with upgraded.begin() as conn:
        assert conn.execute(sa.select(grids.c.grid_id, grids.c.lon, grids.c.lat)).all() == [("g1", None, None)]
        conn.execute(places.insert(), [{"street": "明水街道", "name": "翡翠华庭", "grid_id": None, "lon": 117.5,
                                        "lat": 36.7},
                                       {"street": "明水街道", "name": "柳林村", "grid_id": "g1", "lon": None,
                                        "lat": None}])
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            conn.execute(places.insert().values(street="明水街道", name="翡翠华庭"))
    from alembic import command

    from civicdesk.store.engine import _alembic_config

    with upgraded.begin() as conn:
        command.downgrade(_alembic_config(conn), "0009")
    assert "places" not in sa.inspect(upgraded).get_table_names()
    assert "lon" not in {c["name"] for c in sa.inspect(upgraded).get_columns("grids")}
    upgraded.dispose()
