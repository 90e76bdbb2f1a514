"""AppTest of the Forecast view: make a stored forecast, read it back, apply a scenario, check warnings."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st

from civicdesk import store
from civicdesk.store.rollup import rebuild_rollup
from civicdesk.store.schema import tickets
from tests.language_check import language_problems, store_values
from civicdesk.forecast.scenarios import Adjustment, Scenario, save_scenario
from tests.test_app import run_app


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
    assert list(backtest.columns) == ["序列", "所用模型", "所选方法 MASE（留出期）", "季节朴素法 MASE（同期）", "结果"]
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


def backtest_chart_spec(at) -> dict:
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    return next(s for s in specs if s.get("title") in ("留出期误差（MASE）：所选方法与季节朴素法",
                                                       "Held-out error (MASE): chosen method and seasonal naive"))


def test_a_choice_that_loses_to_seasonal_naive_shows_as_losing_in_both_languages(monkeypatch, demo_copy):
    """From three weeks before the end, seven in ten tickets stop arriving (a hotline moved elsewhere, say).
    Last week again is right about the last fortnight; a model chosen on the months before it is not, and the
    view must say that the choice lost, in Chinese and in English."""
    engine = store.connect(demo_copy)
    with engine.begin() as conn:
        last = pd.Timestamp(conn.execute(sa.select(sa.func.max(tickets.c.created_at))).scalar()).normalize()
        since = (last - pd.Timedelta(days=20)).to_pydatetime()
        conn.execute(tickets.delete().where((tickets.c.created_at >= since) & (tickets.c.id % 10 < 7)))
        rebuild_rollup(conn)
    at = open_forecast(monkeypatch, demo_copy)
    at.slider(key="fc_horizon").set_value(14).run()
    at.button(key="fc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert table["结果"].tolist() == ["不及基准"]
    assert table["所选方法 MASE（留出期）"].iloc[0] > table["季节朴素法 MASE（同期）"].iloc[0]
    assert table["所用模型"].iloc[0] in ("季节朴素法", "指数平滑", "计数回归")
    assert any("所选方法胜过季节朴素法的有0个，不及的有1个" in c.value for c in at.caption)
    spec = backtest_chart_spec(at)
    assert spec["encoding"]["color"]["scale"]["domain"] == ["所选方法：胜过基准", "所选方法：不及基准", "季节朴素法（基准）"]
    data = store_values(engine)
    assert not language_problems(at, "zh", data)

    at = open_forecast(monkeypatch, demo_copy, lang="en")   # the stored run, read back, in English
    table = at.dataframe[0].value
    assert list(table.columns) == ["Series", "Model used", "Chosen method MASE (held out)",
                                   "Seasonal naive MASE (same days)", "Result"]
    assert table["Result"].tolist() == ["Loses to the benchmark"]
    assert any("the chosen method beats seasonal naive on 0, loses on 1" in c.value for c in at.caption)
    assert backtest_chart_spec(at)["encoding"]["color"]["scale"]["domain"][1] == "Chosen method: loses to the benchmark"
    assert not language_problems(at, "en", data)


def test_a_run_stored_before_held_out_scoring_says_so_instead_of_showing_its_in_sample_figure(monkeypatch, demo_copy):
    """The previous version stored, as backtest_mase, the chosen model's lowest MASE on the folds it was chosen on."""
    from civicdesk.forecast.runs import make_run
    from civicdesk.store.schema import forecast_runs

    engine = store.connect(demo_copy)
    run = make_run(engine, by=(), h=7, n_windows=1)
    old = run.metrics.drop(columns="selection_mase").assign(backtest_mase=0.6, naive_mase=0.9)
    with engine.begin() as conn:
        conn.execute(forecast_runs.update().where(forecast_runs.c.run_id == run.run_id)
                     .values(metrics=old.to_json(orient="records", force_ascii=False)))
    at = open_forecast(monkeypatch, demo_copy)
    assert any("这次预测生成于留出检验之前" in i.value for i in at.info)
    assert not at.dataframe and not language_problems(at, "zh", store_values(engine))
