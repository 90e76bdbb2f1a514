"""Diagnostics of a driver model: calibration by decile, AUC, variance inflation, data warnings."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata

#: Fewer events (of the rarer outcome) per parameter than this gives a warning (Peduzzi et al., 1996).
MIN_EVENTS_PER_PARAMETER = 10
#: A coefficient this large in absolute value (log-odds) signals (quasi-)separation.
SEPARATION_ESTIMATE = 15.0
#: Variance inflation above this is reported as collinear.
VIF_WARN = 10.0


@dataclass(frozen=True)
class ModelWarning:
    """One warning about a fit: `text` is the English sentence; `key` and `params` give it in the UI's
    language, `civicdesk.i18n.t(key, lang).format(**params)` (a `term` param is a design column, to be
    labelled with `civicdesk.i18n.driver_label`)."""

    text: str
    key: str
    params: dict = field(default_factory=dict)


#: The note given when the optimiser reports trouble (see `civicdesk.drivers.model`).
NOT_CONVERGED = ModelWarning("the fit did not converge cleanly: a driver (or a rare level) separates satisfied from "
                             "unsatisfied callbacks, or drivers are collinear; see the other warnings", "pt_w_converge")


@dataclass(frozen=True)
class Diagnostics:
    """How well the model fits and whether its data can carry it.

    Attributes:
        calibration: per decile of predicted probability: decile, n, mean_predicted, observed.
        auc: area under the ROC curve of P(satisfied) against the observed outcome.
        mcfadden_r2: 1 − LL(model) / LL(intercept only).
        vif: term (design column), vif.
        events_per_parameter: the rarer outcome's count ÷ number of parameters.
        notes: the warnings (convergence, separation, too few events, collinearity) as `ModelWarning`s.
    """

    calibration: pd.DataFrame
    auc: float
    mcfadden_r2: float
    vif: pd.DataFrame
    events_per_parameter: float
    notes: tuple[ModelWarning, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings as English sentences."""
        return tuple(n.text for n in self.notes)


def calibration_table(p: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Observed rate against mean prediction per decile of the prediction."""
    ranks = rankdata(p, method="ordinal")
    decile = np.ceil(ranks / len(p) * bins).astype(int)
    frame = pd.DataFrame({"decile": decile, "p": p, "y": y})
    out = frame.groupby("decile").agg(n=("y", "size"), mean_predicted=("p", "mean"), observed=("y", "mean"))
    return out.reset_index()


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney statistic); NaN with one class."""
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def vif_table(X: pd.DataFrame) -> pd.DataFrame:
    """Variance inflation factor of each design column (intercept left out)."""
    cols = [c for c in X.columns if c != "Intercept" and X[c].std() > 0]
    if len(cols) < 2:
        return pd.DataFrame({"term": cols, "vif": [1.0] * len(cols)})
    corr = np.corrcoef(X[cols].to_numpy(dtype=float), rowvar=False)
    try:
        values = np.diag(np.linalg.inv(corr))
    except np.linalg.LinAlgError:
        values = np.full(len(cols), np.inf)
    return pd.DataFrame({"term": cols, "vif": values})


def data_warnings(y: np.ndarray, n_params: int, coefficients: pd.DataFrame,
                  vif: pd.DataFrame) -> list[ModelWarning]:
    """What in the data makes the estimates unreliable."""
    out = []
    rare = int(min((y == 1).sum(), (y == 0).sum()))
    if rare / n_params < MIN_EVENTS_PER_PARAMETER:
        out.append(ModelWarning(
            f"only {rare} tickets have the rarer outcome for {n_params} parameters (fewer than "
            f"{MIN_EVENTS_PER_PARAMETER} per parameter): estimates are unstable; use fewer drivers or more weeks",
            "pt_w_few", {"n": rare, "p": n_params, "min": MIN_EVENTS_PER_PARAMETER}))
    huge = coefficients[(coefficients["estimate"].abs() > SEPARATION_ESTIMATE)
                        | ~np.isfinite(coefficients["std_error"])]
    for term in huge["term"]:
        out.append(ModelWarning(f"the term {term} (quasi-)separates satisfied from unsatisfied callbacks: its "
                                "estimate is not finite in practice; merge its rare levels or drop it",
                                "pt_w_separates", {"term": term}))
    for term in vif.loc[vif["vif"] > VIF_WARN, "term"]:
        out.append(ModelWarning(f"the term {term} is collinear with other drivers (VIF > {VIF_WARN:g}); its own "
                                "effect is poorly identified", "pt_w_collinear", {"term": term, "vif": VIF_WARN}))
    return out
