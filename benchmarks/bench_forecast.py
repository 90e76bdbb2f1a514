"""Benchmark: forecast accuracy against the generator's truth and peers, on real data, and speed.

Usage: python benchmarks/bench_forecast.py [--quick] [--no-peers] [--parts speed,real,demo]
       [--origins spread,sf_heating] [--series N] [--no-prophet]

1. Demo district (scale 1.0, 2021–2023), street × category series (36 of the 234 by default, every sixth;
   `--series 0` for all, which takes hours with the peers below),
   28-day horizon. Origin sets (`DEMO_ORIGIN_SETS`): "spread", every 8 weeks through 2023 (seven origins,
   the default), and "sf_heating", six origins around Spring Festival 2023 and the start of the 2023
   heating season (the set used before; `--origins spread,sf_heating` runs both). Every method is given the
   same 730 days before each origin. MAE and MASE of `auto_forecast`, of the generator's true expected
   volumes (which no forecast beats on average), of seasonal naive and of the peers on the same folds,
   and `auto_forecast`'s 80%/95% interval coverage. The peers see what civicdesk's models see: the
   regressors of `calendar_regressors(ds, "CN")` (holidays, make-up workdays, the Spring Festival weeks,
   heating, yearly and weekday terms) and the CN holiday table, exported from this environment to CSV:
   statsforecast's AutoETS (no regressors), AutoARIMA with them as exogenous, MSTL with an AutoARIMA trend
   on them, AutoETS on the calendar-adjusted series, and Prophet with the holiday table and the Spring
   Festival and heating regressors (see peers_forecast.py).
2. Real data from ../shared/realdata: the TipDM messages' 2019 daily volume and the bank's daily call
   totals, 28-day horizon, six origins in the second half: MASE of `auto_forecast` against seasonal
   naive, AutoETS, AutoARIMA and Prophet with holidays on the same folds.
3. Speed: the whole demo hierarchy (street × category, streets, categories, district) by `auto_forecast`
   with model selection, next to AutoETS's time on the same series.

Peers run in benchmarks/.venv-peers (see benchmarks/requirements.txt); without it they are skipped.
Prints tables and writes benchmarks/results/forecast.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from civicdesk import config
from civicdesk.forecast import Forecaster, SeasonalNaive, auto_forecast
from civicdesk.forecast.metrics import coverage, mae, mase
from civicdesk.ingest.dates import parse_datetimes
from civicdesk.ingest.readers import open_table

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
PEERS_PY = ROOT / ".venv-peers" / "bin" / "python"
H = 28
#: Demo origin sets. "spread" (the default): every 8 weeks through 2023, each 28-day fold inside the year.
#: "sf_heating" (the set used before): around Spring Festival 2023 and the start of the 2023 heating season,
#: where the calendar regressors matter most.
DEMO_ORIGIN_SETS = {
    "spread": [str((pd.Timestamp("2022-12-31") + pd.Timedelta(weeks=8 * k)).date()) for k in range(7)],
    "sf_heating": ["2022-12-31", "2023-01-14", "2023-01-28", "2023-10-28", "2023-11-11", "2023-11-25"],
}
#: Days of history every method is given before an origin on the demo (the peers get the same rows).
DEMO_WINDOW = 730


def demo_series(scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily street × category counts of the demo district and the true expected volumes."""
    from civicdesk.synth import generate_district

    district = generate_district(seed=0, start="2021-01-01", end="2023-12-31", scale=scale)
    t = district.tickets
    counts = (t.assign(ds=t["created_at"].dt.normalize(), unique_id=t["street"] + "/" + t["category"])
              .groupby(["unique_id", "ds"]).size().rename("y").reset_index())
    days = pd.date_range("2021-01-01", "2023-12-31")
    full = pd.MultiIndex.from_product([sorted(counts["unique_id"].unique()), days], names=["unique_id", "ds"])
    counts = counts.set_index(["unique_id", "ds"])["y"].reindex(full, fill_value=0).reset_index()
    return counts, district.truth.expected


def fold_scores(actual: pd.DataFrame, forecasts: dict[str, pd.DataFrame], history: pd.DataFrame) -> dict:
    """Mean MAE and MASE per method over series × cutoffs (each forecast: unique_id, ds, cutoff, value)."""
    out = {}
    for name, fc in forecasts.items():
        merged = fc.merge(actual, on=["unique_id", "ds"])
        maes, mases = [], []
        for (uid, cutoff), part in merged.groupby(["unique_id", "cutoff"]):
            train = history[(history["unique_id"] == uid) & (history["ds"] <= cutoff)]["y"].to_numpy(float)
            maes.append(mae(part["y"], part["value"]))
            mases.append(mase(part["y"], part["value"], train[-365:], season=7))
        out[name] = {"mae": float(np.nanmean(maes)), "mase": float(np.nanmean(mases))}
    return out


def ours_on_folds(series: pd.DataFrame, cutoffs, holidays, n_jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """auto_forecast and seasonal naive from every cutoff: (auto with intervals, naive)."""
    autos, naives = [], []
    for cutoff in pd.to_datetime(cutoffs):
        train = series[series["ds"] <= cutoff]
        train = train[train["ds"] > cutoff - pd.Timedelta(days=DEMO_WINDOW)]
        autos.append(auto_forecast(train, H, holidays=holidays, n_jobs=n_jobs).assign(cutoff=cutoff))
        naive = Forecaster([SeasonalNaive()]).forecast(train, H)
        naives.append(naive.rename(columns={"SeasonalNaive": "value"}).assign(cutoff=cutoff))
    return pd.concat(autos, ignore_index=True), pd.concat(naives, ignore_index=True)


def calendar_exports(first, last) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What civicdesk's models see, for the peers' process: the regressors and the holiday table.

    The regressors are `calendar_regressors(ds, "CN")` (weekday, yearly Fourier terms, holidays, make-up
    workdays, the Spring Festival weeks, heating) from `first` to `last`. The holiday table (holiday, ds) is
    every day off of a holiday period, named by its holiday, and every make-up workday (调休上班).
    """
    from civicdesk import calendar
    from civicdesk.forecast.features import calendar_regressors

    days = pd.date_range(first, last)
    regressors = calendar_regressors(days, "CN").rename_axis("ds").reset_index()
    years = set(days.year)
    table = pd.DataFrame([(name, pd.Timestamp(d)) for d, name in sorted(calendar.HOLIDAYS_CN.items())
                          if d.year in years] + [("调休上班", pd.Timestamp(d))
                                                 for d in sorted(calendar.MAKEUP_WORKDAYS_CN) if d.year in years],
                         columns=["holiday", "ds"])
    return regressors, table


def run_peers(series: pd.DataFrame, cutoffs, holidays, prophet: bool, ets_only: bool = False,
              window: int | None = None, calendar_features: bool = False,
              n_jobs: int = 1) -> tuple[dict[str, pd.DataFrame], dict]:
    if not PEERS_PY.exists():
        print(f"peers skipped: {PEERS_PY} missing (see benchmarks/requirements.txt)")
        return {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        series.to_csv(tmp / "series.csv", index=False)
        spec = {"h": H, "cutoffs": list(map(str, cutoffs)), "holidays": holidays, "window": window,
                "n_jobs": n_jobs}
        if calendar_features:
            last = max(pd.to_datetime(cutoffs)) + pd.Timedelta(days=H)
            regressors, table = calendar_exports(series["ds"].min(), last)
            regressors.to_csv(tmp / "calendar.csv", index=False)
            table.to_csv(tmp / "holidays.csv", index=False)
            spec.update(calendar="calendar.csv", holiday_table="holidays.csv")
        (tmp / "spec.json").write_text(json.dumps(spec, ensure_ascii=False))
        cmd = [str(PEERS_PY), str(ROOT / "peers_forecast.py"), str(tmp / "series.csv"), str(tmp / "spec.json"),
               str(tmp / "out.csv")] + (["--prophet"] if prophet else []) + (["--ets-only"] if ets_only else []) + (
               ["--calendar"] if calendar_features else [])
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        seconds = json.loads(done.stdout.strip().splitlines()[-1])
        out = pd.read_csv(tmp / "out.csv", parse_dates=["ds", "cutoff"])
    peers = [c for c in out.columns if c not in ("unique_id", "ds", "cutoff")]
    return {p: out[["unique_id", "ds", "cutoff", p]].rename(columns={p: "value"}) for p in peers}, seconds


DEMO_PEERS = ("AutoETS", "AutoARIMA_X", "MSTL_X", "AutoETS_adj", "Prophet_cal")


def demo_origin_set(counts: pd.DataFrame, truth: pd.DataFrame, cutoffs, args) -> dict:
    """Every method on one origin set of the demo: the same series, the same 730-day windows."""
    began = time.perf_counter()
    autos, naive = ours_on_folds(counts, cutoffs, "CN", args.jobs)
    ours_s = time.perf_counter() - began
    truth_fc = pd.concat([truth.rename(columns={"y": "value"}).merge(
        autos[autos["cutoff"] == c][["unique_id", "ds"]].drop_duplicates(), on=["unique_id", "ds"]).assign(cutoff=c)
        for c in autos["cutoff"].unique()], ignore_index=True)
    forecasts = {"auto_forecast": autos.rename(columns={"mean": "value"}), "seasonal_naive": naive,
                 "truth": truth_fc}
    peers, peer_s = ({}, {}) if args.no_peers else run_peers(
        counts, cutoffs, "CN", prophet=not args.no_prophet, window=DEMO_WINDOW, calendar_features=True,
        n_jobs=args.jobs)
    forecasts.update({k: v for k, v in peers.items() if k in DEMO_PEERS})
    scores = fold_scores(counts, forecasts, counts)
    merged = autos.merge(counts, on=["unique_id", "ds"])
    cover = {lv: coverage(merged["y"], merged[f"lo-{lv}"], merged[f"hi-{lv}"]) for lv in (80, 95)}
    return {"cutoffs": list(cutoffs), "scores": scores, "coverage": cover, "seconds_auto_all_folds": ours_s,
            "peer_seconds": peer_s,
            "mae_ratio_to_truth": scores["auto_forecast"]["mae"] / scores["truth"]["mae"],
            "mase_gain_over_naive": 1 - scores["auto_forecast"]["mase"] / scores["seasonal_naive"]["mase"]}


def demo_benchmark(args, previous: dict | None = None) -> dict:
    """The demo on each asked-for origin set; sets not run this time are kept from `previous` (same setup)."""
    began = time.perf_counter()
    counts, truth = demo_series(args.scale)
    if args.series:
        ids = sorted(counts["unique_id"].unique())
        keep = ids[::max(1, len(ids) // args.series)][:args.series]
        counts, truth = counts[counts["unique_id"].isin(keep)], truth[truth["unique_id"].isin(keep)]
    n_series = counts["unique_id"].nunique()
    print(f"demo district generated in {time.perf_counter() - began:.0f} s: {n_series} series", flush=True)
    setup = {"scale": args.scale, "series": n_series, "horizon": H, "window_days": DEMO_WINDOW,
             "quick": args.quick, "peers_see": "calendar_regressors(ds, 'CN') and the CN holiday table"}
    sets = dict(previous.get("origin_sets", {})) if previous and previous.get("setup") == setup else {}
    for name in args.origins.split(","):
        cutoffs = DEMO_ORIGIN_SETS[name][:2] if args.quick else DEMO_ORIGIN_SETS[name]
        sets[name] = demo_origin_set(counts, truth, cutoffs, args)
        print(f"demo, {name} origins ({', '.join(cutoffs)}):", flush=True)
        print(demo_table({name: sets[name]}), flush=True)
    return {"setup": setup, "origin_sets": sets}


def demo_table(sets: dict) -> str:
    """MAE / MASE of every method on every origin set, as a Markdown table."""
    methods = ["truth", "auto_forecast", "seasonal_naive", *DEMO_PEERS]
    lines = ["| origins | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for name, res in sets.items():
        cells = [f"{res['scores'][m]['mae']:.3f} / {res['scores'][m]['mase']:.3f}" if m in res["scores"] else "–"
                 for m in methods]
        lines.append(f"| {name} ({len(res['cutoffs'])}) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n(each cell: MAE / MASE, mean over series × origins)"


def tipdm_2019() -> pd.DataFrame:
    path = config.REALDATA_DIR / "cn_taidi2020_smartgov" / "fj3_messages_with_likes_4326.xlsx"
    times = pd.concat([parse_datetimes(c["留言时间"]) for c in open_table(path).chunks()])
    days = times[(times >= "2019-01-01") & (times < "2020-01-01")].dt.normalize().value_counts()
    idx = pd.date_range("2019-01-01", "2019-12-31")
    return pd.DataFrame({"unique_id": "tipdm_2019", "ds": idx, "y": days.reindex(idx, fill_value=0).to_numpy(float)})


def bank_daily() -> pd.DataFrame:
    raw = pd.read_csv(config.REALDATA_DIR / "callcenter_bank_calls_2003_5min" / "bank_calls.csv",
                      parse_dates=["DateTime"])
    days = raw.groupby(raw["DateTime"].dt.normalize())["Calls"].sum()
    idx = pd.date_range(days.index.min(), days.index.max())
    return pd.DataFrame({"unique_id": "bank_2003", "ds": idx, "y": days.reindex(idx, fill_value=0).to_numpy(float)})


def real_benchmark(args) -> dict:
    out = {}
    for series, holidays, peer_holidays in ((tipdm_2019(), "CN", "CN"), (bank_daily(), "US", "US")):
        uid = series["unique_id"].iloc[0]
        last = series["ds"].max()
        cutoffs = [last - pd.Timedelta(days=H + 14 * k) for k in range(6)][::-1]
        autos, naive = ours_on_folds(series, cutoffs, holidays, 1)
        forecasts = {"auto_forecast": autos.rename(columns={"mean": "value"}), "seasonal_naive": naive}
        if not args.no_peers:
            peers, _ = run_peers(series, cutoffs, peer_holidays, prophet=True)
            forecasts.update(peers)
        out[uid] = fold_scores(series, forecasts, series)
        out[uid]["cutoffs"] = [str(c.date()) for c in cutoffs]
    return out


def speed_benchmark(args, counts: pd.DataFrame | None = None) -> dict:
    counts, _ = demo_series(args.scale) if counts is None else (counts, None)
    counts = counts[counts["ds"] > counts["ds"].max() - pd.Timedelta(days=730)]
    parts = counts["unique_id"].str.split("/", expand=True)
    levels = [counts]
    for name, key in (("street", parts[0]), ("category", parts[1]), ("total", pd.Series("total", index=counts.index))):
        levels.append(counts.assign(unique_id=key).groupby(["unique_id", "ds"], as_index=False)["y"].sum())
    everything = pd.concat(levels, ignore_index=True)
    began = time.perf_counter()
    auto_forecast(everything, H, n_jobs=args.jobs)
    ours = time.perf_counter() - began
    peer_s = {} if args.no_peers else run_peers(everything, [everything["ds"].max() - pd.Timedelta(days=H)], None,
                                                prophet=False, ets_only=True)[1]
    return {"series": int(everything["unique_id"].nunique()), "auto_forecast_seconds": ours,
            "n_jobs": args.jobs, "peer_seconds": peer_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the first two origins of each demo origin set")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-prophet", action="store_true", help="demo: skip Prophet (the slowest peer)")
    parser.add_argument("--origins", default="spread",
                        help="demo origin sets, comma-separated: " + ", ".join(DEMO_ORIGIN_SETS))
    parser.add_argument("--series", type=int, default=36,
                        help="demo: every k-th series, this many (0: all 234, hours with the calendar peers)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--parts", default="speed,real,demo", help="comma-separated: speed, real, demo")
    args = parser.parse_args()
    parts = args.parts.split(",")
    out = RESULTS / "forecast.json"
    result = json.loads(out.read_text()) if out.exists() else {}
    if "speed" in parts:
        result["speed"] = speed_benchmark(args)
        print("speed:", json.dumps(result["speed"], ensure_ascii=False), flush=True)
    if "real" in parts and config.REALDATA_DIR.is_dir():
        result["real"] = real_benchmark(args)
        print("real:", json.dumps(result["real"], ensure_ascii=False, indent=1), flush=True)
    if "demo" in parts:
        result["demo"] = demo_benchmark(args, result.get("demo"))
        print("demo:", json.dumps(result["demo"], ensure_ascii=False, indent=1, default=str), flush=True)
        print(demo_table(result["demo"]["origin_sets"]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
