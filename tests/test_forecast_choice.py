"""auto_forecast scores its own choosing on a fold it never saw, so a choice that loses shows as losing,
and the model column names the model whose numbers these are."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk.forecast import CountRegression, Forecaster, ForecastInputError, SeasonalNaive, auto_forecast
from civicdesk.forecast.metrics import mase

H = 28
MODELS = [SeasonalNaive(), CountRegression()]


def regime_change(seed: int = 0, days: int = 700) -> pd.DataFrame:
    """Two years of Poisson counts with a weekday/weekend pattern (the count regression beats last-week-again
    on them), then, a week before the last 28 days begin, a new steady regime: weekdays ~52, weekends ~12.

    Last week again is right about the new regime from its first week; a regression fitted on two years
    of the old one is not."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=days, freq="D")
    y = rng.poisson(30 * np.where(ds.day_of_week < 5, 1.3, 0.6)).astype(float)
    new = days - H - 7
    y[new:] = np.where(ds[new:].day_of_week < 5, 52, 12) + rng.integers(-1, 2, days - new)
    return pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})


def per_series(out: pd.DataFrame) -> pd.Series:
    """The one series' figures, with the model scored on the held-out fold as backtest_model."""
    row = out.groupby("unique_id").first().iloc[0]
    return pd.concat([row, pd.Series({"backtest_model": out.attrs["backtest_model"][row.name]})])


def test_a_choice_that_loses_on_the_held_out_fold_shows_as_losing():
    row = per_series(auto_forecast(regime_change(), h=H, n_windows=2, models=MODELS, holidays=None))
    assert row["backtest_model"] == "CountGLM"          # chosen on the two folds before the last
    assert row["backtest_mase"] > row["naive_mase"]     # and beaten by seasonal naive on the last one
    assert row["backtest_mase"] > 5 * row["naive_mase"]
    assert row["model"] == "SeasonalNaive"              # the forecast itself now picks the naive (folds incl. the new regime)


def test_the_old_figure_could_not_have_shown_that_loss():
    """The old figure: the lowest MASE among the candidates on the very folds the model was chosen on."""
    df = regime_change()
    row = per_series(auto_forecast(df, h=H, n_windows=2, models=MODELS, holidays=None))
    cv = Forecaster(MODELS, holidays=None).cross_validation(df, h=H, n_windows=2)
    train = df.loc[df["ds"] <= cv["cutoff"].min(), "y"].to_numpy()
    old = {m.alias: mase(cv["y"], cv[m.alias], train) for m in MODELS}
    old_backtest, old_naive = min(old.values()), old["SeasonalNaive"]
    assert old_backtest <= old_naive                    # a minimum over a set that includes the naive
    assert row["selection_mase"] == pytest.approx(old_backtest)
    assert row["backtest_mase"] > row["naive_mase"]     # the new figure shows the loss on the same series


def test_a_good_choice_still_beats_the_naive_on_the_held_out_fold():
    df = regime_change(days=700).assign(y=lambda d: np.random.default_rng(3).poisson(
        30 * np.where(d["ds"].dt.day_of_week < 5, 1.3, 0.6)).astype(float))  # no regime change
    out = auto_forecast(df, h=H, n_windows=2, models=MODELS, holidays=None)
    row = per_series(out)
    assert row["model"] == row["backtest_model"] == "CountGLM"
    assert row["backtest_mase"] < row["naive_mase"]
    # every column but the keys and the model name is a number (scenarios scale them, notebooks round them)
    assert all(pd.api.types.is_numeric_dtype(out[c]) for c in out.columns if c not in ("unique_id", "ds", "model"))


def test_too_short_for_a_held_out_fold_says_so_and_leaves_the_score_empty():
    df = regime_change(days=28 + H + 20)                # one backtest fold, none before it
    out = auto_forecast(df, h=H, n_windows=2, models=MODELS, holidays=None)
    row = per_series(out)
    assert np.isnan(row["backtest_mase"]) and np.isnan(row["naive_mase"]) and row["backtest_model"] is None
    assert np.isfinite(row["selection_mase"])
    assert any("fold it was not chosen on" in m for m in out.attrs["messages"])
    with pytest.raises(ForecastInputError, match="n_windows"):
        auto_forecast(df, h=H, n_windows=0)


class ShortMemoryGLM(CountRegression):
    """A real candidate with a real limit: the count regression, refusing more than `cap` days of history.

    Not a mock of the library: its fits run the count regression; only histories longer than `cap` raise,
    as a model with a memory or licence limit would, so the backtest folds fit and the final fit fails."""

    alias = "ShortGLM"

    def __init__(self, cap: int):
        super().__init__()
        self.cap = cap

    def fit(self, y, X=None):
        if len(y) > self.cap:
            raise ValueError(f"fits at most {self.cap} days of history, got {len(y)}")
        return super().fit(y, X)


def test_the_model_column_names_the_seasonal_naive_when_the_chosen_fit_fails():
    df = regime_change().assign(y=lambda d: np.random.default_rng(3).poisson(
        30 * np.where(d["ds"].dt.day_of_week < 5, 1.3, 0.6)).astype(float))
    out = auto_forecast(df, h=H, n_windows=2, models=[SeasonalNaive(), ShortMemoryGLM(cap=len(df) - 1)],
                        holidays=None)
    row = per_series(out)
    assert row["backtest_model"] == "ShortGLM" and row["selection_mase"] < 1  # chosen on the backtest
    assert row["model"] == "SeasonalNaive"                                  # but these numbers are naive's
    last_week = df["y"].to_numpy()[-7:]
    assert out["mean"].to_numpy() == pytest.approx(np.tile(last_week, 4))
    assert any(m.startswith("s: ShortGLM: fits at most") and "seasonal naive" in m for m in out.attrs["messages"])


def test_a_scenario_scales_the_forecast_not_the_backtest_errors():
    from civicdesk.forecast.scenarios import Adjustment, Scenario, apply_scenario

    fc = pd.DataFrame({"unique_id": ["a", "a"], "ds": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "model": ["SeasonalNaive"] * 2, "mean": [10.0, 20.0], "backtest_mase": [0.8, 0.8],
                       "naive_mase": [1.0, 1.0], "selection_mase": [0.7, 0.7]})
    out = apply_scenario(fc, Scenario("half again", (Adjustment("2024-01-01", "2024-01-02", "multiply", 1.5),)),
                         by=("street",))
    assert out["mean"].tolist() == [15.0, 30.0]
    assert out[["backtest_mase", "naive_mase", "selection_mase"]].iloc[0].tolist() == [0.8, 1.0, 0.7]
