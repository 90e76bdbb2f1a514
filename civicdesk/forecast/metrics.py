"""Forecast accuracy: point errors, scaled errors and interval scores.

All functions take array-likes, ignore positions where either side is NaN, and return a float.
- `mae`, `rmse`: on the scale of the counts.
- `smape`: symmetric MAPE on the 0–200 scale (200·|y−ŷ| / (|y|+|ŷ|), a term with both zero counts as 0).
- `mase`, `rmsse`: errors over the in-sample error of the seasonal naive forecast (lag 7) on the
  training series, so 1.0 means "as good as repeating last week"; below 1 is better.
- `coverage`: share of actuals inside [lo, hi]; `winkler`: interval width plus 2/α times any miss.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def _pair(y, yhat) -> tuple[np.ndarray, np.ndarray]:
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    ok = np.isfinite(y) & np.isfinite(yhat)
    return y[ok], yhat[ok]


def mae(y, yhat) -> float:
    y, yhat = _pair(y, yhat)
    return float(np.mean(np.abs(y - yhat))) if len(y) else np.nan


def rmse(y, yhat) -> float:
    y, yhat = _pair(y, yhat)
    return float(np.sqrt(np.mean((y - yhat) ** 2))) if len(y) else np.nan


def smape(y, yhat) -> float:
    y, yhat = _pair(y, yhat)
    if not len(y):
        return np.nan
    denom = np.abs(y) + np.abs(yhat)
    terms = np.where(denom > 0, 200.0 * np.abs(y - yhat) / np.where(denom > 0, denom, 1.0), 0.0)
    return float(np.mean(terms))


def _naive_scale(y_train, season: int, power: int) -> float:
    train = np.asarray(y_train, float)
    train = train[np.isfinite(train)]
    for lag in (season, 1):
        if len(train) > lag:
            scale = float(np.mean(np.abs(train[lag:] - train[:-lag]) ** power))
            if scale > 0:
                return scale
    return np.nan


def mase(y, yhat, y_train, season: int = 7) -> float:
    """MAE over the in-sample MAE of the lag-`season` naive forecast (lag 1 if that is zero)."""
    scale = _naive_scale(y_train, season, 1)
    return mae(y, yhat) / scale if np.isfinite(scale) else np.nan


def rmsse(y, yhat, y_train, season: int = 7) -> float:
    """Root mean squared error over the in-sample one of the lag-`season` naive forecast."""
    scale = _naive_scale(y_train, season, 2)
    return float(rmse(y, yhat) / np.sqrt(scale)) if np.isfinite(scale) else np.nan


def coverage(y, lo, hi) -> float:
    y, lo, hi = (np.asarray(a, float) for a in (y, lo, hi))
    ok = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
    return float(np.mean((y[ok] >= lo[ok]) & (y[ok] <= hi[ok]))) if ok.any() else np.nan


def winkler(y, lo, hi, level: float) -> float:
    """Mean Winkler score of a `level`% interval: width, plus (2/α)·distance outside it."""
    y, lo, hi = (np.asarray(a, float) for a in (y, lo, hi))
    ok = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return np.nan
    y, lo, hi = y[ok], lo[ok], hi[ok]
    alpha = 1 - level / 100
    score = (hi - lo) + (2 / alpha) * np.clip(lo - y, 0, None) + (2 / alpha) * np.clip(y - hi, 0, None)
    return float(np.mean(score))


def evaluate(cv: pd.DataFrame, train: pd.DataFrame, models: Sequence[str], levels=(80, 95),
             season: int = 7) -> pd.DataFrame:
    """Scores per series and model from a cross-validation frame (mean over its cutoffs).

    Args:
        cv: unique_id, ds, cutoff, y and per model its mean (and `-lo-80`/`-hi-80`… columns if present).
        train: the full history unique_id, ds, y; MASE/RMSSE scale on the rows up to each cutoff.
        models: model aliases to score.
        levels: interval levels to score where the columns exist.
    """
    history = {uid: part.set_index("ds")["y"] for uid, part in train.groupby("unique_id")}
    rows = []
    for (uid, cutoff), part in cv.groupby(["unique_id", "cutoff"]):
        past = history[uid][history[uid].index <= cutoff].to_numpy(float)
        for model in models:
            row = {"unique_id": uid, "cutoff": cutoff, "model": model, "mae": mae(part["y"], part[model]),
                   "rmse": rmse(part["y"], part[model]), "smape": smape(part["y"], part[model]),
                   "mase": mase(part["y"], part[model], past, season),
                   "rmsse": rmsse(part["y"], part[model], past, season)}
            for lv in levels:
                lo, hi = f"{model}-lo-{lv}", f"{model}-hi-{lv}"
                if lo in part and hi in part:
                    row[f"coverage_{lv}"] = coverage(part["y"], part[lo], part[hi])
                    row[f"winkler_{lv}"] = winkler(part["y"], part[lo], part[hi], lv)
            rows.append(row)
    scores = pd.DataFrame(rows)
    return scores.drop(columns="cutoff").groupby(["unique_id", "model"], as_index=False).mean()


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of every score per model over the series, best MASE first."""
    return scores.drop(columns="unique_id").groupby("model").mean().sort_values("mase").reset_index()
