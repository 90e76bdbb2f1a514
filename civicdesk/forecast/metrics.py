"""Forecast accuracy: point errors, scaled errors and interval scores.

All metric functions take array-likes of equal shape, ignore positions where any input is NaN
(or infinite), and return a float (NaN when nothing is left to score).

- `mae`, `rmse`: on the scale of the counts.
- `smape`: symmetric MAPE on the 0–200 scale (200·|y−ŷ| / (|y|+|ŷ|), a term with both zero counts as 0).
- `mase`, `rmsse`: errors over the in-sample error of the seasonal naive forecast (lag 7) on the
  training series, so 1.0 means "as good as repeating last week"; below 1 is better.
- `coverage`: share of actuals inside [lo, hi]; `winkler`: interval width plus 2/α times any miss.

`evaluate` scores a cross-validation frame per series and model; `summarise` averages over series.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

POINT_SCORES = ["mae", "rmse", "smape", "mase", "rmsse"]


def _finite(*arrays) -> list[np.ndarray]:
    """The arrays as flat floats, restricted to positions where all of them are finite."""
    arrs = [np.asarray(a, dtype=float).ravel() for a in arrays]
    if len({a.shape for a in arrs}) > 1:
        raise ValueError(f"inputs must have the same length, got {[a.size for a in arrs]}")
    ok = np.logical_and.reduce([np.isfinite(a) for a in arrs])
    return [a[ok] for a in arrs]


def mae(y, yhat) -> float:
    """Mean absolute error.

    Args:
        y: actual values.
        yhat: forecasts, same length as `y`.

    Returns:
        Mean of |y − ŷ| over the pairs where both are finite; NaN if there are none.
    """
    y, yhat = _finite(y, yhat)
    return float(np.mean(np.abs(y - yhat))) if y.size else np.nan


def rmse(y, yhat) -> float:
    """Root mean squared error over the pairs where both are finite (NaN if none)."""
    y, yhat = _finite(y, yhat)
    return float(np.sqrt(np.mean((y - yhat) ** 2))) if y.size else np.nan


def smape(y, yhat) -> float:
    """Symmetric mean absolute percentage error on the 0–200 scale.

    Each term is 200·|y − ŷ| / (|y| + |ŷ|); a term where y and ŷ are both zero counts as 0
    (a perfect forecast of an empty day). 0 is perfect, 200 the worst possible.

    Args:
        y: actual values.
        yhat: forecasts, same length as `y`.

    Returns:
        Mean of the terms over the finite pairs, between 0 and 200; NaN if there are none.
    """
    y, yhat = _finite(y, yhat)
    if not y.size:
        return np.nan
    denom = np.abs(y) + np.abs(yhat)
    safe = np.where(denom > 0, denom, 1.0)
    return float(np.mean(np.where(denom > 0, 200.0 * np.abs(y - yhat) / safe, 0.0)))


def naive_scale(y_train, season: int = 7, power: int = 1) -> float:
    """In-sample mean |error|**power of the seasonal naive forecast on a training series.

    Differences are taken on the series as given (a NaN day removes the differences it is part
    of, without shifting the others). If the lag-`season` scale is zero or undefined (history no
    longer than `season` days), the lag-1 naive scale is used; if that is zero too, NaN.

    Args:
        y_train: training values in time order.
        season: seasonal lag (7 for weekly seasonality of daily data).
        power: 1 for the MASE scale (mean absolute), 2 for the RMSSE scale (mean squared).

    Returns:
        The scale, or NaN when no positive scale exists.
    """
    if season < 1:
        raise ValueError(f"season must be a positive lag, got {season}")
    train = np.asarray(y_train, dtype=float).ravel()
    for lag in dict.fromkeys((season, 1)):
        if train.size <= lag:
            continue
        diffs = train[lag:] - train[:-lag]
        diffs = diffs[np.isfinite(diffs)]
        scale = float(np.mean(np.abs(diffs) ** power)) if diffs.size else 0.0
        if scale > 0:
            return scale
    return np.nan


def mase(y, yhat, y_train, season: int = 7) -> float:
    """Mean absolute scaled error: MAE over the in-sample MAE of the seasonal naive forecast.

    Args:
        y: actual values of the forecast period.
        yhat: forecasts, same length as `y`.
        y_train: training history in time order, for the scale (see `naive_scale`).
        season: seasonal lag of the naive benchmark; falls back to lag 1 if its scale is 0.

    Returns:
        The MASE, or NaN if the history has no positive naive scale.
    """
    scale = naive_scale(y_train, season, power=1)
    return float(mae(y, yhat) / scale) if np.isfinite(scale) else np.nan


def rmsse(y, yhat, y_train, season: int = 7) -> float:
    """Root mean squared scaled error: sqrt(MSE / in-sample MSE of the seasonal naive forecast).

    Same arguments, fallback and NaN rule as `mase`.
    """
    scale = naive_scale(y_train, season, power=2)
    return float(rmse(y, yhat) / np.sqrt(scale)) if np.isfinite(scale) else np.nan


def coverage(y, lo, hi) -> float:
    """Share of actuals inside their interval [lo, hi] (bounds included); NaN if none is finite."""
    y, lo, hi = _finite(y, lo, hi)
    return float(np.mean((y >= lo) & (y <= hi))) if y.size else np.nan


def winkler(y, lo, hi, level: float) -> float:
    """Mean Winkler interval score of a `level`% prediction interval (lower is better).

    With α = 1 − level/100 each score is the width hi − lo, plus (2/α)·(lo − y) when y < lo,
    plus (2/α)·(y − hi) when y > hi.

    Args:
        y: actual values.
        lo: lower bounds.
        hi: upper bounds.
        level: nominal coverage in percent, strictly between 0 and 100 (e.g. 80).

    Returns:
        The mean score over the finite triples; NaN if there are none.
    """
    if not 0 < level < 100:
        raise ValueError(f"level must be a percentage strictly between 0 and 100, got {level}")
    y, lo, hi = _finite(y, lo, hi)
    if not y.size:
        return np.nan
    penalty = 2.0 / (1.0 - level / 100.0)
    score = (hi - lo) + penalty * np.clip(lo - y, 0, None) + penalty * np.clip(y - hi, 0, None)
    return float(np.mean(score))


def _score_window(part: pd.DataFrame, past: np.ndarray, model: str, levels: Sequence[int],
                  season: int) -> dict:
    """Every score of one model on one (series, cutoff) window."""
    y, yhat = part["y"], part[model]
    row = {"mae": mae(y, yhat), "rmse": rmse(y, yhat), "smape": smape(y, yhat),
           "mase": mase(y, yhat, past, season), "rmsse": rmsse(y, yhat, past, season)}
    for lv in levels:
        lo, hi = f"{model}-lo-{lv}", f"{model}-hi-{lv}"
        if lo in part.columns and hi in part.columns:
            row[f"coverage_{lv}"] = coverage(y, part[lo], part[hi])
            row[f"winkler_{lv}"] = winkler(y, part[lo], part[hi], lv)
    return row


def evaluate(cv: pd.DataFrame, train: pd.DataFrame, models: Sequence[str], levels: Sequence[int] = (80, 95),
             season: int = 7) -> pd.DataFrame:
    """Scores per series and model from a cross-validation frame.

    Every score is computed per (series, cutoff) window and then averaged over the cutoffs
    (NaN windows skipped), so each cutoff weighs the same. The MASE/RMSSE scale of a window uses
    only the history up to and including its cutoff.

    Args:
        cv: unique_id, ds, cutoff, y and per model its mean column (and `<model>-lo-80`,
            `<model>-hi-80`, … where available).
        train: the full history unique_id, ds, y (a series missing here gets NaN scaled scores).
        models: model aliases to score.
        levels: interval levels to score; a level is scored for the models that have its columns.
        season: seasonal lag of the naive benchmark in MASE/RMSSE.

    Returns:
        One row per (unique_id, model): unique_id, model, mae, rmse, smape, mase, rmsse, then
        `coverage_<level>`, `winkler_<level>` for each level present in `cv`.
    """
    missing = [m for m in models if m not in cv.columns]
    if missing:
        raise ValueError(f"cv has no column for model(s) {missing}")
    history = {uid: part.sort_values("ds") for uid, part in train.groupby("unique_id", sort=False)}
    rows = []
    for (uid, cutoff), part in cv.groupby(["unique_id", "cutoff"], sort=True):
        hist = history.get(uid)
        past = hist.loc[hist["ds"] <= cutoff, "y"].to_numpy(float) if hist is not None else np.array([])
        for model in models:
            rows.append({"unique_id": uid, "model": model, **_score_window(part, past, model, levels, season)})
    interval_cols = [f"{kind}_{lv}" for lv in levels for kind in ("coverage", "winkler")]
    columns = ["unique_id", "model", *POINT_SCORES]
    columns += [c for c in interval_cols if any(c in r for r in rows)]
    if not rows:
        return pd.DataFrame(columns=columns)
    scores = pd.DataFrame(rows).reindex(columns=columns)
    return scores.groupby(["unique_id", "model"], as_index=False, sort=True).mean()


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of every score per model over the series, best (lowest) MASE first.

    Args:
        scores: output of `evaluate`.

    Returns:
        One row per model: model and the mean of each score column (NaNs skipped), sorted by
        mase ascending (models without a MASE last).
    """
    numeric = scores.drop(columns="unique_id").groupby("model").mean(numeric_only=True)
    return numeric.sort_values("mase", na_position="last", kind="stable").reset_index()
