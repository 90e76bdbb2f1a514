"""AppTest of the Overview's district map: coloured by the KPI table's figures, filtered by a click, both languages,
and omitted with a note on a store without boundaries."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from civicdesk import store
from civicdesk.charts.street_map import PICK
from civicdesk.kpi import kpi_table, totals
from tests.test_app import run_app

WEEK = date(2023, 6, 19)  # the small demo's default week
RATES = ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate")


def maps(at: AppTest) -> list[dict]:
    return [s for s in (json.loads(c.proto.spec) for c in at.get("vega_lite_chart")) if "projection" in s]


def features(spec: dict) -> dict[str, dict]:
    return {f["street"]: f for layer in spec["layer"] for f in layer.get("data", {}).get("values", [])
            if f.get("type") == "Feature" and "value" in f}


def week_by_street(url: str):
    engine = store.connect(url)
    try:
        frame = kpi_table(engine, "W", ("street",), WEEK, WEEK + timedelta(days=6))
        return totals(frame, ("street",)).set_index("street")
    finally:
        engine.dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_is_coloured_by_the_kpi_tables_figures(monkeypatch, demo_store_url, lang):
    at = run_app(monkeypatch, demo_store_url, lang)
    assert not at.exception, [e.value for e in at.exception]
    (district,) = maps(at)
    assert district["projection"]["type"] == "conicEqualArea" and [p["name"] for p in district["params"]] == [PICK]
    radio = at.radio(key=f"ov_map_measure_{lang}")
    assert radio.options[:2] == (["受理量（件）", "每千户受理量（件）"] if lang == "zh"
                                 else ["Tickets received", "Tickets per 1,000 households"])
    assert len(radio.options) == 6
    table = week_by_street(demo_store_url)
    shown = features(district)
    assert len(shown) == 18
    for street, row in table.iterrows():
        assert shown[street]["value"] == shown[street]["received"] == row["received"]
    for rate in RATES:
        at.radio(key=f"ov_map_measure_{lang}").set_value(rate).run(timeout=120)
        assert not at.exception
        recoloured = features(maps(at)[0])
        for street, row in table.iterrows():
            assert recoloured[street]["value"] == pytest.approx(row[rate], nan_ok=True)
    hint = "点击镇街可筛选本页" if lang == "zh" else "Click a street to filter the page"
    assert any(hint in c.value for c in at.caption)


def test_a_street_chosen_from_the_map_filters_the_page_and_is_outlined(monkeypatch, demo_store_url):
    at = run_app(monkeypatch, demo_store_url)
    whole = int(at.metric[0].value.replace(",", ""))
    at.session_state["streets"] = ["明水街道"]  # what the chart's click callback sets
    at.run(timeout=120)
    assert not at.exception
    assert at.sidebar.multiselect(key="streets").value == ["明水街道"]
    filtered = int(at.metric[0].value.replace(",", ""))
    assert filtered == week_by_street(demo_store_url).loc["明水街道", "received"] < whole
    (district,) = maps(at)
    shown = features(district)
    assert len(shown) == 18 and shown["明水街道"]["picked"] and not shown["双山街道"]["picked"]
    # the others keep their figures: the map shows the district, the page the street
    assert shown["双山街道"]["received"] == week_by_street(demo_store_url).loc["双山街道", "received"]


@pytest.mark.parametrize("lang, note", [("zh", "尚未载入镇街边界"), ("en", "No street boundaries are loaded")])
def test_without_boundaries_the_map_is_omitted_with_a_note(monkeypatch, no_shapes_url, lang, note):
    at = run_app(monkeypatch, no_shapes_url, lang)
    assert not at.exception and not maps(at)
    assert any(note in c.value for c in at.caption)
    assert at.metric and at.dataframe  # the rest of the Overview is there


def test_the_street_chosen_on_the_map_is_street_a_on_the_compare_view(monkeypatch, demo_store_url):
    at = run_app(monkeypatch, demo_store_url)
    at.session_state["streets"] = ["双山街道"]  # what the chart's click callback sets
    at.run()
    at.switch_page("views/compare.py").run(timeout=120)
    assert not at.exception
    assert at.sidebar.multiselect(key="streets").value == ["双山街道"]  # kept across views that draw the filters
    assert at.selectbox(key="cmp_street_a_zh").value == "双山街道"
    at.sidebar.multiselect(key="streets").set_value([]).run()
    at.switch_page("views/overview.py").run(timeout=120)
    assert at.sidebar.multiselect(key="streets").value == []  # a change made on the other view is kept too
