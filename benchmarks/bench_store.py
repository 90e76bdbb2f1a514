"""Benchmark: demo generation and load time, and Overview latency on the rollup vs scanning tickets.

Usage: python benchmarks/bench_store.py [--scale 1.0] [--start 2021-01-01] [--end 2023-12-31] [--postgres URL]
       python benchmarks/bench_store.py --overview-reads URL [URL ...] [--reads 30]

Prints a table and writes benchmarks/results/store.json. Both Overview figures are computed in the same
run on the same store, so their ratio holds even on a noisy machine; the script also checks that the
two give identical numbers.

With --overview-reads it builds nothing: on each existing store (opened with `store.connect`, so it is
upgraded to the current schema first) it times the Overview read (`civicdesk.overview.overview`) for
`--reads` random weeks, warm, against the target of 50 ms, side by side with the same figures read the
previous way (two weeks of the daily rollup by street × category × channel and 26 weeks of daily totals,
summed in pandas), checks that both give the same figures, and times the other reads the Overview page
makes (default week, data span, street and category lists, English names, data coverage). Writes
benchmarks/results/overview_read.json.
"""
from __future__ import annotations

import argparse
import os
import json
import platform
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

import numpy as np

from civicdesk import store
from civicdesk.kpi import add_rates, data_coverage, period_start, totals
from civicdesk.overview import default_week, overview
from civicdesk.store.queries import english_names, rollup_frame
from civicdesk.store.rollup import REPEAT_WINDOW_DAYS, aggregate, repeat_flags
from civicdesk.store.schema import tickets
from civicdesk.synth import generate_district

RESULTS = Path(__file__).parent / "results"


def overview_by_scanning_tickets(engine, monday, trend_weeks: int = 26) -> pd.DataFrame:
    """The Overview's weekly KPI trend computed straight from `tickets` (what the rollup saves us)."""
    sunday = monday + timedelta(days=6)
    first = monday - timedelta(weeks=trend_weeks - 1)
    lo = pd.Timestamp(first) - pd.Timedelta(days=REPEAT_WINDOW_DAYS)
    query = sa.select(tickets).where(tickets.c.created_at >= lo.to_pydatetime(),
                                     tickets.c.created_at < (pd.Timestamp(sunday) + pd.Timedelta(days=1)).to_pydatetime())
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(query).mappings().all())
    for col in ("created_at", "signed_at", "first_response_at", "closed_at", "deadline_at"):
        df[col] = pd.to_datetime(df[col])
    df["repeat"] = repeat_flags(df["created_at"], df["caller_key"])
    df = df[df["created_at"] >= pd.Timestamp(first)]
    daily = aggregate(df)
    daily["period"] = period_start(daily["day"], "W")
    weekly = add_rates(daily.drop(columns=["day"]).groupby(["period", "street", "category", "channel"]).sum()
                       .reset_index())
    return totals(weekly, ["period"]).sort_values("period", ignore_index=True)


@contextmanager
def scratch_postgres(admin_url: str):
    """A throw-away database on the PostgreSQL server at `admin_url`, dropped afterwards."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"civicdesk_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(fn, repeat: int = 5):
    """Median seconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def bench_backend(url: str, district, label: str) -> dict:
    engine = store.connect(url)
    began = time.perf_counter()
    store.load_district(engine, district)
    load_s = time.perf_counter() - began
    monday = default_week(engine)
    rollup_s, ov = timed(lambda: overview(engine, monday))
    scan_s, scanned = timed(lambda: overview_by_scanning_tickets(engine, monday), repeat=3)
    cols = ["received", "closed", "closed_on_time", "signed_on_time", "cb_satisfied"]
    same = ov.trend[cols].reset_index(drop=True).equals(scanned[cols].reset_index(drop=True))
    engine.dispose()
    return {"backend": label, "load_s": round(load_s, 2), "overview_rollup_s": round(rollup_s, 4),
            "overview_scan_s": round(scan_s, 4), "scan_over_rollup": round(scan_s / rollup_s, 1),
            "identical_figures": bool(same)}


OVERVIEW_TARGET_MS = 50.0


def overview_from_daily_rollup(engine, monday, trend_weeks: int = 26) -> dict:
    """The Overview's figures read the previous way: the daily rollup summed to weeks in pandas (the baseline)."""
    sunday = monday + timedelta(days=6)

    def weekly(by, start):
        daily = rollup_frame(engine, by, start, sunday)
        daily["period"] = period_start(daily["day"], "W")
        return add_rates(daily.drop(columns="day").groupby(["period", *by], sort=True).sum().reset_index())

    weeks = weekly(["street", "category", "channel"], monday - timedelta(days=7))
    this = weeks[weeks["period"] == pd.Timestamp(monday)]
    last = weeks[weeks["period"] == pd.Timestamp(monday - timedelta(days=7))]
    out = {"this_week": totals(this).iloc[0], "last_week": totals(last).iloc[0],
           "trend": totals(weekly([], monday - timedelta(weeks=trend_weeks - 1)), ["period"])}
    for key in ("street", "category", "channel"):
        now = totals(this, [key])
        before = last.groupby(key)["received"].sum().rename("last_week")
        out[f"by_{key}"] = now.merge(before, left_on=key, right_index=True, how="left").fillna({"last_week": 0})
    return out


def _same_figures(ov, old: dict) -> bool:
    """Counts equal, floats equal to 1e-12 relative (sums of hours are added up in another order)."""
    def close(a: pd.DataFrame, b: pd.DataFrame) -> bool:
        cols = [c for c in b.columns if c in a.columns]
        return len(a) == len(b) and all(
            np.allclose(a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float), rtol=1e-12, equal_nan=True)
            for c in cols if c not in ("street", "category", "channel", "period"))
    same = close(ov.this_week.to_frame().T, old["this_week"].to_frame().T)
    same &= close(ov.last_week.to_frame().T, old["last_week"].to_frame().T)
    same &= close(ov.trend.sort_values("period"), old["trend"].sort_values("period"))
    for key in ("street", "category", "channel"):
        same &= close(getattr(ov, f"by_{key}").sort_values(key), old[f"by_{key}"].sort_values(key))
    return bool(same)


def _median_ms(fn, args) -> tuple[float, float]:
    """Median and 90th percentile milliseconds of `fn(arg)` over `args` (each called once, after a warm call)."""
    fn(args[0])
    times = []
    for arg in args:
        began = time.perf_counter()
        fn(arg)
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1), round(float(np.percentile(times, 90)), 1)


def bench_overview_reads(url: str, reads: int = 30, seed: int = 0) -> dict:
    """The Overview read on an existing store for `reads` random complete weeks, warm, against the target."""
    engine = store.connect(url)
    first, last = store.data_span(engine)
    mondays = pd.date_range(first + timedelta(days=(7 - first.weekday()) % 7), last - timedelta(days=6), freq="7D")
    rng = np.random.default_rng(seed)
    weeks = [mondays[i].date() for i in rng.choice(len(mondays), size=min(reads, len(mondays)), replace=False)]
    with engine.connect() as conn:
        tickets_n = conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()
    new_ms, new_p90 = _median_ms(lambda w: overview(engine, w), weeks)
    streets, categories = store.dimension_values(engine, "street")[:1], store.dimension_values(engine, "category")[:2]
    filtered_ms = _median_ms(lambda w: overview(engine, w, streets=streets, categories=categories), weeks)[0]
    old_ms, old_p90 = _median_ms(lambda w: overview_from_daily_rollup(engine, w), weeks)
    identical = all(_same_figures(overview(engine, w), overview_from_daily_rollup(engine, w)) for w in weeks[:10])
    page = {"default_week": lambda _: default_week(engine), "data_span": lambda _: store.data_span(engine),
            "streets": lambda _: store.dimension_values(engine, "street"),
            "categories": lambda _: store.dimension_values(engine, "category"),
            "english_names": lambda _: english_names(engine), "data_coverage": lambda _: data_coverage(engine)}
    other = {name: _median_ms(fn, list(range(10)))[0] for name, fn in page.items()}
    engine.dispose()
    return {"store": sa.make_url(url).render_as_string(hide_password=True), "backend": sa.make_url(url).get_backend_name(),
            "tickets": tickets_n, "weeks": len(weeks), "overview_ms": new_ms, "overview_p90_ms": new_p90,
            "filtered_overview_ms": filtered_ms, "daily_rollup_read_ms": old_ms, "daily_rollup_read_p90_ms": old_p90,
            "speedup": round(old_ms / new_ms, 1), "target_ms": OVERVIEW_TARGET_MS,
            "meets_target": new_ms <= OVERVIEW_TARGET_MS, "identical_figures": identical,
            "other_page_reads_ms": other, "other_page_reads_total_ms": round(sum(other.values()), 1)}


def main_overview_reads(urls: list[str], reads: int) -> int:
    rows = [bench_overview_reads(url, reads) for url in urls]
    result = {"benchmark": "overview_read", "reads": reads, "target_ms": OVERVIEW_TARGET_MS, "stores": rows,
              "machine": {"python": platform.python_version(), "processor": platform.machine(),
                          "cpus": os.cpu_count(), "load_average": os.getloadavg()}}
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "other_page_reads_ms"} for r in rows])
    print(table.to_string(index=False))
    for r in rows:
        print(f"{r['store']}: other page reads (ms) {r['other_page_reads_ms']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "overview_read.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if all(r["identical_figures"] and r["meets_target"] for r in rows) else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--overview-reads", nargs="+", metavar="URL",
                    help="only time the Overview read on these existing stores (upgraded first)")
    ap.add_argument("--reads", type=int, default=30, help="random weeks to read with --overview-reads")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--start", default="2021-01-01")
    ap.add_argument("--end", default="2023-12-31")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL server to benchmark too, in a scratch database ('' to skip)")
    args = ap.parse_args()
    if args.overview_reads:
        return main_overview_reads(args.overview_reads, args.reads)

    began = time.perf_counter()
    district = generate_district(seed=0, start=args.start, end=args.end, scale=args.scale)
    generate_s = time.perf_counter() - began
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(bench_backend(f"sqlite:///{tmp}/bench.db", district, "sqlite"))
    if args.postgres:
        try:
            with scratch_postgres(args.postgres) as url:
                rows.append(bench_backend(url, district, "postgresql"))
        except (store.StoreError, sa.exc.OperationalError) as exc:
            print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}", file=sys.stderr)
    result = {"benchmark": "store", "scale": args.scale, "start": args.start, "end": args.end,
              "tickets": len(district.tickets), "generate_s": round(generate_s, 2), "backends": rows,
              "machine": {"python": platform.python_version(), "processor": platform.machine()}}
    print(f"demo district: {len(district.tickets):,} tickets generated in {generate_s:.1f} s")
    print(pd.DataFrame(rows).to_string(index=False))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "store.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if all(r["identical_figures"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
