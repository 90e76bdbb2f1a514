"""Forecasting models for daily ticket counts: small classes with `fit(y, X=None)` and `predict(h, X, level)`.

Every model returns a DataFrame with `mean` and, per level, `lo-<level>` / `hi-<level>`, never below zero.
Models that use calendar regressors set `uses_X = True`; the `Forecaster` builds X for history and
future dates from `civicdesk.forecast.features`.

- `SeasonalNaive`: last week again; the benchmark every model must beat.
- `ETS`: statsmodels `ETSModel`, additive errors, configuration chosen by AICc.
- `CountRegression`: negative binomial (or Poisson) GLM on weekday, yearly, holiday, make-up-workday
  and heating terms with a linear trend; integer prediction intervals from the predictive
  distribution, so a street's handful of disputes a week gets honest count intervals.
- `SARIMAX`: ARMA errors around the same calendar regressors, on log(1 + y).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_LEVELS = (80, 95)


def _frame(mean: np.ndarray, bounds: dict[int, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    out = {"mean": np.clip(np.asarray(mean, float), 0.0, None)}
    for level, (lo, hi) in sorted(bounds.items()):
        out[f"lo-{level}"] = np.clip(np.asarray(lo, float), 0.0, None)
        out[f"hi-{level}"] = np.clip(np.asarray(hi, float), 0.0, None)
    return pd.DataFrame(out)


def _z(level: int) -> float:
    return float(stats.norm.ppf(0.5 + level / 200.0))


class SeasonalNaive:
    """Tomorrow is like the same weekday last week; intervals from the spread of weekly differences."""

    alias = "SeasonalNaive"
    uses_X = False

    def __init__(self, season: int = 7):
        self.season = season

    def fit(self, y, X=None) -> "SeasonalNaive":
        y = np.asarray(y, float)
        m = self.season if len(y) >= self.season else 1
        diffs = y[m:] - y[:-m] if len(y) > m else np.zeros(1)
        self.model_ = {"last": y[-m:], "m": m, "sigma": float(np.std(diffs, ddof=0))}
        return self

    def predict(self, h: int, X=None, level=DEFAULT_LEVELS) -> pd.DataFrame:
        last, m, sigma = self.model_["last"], self.model_["m"], self.model_["sigma"]
        steps = np.arange(h)
        mean = last[steps % m]
        spread = sigma * np.sqrt(steps // m + 1)
        return _frame(mean, {lv: (mean - _z(lv) * spread, mean + _z(lv) * spread) for lv in level})


class ETS:
    """Exponential smoothing (statsmodels ETSModel): additive error, trend none/damped, weekly season."""

    alias = "ETS"
    uses_X = False
    CONFIGS = ({"trend": None, "seasonal": "add"}, {"trend": "add", "damped_trend": True, "seasonal": "add"},
               {"trend": None, "seasonal": None})

    def __init__(self, season: int = 7, max_history: int = 365):
        self.season, self.max_history = season, max_history  # a year is plenty for level and weekly shape

    def fit(self, y, X=None) -> "ETS":
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        y = pd.Series(np.asarray(y, float)[-self.max_history:])
        best = None
        for cfg in self.CONFIGS:
            if cfg["seasonal"] and len(y) < 2 * self.season + 2:
                continue
            kwargs = dict(cfg, seasonal_periods=self.season if cfg["seasonal"] else None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ETSModel(y, error="add", **kwargs).fit(disp=False, maxiter=200)
            if best is None or res.aicc < best.aicc:
                best = res
        self.model_ = best
        return self

    def predict(self, h: int, X=None, level=DEFAULT_LEVELS) -> pd.DataFrame:
        res = self.model_
        start = res.nobs
        pred = res.get_prediction(start=start, end=start + h - 1)
        bounds = {}
        for lv in level:
            frame = pred.summary_frame(alpha=1 - lv / 100)
            bounds[lv] = (frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy())
        return _frame(np.asarray(pred.predicted_mean), bounds)


def _design(X: np.ndarray, start: int, n: int, trend: bool) -> np.ndarray:
    """Regressors plus intercept and, when asked for, a linear trend (time in years)."""
    columns = [np.ones(n)]
    if trend:
        columns.append((start + np.arange(n)) / 365.0)
    return np.column_stack([*columns, np.asarray(X, float)])


#: Below this many tickets a day a series keeps only the first yearly harmonic and no trend: a street's
#: handful of disputes a week cannot support more, and extrapolating a trend from it is noise.
LOW_VOLUME_PER_DAY = 2.0
TREND_MIN_DAYS = 730


class CountRegression:
    """Negative binomial GLM on calendar regressors (and a trend on long, busy series); Poisson when the
    data show no overdispersion."""

    alias = "CountGLM"
    uses_X = True

    def __init__(self, max_history: int = 1095):
        self.max_history = max_history

    def _columns(self, X: pd.DataFrame, y: np.ndarray) -> list[str]:
        cols = [c for c in X.columns if X[c].std() > 0]  # a regressor that never varies cannot be estimated
        if y.mean() < LOW_VOLUME_PER_DAY:
            cols = [c for c in cols if c not in ("sin2", "cos2", "sin3", "cos3")]
        return cols

    def fit(self, y, X=None) -> "CountRegression":
        import statsmodels.api as sm

        if X is None:
            raise ValueError("CountRegression needs calendar regressors X")
        y = np.round(np.clip(np.asarray(y, float), 0, None))[-self.max_history:]
        X = pd.DataFrame(X).iloc[-len(y):]
        cols = self._columns(X, y)
        trend = len(y) >= TREND_MIN_DAYS and y.mean() >= LOW_VOLUME_PER_DAY
        design = _design(X[cols].to_numpy(float), 0, len(y), trend)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            poisson = sm.GLM(y, design, family=sm.families.Poisson()).fit()
            mu = poisson.fittedvalues
            # method-of-moments overdispersion: Var = mu + alpha mu^2
            alpha = max(float(np.sum((y - mu) ** 2 - mu) / max(np.sum(mu ** 2), 1e-9)), 0.0)
            if alpha > 1e-3:
                fitted = sm.GLM(y, design, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
            else:
                fitted, alpha = poisson, 0.0
        self.model_ = {"params": fitted.params, "alpha": alpha, "columns": cols, "trend": trend, "n": len(y)}
        return self

    def predict(self, h: int, X=None, level=DEFAULT_LEVELS) -> pd.DataFrame:
        m = self.model_
        design = _design(pd.DataFrame(X).iloc[:h][m["columns"]].to_numpy(float), m["n"], h, m["trend"])
        mu = np.exp(np.clip(design @ m["params"], -20, 20))
        if m["alpha"] > 0:
            n = 1.0 / m["alpha"]
            dist = stats.nbinom(n, n / (n + mu))
        else:
            dist = stats.poisson(mu)
        return _frame(mu, {lv: count_interval(dist, lv) for lv in level})


def count_interval(dist, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer prediction bounds whose coverage is closest to `level`%.

    The equal-tailed quantiles of a count distribution cover at least the nominal level, often much
    more when counts are small (for a mean of 0.3, [0, 1] covers 96%). Of that interval and the one with
    its upper bound one lower, keep the one whose coverage is nearer the nominal level.
    """
    target = level / 100
    lo = dist.ppf(0.5 - level / 200)
    hi = dist.ppf(0.5 + level / 200)
    below = dist.cdf(lo - 1)
    wide = dist.cdf(hi) - below
    narrow_hi = np.maximum(hi - 1, lo)
    narrow = dist.cdf(narrow_hi) - below
    hi = np.where(np.abs(narrow - target) < np.abs(wide - target), narrow_hi, hi)
    return lo, hi


class SARIMAX:
    """Regression on calendar terms with ARMA(1,1) errors, fitted on log(1 + y)."""

    alias = "SARIMAX"
    uses_X = True

    def __init__(self, order=(1, 0, 1), max_history: int = 730):
        self.order, self.max_history = order, max_history

    def fit(self, y, X=None) -> "SARIMAX":
        from statsmodels.tsa.statespace.sarimax import SARIMAX as _SARIMAX

        if X is None:
            raise ValueError("SARIMAX needs calendar regressors X")
        y = np.log1p(np.clip(np.asarray(y, float), 0, None))[-self.max_history:]
        X = np.asarray(X, float)[-len(y):]
        keep = X.std(axis=0) > 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = _SARIMAX(y, exog=X[:, keep], order=self.order, trend="c").fit(disp=False, maxiter=100)
        self.model_ = {"res": res, "keep": keep}
        return self

    def predict(self, h: int, X=None, level=DEFAULT_LEVELS) -> pd.DataFrame:
        res, keep = self.model_["res"], self.model_["keep"]
        fc = res.get_forecast(steps=h, exog=np.asarray(X, float)[:h][:, keep])
        mu = np.asarray(fc.predicted_mean)
        var = np.asarray(fc.var_pred_mean)
        mean = np.expm1(mu + var / 2)  # mean of a log-normal, back on the count scale
        bounds = {}
        for lv in level:
            ci = np.asarray(fc.conf_int(alpha=1 - lv / 100))
            bounds[lv] = (np.expm1(ci[:, 0]), np.expm1(ci[:, 1]))
        return _frame(mean, bounds)


def default_models() -> list:
    """The candidates `auto_forecast` chooses among."""
    return [SeasonalNaive(), ETS(), CountRegression(), SARIMAX()]
