"""Benchmark: demo generation and load time, and Overview latency on the rollup vs scanning tickets.

Usage: python benchmarks/bench_store.py [--scale 1.0] [--start 2021-01-01] [--end 2023-12-31] [--postgres URL]

Prints a table and writes benchmarks/results/store.json. Both Overview figures are computed in the same
run on the same store, so their ratio holds even on a noisy machine; the script also checks that the
two give identical numbers.
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

from civicdesk import store
from civicdesk.kpi import add_rates, period_start, totals
from civicdesk.overview import default_week, overview
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--start", default="2021-01-01")
    ap.add_argument("--end", default="2023-12-31")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL server to benchmark too, in a scratch database ('' to skip)")
    args = ap.parse_args()

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
