"""The district hierarchy and coherent forecasts: district = Σ streets = Σ categories = Σ street × category.

    h = aggregate(bottom)                      # bottom: unique_id "street/category", ds, y
    h.Y                                        # every level's series, long format
    fc = Forecaster(models).forecast(h.Y, 28)  # base forecasts, not adding up
    reconcile(fc, h.S, ["CountGLM"], "wls_struct")   # adds up at every level

Reconciliation works on the means: bottom-up, or weighted least squares with structural weights
(each node weighted by the number of bottom series under it; Wickramasuriya, Athanasopoulos & Hyndman
2019). Interval bounds move by the same amount as their series' mean and stay at or above zero; this is
an approximation (reconciled quantiles are not shifted quantiles), good enough for display.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

TOTAL_ID = "total"


@dataclass(frozen=True)
class Hierarchy:
    """All series of the hierarchy (Y), the summing matrix (S, rows all ids, columns bottom ids), levels."""

    Y: pd.DataFrame
    S: pd.DataFrame
    tags: dict[str, np.ndarray]


def aggregate(bottom: pd.DataFrame, sep: str = "/") -> Hierarchy:
    """Build the two-level hierarchy from bottom series with ids "street/category"."""
    ids = sorted(bottom["unique_id"].unique())
    parts = pd.Series(ids).str.split(sep, expand=True)
    if parts.shape[1] != 2 or parts.isna().any().any():
        raise ValueError(f"bottom ids must look like 'street{sep}category'")
    streets, categories = sorted(parts[0].unique()), sorted(parts[1].unique())
    rows = [TOTAL_ID, *streets, *categories, *ids]
    S = pd.DataFrame(0, index=rows, columns=ids, dtype=np.int64)
    S.loc[TOTAL_ID, :] = 1
    for bid, street, category in zip(ids, parts[0], parts[1]):
        S.loc[street, bid] = 1
        S.loc[category, bid] = 1
        S.loc[bid, bid] = 1
    wide = bottom.pivot_table(index="ds", columns="unique_id", values="y", aggfunc="sum").reindex(columns=ids)
    all_wide = wide.fillna(0.0).to_numpy() @ S.to_numpy().T
    Y = pd.DataFrame(all_wide, index=wide.index, columns=rows).rename_axis(index="ds", columns="unique_id")
    Y = Y.stack().rename("y").reset_index()[["unique_id", "ds", "y"]]
    tags = {"total": np.array([TOTAL_ID]), "street": np.array(streets), "category": np.array(categories),
            "street/category": np.array(ids)}
    return Hierarchy(Y=Y, S=S, tags=tags)


def _projection(S: np.ndarray, method: str) -> np.ndarray:
    """P such that the reconciled bottom forecasts are P @ ŷ (all levels)."""
    n_all, n_bottom = S.shape
    if method == "bottom_up":
        return np.hstack([np.zeros((n_bottom, n_all - n_bottom)), np.eye(n_bottom)])
    if method == "wls_struct":
        w_inv = 1.0 / S.sum(axis=1)
        StW = S.T * w_inv
        return np.linalg.solve(StW @ S, StW)
    raise ValueError(f"unknown reconciliation method '{method}' (bottom_up or wls_struct)")


def reconcile(forecasts: pd.DataFrame, S: pd.DataFrame, models: Sequence[str], method: str = "wls_struct") -> pd.DataFrame:
    """Coherent forecasts: the models' means (and shifted bounds) reconciled over the hierarchy in S.

    Args:
        forecasts: unique_id, ds and per model the mean (and `-lo-80`… columns) for every id in S.index.
        S: summing matrix from `aggregate` (bottom series must be the last rows, in column order).
        models: model aliases to reconcile.
        method: "bottom_up" or "wls_struct".

    Returns:
        unique_id, ds and per model `<model>/<method>` with the same interval columns.
    """
    missing = set(S.index) - set(forecasts["unique_id"])
    if missing:
        raise ValueError(f"forecasts are missing {len(missing)} series of the hierarchy, e.g. {sorted(missing)[:3]}")
    Smat = S.to_numpy(float)
    P = _projection(Smat, method)
    out = None
    for model in models:
        wide = (forecasts.pivot(index="unique_id", columns="ds", values=model).reindex(S.index)
                .rename_axis(index="unique_id", columns="ds"))
        bottom = P @ wide.to_numpy(float)
        bottom = np.clip(bottom, 0.0, None)  # a negative bottom forecast is set to zero, then summed up again
        coherent = Smat @ bottom
        shift = pd.DataFrame(coherent - wide.to_numpy(float), index=wide.index, columns=wide.columns)
        name = f"{model}/{method}"
        frame = pd.DataFrame(coherent, index=wide.index, columns=wide.columns).stack().rename(name).reset_index()
        moved = shift.stack().rename("shift").reset_index()
        bounds = [c for c in forecasts.columns if c.startswith(f"{model}-lo-") or c.startswith(f"{model}-hi-")]
        frame = frame.merge(moved, on=["unique_id", "ds"]).merge(forecasts[["unique_id", "ds", *bounds]],
                                                                  on=["unique_id", "ds"])
        for col in bounds:
            frame[col.replace(model, name, 1)] = (frame.pop(col) + frame["shift"]).clip(lower=0)
        frame = frame.drop(columns="shift")
        out = frame if out is None else out.merge(frame, on=["unique_id", "ds"])
    return out.sort_values(["unique_id", "ds"], ignore_index=True)


def is_coherent(frame: pd.DataFrame, S: pd.DataFrame, column: str, atol: float = 1e-6) -> bool:
    """Whether every aggregate in `frame[column]` equals the sum of its bottom series, on every day."""
    wide = frame.pivot(index="unique_id", columns="ds", values=column).reindex(S.index).to_numpy(float)
    bottom = wide[-S.shape[1]:]
    return bool(np.allclose(S.to_numpy(float) @ bottom, wide, atol=atol))
