"""Benchmark: many sessions at once viewing the Overview and the Forecast view, and the three-process test.

Usage: python benchmarks/bench_concurrency.py [--scale 0.3] [--seconds 60] [--sessions 50] [--sqlite]
                                              [--postgres URL] [--pg-store URL] [--sqlite-store URL]
                                              [--weeks 13] [--think S] [--no-three-process]

By default loads the demo district into a scratch PostgreSQL database (created and dropped here; with --sqlite
also into a temporary SQLite file, measured the same way in the same run) and stores one forecast run by
street. `--pg-store` / `--sqlite-store` measure an existing store instead (e.g. a copy of the scale-1 demo);
when it holds no forecast run by street the benchmark stores one, so give it a store of your own, never a
shared read-only one.

It then runs `--sessions` threads for `--seconds`, each a user alternating between the Overview of a random
week among the `--weeks` most recent (a quarter by default; 0: every week of the data, so that most Overviews
miss the cache) and the Forecast view by street, with an optional think time between page views (exponential,
mean `--think` s; 0 by default: every session asks for its next page as soon as the last one is drawn). A page view
is what a rerun of the view's script does once the sidebar has chosen, through the app's own code
(`app/views/overview.py:show`, `app/views/forecast.py:show`): the reads through the app's cache
(`app/cached.py`, shared by all sessions as on a Streamlit server), the pandas work, the Altair charts and
Streamlit's elements built as protobuf messages (Streamlit runs bare here, so nothing is sent to a browser,
and the script's own re-execution and widget bookkeeping are not timed). Threads share one process like a
Streamlit server's sessions, so latencies include the wait for the GIL. Each page view's time is broken down
(page_timing.PARTS): cache lookups, store reads on a miss, pool waits, page models built on a miss, chart
building, chart and table elements, downloads, and the rest; its CPU time is recorded beside its wall time, and the page views that
missed the app's cache (the first of a week, say) are counted apart. Each run starts from cold caches but for the
default week, which the first visitor loads.

It also times the three-process test (tests/test_concurrency.py: a CLI import, a notebook and the app at once)
on SQLite and PostgreSQL.

Prints the tables and writes benchmarks/results/concurrency.json.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

import page_timing
from bench_store import scratch_postgres
from civicdesk import store
from civicdesk.forecast.models import CountRegression, SeasonalNaive
from civicdesk.forecast.runs import latest_run, make_run
from civicdesk.synth import generate_district

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
VIEWS = ("overview", "forecast")
BY = ("street",)


def prepare(url: str, district=None) -> dict:
    """Load the district (when given) and store a forecast run by street unless the store holds one."""
    engine = store.connect(url)
    timings = {}
    if district is not None:
        began = time.perf_counter()
        store.load_district(engine, district)
        timings["load_s"] = round(time.perf_counter() - began, 1)
    if latest_run(engine, BY) is None:
        began = time.perf_counter()
        make_run(engine, by=BY, h=28, n_windows=1, models=[SeasonalNaive(), CountRegression()])
        timings["forecast_run_s"] = round(time.perf_counter() - began, 1)
    engine.dispose()
    return timings


class App:
    """The app's modules, imported as Streamlit's router has them (app/ on the path), run bare."""

    def __init__(self, recorder: page_timing.Recorder) -> None:
        for name in ("streamlit.runtime.scriptrunner_utils.script_run_context",  # "missing ScriptRunContext"
                     "streamlit.runtime.caching.cache_data_api"):  # and "No runtime found": expected when bare
            logging.getLogger(name).disabled = True
        sys.path.insert(0, str(ROOT / "app"))
        import cached
        import sidebar
        from views import forecast, overview

        self.cached, self.sidebar, self.overview, self.forecast = cached, sidebar, overview, forecast
        self.recorder = recorder

    def engine(self, url: str):
        """The app's engine for `url` (as `streamlit run` with CIVICDESK_DB_URL=url has it), timed."""
        os.environ["CIVICDESK_DB_URL"] = url
        engine = self.cached.current_engine()
        page_timing.instrument(self.recorder, self.cached, {"overview": self.overview, "forecast": self.forecast},
                               engine)
        return engine

    def overview_page(self, engine, url: str, lang: str, week) -> None:
        """The Overview of `week`: the sidebar's reads (`sidebar.filters`), then the page."""
        self.sidebar.week_choices(engine, url)
        for column in ("street", "category"):
            self.cached.dimension_values(engine, url, column)
        self.cached.english_names(engine, url)
        self.overview.show(engine, lang, week)

    def forecast_page(self, engine, url: str, lang: str) -> None:
        """The Forecast view by street."""
        span = self.cached.data_span(engine, url)
        self.forecast.show(engine, lang, BY, span[1])


def session(app: App, engine, url: str, seed: int, weeks: list, stop: float, think: float, errors: list) -> None:
    """One user switching between the Overview of a random week and the Forecast view until `stop`."""
    rng = random.Random(seed)
    kind = rng.choice(VIEWS)
    try:
        while time.perf_counter() < stop:
            with app.recorder.page(kind):
                if kind == "overview":
                    app.overview_page(engine, url, "zh", rng.choice(weeks))
                else:
                    app.forecast_page(engine, url, "zh")
            kind = VIEWS[1 - VIEWS.index(kind)]
            if think:
                time.sleep(min(rng.expovariate(1.0 / think), 5 * think))
    except Exception as exc:  # noqa: BLE001 - counted and reported; the benchmark then fails
        errors.append(f"{type(exc).__name__}: {exc}"[:300])


def load_test(app: App, url: str, sessions: int, seconds: float, think: float, label: str, recent: int = 0) -> dict:
    """`sessions` threads for `seconds` over the `recent` newest weeks (0: all): page-view latency percentiles,
    throughput and their breakdown."""
    engine = app.engine(url)
    weeks, _ = app.sidebar.week_choices(engine, url)
    weeks = weeks[:recent] if recent else weeks
    app.cached.clear()  # every run starts from cold caches
    for k in range(2):  # warm the shared caches on the default week, as the first visitor does
        session(app, engine, url, k, weeks[:1], time.perf_counter() + 0.01, 0.0, [])
    app.recorder.clear()
    errors: list = []
    began = time.perf_counter()
    stop = began + seconds
    threads = [threading.Thread(target=session, args=(app, engine, url, 1 + k, weeks, stop, think, errors))
               for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    pages = app.recorder.pages
    return {"backend": label, "sessions": sessions, "think_s": think, "weeks": len(weeks), "seconds": round(elapsed, 1),
            "errors": len(errors), "first_errors": errors[:3], "pool_size": engine.pool.size(),
            "cache_misses": dict(app.recorder.misses),
            "views": {k: page_timing.summary(pages[k], elapsed) for k in VIEWS},
            "page_views": page_timing.summary([r for k in VIEWS for r in pages[k]], elapsed)}


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
    """Latencies per view and for all page views, then the mean breakdown of a page view (ms)."""
    lines, parts = [], []
    for row in rows:
        for kind in (*VIEWS, "page_views"):
            q = row["page_views"] if kind == "page_views" else row["views"][kind]
            lines.append({"backend": row["backend"], "sessions": row["sessions"], "view": kind, "errors": row["errors"],
                          **{k: q.get(k) for k in ("count", "per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms",
                                                   "mean_ms", "mean_cpu_ms")}})
            parts.append({"backend": row["backend"], "sessions": row["sessions"], "view": kind,
                          **q.get("mean_parts_ms", {})})
    print(pd.DataFrame(lines).to_string(index=False))
    print("mean time of a page view by part (ms; wall - cpu = waiting for the GIL, the database or a lock):")
    print(pd.DataFrame(parts).to_string(index=False))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.3)
    ap.add_argument("--start", default="2021-01-01")
    ap.add_argument("--end", default="2023-12-31")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--weeks", type=int, default=13, help="the Overview's weeks: the N most recent (0: all)")
    ap.add_argument("--think", type=float, default=0.0, help="mean think time between a session's page views (s)")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL server; the benchmark uses a scratch database on it")
    ap.add_argument("--sqlite", action="store_true", help="also measure SQLite, side by side")
    ap.add_argument("--pg-store", help="an existing PostgreSQL store to measure instead of a scratch one")
    ap.add_argument("--sqlite-store", help="an existing SQLite store to measure (implies --sqlite)")
    ap.add_argument("--no-three-process", dest="three_process", action="store_false",
                    help="skip timing the three-process test")
    args = ap.parse_args()

    result = {"benchmark": "concurrency", "sessions": args.sessions, "seconds": args.seconds, "think_s": args.think,
              "weeks": args.weeks,
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
              "parts": page_timing.DESCRIPTIONS}
    if args.three_process:
        result["three_process_test"] = [three_process_test(b) for b in ("sqlite", "postgresql")]
        for row in result["three_process_test"]:
            print(f"three-process test on {row['backend']}: {'passed' if row['passed'] else 'FAILED'}, "
                  f"three processes {row['three_processes_s']} s, pytest {row['pytest_wall_s']} s")
    district = None
    if not (args.pg_store and (args.sqlite_store or not args.sqlite)):
        district = generate_district(seed=0, start=args.start, end=args.end, scale=args.scale)
        result.update(scale=args.scale, start=args.start, end=args.end, tickets=len(district.tickets))
        print(f"demo district: {len(district.tickets):,} tickets")
    print(f"{args.sessions} sessions for {args.seconds:.0f} s over the {args.weeks or 'all'} newest weeks, "
          f"think time {args.think} s")
    app = App(page_timing.Recorder())
    alone_s = min(10.0, args.seconds / 3)
    rows, alone = [], []

    def measure(url: str, label: str, load) -> None:
        setup = prepare(url, load)
        alone.append(load_test(app, url, 1, alone_s, 0.0, label, args.weeks))  # the latencies without contention
        rows.append({**load_test(app, url, args.sessions, args.seconds, args.think, label, args.weeks), **setup,
                     "store": store.create_engine(url).url.render_as_string(hide_password=True)})

    if args.pg_store:
        measure(args.pg_store, "postgresql", None)
    else:
        with scratch_postgres(args.postgres) as url:
            measure(url, "postgresql", district)
    if args.sqlite_store:
        measure(args.sqlite_store, "sqlite", None)
    elif args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/bench.db", "sqlite", district)
    result["backends"], result["one_session"] = rows, alone
    print("one session alone:")
    print_table(alone)
    print(f"{args.sessions} sessions at once:")
    print_table(rows)
    for row in rows:
        missed = row["page_views"].get("with_a_cache_miss", {})
        print(f"{row['backend']}: {missed.get('count', 0)} page views missed the cache (p50 {missed.get('p50_ms')} ms, "
              f"CPU {missed.get('mean_cpu_ms')} ms); misses {row['cache_misses']}; pool size {row['pool_size']}")
        if row["errors"]:
            print(f"{row['backend']}: {row['errors']} sessions failed: {row['first_errors']}", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "concurrency.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    ok = all(not r["errors"] for r in rows + alone) and all(t["passed"] for t in result.get("three_process_test", []))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
