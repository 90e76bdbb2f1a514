"""`Forecaster`: fit models to many daily series in parallel, forecast, and backtest by rolling origin.

    fc = Forecaster([SeasonalNaive(), ETS(), CountRegression()], n_jobs=2)
    fc.forecast(df, h=28)                           # unique_id, ds, <alias>, <alias>-lo-80, ...
    fc.cross_validation(df, h=28, n_windows=6)       # adds cutoff and the actual y

Series run through `civicdesk.parallel.run_parallel`, one task per series: on this machine in `n_jobs`
processes, or on the Dask cluster named by CIVICDESK_DASK_SCHEDULER, with the same numbers. A model that cannot fit a series falls back to the seasonal naive
forecast for that series, and `messages_` says so.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

from civicdesk.forecast.features import calendar_regressors
from civicdesk.forecast.models import DEFAULT_LEVELS, SeasonalNaive
from civicdesk.parallel import run_parallel

MAX_HORIZON = 366
MIN_HISTORY = 14


class ForecastInputError(ValueError):
    """The series or the request cannot be forecast; the message says why in one sentence."""


def check_series(df: pd.DataFrame) -> pd.DataFrame:
    """Validate long-format daily series and fill missing days with zero counts.

    Raises:
        ForecastInputError: missing columns, duplicate (unique_id, ds) pairs, negative counts or no rows.
    """
    missing = {"unique_id", "ds", "y"} - set(df.columns)
    if missing:
        raise ForecastInputError(f"series need the columns unique_id, ds and y; missing {sorted(missing)}")
    if df.empty:
        raise ForecastInputError("there are no observations to forecast from")
    frame = df[["unique_id", "ds", "y"]].copy()
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.normalize()
    dup = frame.duplicated(["unique_id", "ds"])
    if dup.any():
        first = frame[dup].iloc[0]
        raise ForecastInputError(f"series {first['unique_id']} has {int(dup.sum())} duplicate dates "
                                 f"(first {first['ds'].date()}); sum or drop them first")
    if (frame["y"] < 0).any():
        raise ForecastInputError("counts cannot be negative")
    filled = []
    for uid, part in frame.groupby("unique_id", sort=True):
        days = pd.date_range(part["ds"].min(), part["ds"].max(), freq="D")
        series = part.set_index("ds")["y"].reindex(days, fill_value=0)
        filled.append(pd.DataFrame({"unique_id": uid, "ds": days, "y": series.to_numpy(float)}))
    return pd.concat(filled, ignore_index=True)


def _check_horizon(h: int) -> None:
    if not isinstance(h, (int, np.integer)) or h < 1:
        raise ForecastInputError(f"the horizon must be at least one day (got {h})")
    if h > MAX_HORIZON:
        raise ForecastInputError(f"the horizon is at most {MAX_HORIZON} days (got {h}); daily models "
                                 "say little about next year, use a monthly view instead")


def _fit_predict(model, y: np.ndarray, X_hist, X_future, h: int, level) -> tuple[pd.DataFrame, str | None]:
    """One model on one series; falls back to seasonal naive (and says why) when it cannot be fitted."""
    if not np.any(y):
        zeros = pd.DataFrame({"mean": np.zeros(h)})
        for lv in level:
            zeros[f"lo-{lv}"] = 0.0
            zeros[f"hi-{lv}"] = 0.0
        return zeros, None
    try:
        if len(y) < MIN_HISTORY and not isinstance(model, SeasonalNaive):
            raise ValueError(f"only {len(y)} days of history (at least {MIN_HISTORY} needed)")
        fitted = copy.deepcopy(model).fit(y, X_hist if model.uses_X else None)
        out = fitted.predict(h, X_future if model.uses_X else None, level=level)
        if not np.all(np.isfinite(out.to_numpy())):
            raise ValueError("the fit produced non-finite values")
        return out, None
    except Exception as exc:  # noqa: BLE001 - any failure falls back and is reported
        fallback = SeasonalNaive().fit(y).predict(h, level=level)
        return fallback, f"{model.alias}: {exc}; used the seasonal naive forecast instead"


def forecast_series(uid: str, ds: pd.DatetimeIndex, y: np.ndarray, models: Sequence, h: int,
                    level=DEFAULT_LEVELS, holidays: str | None = "CN") -> tuple[pd.DataFrame, list[str]]:
    """Forecast one series with every model; returns (frame, messages)."""
    future = pd.date_range(ds[-1] + pd.Timedelta(days=1), periods=h, freq="D")
    need_X = any(m.uses_X for m in models)
    X = calendar_regressors(ds.append(future), holidays) if need_X else None
    X_hist, X_future = (X.iloc[:len(ds)], X.iloc[len(ds):]) if need_X else (None, None)
    out = pd.DataFrame({"unique_id": uid, "ds": future})
    messages = []
    for model in models:
        values, note = _fit_predict(model, y, X_hist, X_future, h, level)
        if note:
            messages.append(f"{uid}: {note}")
        values = values.rename(columns={"mean": model.alias, **{c: f"{model.alias}-{c}" for c in values.columns
                                                                  if c != "mean"}})
        out = pd.concat([out, values.set_index(out.index)], axis=1)
    return out, messages


def _cv_series(uid, ds, y, models, h, cutoffs, level, holidays):
    frames, messages = [], []
    for cutoff in cutoffs:
        upto = ds <= cutoff
        fc, notes = forecast_series(uid, ds[upto], y[upto], models, h, level, holidays)
        actual = pd.Series(y, index=ds).reindex(fc["ds"]).to_numpy()
        frames.append(fc.assign(cutoff=cutoff, y=actual))
        messages += notes
    return pd.concat(frames, ignore_index=True), messages


class Forecaster:
    """Fits `models` to every series of a long-format frame, in parallel over series."""

    def __init__(self, models: Sequence, freq: str = "D", n_jobs: int = 1, holidays: str | None = "CN"):
        if freq != "D":
            raise ForecastInputError("only daily series (freq='D') are supported")
        aliases = [m.alias for m in models]
        if len(set(aliases)) != len(aliases):
            raise ForecastInputError(f"model aliases must be unique, got {aliases}")
        self.models, self.freq, self.n_jobs, self.holidays = list(models), freq, n_jobs, holidays
        self.messages_: list[str] = []

    def _series(self, df: pd.DataFrame):
        for uid, part in check_series(df).groupby("unique_id", sort=True):
            yield uid, pd.DatetimeIndex(part["ds"]), part["y"].to_numpy(float)

    def _run(self, func, tasks) -> pd.DataFrame:
        results = run_parallel(func, tasks, self.n_jobs)
        self.messages_ = [m for _, notes in results for m in notes]
        return pd.concat([frame for frame, _ in results], ignore_index=True)

    def forecast(self, df: pd.DataFrame, h: int, level: Sequence[int] = DEFAULT_LEVELS) -> pd.DataFrame:
        """Forecast `h` days after each series' last day: unique_id, ds, and per model mean and intervals."""
        _check_horizon(h)
        return self._run(forecast_series, ((uid, ds, y, self.models, h, tuple(level), self.holidays)
                                           for uid, ds, y in self._series(df)))

    def cross_validation(self, df: pd.DataFrame, h: int, n_windows: int = 3, step_size: int | None = None,
                         level: Sequence[int] = DEFAULT_LEVELS) -> pd.DataFrame:
        """Rolling-origin backtest: forecasts from `n_windows` cutoffs `step_size` days apart (default h).

        The last window ends on each series' last day. Returns unique_id, ds, cutoff, y and the models.
        """
        _check_horizon(h)
        step = step_size or h
        tasks = []
        for uid, ds, y in self._series(df):
            last = ds[-1]
            cutoffs = [last - pd.Timedelta(days=h + step * k) for k in range(n_windows)][::-1]
            cutoffs = [c for c in cutoffs if (ds <= c).sum() >= 1]
            if not cutoffs:
                raise ForecastInputError(f"series {uid} is too short for {n_windows} windows of {h} days")
            tasks.append((uid, ds, y, self.models, h, cutoffs, tuple(level), self.holidays))
        out = self._run(_cv_series, tasks)
        first = ["unique_id", "ds", "cutoff", "y"]
        return out[first + [c for c in out.columns if c not in first]]
