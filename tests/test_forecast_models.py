"""Forecasting models and the Forecaster: one contract for every model, counts, backtests, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk.forecast import (ETS, SARIMAX, CountRegression, Forecaster, ForecastInputError, SeasonalNaive,
                                auto_forecast, calendar_regressors)

MODELS = [SeasonalNaive(), ETS(), CountRegression(), SARIMAX()]
HISTORY = pd.date_range("2022-01-01", "2023-06-30", freq="D")


def weekly_counts(ds: pd.DatetimeIndex, level: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts with a weekday/weekend pattern and a holiday dip; returns (y, true mean)."""
    mu = level * np.where(ds.day_of_week < 5, 1.3, 0.6)
    mu = mu * np.where(calendar_regressors(ds)["holiday"].to_numpy() > 0, 0.4, 1.0)
    return np.random.default_rng(seed).poisson(mu).astype(float), mu


def series_frame(uid: str, level: float, seed: int = 0, ds=HISTORY) -> pd.DataFrame:
    y, _ = weekly_counts(ds, level, seed)
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.alias)
def test_every_model_keeps_the_contract(model):
    future = pd.date_range(HISTORY[-1] + pd.Timedelta(days=1), periods=28)
    y, _ = weekly_counts(HISTORY, 30.0)
    _, truth = weekly_counts(future, 30.0)
    X = calendar_regressors(HISTORY.append(future))
    fitted = model.fit(y, X.iloc[:len(HISTORY)] if model.uses_X else None)
    assert hasattr(fitted, "model_")
    out = fitted.predict(28, X.iloc[len(HISTORY):] if model.uses_X else None, level=(80, 95))
    assert list(out.columns) == ["mean", "lo-80", "hi-80", "lo-95", "hi-95"] and len(out) == 28
    assert (out.to_numpy() >= 0).all() and np.isfinite(out.to_numpy()).all()
    assert (out["lo-95"] <= out["lo-80"] + 1e-9).all() and (out["lo-80"] <= out["hi-80"]).all()
    assert (out["hi-80"] <= out["hi-95"] + 1e-9).all()
    assert np.mean(np.abs(out["mean"] - truth)) < 0.35 * truth.mean()


@pytest.mark.parametrize("model", [CountRegression(), SARIMAX(), ETS()], ids=lambda m: m.alias)
def test_calendar_aware_models_beat_seasonal_naive_over_spring_festival(model):
    ds = pd.date_range("2021-01-01", "2023-01-15", freq="D")
    future = pd.date_range("2023-01-16", periods=28)
    y, _ = weekly_counts(ds, 40.0, seed=3)
    _, truth = weekly_counts(future, 40.0)
    X = calendar_regressors(ds.append(future))
    mean = model.fit(y, X.iloc[:len(ds)] if model.uses_X else None).predict(
        28, X.iloc[len(ds):] if model.uses_X else None)["mean"]
    naive = SeasonalNaive().fit(y).predict(28)["mean"]
    error, naive_error = np.mean(np.abs(mean - truth)), np.mean(np.abs(naive - truth))
    if model.uses_X:  # they know the holiday week is coming
        assert error < 0.6 * naive_error
    else:
        assert error < 1.2 * naive_error


def test_low_volume_counts_get_integer_intervals_that_cover():
    """A street's disputes: a few a week. Means stay near the truth, intervals are counts and cover."""
    ds = pd.date_range("2021-01-01", "2023-06-30", freq="D")
    future = pd.date_range("2023-07-01", periods=180)
    y = np.random.default_rng(7).poisson(0.4, len(ds)).astype(float)
    X = calendar_regressors(ds.append(future))
    out = CountRegression().fit(y, X.iloc[:len(ds)]).predict(180, X.iloc[len(ds):])
    assert 0.2 < out["mean"].mean() < 0.7
    for col in ("lo-80", "hi-80", "lo-95", "hi-95"):
        assert (out[col] == np.round(out[col])).all()
    actual = np.random.default_rng(8).poisson(0.4, 180)
    covered = ((actual >= out["lo-95"]) & (actual <= out["hi-95"])).mean()
    assert covered >= 0.9


def test_forecaster_output_parallel_and_backtest():
    df = pd.concat([series_frame("明水街道/供暖", 25.0, 1), series_frame("明水街道/矛盾纠纷化解", 0.5, 2)])
    one = Forecaster([SeasonalNaive(), CountRegression()]).forecast(df, h=14)
    two = Forecaster([SeasonalNaive(), CountRegression()], n_jobs=2).forecast(df, h=14)
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns[:4]) == ["unique_id", "ds", "SeasonalNaive", "SeasonalNaive-lo-80"]
    assert one.groupby("unique_id")["ds"].min().eq(pd.Timestamp("2023-07-01")).all() and len(one) == 28
    cv = Forecaster([SeasonalNaive()]).cross_validation(df, h=7, n_windows=3, step_size=7)
    assert sorted(cv["cutoff"].unique()) == [pd.Timestamp("2023-06-09"), pd.Timestamp("2023-06-16"),
                                             pd.Timestamp("2023-06-23")]
    assert ((cv["ds"] > cv["cutoff"]) & (cv["ds"] <= cv["cutoff"] + pd.Timedelta(days=7))).all()
    truth = df.set_index(["unique_id", "ds"])["y"]
    assert (cv.set_index(["unique_id", "ds"])["y"] == truth.reindex(cv.set_index(["unique_id", "ds"]).index)).all()


@pytest.mark.parametrize("h, message", [(0, "at least one day"), (400, "at most 366")])
def test_bad_horizons(h, message):
    with pytest.raises(ForecastInputError, match=message):
        Forecaster([SeasonalNaive()]).forecast(series_frame("a", 5.0), h=h)


def test_bad_series():
    good = series_frame("a", 5.0)
    with pytest.raises(ForecastInputError, match="duplicate dates"):
        Forecaster([SeasonalNaive()]).forecast(pd.concat([good, good.tail(1)]), h=7)
    with pytest.raises(ForecastInputError, match="missing"):
        Forecaster([SeasonalNaive()]).forecast(good.drop(columns="y"), h=7)
    with pytest.raises(ForecastInputError, match="negative"):
        Forecaster([SeasonalNaive()]).forecast(good.assign(y=-1), h=7)
    with pytest.raises(ForecastInputError, match="no observations"):
        Forecaster([SeasonalNaive()]).forecast(good.iloc[:0], h=7)


def test_zeros_gaps_and_short_history_still_forecast_honestly():
    zeros = pd.DataFrame({"unique_id": "z", "ds": HISTORY, "y": 0.0})
    gappy = series_frame("g", 10.0).drop(index=range(100, 130))
    short = series_frame("s", 10.0).tail(10)
    fc = Forecaster([SeasonalNaive(), ETS(), CountRegression()])
    out = fc.forecast(pd.concat([zeros, gappy, short]), h=7).set_index("unique_id")
    assert (out.loc["z", ["ETS", "CountGLM", "ETS-hi-95"]].to_numpy() == 0).all()
    assert out.loc["g", "CountGLM"].between(3, 20).all()
    assert any(m.startswith("s: ETS") and "seasonal naive" in m for m in fc.messages_)
    assert np.isfinite(out.loc["s", "ETS"]).all()


def test_auto_forecast_picks_by_backtest_and_names_the_model():
    df = pd.concat([series_frame("busy", 40.0, 1, pd.date_range("2021-06-01", "2023-01-10")),
                    series_frame("quiet", 0.3, 2, pd.date_range("2021-06-01", "2023-01-10"))])
    out = auto_forecast(df, h=28, n_windows=2)
    assert list(out.columns) == ["unique_id", "ds", "model", "mean", "lo-80", "hi-80", "lo-95", "hi-95",
                                 "backtest_mase", "naive_mase", "selection_mase"]
    assert out.groupby("unique_id").size().eq(28).all()
    busy = out[out["unique_id"] == "busy"]
    assert busy["model"].iloc[0] != "SeasonalNaive"
    assert busy["backtest_mase"].iloc[0] < busy["naive_mase"].iloc[0]
    assert (out[["mean", "lo-95"]] >= 0).all().all()


def test_calendar_regressors_know_chinese_holidays():
    X = calendar_regressors(pd.date_range("2023-01-20", "2023-01-30"))
    assert X.loc["2023-01-23", "holiday"] == 1 and X.loc["2023-01-28", "makeup_workday"] == 1
    assert X.loc["2023-01-25", "heating"] == 1 and X.loc["2023-01-25", "sf_after"] == 1
    assert X.loc["2023-01-20", "sf_before"] == 1
    plain = calendar_regressors(pd.date_range("2017-12-25", "2017-12-31"), holidays=None)
    assert "holiday" not in plain.columns and {"dow1", "sin1", "cos1"} <= set(plain.columns)
    assert list(calendar_regressors(pd.date_range("2011-04-01", periods=3)).columns) == list(X.columns)


def test_same_numbers_on_a_dask_cluster():
    """A province's thousands of series can go to a Dask cluster through joblib's dask backend."""
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_backend

    df = pd.concat([series_frame(f"s{i}", 5.0 + 10 * i, i) for i in range(4)])
    models = [SeasonalNaive(), CountRegression()]
    local = Forecaster(models).forecast(df, h=14)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster), parallel_backend("dask"):
        remote = Forecaster(models, n_jobs=-1).forecast(df, h=14)
    pd.testing.assert_frame_equal(local, remote)


def test_other_countries_holidays_work_too():
    """Non-Chinese data: holidays="US" marks Independence Day; auto_forecast accepts the code."""
    X = calendar_regressors(pd.date_range("2003-07-01", "2003-07-07"), holidays="US")
    assert X["holiday"].tolist() == [0, 0, 0, 1, 0, 0, 0] and "makeup_workday" not in X.columns
    df = series_frame("bank", 50.0, 4, pd.date_range("2002-06-01", "2003-06-30"))
    out = auto_forecast(df, h=14, holidays="US", n_windows=1)
    assert len(out) == 14 and (out["mean"] >= 0).all()
