"""`auto_forecast`: per series, the model that backtests best, then its forecast.

Each series is cross-validated by rolling origin over the candidate models; the one with the lowest
mean absolute scaled error (MASE, seasonal lag 7) wins and forecasts the horizon. Ties and failures
fall back to the seasonal naive forecast, which every model must beat to be chosen.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from civicdesk.forecast.core import Forecaster, _check_horizon, _cv_series, check_series, forecast_series
from civicdesk.forecast.models import DEFAULT_LEVELS, CountRegression, ETS, SeasonalNaive

def _mase(y: np.ndarray, yhat: np.ndarray, scale: float) -> float:
    ok = np.isfinite(y) & np.isfinite(yhat)
    return float(np.mean(np.abs(y[ok] - yhat[ok])) / scale) if ok.any() and scale > 0 else np.inf


def _weekly_scale(y: np.ndarray) -> float:
    diffs = np.abs(y[7:] - y[:-7]) if len(y) > 7 else np.abs(np.diff(y))
    scale = float(np.mean(diffs)) if len(diffs) else 0.0
    return scale if scale > 0 else 1.0


def _choose_and_forecast(uid, ds, y, models, h, n_windows, level, holidays):
    """Backtest the candidates on one series, pick by MASE, forecast with the winner."""
    messages = []
    last = ds[-1]
    cutoffs = [last - pd.Timedelta(days=h * (k + 1)) for k in range(n_windows)][::-1]
    cutoffs = [c for c in cutoffs if (ds <= c).sum() >= 28]
    best = models[0]
    scores = {}
    if cutoffs:
        cv, messages = _cv_series(uid, ds, y, models, h, cutoffs, level, holidays)
        scale = _weekly_scale(y[ds <= cutoffs[0]])
        scores = {m.alias: _mase(cv["y"].to_numpy(float), cv[m.alias].to_numpy(float), scale) for m in models}
        best = min(models, key=lambda m: (scores[m.alias], m.alias != models[0].alias))
    else:
        messages.append(f"{uid}: too little history to backtest; used {best.alias}")
    fc, notes = forecast_series(uid, ds, y, [best], h, level, holidays)
    prefix = f"{best.alias}-"
    fc.columns = ["mean" if c == best.alias else c.removeprefix(prefix) for c in fc.columns]
    fc.insert(2, "model", best.alias)
    fc["backtest_mase"] = scores.get(best.alias, np.nan)
    fc["naive_mase"] = scores.get(models[0].alias, np.nan)
    return fc, messages + notes


def auto_forecast(df: pd.DataFrame, h: int, level: Sequence[int] = DEFAULT_LEVELS, holidays: str | None = "CN",
                  models: Sequence | None = None, n_windows: int = 3, n_jobs: int = 1) -> pd.DataFrame:
    """Forecast every series with the model that backtests best on it.

    Args:
        df: long-format daily series `unique_id, ds, y`.
        h: horizon in days (1–366).
        level: interval levels in percent.
        holidays: "CN", another country code understood by `civicdesk.calendar.holidays_for`, or None.
        models: candidates (default seasonal naive, ETS and the count regression; the seasonal naive
            must come first, it is the fallback).
        n_windows: rolling origins per series, `h` days apart, ending at the last day.
        n_jobs: parallel workers over series (joblib).

    Returns:
        DataFrame[unique_id, ds, model, mean, lo-80, hi-80, lo-95, hi-95, backtest_mase, naive_mase]
        (the MASE of the chosen model and of the seasonal naive on the same backtest folds).
    """
    _check_horizon(h)
    models = list(models or [SeasonalNaive(), ETS(), CountRegression()])
    Forecaster(models)  # validates aliases
    series = check_series(df)
    tasks = [delayed(_choose_and_forecast)(uid, pd.DatetimeIndex(part["ds"]), part["y"].to_numpy(float),
                                           models, h, n_windows, tuple(level), holidays)
             for uid, part in series.groupby("unique_id", sort=True)]
    results = Parallel(n_jobs=n_jobs)(tasks)
    out = pd.concat([frame for frame, _ in results], ignore_index=True)
    out.attrs["messages"] = [m for _, notes in results for m in notes]
    return out
