"""AppTest of the Forecast view: make a stored forecast, read it back, apply a scenario, check warnings."""
from __future__ import annotations

import shutil

import pytest
import streamlit as st

from civicdesk import store
from civicdesk.forecast.scenarios import Adjustment, Scenario, save_scenario
from tests.test_app import run_app


@pytest.fixture
def demo_copy(demo_store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(tmp_path / "models"))
    copy = tmp_path / "demo.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def open_forecast(monkeypatch, url, lang=None):
    at = run_app(monkeypatch, url, lang)
    at.switch_page("views/forecast.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_make_forecast_then_scenario_and_warnings(monkeypatch, demo_copy):
    at = open_forecast(monkeypatch, demo_copy)
    assert at.title[0].value == "预测"
    assert any("还没有预测" in i.value for i in at.info)
    at.slider(key="fc_horizon").set_value(14).run()
    at.button(key="fc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.label for m in at.metric] == ["未来7天预计", "预测期合计"]
    assert "预测基于截至 2023-06-30 的数据" in at.caption[0].value
    backtest = at.dataframe[0].value
    assert list(backtest.columns) == ["序列", "所选模型", "所选模型 MASE", "季节朴素法 MASE"]
    total = float(at.metric[1].value.replace(",", ""))
    # a saved scenario (+50% on everything for the whole horizon) shows as a delta on the total
    save_scenario(store.connect(demo_copy), Scenario("全面上升", (Adjustment("2023-07-01", "2023-07-14", "multiply", 1.5),)))
    st.cache_data.clear()  # saved from outside the app, as a notebook would
    at = open_forecast(monkeypatch, demo_copy)
    at.selectbox(key="fc_scenario").set_value("全面上升").run()
    assert not at.exception, [e.value for e in at.exception]
    delta = float(at.metric[1].delta.split()[0].replace(",", ""))
    assert delta == pytest.approx(0.5 * total, rel=0.01)
    at.button(key="fc_warn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success or len(at.dataframe) >= 2


def test_forecast_by_street_in_english(monkeypatch, demo_copy):
    at = open_forecast(monkeypatch, demo_copy, lang="en")
    assert at.title[0].value == "Forecast"
    at.radio(key="fc_level").set_value("level_street").run()
    at.button(key="fc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.selectbox(key="fc_series").options) == 18
    assert "Forecast from data up to 2023-06-30" in at.caption[0].value
