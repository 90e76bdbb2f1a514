"""The district hierarchy and coherent forecasts: district = Σ streets = Σ categories = Σ street × category.

    h = aggregate(bottom)                      # bottom: unique_id "street/category", ds, y
    h.Y                                        # every level's series, long format
    fc = Forecaster(models).forecast(h.Y, 28)  # base forecasts, not adding up
    reconcile(fc, h.S, ["CountGLM"], "wls_struct")   # adds up at every level

Reconciliation works on the means, one (n_series × horizon) matrix per model: ỹ = S P ŷ with
- "bottom_up": P keeps the bottom forecasts and drops the rest;
- "wls_struct": P = (S' W⁻¹ S)⁻¹ S' W⁻¹ with W = diag(S·1), each node weighted by the number of
  bottom series under it (Wickramasuriya, Athanasopoulos & Hyndman 2019);
- "mint_shrink": the same P with W the Schäfer–Strimmer shrinkage estimate of the covariance of the
  models' in-sample one-step residuals (shrunk towards its diagonal).

Counts cannot be negative: if WLS/MinT gives a negative bottom forecast it is set to 0 and every
aggregate is summed up again from the bottoms (so the result stays coherent, but is no longer the
exact least-squares solution).

Interval bounds are not reconciled: each bound moves by the same amount as its series' mean and is
clipped at zero. This is an approximation (reconciled quantiles are not shifted base quantiles, and
for bottom-up the sum of bottom quantiles is not a quantile of the sum), good enough for display.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

TOTAL_ID = "total"
METHODS = ("bottom_up", "wls_struct", "mint_shrink")


@dataclass(frozen=True)
class Hierarchy:
    """A two-level hierarchy built by `aggregate`.

    Attributes:
        Y: every series (total, streets, categories, street/category) in long format unique_id, ds, y.
        S: summing matrix, rows all ids ("total", streets, categories, bottoms, each sorted),
            columns the bottom ids, 0/1 ints.
        tags: ids per level, keys "total", "street", "category", "street/category".
    """

    Y: pd.DataFrame
    S: pd.DataFrame
    tags: dict[str, np.ndarray]


def _split_ids(ids: list[str], sep: str) -> tuple[np.ndarray, np.ndarray]:
    """Street and category part of every bottom id; raises if an id is not "street<sep>category"."""
    parts = [uid.split(sep) for uid in ids]
    bad = [uid for uid, p in zip(ids, parts) if len(p) != 2 or not all(p)]
    if bad:
        raise ValueError(f"bottom ids must look like 'street{sep}category', got e.g. {bad[:3]}")
    return np.array([p[0] for p in parts]), np.array([p[1] for p in parts])


def _summing_matrix(ids: list[str], street_of: np.ndarray, category_of: np.ndarray) -> pd.DataFrame:
    """S with rows total, streets, categories, bottoms (each sorted) and one column per bottom id."""
    streets, categories = sorted(set(street_of)), sorted(set(category_of))
    clash = (set(streets) & set(categories)) | ({TOTAL_ID} & (set(streets) | set(categories)))
    if clash:
        raise ValueError(f"street and category names must differ from each other and from "
                         f"'{TOTAL_ID}', clash: {sorted(clash)}")
    blocks = [np.ones((1, len(ids)), dtype=np.int64),
              (np.array(streets)[:, None] == street_of[None, :]).astype(np.int64),
              (np.array(categories)[:, None] == category_of[None, :]).astype(np.int64),
              np.eye(len(ids), dtype=np.int64)]
    return pd.DataFrame(np.vstack(blocks), index=[TOTAL_ID, *streets, *categories, *ids], columns=ids)


def aggregate(bottom: pd.DataFrame, sep: str = "/") -> Hierarchy:
    """Build the street × category hierarchy from bottom series with ids "street/category".

    Every series gets every date of `bottom`; a bottom series without a row (or with NaN) on a
    date counts as 0 there (no tickets). Duplicate (unique_id, ds) rows are summed.

    Args:
        bottom: unique_id ("street/category"), ds, y.
        sep: separator between street and category in the ids.

    Returns:
        The `Hierarchy`; Y is ordered like S's rows, then by ds.
    """
    ids = sorted(bottom["unique_id"].astype(str).unique())
    street_of, category_of = _split_ids(ids, sep)
    S = _summing_matrix(ids, street_of, category_of)
    wide = (bottom.pivot_table(index="ds", columns="unique_id", values="y", aggfunc="sum")
            .reindex(columns=ids).fillna(0.0))
    values = S.to_numpy(float) @ wide.to_numpy(float).T              # (n_all, n_dates)
    Y = pd.DataFrame({"unique_id": np.repeat(S.index.to_numpy(), len(wide.index)),
                      "ds": np.tile(wide.index.to_numpy(), len(S.index)),
                      "y": values.ravel()})
    n_streets = len(set(street_of))
    rows = S.index.to_numpy()
    tags = {"total": rows[:1], "street": rows[1:1 + n_streets],
            "category": rows[1 + n_streets:len(rows) - len(ids)], "street/category": np.array(ids)}
    return Hierarchy(Y=Y, S=S, tags=tags)


def shrunk_covariance(residuals: np.ndarray) -> tuple[np.ndarray, float]:
    """Schäfer–Strimmer shrinkage of the residual covariance towards its diagonal.

    Follows the MinT estimator of Wickramasuriya et al. (2019, `hts::shrink.estim`): the sample
    matrix is the uncentered one (residuals of unbiased forecasts have mean zero; with a bias it is
    the mean squared error matrix that MinT needs), and the intensity is
    λ = Σ_{i≠j} Var(r̂_ij) / Σ_{i≠j} r̂_ij², clipped to [0, 1]. A series whose residuals are all
    zero gets the variance 0 (callers add a floor before inverting).

    Args:
        residuals: (n_obs, n_series) in-sample one-step residuals without NaN, n_obs ≥ 2.

    Returns:
        (W, λ): the shrunk (n_series, n_series) covariance and the shrinkage intensity.
    """
    x = np.asarray(residuals, dtype=float)
    n = x.shape[0]
    if n < 2:
        raise ValueError("the shrinkage estimate needs at least two residual rows")
    cov = x.T @ x / n
    std = np.sqrt(np.diag(cov))
    std_safe = np.where(std > 0, std, 1.0)
    xs = x / std_safe
    corr = cov / np.outer(std_safe, std_safe)
    v = (xs**2).T @ (xs**2) - (xs.T @ xs) ** 2 / n
    v /= n * (n - 1)
    off = ~np.eye(x.shape[1], dtype=bool)
    denom = float(np.sum(corr[off] ** 2))
    lam = float(np.clip(np.sum(v[off]) / denom, 0.0, 1.0)) if denom > 0 else 1.0
    W = lam * np.diag(np.diag(cov)) + (1.0 - lam) * cov
    return W, lam


def _combination(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    """P = (S' W⁻¹ S)⁻¹ S' W⁻¹ for a symmetric positive definite W."""
    W_inv_S = np.linalg.solve(W, S)                       # (n_all, n_bottom)
    return np.linalg.solve(S.T @ W_inv_S, W_inv_S.T)      # (n_bottom, n_all)


def _mint_weights(residuals: pd.DataFrame, ids: pd.Index, model: str) -> np.ndarray:
    """Shrunk residual covariance of `model` over the series `ids` (days with any NaN dropped)."""
    if model not in residuals.columns:
        raise ValueError(f"residuals have no column '{model}' (one residual column per model is needed)")
    wide = residuals.pivot_table(index="ds", columns="unique_id", values=model, aggfunc="mean", dropna=False)
    absent = ids.difference(wide.columns)
    if len(absent):
        raise ValueError(f"residuals of '{model}' are missing {len(absent)} series, e.g. {list(absent[:3])}")
    x = wide.reindex(columns=ids).dropna(how="any").to_numpy(float)
    if x.shape[0] < 2:
        raise ValueError(f"residuals of '{model}' have fewer than two days on which every series "
                         "has a residual; mint_shrink cannot estimate a covariance")
    W, _ = shrunk_covariance(x)
    diag = np.diag(W)
    floor = 1e-8 * max(float(diag.max()), 1.0)           # keep W invertible for all-zero residuals
    return W + np.diag(np.clip(floor - diag, 0.0, None))


def _projection(S: np.ndarray, method: str, W: np.ndarray | None = None) -> np.ndarray:
    """P such that the reconciled bottom forecasts are P @ ŷ (ŷ: base forecasts of every level)."""
    n_all, n_bottom = S.shape
    if method == "bottom_up":
        return np.hstack([np.zeros((n_bottom, n_all - n_bottom)), np.eye(n_bottom)])
    if method == "wls_struct":
        return _combination(S, np.diag(S.sum(axis=1)))
    if method == "mint_shrink":
        return _combination(S, W)
    raise ValueError(f"unknown reconciliation method '{method}' (one of {', '.join(METHODS)})")


def _wide(forecasts: pd.DataFrame, column: str, ids: pd.Index) -> pd.DataFrame:
    """`column` as an (ids × ds) frame; raises on missing values."""
    wide = forecasts.pivot(index="unique_id", columns="ds", values=column).reindex(ids)
    if wide.isna().to_numpy().any():
        raise ValueError(f"column '{column}' has missing or NaN values for some series and dates; "
                         "every series of the hierarchy needs a forecast on every date")
    return wide


def _check_inputs(forecasts: pd.DataFrame, S: pd.DataFrame, models: Sequence[str], method: str,
                  residuals: pd.DataFrame | None) -> None:
    """Raise ValueError for an unknown method, missing series or model columns, or missing residuals."""
    if method not in METHODS:
        raise ValueError(f"unknown reconciliation method '{method}' (one of {', '.join(METHODS)})")
    if method == "mint_shrink" and residuals is None:
        raise ValueError("method 'mint_shrink' needs the in-sample one-step residuals: pass "
                         "residuals=<frame with unique_id, ds and one residual column per model>")
    missing = set(S.index) - set(forecasts["unique_id"])
    if missing:
        raise ValueError(f"forecasts are missing {len(missing)} series of the hierarchy, e.g. {sorted(missing)[:3]}")
    absent = [m for m in models if m not in forecasts.columns]
    if absent:
        raise ValueError(f"forecasts have no column for model(s) {absent}")


def _reconcile_model(forecasts: pd.DataFrame, S: pd.DataFrame, model: str, method: str,
                     residuals: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Reconciled mean and shifted bounds of one model, each as an (S.index × ds) frame."""
    Smat = S.to_numpy(float)
    W = _mint_weights(residuals, S.index, model) if method == "mint_shrink" else None
    base = _wide(forecasts, model, S.index)
    bottom = np.clip(_projection(Smat, method, W) @ base.to_numpy(float), 0.0, None)  # negatives -> 0
    coherent = Smat @ bottom                                                          # re-aggregate
    shift = coherent - base.to_numpy(float)
    name = f"{model}/{method}"
    out = {name: pd.DataFrame(coherent, index=base.index, columns=base.columns)}
    bounds = [c for c in forecasts.columns if c.startswith((f"{model}-lo-", f"{model}-hi-"))]
    for col in bounds:
        moved = (_wide(forecasts, col, S.index).reindex(columns=base.columns) + shift).clip(lower=0.0)
        out[name + col[len(model):]] = moved
    return out


def reconcile(forecasts: pd.DataFrame, S: pd.DataFrame, models: Sequence[str], method: str = "wls_struct",
              residuals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Coherent forecasts: the models' means (and shifted bounds) reconciled over the hierarchy in S.

    Args:
        forecasts: unique_id, ds and per model the mean (and `<model>-lo-80`… columns) for every id
            in S.index and every date. Rows of other ids are ignored.
        S: summing matrix from `aggregate` (rows all ids, columns the bottom ids).
        models: model aliases to reconcile.
        method: "bottom_up", "wls_struct" or "mint_shrink".
        residuals: for "mint_shrink" only: unique_id, ds and per model its in-sample one-step
            residual column (named like the model); days where any series lacks one are dropped.

    Returns:
        unique_id, ds and per model `<model>/<method>` (mean) plus `<model>/<method>-lo-80`… for
        the bounds present, sorted by unique_id and ds. Means and bounds are ≥ 0; bounds are the
        base bounds shifted by the change of the mean (an approximation, see the module doc).

    Raises:
        ValueError: unknown method, missing series/dates/model columns, or "mint_shrink" without
            usable residuals.
    """
    _check_inputs(forecasts, S, models, method, residuals)
    forecasts = forecasts[forecasts["unique_id"].isin(S.index)]
    columns: dict[str, pd.DataFrame] = {}
    for model in models:
        columns.update(_reconcile_model(forecasts, S, model, method, residuals))
    first = next(iter(columns.values()))
    ids, dates = first.index.to_numpy(), first.columns.to_numpy()
    out = pd.DataFrame({"unique_id": np.repeat(ids, len(dates)), "ds": np.tile(dates, len(ids))})
    for name, wide in columns.items():
        out[name] = wide.to_numpy(float).ravel()
    return out.sort_values(["unique_id", "ds"], ignore_index=True)


def is_coherent(frame: pd.DataFrame, S: pd.DataFrame, column: str, atol: float = 1e-6) -> bool:
    """Whether every series in `frame[column]` equals the sum of its bottom series, on every date.

    Args:
        frame: unique_id, ds and `column`, for every id in S.index.
        S: summing matrix (rows all ids, columns the bottom ids).
        column: the value column to check.
        atol: absolute tolerance (plus a relative one of 1e-9 for large sums).

    Returns:
        True if coherent; False if not, or if a series/date is missing or NaN.
    """
    wide = frame.pivot(index="unique_id", columns="ds", values=column)
    bottom = wide.reindex(S.columns).to_numpy(float)
    full = wide.reindex(S.index).to_numpy(float)
    return bool(np.allclose(S.to_numpy(float) @ bottom, full, atol=atol, rtol=1e-9))
