"""Peer forecasts for `bench_forecast.py`, run in benchmarks/.venv-peers (statsforecast needs pandas < 3).

Usage: benchmarks/.venv-peers/bin/python benchmarks/peers_forecast.py SERIES.csv SPEC.json OUT.csv
       [--prophet] [--ets-only] [--calendar]

SERIES.csv holds unique_id, ds, y (daily); SPEC.json is {"h": 28, "cutoffs": ["2023-01-08", ...],
"holidays": "CN" or null, "window": 730 or null, "n_jobs": 1, "calendar": "calendar.csv",
"holiday_table": "holidays.csv"}. For every series and cutoff the script fits on ds <= cutoff (only the
last `window` days when it is given, the rows civicdesk is given) and forecasts h days with statsforecast's
AutoETS and AutoARIMA (weekly season) and, with --prophet, Prophet with the country's holidays.

With --calendar the peers see the calendar regressors civicdesk's models see, exported by the main
environment from civicdesk's own calendar code (`calendar_regressors(ds, "CN")`) to the CSV named by
"calendar" (ds and one column per regressor, covering the forecast days too), and the holiday table
civicdesk uses (holiday, ds: every day off of a holiday period and every make-up workday) named by
"holiday_table". The peers are then:
  AutoETS          plain, as without --calendar (no regressors);
  AutoARIMA_X      AutoARIMA (weekly season, approximate order search) with every regressor but the
                   weekday dummies as exogenous;
  MSTL_X           MSTL (weekly STL), its trend and remainder by AutoARIMA (non-seasonal, approximate
                   search) with the same exogenous;
  AutoETS_adj      AutoETS on the calendar-adjusted series: y minus an OLS fit on all regressors, the
                   fitted calendar effect added back to the forecast;
  Prophet_cal      (with --prophet) Prophet with civicdesk's holiday table as `holidays=` and the Spring
                   Festival weeks and heating season as extra regressors.
OUT.csv gets unique_id, ds, cutoff and one column per peer; the last line printed to stdout is a JSON object
of seconds spent per peer.
"""
from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def _forecast_frame(fc: pd.DataFrame) -> pd.DataFrame:
    return fc.reset_index() if "unique_id" not in fc.columns else fc


def statsforecast_peers(train: pd.DataFrame, h: int, arima: bool, n_jobs: int = 1) -> tuple[pd.DataFrame, dict]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS

    seconds = {}
    out = None
    peers = [("AutoETS", AutoETS(season_length=7))] + ([("AutoARIMA", AutoARIMA(season_length=7))] if arima else [])
    for name, model in peers:
        began = time.perf_counter()
        fc = StatsForecast(models=[model], freq="D", n_jobs=n_jobs).forecast(df=train, h=h)
        seconds[name] = time.perf_counter() - began
        fc = _forecast_frame(fc).rename(columns={model.__class__.__name__: name})[["unique_id", "ds", name]]
        out = fc if out is None else out.merge(fc, on=["unique_id", "ds"])
    return out, seconds


def _varying(cal: pd.DataFrame, columns) -> list[str]:
    """Columns that vary over the given calendar rows (a constant regressor cannot be estimated)."""
    return [c for c in columns if cal[c].std() > 0]


def calendar_peers(train: pd.DataFrame, h: int, cal: pd.DataFrame, n_jobs: int = 1) -> tuple[pd.DataFrame, dict]:
    """AutoETS, AutoARIMA_X, MSTL_X and AutoETS_adj (see the module docstring); `cal` is indexed by ds."""
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoARIMA, AutoETS

    hist_days = pd.DatetimeIndex(sorted(train["ds"].unique()))
    future = {uid: pd.date_range(part["ds"].max() + pd.Timedelta(days=1), periods=h)
              for uid, part in train.groupby("unique_id")}
    every = _varying(cal.loc[hist_days], cal.columns)  # what the count regression may use
    exog = [c for c in every if not c.startswith("dow")]  # the weekly season is the models' own
    future_X = pd.concat([pd.DataFrame({"unique_id": uid, "ds": days}) for uid, days in future.items()],
                         ignore_index=True)
    future_X = future_X.join(cal[exog], on="ds")
    train_X = train.join(cal[exog], on="ds")
    out, seconds = statsforecast_peers(train, h, arima=False, n_jobs=n_jobs)
    # approximation=True (the CSS-based order search R's auto.arima uses on long series): the exact search
    # took 15 s per 730-day demo series with these regressors, the approximate one 3 s (MAE 0.144 against 0.142)
    for name, model in (("AutoARIMA_X", AutoARIMA(season_length=7, approximation=True)),
                        ("MSTL_X", MSTL(season_length=7,
                                        trend_forecaster=AutoARIMA(season_length=1, approximation=True)))):
        began = time.perf_counter()
        fc = StatsForecast(models=[model], freq="D", n_jobs=n_jobs).forecast(df=train_X, h=h, X_df=future_X)
        seconds[name] = time.perf_counter() - began
        fc = _forecast_frame(fc).rename(columns={model.alias: name})[["unique_id", "ds", name]]
        out = out.merge(fc, on=["unique_id", "ds"])
    # AutoETS on the calendar-adjusted series: OLS of y on an intercept and every regressor
    began = time.perf_counter()
    resid, effects = [], []
    for uid, part in train.groupby("unique_id"):
        design = np.column_stack([np.ones(len(part)), cal.loc[pd.DatetimeIndex(part["ds"]), every].to_numpy(float)])
        y = part["y"].to_numpy(float)
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid.append(pd.DataFrame({"unique_id": uid, "ds": part["ds"].to_numpy(), "y": y - design @ beta}))
        ahead = np.column_stack([np.ones(h), cal.loc[future[uid], every].to_numpy(float)])
        effects.append(pd.DataFrame({"unique_id": uid, "ds": future[uid], "effect": ahead @ beta}))
    fc = StatsForecast(models=[AutoETS(season_length=7, model="ZZA")], freq="D", n_jobs=n_jobs).forecast(
        df=pd.concat(resid, ignore_index=True), h=h)
    fc = _forecast_frame(fc).merge(pd.concat(effects, ignore_index=True), on=["unique_id", "ds"])
    fc["AutoETS_adj"] = fc["AutoETS"] + fc["effect"]
    seconds["AutoETS_adj"] = time.perf_counter() - began
    out = out.merge(fc[["unique_id", "ds", "AutoETS_adj"]], on=["unique_id", "ds"])
    return out, seconds


def prophet_peer(train: pd.DataFrame, h: int, holidays: str | None) -> pd.DataFrame:
    import logging

    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    frames = []
    for uid, part in train.groupby("unique_id"):
        model = Prophet(weekly_seasonality=True, yearly_seasonality=len(part) >= 365, daily_seasonality=False)
        if holidays:
            model.add_country_holidays(country_name=holidays)
        model.fit(part[["ds", "y"]])
        future = model.make_future_dataframe(periods=h, include_history=False)
        fc = model.predict(future)[["ds", "yhat"]].rename(columns={"yhat": "Prophet"})
        frames.append(fc.assign(unique_id=uid))
    return pd.concat(frames, ignore_index=True)


def prophet_calendar_peer(train: pd.DataFrame, h: int, cal: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Prophet with civicdesk's holiday table (`holidays=`) and its Spring Festival and heating regressors."""
    import logging

    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    extra = [c for c in ("sf_before", "sf_after", "heating") if c in cal.columns]
    frames = []
    for uid, part in train.groupby("unique_id"):
        days = pd.DatetimeIndex(part["ds"])
        used = _varying(cal.loc[days], extra)
        model = Prophet(weekly_seasonality=True, yearly_seasonality=len(part) >= 365, daily_seasonality=False,
                        holidays=table)
        for column in used:
            model.add_regressor(column)
        model.fit(part[["ds", "y"]].join(cal[used], on="ds"))
        future = pd.DataFrame({"ds": pd.date_range(days.max() + pd.Timedelta(days=1), periods=h)})
        fc = model.predict(future.join(cal[used], on="ds"))[["ds", "yhat"]].rename(columns={"yhat": "Prophet_cal"})
        frames.append(fc.assign(unique_id=uid))
    return pd.concat(frames, ignore_index=True)


def main() -> int:
    warnings.filterwarnings("ignore")  # statsforecast's ARIMA warns on every poorly conditioned candidate
    series_path, cutoffs_path, out_path = sys.argv[1:4]
    with_prophet = "--prophet" in sys.argv
    arima = "--ets-only" not in sys.argv
    spec = json.loads(open(cutoffs_path, encoding="utf-8").read())
    series = pd.read_csv(series_path, parse_dates=["ds"])
    here = Path(cutoffs_path).parent
    cal = table = None
    if "--calendar" in sys.argv:
        cal = pd.read_csv(here / spec["calendar"], parse_dates=["ds"]).set_index("ds")
        table = pd.read_csv(here / spec["holiday_table"], parse_dates=["ds"])
    h, window, n_jobs, frames, seconds = spec["h"], spec.get("window"), spec.get("n_jobs", 1), [], {}
    for cutoff in pd.to_datetime(spec["cutoffs"]):
        train = series[series["ds"] <= cutoff]
        if window:
            train = train[train["ds"] > cutoff - pd.Timedelta(days=window)]
        if cal is not None:
            fc, spent = calendar_peers(train, h, cal, n_jobs)
        else:
            fc, spent = statsforecast_peers(train, h, arima, n_jobs)
        for k, v in spent.items():
            seconds[k] = seconds.get(k, 0.0) + v
        if with_prophet:
            began = time.perf_counter()
            if cal is not None:
                fc = fc.merge(prophet_calendar_peer(train, h, cal, table), on=["unique_id", "ds"])
                seconds["Prophet_cal"] = seconds.get("Prophet_cal", 0.0) + time.perf_counter() - began
            else:
                fc = fc.merge(prophet_peer(train, h, spec.get("holidays")), on=["unique_id", "ds"])
                seconds["Prophet"] = seconds.get("Prophet", 0.0) + time.perf_counter() - began
        frames.append(fc.assign(cutoff=cutoff))
        print(f"cutoff {cutoff.date()} done", file=sys.stderr, flush=True)
    pd.concat(frames, ignore_index=True).to_csv(out_path, index=False)
    print(json.dumps(seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
