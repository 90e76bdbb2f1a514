"""Relative importance of the drivers: a Shapley decomposition of the fit (general dominance).

McFadden's R² = 1 − LL(model) / LL(intercept only) is split among the formula's terms: a term's share
is its average gain in R² when it joins every subset of the other terms (Shapley value; equal to
Budescu's general dominance). Every subset is a binary logit fitted by Newton's method on a random
sample of the rows (`MAX_ROWS`, seeded), exact for up to `EXACT_TERMS` terms and estimated from
random orderings beyond.
"""
from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits

MAX_ROWS = 10_000
EXACT_TERMS = 10
PERMUTATIONS = 40


def _loglik(X: np.ndarray, y: np.ndarray, iters: int = 25) -> float:
    """Maximised log-likelihood of a binary logit (Newton's method; ridge-guarded for separation)."""
    beta = np.zeros(X.shape[1])
    ll_old = -np.inf
    for _ in range(iters):
        eta = X @ beta
        p = expit(eta)
        ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        if abs(ll - ll_old) < 1e-8 * max(1.0, abs(ll)):
            break
        ll_old = ll
        w = p * (1.0 - p)
        hess = (X * w[:, None]).T @ X + 1e-8 * np.eye(X.shape[1])
        beta = beta + np.linalg.solve(hess, X.T @ (y - p))
    return ll


class _R2:
    """McFadden R² of term subsets, memoised."""

    def __init__(self, X: np.ndarray, y: np.ndarray, intercept: list[int], terms: dict[str, list[int]]):
        self.X, self.y, self.intercept, self.terms = X, y, intercept, terms
        self.null = _loglik(X[:, intercept], y)
        self.cache: dict[frozenset, float] = {frozenset(): 0.0}

    def __call__(self, subset: frozenset) -> float:
        if subset not in self.cache:
            cols = self.intercept + [c for t in sorted(subset) for c in self.terms[t]]
            self.cache[subset] = 1.0 - _loglik(self.X[:, cols], self.y) / self.null
        return self.cache[subset]


def _exact(r2: _R2, names: list[str]) -> dict[str, float]:
    k = len(names)
    out = dict.fromkeys(names, 0.0)
    for size in range(k):
        weight = factorial(size) * factorial(k - size - 1) / factorial(k)
        for subset in combinations(names, size):
            base = frozenset(subset)
            for name in names:
                if name not in base:
                    out[name] += weight * (r2(base | {name}) - r2(base))
    return out


def _sampled(r2: _R2, names: list[str], rng: np.random.Generator) -> dict[str, float]:
    out = dict.fromkeys(names, 0.0)
    for _ in range(PERMUTATIONS):
        base = frozenset()
        for name in rng.permutation(names):
            out[name] += (r2(base | {name}) - r2(base)) / PERMUTATIONS
            base = base | {name}
    return out


def shapley_importance(X: np.ndarray, y: np.ndarray, intercept: list[int], terms: dict[str, list[int]],
                       seed: int = 0, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Each term's share of McFadden's R² (columns term, r2, share), largest first, on at most `max_rows`."""
    rng = np.random.default_rng(seed)
    if len(y) > max_rows:
        rows = rng.choice(len(y), max_rows, replace=False)
        X, y = X[rows], y[rows]
    names = list(terms)
    with threadpool_limits(1, user_api="blas"):  # hundreds of small fits: threads cost more than they give
        r2 = _R2(X, y, intercept, terms)
        values = _exact(r2, names) if len(names) <= EXACT_TERMS else _sampled(r2, names, rng)
    total = sum(values.values())
    frame = pd.DataFrame({"term": names, "r2": [values[n] for n in names]})
    frame["share"] = frame["r2"] / total if total > 0 else np.nan
    return frame.sort_values("r2", ascending=False, ignore_index=True)
