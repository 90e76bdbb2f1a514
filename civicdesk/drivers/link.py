"""The probability of a satisfied callback under a fitted model, and its gradient.

Both model kinds reduce to P(满意 or 基本满意) = expit(Z @ θ): for the logit Z is the design matrix and θ
the coefficients; for the ordinal (proportional-odds) logit P(level ≥ 基本满意) = expit(Xβ − c₁), so Z
is the design matrix with a column of −1 for the first cut point and zeros for the others. Every
effect, interval and what-if in `civicdesk.drivers` is built on these two functions (delta method).
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit


def augment(X: np.ndarray, kind: str, n_params: int) -> np.ndarray:
    """The matrix Z with P(satisfied) = expit(Z @ params) for a design matrix X."""
    if kind == "logit":
        return X
    extra = np.zeros((X.shape[0], n_params - X.shape[1]))
    extra[:, 0] = -1.0
    return np.hstack([X, extra])


def prob(Z: np.ndarray, params: np.ndarray) -> np.ndarray:
    """P(satisfied) per row."""
    return expit(Z @ params)


def mean_prob(Z: np.ndarray, params: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean probability over the rows and its gradient with respect to the parameters."""
    p = prob(Z, params)
    return float(p.mean()), (p * (1.0 - p)) @ Z / len(p)


def delta_se(gradient: np.ndarray, cov: np.ndarray) -> float:
    """Standard error of a smooth function of the parameters by the delta method."""
    return float(np.sqrt(max(gradient @ cov @ gradient, 0.0)))
