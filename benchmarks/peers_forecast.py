"""Peer forecasts for `bench_forecast.py`, run in benchmarks/.venv-peers (statsforecast needs pandas < 3).

Usage: benchmarks/.venv-peers/bin/python benchmarks/peers_forecast.py SERIES.csv CUTOFFS.json OUT.csv
       [--prophet] [--ets-only]

SERIES.csv holds unique_id, ds, y (daily); CUTOFFS.json is {"h": 28, "cutoffs": ["2023-01-08", ...],
"holidays": "CN" or null}. For every series and cutoff the script fits on ds <= cutoff and forecasts h days
with statsforecast's AutoETS and AutoARIMA (weekly season) and, with --prophet, Prophet with the
country's holidays. OUT.csv gets unique_id, ds, cutoff and one column per peer; the first line printed
to stdout is a JSON object of seconds spent per peer.
"""
from __future__ import annotations

import json
import sys
import time

import pandas as pd


def statsforecast_peers(train: pd.DataFrame, h: int, arima: bool) -> tuple[pd.DataFrame, dict]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS

    seconds = {}
    out = None
    peers = [("AutoETS", AutoETS(season_length=7))] + ([("AutoARIMA", AutoARIMA(season_length=7))] if arima else [])
    for name, model in peers:
        began = time.perf_counter()
        fc = StatsForecast(models=[model], freq="D", n_jobs=1).forecast(df=train, h=h)
        seconds[name] = time.perf_counter() - began
        fc = fc.reset_index() if "unique_id" not in fc.columns else fc
        fc = fc.rename(columns={model.__class__.__name__: name})[["unique_id", "ds", name]]
        out = fc if out is None else out.merge(fc, on=["unique_id", "ds"])
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


def main() -> int:
    series_path, cutoffs_path, out_path = sys.argv[1:4]
    with_prophet = "--prophet" in sys.argv
    arima = "--ets-only" not in sys.argv
    spec = json.loads(open(cutoffs_path, encoding="utf-8").read())
    series = pd.read_csv(series_path, parse_dates=["ds"])
    h, frames, seconds = spec["h"], [], {}
    for cutoff in pd.to_datetime(spec["cutoffs"]):
        train = series[series["ds"] <= cutoff]
        fc, spent = statsforecast_peers(train, h, arima)
        for k, v in spent.items():
            seconds[k] = seconds.get(k, 0.0) + v
        if with_prophet:
            began = time.perf_counter()
            fc = fc.merge(prophet_peer(train, h, spec.get("holidays")), on=["unique_id", "ds"])
            seconds["Prophet"] = seconds.get("Prophet", 0.0) + time.perf_counter() - began
        frames.append(fc.assign(cutoff=cutoff))
    pd.concat(frames, ignore_index=True).to_csv(out_path, index=False)
    print(json.dumps(seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
