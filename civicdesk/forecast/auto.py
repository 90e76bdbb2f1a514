"""`auto_forecast`: per series, the model that backtests best, then its forecast, and how well that choosing does.

Each series is cross-validated by rolling origin over the candidate models; the one with the lowest
mean absolute scaled error (MASE, seasonal lag 7) wins and forecasts the horizon. Ties fall back to the
seasonal naive forecast, which every model must beat to be chosen.

The lowest MASE on the folds a model was chosen on cannot lose to the seasonal naive (it is a minimum
over a set that includes it). So the choosing is scored as well, on a fold it never saw: the same rule
picks a model on the folds before the last one, and that pick is scored on the last fold next to the
seasonal naive (`backtest_mase`, `naive_mase`). That figure can show a loss. A final fit that fails falls
back to the seasonal naive forecast, and the `model` column then says SeasonalNaive.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from civicdesk.forecast.core import (Forecaster, ForecastInputError, _check_horizon, _cv_series, check_series,
                                    forecast_series)
from civicdesk.forecast.models import DEFAULT_LEVELS, CountRegression, ETS, SeasonalNaive
from civicdesk.parallel import run_parallel

def _mase(y: np.ndarray, yhat: np.ndarray, scale: float) -> float:
    ok = np.isfinite(y) & np.isfinite(yhat)
    return float(np.mean(np.abs(y[ok] - yhat[ok])) / scale) if ok.any() and scale > 0 else np.inf


def _weekly_scale(y: np.ndarray) -> float:
    diffs = np.abs(y[7:] - y[:-7]) if len(y) > 7 else np.abs(np.diff(y))
    scale = float(np.mean(diffs)) if len(diffs) else 0.0
    return scale if scale > 0 else 1.0


def _fold_mase(cv: pd.DataFrame, alias: str, scale: float) -> float:
    return _mase(cv["y"].to_numpy(float), cv[alias].to_numpy(float), scale)


def _pick(models, cv: pd.DataFrame, scale: float) -> tuple[object, dict[str, float]]:
    """The candidate with the lowest MASE on `cv` (ties go to the first, the seasonal naive), and all scores."""
    scores = {m.alias: _fold_mase(cv, m.alias, scale) for m in models}
    return min(models, key=lambda m: (scores[m.alias], m.alias != models[0].alias)), scores


def _choose_and_forecast(uid, ds, y, models, h, n_windows, level, holidays):
    """Backtest the candidates on one series, pick by MASE, forecast with the winner, and score the picking;
    returns (frame, messages, the alias of the model scored on the held-out fold or None).

    Folds are `h` days long and end at the last day. The forecast uses the model with the lowest MASE on the
    last `n_windows` folds (`selection_mase` is that lowest MASE, in-sample to the choice). The procedure
    itself is scored one fold earlier: the same choice made on the `n_windows` folds before the last one,
    then scored on the last fold, which took no part in it (`backtest_mase`, with the seasonal naive's MASE
    on that fold as `naive_mase`).
    """
    messages = []
    last = ds[-1]
    cutoffs = [last - pd.Timedelta(days=h * (k + 1)) for k in range(n_windows + 1)][::-1]
    cutoffs = [c for c in cutoffs if (ds <= c).sum() >= 28]
    best, choice = models[0], None
    selection, backtest, naive = np.nan, np.nan, np.nan
    if cutoffs:
        cv, messages = _cv_series(uid, ds, y, models, h, cutoffs, level, holidays)
        choosing = cutoffs[-n_windows:]
        best, scores = _pick(models, cv[cv["cutoff"].isin(choosing)], _weekly_scale(y[ds <= choosing[0]]))
        selection = scores[best.alias]
        earlier, held_out = cutoffs[:-1][-n_windows:], cutoffs[-1]
        if earlier:
            choice, _ = _pick(models, cv[cv["cutoff"].isin(earlier)], _weekly_scale(y[ds <= earlier[0]]))
            fold, scale = cv[cv["cutoff"] == held_out], _weekly_scale(y[ds <= held_out])
            backtest = _fold_mase(fold, choice.alias, scale)
            # the benchmark itself, whatever the candidates are (a list without it would compare to its first)
            benchmark = SeasonalNaive().fit(y[ds <= held_out]).predict(h, level=())["mean"].to_numpy()
            naive = _mase(fold["y"].to_numpy(float), benchmark, scale)
        else:
            messages.append(f"{uid}: too little history to score the choice on a fold it was not chosen on "
                            f"(needs {28 + 2 * h} days); backtest_mase and naive_mase are empty")
    else:
        messages.append(f"{uid}: too little history to backtest; used {best.alias}")
    fc, notes = forecast_series(uid, ds, y, [best], h, level, holidays)
    used = best.alias if not notes else SeasonalNaive.alias  # its only note: the fit failed, naive was used
    prefix = f"{best.alias}-"
    fc.columns = ["mean" if c == best.alias else c.removeprefix(prefix) for c in fc.columns]
    fc.insert(2, "model", used)
    fc["backtest_mase"] = backtest
    fc["naive_mase"] = naive
    fc["selection_mase"] = selection
    return fc, messages + notes, None if choice is None else choice.alias


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
        n_windows: rolling origins the model is chosen on, `h` days apart, ending at the last day; one
            more origin, `h` days before the first, is fitted to score the choosing (so each series is
            backtested from `n_windows + 1` origins).
        n_jobs: processes over series on this machine (`civicdesk.parallel.run_parallel`; with
            CIVICDESK_DASK_SCHEDULER set, the series run on that Dask cluster instead).

    Returns:
        DataFrame[unique_id, ds, model, mean, lo-80, hi-80, lo-95, hi-95, backtest_mase, naive_mase,
        selection_mase], one row per series and day. `model` is the model whose numbers these are
        (SeasonalNaive when the chosen model's final fit failed; the messages say why).
        `backtest_mase` is the error of the choosing on the last `h` days: the model the same rule picks
        on the `n_windows` folds before them, scored on those days, which took no part in picking it;
        `naive_mase` is the seasonal naive's MASE on the same days. Both are NaN (and a message says so)
        when the series is too short for a fold before the last one: fewer than 28 + 2·h days.
        `selection_mase` is the chosen model's lowest MASE on the folds it was chosen on (in-sample to the
        choice, so never above the seasonal naive's there).
        `out.attrs["messages"]` lists fallbacks and short series; `out.attrs["backtest_model"]` maps each
        series to the model scored in `backtest_mase` (None when unscored). It is not a column, so every
        column but unique_id, ds and model stays numeric (`scenarios.apply_scenario` scales them).
    """
    _check_horizon(h)
    if n_windows < 1:
        raise ForecastInputError(f"n_windows must be at least 1 (got {n_windows})")
    models = list(models or [SeasonalNaive(), ETS(), CountRegression()])
    Forecaster(models)  # validates aliases
    series = check_series(df)
    tasks = [(uid, pd.DatetimeIndex(part["ds"]), part["y"].to_numpy(float), models, h, n_windows, tuple(level),
              holidays) for uid, part in series.groupby("unique_id", sort=True)]
    results = run_parallel(_choose_and_forecast, tasks, n_jobs)
    out = pd.concat([frame for frame, _, _ in results], ignore_index=True)
    out.attrs["messages"] = [m for _, notes, _ in results for m in notes]
    out.attrs["backtest_model"] = {frame["unique_id"].iloc[0]: scored for frame, _, scored in results}
    return out
