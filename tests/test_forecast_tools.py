"""Scenarios, early warnings and the intraday profile."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk import store
from civicdesk.forecast.early_warning import early_warnings
from civicdesk.forecast.intraday import SLOTS_PER_DAY, intraday_profile, profile_from_times, split_daily
from civicdesk.forecast.scenarios import (Adjustment, Scenario, apply_scenario, delete_scenario, list_scenarios,
                                          load_scenario, save_scenario)

DAYS = pd.date_range("2023-12-11", periods=28)


def flat_forecast(ids, value=10.0) -> pd.DataFrame:
    rows = [(uid, d) for uid in ids for d in DAYS]
    out = pd.DataFrame(rows, columns=["unique_id", "ds"])
    return out.assign(mean=value, **{"lo-80": value - 3, "hi-80": value + 3, "lo-95": value - 5, "hi-95": value + 5})


COLD_WAVE = Scenario("寒潮", (Adjustment("2023-12-18", "2023-12-27", "multiply", 1.4, categories=("供暖",)),
                              Adjustment("2023-12-25", "2023-12-31", "add", -20.0, streets=("双山街道",))),
                     "寒潮来袭，供暖诉求上升四成，持续十天")


def test_scenario_multiplies_and_adds_only_where_it_applies():
    fc = flat_forecast(["明水街道/供暖", "明水街道/物业管理", "双山街道/供暖"])
    out = apply_scenario(fc, COLD_WAVE, by=("street", "category")).set_index(["unique_id", "ds"])
    assert out.loc[("明水街道/供暖", pd.Timestamp("2023-12-18")), "mean"] == pytest.approx(14.0)
    assert out.loc[("明水街道/供暖", pd.Timestamp("2023-12-18")), "hi-95"] == pytest.approx(21.0)
    assert out.loc[("明水街道/供暖", pd.Timestamp("2023-12-28")), "mean"] == 10.0
    assert out.loc[("明水街道/物业管理", pd.Timestamp("2023-12-20")), "mean"] == 10.0
    # 双山 heating on 12-26: ×1.4 then −20, floored at zero
    assert out.loc[("双山街道/供暖", pd.Timestamp("2023-12-26")), "mean"] == 0.0
    assert (out.select_dtypes("number") >= 0).all().all()


def test_scenario_needs_the_dimensions_it_filters_on():
    with pytest.raises(ValueError, match="apply it to a forecast by category"):
        apply_scenario(flat_forecast(["明水街道"]), COLD_WAVE, by=("street",))
    with pytest.raises(ValueError, match="multiplies or adds"):
        Adjustment("2023-12-01", "2023-12-02", "square", 2.0)
    with pytest.raises(ValueError, match="ends"):
        Adjustment("2023-12-05", "2023-12-02", "add", 2.0)


def test_scenarios_are_saved_by_name(store_url):
    engine = store.connect(store_url)
    save_scenario(engine, COLD_WAVE)
    save_scenario(engine, Scenario("安全检查月", (Adjustment("2024-03-01", "2024-03-31", "multiply", 1.2,
                                                          channels=("grid",)),)))
    assert [s.name for s in list_scenarios(engine)] == sorted(["寒潮", "安全检查月"])
    assert load_scenario(engine, "寒潮") == COLD_WAVE
    save_scenario(engine, Scenario("寒潮", COLD_WAVE.adjustments[:1], "改为只调整供暖"))
    assert len(load_scenario(engine, "寒潮").adjustments) == 1
    delete_scenario(engine, "寒潮")
    with pytest.raises(KeyError, match="寒潮"):
        load_scenario(engine, "寒潮")


def test_early_warnings_rank_days_and_weeks_outside_the_interval():
    fc = flat_forecast(["a", "b"])
    actual = fc[["unique_id", "ds"]].assign(y=10.0)
    actual.loc[(actual["unique_id"] == "a") & (actual["ds"] == "2023-12-13"), "y"] = 25.0   # 2 half-widths above
    actual.loc[(actual["unique_id"] == "b") & (actual["ds"] == "2023-12-20"), "y"] = 16.0   # just above
    actual.loc[(actual["unique_id"] == "b") & (actual["ds"] == "2023-12-21"), "y"] = 0.0    # below
    daily = early_warnings(actual, fc)
    assert list(daily["unique_id"]) == ["a", "b", "b"]
    assert daily.iloc[0]["severity"] == pytest.approx(2.0) and daily.iloc[0]["direction"] == "above"
    assert set(daily["direction"]) == {"above", "below"}
    weekly = early_warnings(actual, fc, freq="W")
    assert list(weekly["unique_id"]) == ["a"]  # 15 extra in a week of sd ~ 5·√7 ≈ 13.2 is outside
    assert weekly.iloc[0]["period"] == pd.Timestamp("2023-12-11")
    with pytest.raises(ValueError, match="no columns"):
        early_warnings(actual, fc, model="ETS")


def test_intraday_profile_shapes_and_splits():
    rng = np.random.default_rng(0)
    days = pd.date_range("2023-01-02", periods=28)
    hours = rng.choice([9, 10, 14, 15, 20], size=5000, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    times = pd.Series(days[rng.integers(0, 28, 5000)] + pd.to_timedelta(hours, unit="h")
                      + pd.to_timedelta(rng.integers(0, 60, 5000), unit="min"))
    prof = profile_from_times(times)
    assert len(prof) == 7 * SLOTS_PER_DAY
    assert prof.groupby("dow")["share"].sum().round(9).eq(1.0).all()
    monday = prof[prof["dow"] == 0].set_index("slot")["share"]
    assert monday.loc[18:21].sum() > 0.5 and monday.loc[0:15].sum() == 0
    daily = pd.DataFrame({"unique_id": "total", "ds": pd.date_range("2024-01-01", periods=3), "mean": 480.0})
    slots = split_daily(daily, prof)
    assert len(slots) == 3 * SLOTS_PER_DAY and slots["mean"].sum() == pytest.approx(1440.0)
    assert slots["ds"].iloc[18] == pd.Timestamp("2024-01-01 09:00")


def test_intraday_profile_of_the_demo_hotline_peaks_in_office_hours(demo_store_url):
    prof = intraday_profile(store.connect(demo_store_url))
    weekday = prof[prof["dow"] < 5].groupby("slot")["share"].mean()
    assert weekday.loc[18:21].sum() + weekday.loc[28:31].sum() > weekday.loc[0:13].sum()


def test_forecast_runs_are_stored_with_a_model_card(demo_store_url, tmp_path, monkeypatch, sqlite_url):
    import shutil

    from civicdesk.forecast.runs import latest_run, load_run, make_run

    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(tmp_path / "models"))
    copy = tmp_path / "demo.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    engine = store.connect(f"sqlite:///{copy}")
    assert latest_run(engine, by=()) is None
    steps = []
    run = make_run(engine, by=(), h=14, as_of="2023-06-11", n_windows=2, progress=lambda f, m: steps.append(f))
    assert steps[-1] == 1.0 and run.as_of == pd.Timestamp("2023-06-11") and run.by == ()
    assert list(run.values.columns) == ["unique_id", "ds", "model", "mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    assert run.values["ds"].min() == pd.Timestamp("2023-06-12") and len(run.values) == 14
    card = run.card.read_text(encoding="utf-8")
    assert "as of: 2023-06-11" in card and run.data_hash in card
    assert list(run.metrics.columns) == ["unique_id", "model", "backtest_mase", "naive_mase", "selection_mase"]
    assert "the choosing, scored on the last 14 days it did not choose on: beats the seasonal naive on" in card
    again = latest_run(engine, by=())
    pd.testing.assert_frame_equal(again.values, run.values)
    assert load_run(engine, run.run_id).metrics.equals(run.metrics)
    assert latest_run(engine, by=("street",)) is None


def test_a_run_on_a_short_history_ignores_the_days_before_the_data(demo_store_url, tmp_path, monkeypatch):
    """Half a year of data and an as-of date: the two-year default window must not add zero days before it."""
    import shutil

    from civicdesk import store
    from civicdesk.forecast import CountRegression
    from civicdesk.forecast.runs import make_run

    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(tmp_path / "models"))
    copy = tmp_path / "demo.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    engine = store.connect(f"sqlite:///{copy}")
    run = make_run(engine, by=(), h=7, as_of="2023-06-23", n_windows=1, models=[CountRegression()])
    recent = store.daily_counts(engine, by=(), start="2023-06-17", end="2023-06-23")["y"].sum()
    assert run.values["mean"].sum() > 0.7 * recent


def test_runs_stored_before_held_out_scoring_do_not_pass_their_in_sample_figure_off_as_one():
    """Old runs stored the chosen model's lowest MASE on the folds it was chosen on as backtest_mase."""
    from civicdesk.forecast.runs import _metrics

    old = pd.DataFrame({"unique_id": ["a"], "model": ["ETS"], "backtest_mase": [0.7], "naive_mase": [1.1]})
    shown = _metrics(old)
    assert list(shown.columns) == ["unique_id", "model", "selection_mase"] and shown["selection_mase"].iloc[0] == 0.7
    new = old.assign(selection_mase=0.6)
    assert _metrics(new).equals(new)
