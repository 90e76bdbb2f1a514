"""The district map's chart: d3's winding, the values it colours by, and drawing it offline."""
from __future__ import annotations

import math
import re

import pandas as pd
import pytest
import vl_convert

from civicdesk.charts.street_map import (MAP_MEASURES, PICK, _ring_area, d3_winding, picked_streets, street_map,
                                         street_values)
from civicdesk.kpi import KPI_LABELS


def square(x: float, y: float, d: float = 0.1, clockwise: bool = False) -> dict:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring[::-1] if clockwise else ring]}


STREETS = pd.DataFrame({
    "street": ["明水街道", "双山街道", "枣园街道", "刁镇"],
    "households": [30000.0, 25000.0, float("nan"), 12000.0],
    "geometry": [square(117.4, 36.6), square(117.5, 36.6, clockwise=True), square(117.4, 36.7), square(117.5, 36.7)],
    "lon": [117.45, 117.55, 117.45, 117.55], "lat": [36.65, 36.65, 36.75, 36.75]})
BY_STREET = pd.DataFrame({"street": ["明水街道", "双山街道", "枣园街道", "高新区"], "received": [500, 300, 100, 7],
                          "response_rate": [0.97, 0.93, 0.99, 1.0], "closure_rate": [0.9, 0.96, 0.97, 1.0],
                          "on_time_rate": [0.8, 0.9, 0.95, 1.0], "satisfaction_rate": [0.91, 0.85, 0.95, 1.0]})


@pytest.mark.parametrize("clockwise", [False, True])
def test_outer_rings_are_wound_clockwise_for_d3_and_holes_the_other_way(clockwise):
    outer = square(0, 0, 10, clockwise)["coordinates"][0]
    hole = square(4, 4, 2, clockwise)["coordinates"][0]
    wound = d3_winding({"type": "Polygon", "coordinates": [outer, hole]})["coordinates"]
    assert _ring_area(wound[0]) < 0 < _ring_area(wound[1])
    multi = d3_winding({"type": "MultiPolygon", "coordinates": [[outer], [hole]]})["coordinates"]
    assert all(_ring_area(p[0]) < 0 for p in multi)
    with pytest.raises(ValueError):
        d3_winding({"type": "Point", "coordinates": [0, 0]})


def test_values_one_row_per_shaped_street_with_the_weeks_figures():
    values = street_values(BY_STREET, STREETS)
    assert values["street"].tolist() == STREETS["street"].tolist()  # a street without a shape is not on the map
    row = values.set_index("street")
    assert row.loc["明水街道", "received"] == 500 and row.loc["刁镇", "received"] == 0
    assert math.isnan(row.loc["刁镇", "satisfaction_rate"])  # no tickets: no rate, never 0%
    assert row.loc["双山街道", "per_1000_households"] == pytest.approx(300 / 25000 * 1000)
    assert math.isnan(row.loc["枣园街道", "per_1000_households"])  # households unknown
    for rate in ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
        assert row.loc["双山街道", rate] == BY_STREET.set_index("street").loc["双山街道", rate]


def _features(spec: dict) -> list[dict]:
    return [f for layer in spec["layer"] if "values" in layer.get("data", {})
            for f in layer["data"]["values"] if f.get("type") == "Feature"]


@pytest.mark.parametrize("measure", MAP_MEASURES)
def test_the_colour_is_the_measure_and_every_figure_is_in_the_tooltip(measure):
    values = street_values(BY_STREET, STREETS)
    spec = street_map(STREETS, values, measure, "zh", clickable=True).to_dict()
    features = {f["street"]: f for f in _features(spec)[:len(STREETS)]}
    for street, row in values.set_index("street").iterrows():
        expected = row[measure]
        assert (features[street]["value"] is None) if pd.isna(expected) else features[street]["value"] == expected
    assert spec["projection"]["type"] == "conicEqualArea" and spec["projection"]["parallels"] == [25, 47]
    assert [p["name"] for p in spec["params"]] == [PICK]
    titles = [tip["title"] for tip in spec["layer"][0]["encoding"]["tooltip"]]
    assert titles[:2] == ["镇街", "受理工单"] and {KPI_LABELS[r][0] for r in KPI_LABELS if r in MAP_MEASURES} <= set(titles)


def test_an_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="measure"):
        street_map(STREETS, street_values(BY_STREET, STREETS), "tickets")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_draws_offline_with_every_street_inside_the_picture(lang):
    values = street_values(BY_STREET, STREETS)
    spec = street_map(STREETS, values, "satisfaction_rate", lang, english={"明水街道": "Mingshui Subdistrict"},
                      selected=["双山街道"], width=400, height=300).to_dict()
    svg = vl_convert.vegalite_to_svg(spec)
    width, height = (float(v) for v in re.search(r'<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"', svg).groups())
    assert 300 <= width < 700 and 250 <= height < 500
    assert ("明水街道" if lang == "zh" else "Mingshui") in svg and "刁镇" in svg
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert not any("Subdistrict" in text for text in labels)  # the label is short; the tooltip keeps the whole name
    # four streets and the selected one's outline; a ring wound the RFC 7946 way would fill the whole globe
    paths = re.findall(r'<path[^>]*d="M([-\d.]+),([-\d.]+)', svg)
    assert len(paths) >= 5
    assert all(-5 <= float(x) <= width and -5 <= float(y) <= height for x, y in paths)


def test_a_click_selection_becomes_street_names():
    assert picked_streets({"selection": {PICK: [{"street": "明水街道"}, {"street": "刁镇"}]}}) == ["明水街道", "刁镇"]
    assert picked_streets({"selection": {PICK: []}}) == [] and picked_streets(None) == []
    assert picked_streets({"selection": {}}) == []
