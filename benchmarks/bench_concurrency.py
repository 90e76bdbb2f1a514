"""Benchmark: many sessions at once on the Overview and Forecast views' queries, and the three-process test.

Usage: python benchmarks/bench_concurrency.py [--scale 0.3] [--seconds 60] [--sessions 20] [--sqlite]
                                              [--postgres URL] [--no-three-process]

Loads the demo district into a scratch PostgreSQL database (created and dropped here; with --sqlite also
into a temporary SQLite file, measured the same way in the same run), stores one forecast run, then runs
`--sessions` threads for `--seconds`, each with its own pooled connection, looping over page views as a
Streamlit server would serve them: the Overview (`overview(engine, week)` for a random week) and the
Forecast view (`latest_run` and `store.daily_counts(by=("street",))` over the 90 days before a random day).
Threads share one process like a Streamlit server's sessions, so latencies include the Python work done
under the GIL, not only the database's. It also times the three-process test (tests/test_concurrency.py:
a CLI import, a notebook and the app at once) on SQLite and PostgreSQL.

Prints a table and writes benchmarks/results/concurrency.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from bench_store import scratch_postgres
from civicdesk import store
from civicdesk.forecast.models import CountRegression, SeasonalNaive
from civicdesk.forecast.runs import latest_run, make_run
from civicdesk.overview import overview
from civicdesk.periods import last_complete_week
from civicdesk.synth import generate_district

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
KINDS = ("overview", "latest_run", "daily_counts")


def summarise(latencies: list[float], seconds: float) -> dict:
    ms = np.array(latencies) * 1000.0
    if not len(ms):
        return {"count": 0}
    return {"count": int(len(ms)), "per_s": round(len(ms) / seconds, 2),
            **{f"p{q}_ms": round(float(np.percentile(ms, q)), 1) for q in (50, 90, 99)},
            "max_ms": round(float(ms.max()), 1)}


def prepare(url: str, district) -> dict:
    """Load the district and store one forecast run (what the Forecast view shows); returns timings."""
    engine = store.connect(url)
    began = time.perf_counter()
    store.load_district(engine, district)
    load_s = time.perf_counter() - began
    began = time.perf_counter()
    make_run(engine, by=("street",), h=28, n_windows=1, models=[SeasonalNaive(), CountRegression()])
    run_s = time.perf_counter() - began
    engine.dispose()
    return {"load_s": round(load_s, 1), "forecast_run_s": round(run_s, 1)}


def session(engine, seed: int, weeks: list, days: list, stop: float, out: dict, errors: list) -> None:
    """One user clicking between the Overview and the Forecast view until `stop`."""
    rng = random.Random(seed)
    try:
        while time.perf_counter() < stop:
            began = time.perf_counter()
            overview(engine, rng.choice(weeks))
            after_overview = time.perf_counter()
            run = latest_run(engine, ("street",))
            after_run = time.perf_counter()
            end = rng.choice(days)
            store.daily_counts(engine, by=("street",), start=end - timedelta(days=89), end=end)
            done = time.perf_counter()
            assert run is not None
            out["overview"].append(after_overview - began)
            out["latest_run"].append(after_run - after_overview)
            out["daily_counts"].append(done - after_run)
            out["page_views"].append(done - began)
    except Exception as exc:  # noqa: BLE001 - counted and reported; the benchmark then fails
        errors.append(f"{type(exc).__name__}: {exc}"[:300])


def load_test(url: str, sessions: int, seconds: float, label: str) -> dict:
    """`sessions` threads for `seconds`; latency percentiles per query kind and throughput."""
    engine = store.create_engine(url, pool_size=sessions)
    first, last = store.data_span(engine)
    newest = last_complete_week(last)
    weeks = [newest - timedelta(weeks=k) for k in range(0, (newest - first).days // 7 - 1)]
    days = list(pd.date_range(pd.Timestamp(first) + pd.Timedelta(days=90), pd.Timestamp(last), freq="D"))
    session(engine, 0, weeks, days, time.perf_counter() + 0.5, defaultdict(list), [])  # warm the pool
    out: dict = defaultdict(list)
    errors: list = []
    began = time.perf_counter()
    stop = began + seconds
    threads = [threading.Thread(target=session, args=(engine, 1 + k, weeks, days, stop, out, errors))
               for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    engine.dispose()
    return {"backend": label, "sessions": sessions, "seconds": round(elapsed, 1), "errors": len(errors),
            "first_errors": errors[:3], "queries": {k: summarise(out[k], elapsed) for k in KINDS},
            "page_views": summarise(out["page_views"], elapsed)}


def three_process_test(backend: str) -> dict:
    """Wall time of tests/test_concurrency.py on one backend (the pytest process, and its three-process phase)."""
    with tempfile.TemporaryDirectory() as tmp:
        timings = Path(tmp) / "timings.json"
        env = {**os.environ, "CIVICDESK_CONCURRENCY_TIMINGS": str(timings)}
        began = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"tests/test_concurrency.py::test_import_notebook_and_app_at_once[{backend}]"],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - began
        phases = json.loads(timings.read_text()) if timings.exists() else {}
    tail = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else []
    return {"backend": backend, "passed": proc.returncode == 0, "pytest_wall_s": round(wall, 1),
            "three_processes_s": round(phases.get("all", float("nan")), 1),
            "until_import_and_notebook_done_s": round(phases.get("writers", float("nan")), 1),
            "process_s": {k: round(v, 1) for k, v in phases.get("processes", {}).items() if v is not None},
            "summary": tail}


def print_table(rows: list[dict]) -> None:
    lines = []
    for row in rows:
        for kind in (*KINDS, "page_views"):
            q = row["page_views"] if kind == "page_views" else row["queries"][kind]
            lines.append({"backend": row["backend"], "query": kind, "count": q.get("count"), "per_s": q.get("per_s"),
                          "p50_ms": q.get("p50_ms"), "p90_ms": q.get("p90_ms"), "p99_ms": q.get("p99_ms"),
                          "max_ms": q.get("max_ms")})
    print(pd.DataFrame(lines).to_string(index=False))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.3)
    ap.add_argument("--start", default="2021-01-01")
    ap.add_argument("--end", default="2023-12-31")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL server; the benchmark uses a scratch database on it")
    ap.add_argument("--sqlite", action="store_true", help="also measure SQLite, side by side")
    ap.add_argument("--no-three-process", dest="three_process", action="store_false",
                    help="skip timing the three-process test")
    args = ap.parse_args()

    result = {"benchmark": "concurrency", "scale": args.scale, "start": args.start, "end": args.end,
              "sessions": args.sessions, "seconds": args.seconds,
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}}
    if args.three_process:
        result["three_process_test"] = [three_process_test(b) for b in ("sqlite", "postgresql")]
        for row in result["three_process_test"]:
            print(f"three-process test on {row['backend']}: {'passed' if row['passed'] else 'FAILED'}, "
                  f"three processes {row['three_processes_s']} s, pytest {row['pytest_wall_s']} s")
    district = generate_district(seed=0, start=args.start, end=args.end, scale=args.scale)
    result["tickets"] = len(district.tickets)
    print(f"demo district: {len(district.tickets):,} tickets; {args.sessions} sessions for {args.seconds:.0f} s")
    rows = []
    alone_s = min(10.0, args.seconds / 3)
    rows, alone = [], []

    def measure(url: str, label: str) -> None:
        setup = prepare(url, district)
        alone.append(load_test(url, 1, alone_s, label))  # one session: the latencies without contention
        rows.append({**load_test(url, args.sessions, args.seconds, label), **setup})

    with scratch_postgres(args.postgres) as url:
        measure(url, "postgresql")
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/bench.db", "sqlite")
    result["backends"], result["one_session"] = rows, alone
    print("one session alone:")
    print_table(alone)
    print(f"{args.sessions} sessions at once:")
    print_table(rows)
    for row in rows:
        if row["errors"]:
            print(f"{row['backend']}: {row['errors']} sessions failed: {row['first_errors']}", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "concurrency.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    ok = all(not r["errors"] for r in rows + alone) and all(t["passed"] for t in result.get("three_process_test", []))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
