"""Satisfaction driver models: `fit_drivers(df, formula, kind, cluster) -> DriverModel`.

``kind="logit"`` models satisfied = 满意 + 基本满意 against 不满意; ``kind="ordinal"`` models the three
levels with a proportional-odds logit (its effects and what-ifs are on P(满意 or 基本满意) too).
Callbacks not reached are missing and left out. Coefficients are on the log-odds scale with odds
ratios alongside; ``cluster="street"`` gives cluster-robust standard errors by street.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.sm_exceptions import PerfectSeparationError

from civicdesk.drivers import diagnostics as dg
from civicdesk.drivers.design import Design, build_design
from civicdesk.drivers.effects import marginal_effects
from civicdesk.drivers.importance import MAX_ROWS as MAX_IMPORTANCE_ROWS
from civicdesk.drivers.importance import shapley_importance
from civicdesk.drivers.link import augment, delta_se, prob
from civicdesk.drivers.table import DEFAULT_FORMULA, LEVELS
from civicdesk.drivers.whatif import WhatIf

KINDS = ("logit", "ordinal")
Z95 = float(norm.ppf(0.975))
COEF_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "odds_ratio", "or_ci_low",
                "or_ci_high"]


@dataclass(frozen=True, eq=False)
class DriverModel:
    """A fitted driver model and everything a leader or analyst reads from it.

    Attributes:
        coefficients: COEF_COLUMNS (log-odds; odds ratios alongside; ordinal cut points have no odds ratio).
        marginal_effects: average marginal effects on P(satisfied) (see `civicdesk.drivers.effects`).
        importance: each formula term's share of McFadden's R² (see `civicdesk.drivers.importance`).
        diagnostics: calibration by decile, AUC, VIF and warnings.
        left_out: columns of the asked-for formula's terms left out because the data cannot inform them
            (`fit_store` via `civicdesk.drivers.usable_formula`: no signing times, a single channel); empty
            from `fit_drivers`.
    """

    formula: str
    kind: str
    cluster: str | None
    nobs: int
    coefficients: pd.DataFrame
    marginal_effects: pd.DataFrame
    importance: pd.DataFrame
    diagnostics: dg.Diagnostics
    params: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    design: Design = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    left_out: tuple[str, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """The fit's warnings as English sentences (`notes` has them with i18n keys)."""
        return self.diagnostics.warnings

    @property
    def notes(self) -> tuple[dg.ModelWarning, ...]:
        """The fit's warnings with their i18n keys and parameters (`civicdesk.drivers.diagnostics.ModelWarning`)."""
        return self.diagnostics.notes

    def _z(self, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        X = self.design.matrix(frame) if isinstance(frame, pd.DataFrame) else frame
        if self.kind == "ordinal":
            X = X[:, 1:]
        return augment(X, self.kind, len(self.params))

    @cached_property
    def _baseline(self) -> tuple[np.ndarray, float, np.ndarray, pd.Series]:
        """P(satisfied) of every fitted ticket, their mean, its gradient, and ticket_id → row position."""
        Z = self._z(self.design.X.to_numpy(dtype=float))
        p = prob(Z, self.params)
        grad = (p * (1.0 - p)) @ Z / len(p)
        return p, float(p.mean()), grad, pd.Series(np.arange(len(self.data)), index=self.data["ticket_id"])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """P(满意 or 基本满意) for each ticket of a modelling table."""
        return prob(self._z(frame), self.params)

    def what_if(self, changed: pd.DataFrame) -> WhatIf:
        """Predicted 满意率 when the tickets in ``changed`` (matched on ticket_id) replace the observed ones.

        Only the changed rows are re-predicted: the rate moves by their change in P(satisfied) ÷ all callbacks.
        """
        if "ticket_id" not in changed.columns:
            raise ValueError("the changed tickets need their ticket_id to say which observed tickets they replace")
        p_base, before, g_base, position = self._baseline
        # as objects: pandas' isin on Arrow strings loops in Python (0.5 s for a quarter's callbacks)
        known = changed["ticket_id"].astype(object).isin(position.index.astype(object))
        if not known.all():
            raise ValueError(f"{int((~known).sum())} changed ticket(s) are not among the model's callbacks "
                             f"(e.g. {changed.loc[~known, 'ticket_id'].iloc[0]}); change rows of its data")
        rows = position[changed["ticket_id"]].to_numpy()
        new = self.data.iloc[rows].copy()
        for col in [c for c in changed.columns if c in new.columns]:
            new[col] = changed[col].array
        n = len(p_base)
        if len(rows):
            Z_new, Z_old = self._z(new), self._z(self.design.X.to_numpy(dtype=float)[rows])
            p_new, p_old = prob(Z_new, self.params), p_base[rows]
            delta = float((p_new.sum() - p_old.sum()) / n)
            g_delta = ((p_new * (1 - p_new)) @ Z_new - (p_old * (1 - p_old)) @ Z_old) / n
        else:
            delta, g_delta = 0.0, np.zeros_like(g_base)
        rate = before + delta
        se, se_change = delta_se(g_base + g_delta, self.cov), delta_se(g_delta, self.cov)
        return WhatIf(rate, rate - Z95 * se, rate + Z95 * se, before, delta, delta - Z95 * se_change,
                      delta + Z95 * se_change, n, len(changed))


def _outcome(formula: str, kind: str) -> str | None:
    lhs = formula.split("~", 1)[0].strip()
    return "satisfaction_level" if kind == "ordinal" and lhs == "satisfied" else None


def _binary_y(y: pd.Series, kind: str) -> np.ndarray:
    if kind == "ordinal":
        return (np.asarray(y.cat.codes) >= 1).astype(float)
    values = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    if not np.isin(values, [0.0, 1.0]).all():
        raise ValueError(f"the outcome {y.name} must be 0/1 for a logit (1 = 满意 or 基本满意)")
    return values


def _check_classes(y: np.ndarray, kind: str, y_raw: pd.Series) -> None:
    if len(np.unique(y)) < 2:
        what = "satisfied (满意 or 基本满意)" if y[0] == 1 else "unsatisfied (不满意)"
        raise ValueError(f"all {len(y)} reached callbacks are {what}: a driver model needs both outcomes")
    if kind == "ordinal" and y_raw.nunique() < 3:
        raise ValueError("the ordinal model needs all three levels (满意, 基本满意, 不满意) among the callbacks")


def _cov_args(df: pd.DataFrame, design: Design, cluster: str | None) -> dict:
    if cluster is None:
        return {}
    if cluster not in df.columns:
        raise ValueError(f"cannot cluster by {cluster!r}: the table has no such column")
    groups = pd.factorize(df.loc[design.index, cluster])[0]
    if (groups < 0).any():
        raise ValueError(f"some callbacks have no {cluster}; fill it or fit without clustering")
    return {"cov_type": "cluster", "cov_kwds": {"groups": groups}}


def _fit(y_raw: pd.Series, y: np.ndarray, X: pd.DataFrame, kind: str, cov_args: dict):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "logit":
            try:
                res = sm.Logit(y, X).fit(disp=0, method="newton", maxiter=100, **cov_args)
            except (np.linalg.LinAlgError, PerfectSeparationError):  # Newton's Hessian is singular
                raise ValueError(_separation_message(X, y)) from None
        else:
            model = OrderedModel(y_raw.cat.remove_unused_categories(), X.drop(columns="Intercept"), distr="logit")
            res = model.fit(method="bfgs", disp=0, maxiter=1000, **cov_args)
    text = " ".join(str(w.message).lower() for w in caught)
    notes = [dg.NOT_CONVERGED] if "converge" in text or "separation" in text else []
    return res, notes


def _separation_message(X: pd.DataFrame, y: np.ndarray) -> str:
    """Which 0/1 design columns perfectly predict the outcome when they are 1 (or 0)."""
    culprits = []
    for name in X.columns[1:]:
        col = X[name].to_numpy()
        if set(np.unique(col)) <= {0.0, 1.0}:
            for value in (0.0, 1.0):
                hit = y[col == value]
                if 0 < len(hit) and np.unique(hit).size == 1:
                    culprits.append(name)
                    break
    which = f"the driver(s) {', '.join(culprits)}" if culprits else "the drivers together"
    return (f"{which} perfectly separate satisfied from unsatisfied callbacks, so the model has no finite "
            "estimate; drop them, merge rare levels, or fit on more weeks")


def _coefficients(res, kind: str, names: list[str]) -> pd.DataFrame:
    ci = np.asarray(res.conf_int())
    est, se = np.asarray(res.params), np.asarray(res.bse)
    if kind == "ordinal":
        names = names[1:] + [f"cut: {LEVELS[i]}|{LEVELS[i + 1]}" for i in range(len(est) - len(names) + 1)]
    frame = pd.DataFrame({"term": names, "estimate": est, "std_error": se, "ci_low": ci[:, 0], "ci_high": ci[:, 1],
                          "p_value": np.asarray(res.pvalues)})
    cut = frame["term"].str.startswith("cut: ")
    for col, src in (("odds_ratio", "estimate"), ("or_ci_low", "ci_low"), ("or_ci_high", "ci_high")):
        frame[col] = np.exp(frame[src].clip(upper=700)).where(~cut)
    return frame[COEF_COLUMNS]


def _mcfadden(res, y_raw: pd.Series) -> float:
    """1 − LL(model) / LL(thresholds or intercept only), the null computed from the outcome's shares."""
    counts = pd.Series(np.asarray(y_raw)).value_counts().to_numpy(dtype=float)
    counts = counts[counts > 0]
    null = float(np.sum(counts * np.log(counts / counts.sum())))
    return 1.0 - float(res.llf) / null


def fit_drivers(df: pd.DataFrame, formula: str = DEFAULT_FORMULA, kind: str = "logit", cluster: str | None = None,
                importance: bool | int = True, seed: int = 0) -> DriverModel:
    """Fit a satisfaction driver model on a modelling table (`civicdesk.drivers.modelling_table`).

    Args:
        formula: statsmodels/patsy formula on the table's columns, e.g. DEFAULT_FORMULA.
        kind: "logit" (satisfied vs not) or "ordinal" (不满意 < 基本满意 < 满意).
        cluster: a column (e.g. "street") for cluster-robust standard errors.
        importance: compute the Shapley decomposition (a few seconds); False leaves it empty; a number
            computes it on at most that many callbacks (default `importance.MAX_ROWS`).
        seed: for the row samples behind importance and marginal effects.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    design = build_design(formula, df, _outcome(formula, kind))
    y_raw = df.loc[design.index, design.outcome]
    y = _binary_y(y_raw, kind)
    _check_classes(y, kind, y_raw)
    res, notes = _fit(y_raw, y, design.X, kind, _cov_args(df, design, cluster))
    names = list(design.X.columns)
    params, cov = np.asarray(res.params), np.asarray(res.cov_params())
    X = design.X.to_numpy(dtype=float)
    Z = augment(X[:, 1:] if kind == "ordinal" else X, kind, len(params))
    terms = design.terms if kind == "logit" else {t: [c - 1 for c in cs] for t, cs in design.terms.items()}
    coefs = _coefficients(res, kind, names)
    effects = marginal_effects(Z, params, cov, names[1:] if kind == "ordinal" else names, terms, seed)
    rows = importance if importance is not True and importance else MAX_IMPORTANCE_ROWS
    imp = (shapley_importance(X, y, [0], design.terms, seed, rows) if importance
           else pd.DataFrame(columns=["term", "r2", "share"]))
    vif = dg.vif_table(design.X)
    p = prob(Z, params)
    notes = tuple(notes + dg.data_warnings(y, len(params), coefs[~coefs["term"].str.startswith("cut: ")
                                                                 & (coefs["term"] != "Intercept")], vif))
    diag = dg.Diagnostics(dg.calibration_table(p, y), dg.auc(p, y), _mcfadden(res, y_raw), vif,
                          float(min(y.sum(), len(y) - y.sum()) / len(params)), notes)
    data = df.loc[design.index].reset_index(drop=True)
    return DriverModel(formula, kind, cluster, len(y), coefs, effects, imp, diag, params, cov, design, data)


def fit_store(engine, start=None, end=None, formula: str = DEFAULT_FORMULA, kind: str = "logit",
              cluster: str | None = None, progress=None, importance: bool | int = True) -> DriverModel:
    """Read the modelling table for [start, end] from the store and fit a driver model on it.

    Categories and channels with too few callbacks to estimate are merged first (`lump_rare_levels`), and
    drivers the store does not record (no signing times, no channel column) are left out of the formula
    (`usable_formula`); `model.left_out` names their columns.

    Raises:
        NoCallbacksError: no callback reached a caller in [start, end] (the store may hold none).
        ValueError: the data cannot support the model (see the message).

    Args:
        progress: called as progress(fraction, stage) with stage "read", "fit" or "done".
        importance: as in `fit_drivers` (a number bounds the callbacks the Shapley ranking uses).
    """
    from civicdesk.drivers.table import lump_rare_levels, modelling_table, usable_formula

    report = progress or (lambda fraction, stage: None)
    report(0.05, "read")
    table = lump_rare_levels(modelling_table(engine, start, end, reached_only=True))
    formula, dropped = usable_formula(table, formula)
    report(0.5, "fit")
    model = fit_drivers(table, formula, kind=kind, cluster=cluster, importance=importance)
    report(1.0, "done")
    return replace(model, left_out=dropped)
