"""Average marginal effects on P(satisfied), with delta-method intervals.

For a 0/1 driver or a level of a category the effect is the average discrete change: the mean
P(satisfied) with the driver set to 1 (the level) minus with it set to 0 (the reference level), over
the fitted tickets. For a numeric driver it is the average slope dP/dx. Both are on the probability
scale: 0.05 means five points of 满意率.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from civicdesk.drivers.design import is_binary
from civicdesk.drivers.link import delta_se, mean_prob, prob

MAX_ROWS = 100_000
Z95 = float(norm.ppf(0.975))


def _discrete(Z: np.ndarray, params: np.ndarray, cols: list[int], j: int) -> tuple[float, np.ndarray]:
    Z0 = Z.copy()
    Z0[:, cols] = 0.0
    Z1 = Z0.copy()
    Z1[:, j] = 1.0
    m1, g1 = mean_prob(Z1, params)
    m0, g0 = mean_prob(Z0, params)
    return m1 - m0, g1 - g0


def _slope(Z: np.ndarray, params: np.ndarray, j: int) -> tuple[float, np.ndarray]:
    p = prob(Z, params)
    w = p * (1.0 - p)
    grad = (w * (1.0 - 2.0 * p)) @ Z / len(p) * params[j]
    grad[j] += w.mean()
    return float(w.mean() * params[j]), grad


def marginal_effects(Z: np.ndarray, params: np.ndarray, cov: np.ndarray, names: list[str],
                     terms: dict[str, list[int]], seed: int = 0) -> pd.DataFrame:
    """Average marginal effect of every design column of every term.

    Args:
        Z: matrix with P(satisfied) = expit(Z @ params) (see `civicdesk.drivers.link`).
        names: design column names (the first ``len(names)`` columns of Z).
        terms: formula term -> its column positions.

    Returns:
        DataFrame term, column, kind ("discrete" or "slope"), effect, std_error, ci_low, ci_high.
    """
    if len(Z) > MAX_ROWS:
        Z = Z[np.random.default_rng(seed).choice(len(Z), MAX_ROWS, replace=False)]
    rows = []
    for term, cols in terms.items():
        binary = [is_binary(Z[:, c]) for c in cols]
        for j, is_bin in zip(cols, binary):
            if is_bin:
                siblings = cols if all(binary) else [j]
                effect, grad = _discrete(Z, params, siblings, j)
            else:
                effect, grad = _slope(Z, params, j)
            se = delta_se(grad, cov)
            rows.append({"term": term, "column": names[j], "kind": "discrete" if is_bin else "slope",
                         "effect": effect, "std_error": se, "ci_low": effect - Z95 * se,
                         "ci_high": effect + Z95 * se})
    return pd.DataFrame(rows, columns=["term", "column", "kind", "effect", "std_error", "ci_low", "ci_high"])
