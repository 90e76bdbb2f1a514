"""Benchmark: civicdesk at city scale, the demo at 1, 3 and 10 times on PostgreSQL (1 and 3 on SQLite).

Usage: python benchmarks/bench_scale.py [--scales 1,3,10] [--sqlite-scales 1,3] [--postgres URL]
                                        [--reuse] [--keep] [--steps build,overview,forecast,drivers,calibration,briefing]

For each store it runs, each in a fresh process whose peak memory is read from the operating system:
- build: `civicdesk demo --scale S` (generation and load, streamed block by block), with the store's size;
- overview: the Overview read for 30 random weeks of 2023, warm (median and p95);
- forecast: the street × category hierarchy forecast (`forecast_categories`, 28 days);
- drivers: the driver fit on a quarter (2023 Q3, `fit_store`);
- calibration: the staffing calibration over the default period (`calibrate_store`);
- briefing: `civicdesk briefing --format docx,pdf,html,xlsx` for 2023-W48, as a user runs it, cold.

Each figure is printed with its ratio to scale 1 on the same engine, next to the ratio of the rows the
step reads, so "grows no faster than the data" reads straight off the table: a step is linear when its
time ratio is at most its rows ratio. PostgreSQL stores are scratch databases civic_bench_scale_<S>
(dropped after the run unless --keep/--reuse); SQLite stores are files in a temporary folder (kept
under /tmp/civicdesk-bench-scale with --keep/--reuse). Writes benchmarks/results/scale.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
CIVICDESK = str(Path(sys.executable).parent / "civicdesk")
STEPS = ("build", "overview", "forecast", "drivers", "calibration", "briefing")
QUARTER = ("2023-07-01", "2023-09-30")
WEEK = "2023-W48"
SQLITE_DIR = Path("/tmp/civicdesk-bench-scale")


def measured(argv: list[str], env: dict | None = None) -> dict:
    """Run a process: its wall time, its own peak resident memory (MB, from os.wait4), exit code and output."""
    began = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})},
                            cwd=ROOT)
    out_chunks, err_chunks = [], []

    def drain(stream, into):
        for chunk in iter(lambda: stream.read(65536), b""):
            into.append(chunk)

    threads = [threading.Thread(target=drain, args=(proc.stdout, out_chunks)),
               threading.Thread(target=drain, args=(proc.stderr, err_chunks))]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    for t in threads:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": round(time.perf_counter() - began, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "rc": proc.returncode, "out": b"".join(out_chunks).decode(errors="replace"),
            "err": b"".join(err_chunks).decode(errors="replace")[-2000:]}


# ---- the steps, each run in its own process: `bench_scale.py --child STEP --db URL` ----

def child(step: str, url: str) -> dict:
    import numpy as np
    import pandas as pd

    from civicdesk import store

    engine = store.connect(url)
    began = time.perf_counter()
    if step == "overview":
        from civicdesk.overview import overview
        rng = np.random.default_rng(7)
        weeks = pd.date_range("2023-01-02", "2023-12-18", freq="W-MON")
        overview(engine, weeks[0].date())  # warm: connection, caches of reference tables
        times = []
        for day in rng.choice(weeks, 30):
            t0 = time.perf_counter()
            overview(engine, pd.Timestamp(day).date())
            times.append(time.perf_counter() - t0)
        ms = np.array(times) * 1000
        from bench_store import _same_figures, overview_from_daily_rollup
        same = all(_same_figures(overview(engine, pd.Timestamp(d).date()),
                                 overview_from_daily_rollup(engine, pd.Timestamp(d).date()))
                   for d in weeks[[5, 25, 45]])
        return {"median_ms": round(float(np.median(ms)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
                "same_figures_as_daily_rollup": bool(same),
                "rows_read": _tickets_between(engine, "2023-01-02", "2023-01-08")}
    if step == "forecast":
        from civicdesk.forecast.categories import forecast_categories
        fc = forecast_categories(engine, as_of="2023-12-31", h=28)
        return {"seconds": round(time.perf_counter() - began, 2), "series": int(fc.values["unique_id"].nunique()),
                "rows_read": _tickets_between(engine, "2022-07-02", "2023-12-31")}
    if step == "drivers":
        from civicdesk.drivers.model import fit_store
        model = fit_store(engine, *QUARTER)
        return {"seconds": round(time.perf_counter() - began, 2), "callbacks": int(model.nobs),
                "rows_read": _tickets_between(engine, *QUARTER)}
    if step == "calibration":
        from civicdesk.staffing.calibrate import calibrate_store, default_period
        start, end = default_period(store.data_span(engine))
        calibrate_store(engine, start, end)
        return {"seconds": round(time.perf_counter() - began, 2), "period": [str(start), str(end)],
                "rows_read": _tickets_between(engine, str(pd.Timestamp(start) - pd.Timedelta(days=60))[:10],
                                              str(end)[:10])}
    raise SystemExit(f"unknown step {step}")


def _tickets_between(engine, start: str, end: str) -> int:
    """Tickets created in [start, end] (from the daily rollup)."""
    from civicdesk import store
    counts = store.daily_counts(engine, by=(), start=start, end=end)
    return int(counts["y"].sum())


# ---- stores ----

def pg_admin(base: str):
    import sqlalchemy as sa
    return sa.create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")


def store_url(engine_kind: str, scale: float, base: str) -> str:
    tag = f"{scale:g}".replace(".", "_")
    if engine_kind == "postgresql":
        return base.rsplit("/", 1)[0] + f"/civic_bench_scale_{tag}"
    return f"sqlite:///{SQLITE_DIR / f'scale_{tag}.db'}"


def existing_scale(url: str) -> float | None:
    from civicdesk import store
    try:
        engine = store.connect(url, upgrade=False)
        value = store.info(engine).get("demo_scale")
        engine.dispose()
        return float(value) if value is not None else None
    except Exception:  # noqa: BLE001 - a missing store is simply rebuilt
        return None


def drop_store(kind: str, url: str, base: str) -> None:
    """Drop the scratch database, or delete the SQLite file and its WAL."""
    import sqlalchemy as sa
    if kind == "postgresql":
        admin = pg_admin(base)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def fresh_store(kind: str, url: str, base: str) -> None:
    """An empty store at `url` (the old one dropped first)."""
    import sqlalchemy as sa
    drop_store(kind, url, base)
    if kind == "postgresql":
        admin = pg_admin(base)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"'))
        admin.dispose()
    else:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def store_size_mb(kind: str, url: str) -> float:
    import sqlalchemy as sa
    if kind == "postgresql":
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
        engine.dispose()
        return round(size / 2**20, 1)
    path = url.removeprefix("sqlite:///")
    return round(sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p)) / 2**20, 1)


def bench_store(kind: str, scale: float, args, models_dir: str) -> dict:
    url = store_url(kind, scale, args.postgres)
    env = {"CIVICDESK_DB_URL": url, "CIVICDESK_MODELS_DIR": models_dir}
    row: dict = {"engine": kind, "scale": scale, "url": url}
    steps = args.steps
    if "build" in steps and not (args.reuse and existing_scale(url) == scale):
        fresh_store(kind, url, args.postgres)
        res = measured([CIVICDESK, "demo", "--scale", f"{scale:g}", "--db", url], env)
        row["build"] = {"seconds": res["wall_s"], "peak_mb": res["peak_mb"], "rc": res["rc"],
                        "tickets": _tail_number(res["out"]), **({"error": res["err"]} if res["rc"] else {})}
        print(f"  build   {kind:10} x{scale:<4g} {res['wall_s']:8.1f} s  peak {res['peak_mb']:8.0f} MB  rc={res['rc']}",
              flush=True)
        if res["rc"]:
            return row
    row["size_mb"] = store_size_mb(kind, url)
    for step in ("overview", "forecast", "drivers", "calibration"):
        if step not in steps:
            continue
        res = measured([sys.executable, __file__, "--child", step, "--db", url], env)
        try:
            figures = json.loads(res["out"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            figures = {"error": res["err"]}
        row[step] = {**figures, "process_s": res["wall_s"], "peak_mb": res["peak_mb"], "rc": res["rc"]}
        print(f"  {step:11} {kind:10} x{scale:<4g} {json.dumps(row[step], ensure_ascii=False)[:160]}", flush=True)
    if "briefing" in steps:
        with tempfile.TemporaryDirectory() as out:
            res = measured([CIVICDESK, "briefing", "--week", WEEK, "--format", "docx,pdf,html,xlsx", "--out", out,
                            "--db", url], env)
            files = sorted(p.name for p in Path(out).rglob("*") if p.is_file())
        failed = res["rc"] or len(files) < 4
        row["briefing"] = {"seconds": None if failed else res["wall_s"], "peak_mb": res["peak_mb"], "rc": res["rc"],
                           "files": files, **({"error": res["err"]} if failed else {})}
        print(f"  briefing    {kind:10} x{scale:<4g} {res['wall_s']:8.1f} s  peak {res['peak_mb']:8.0f} MB  "
              f"files={len(files)}{'  FAILED' if failed else ''}", flush=True)
    return row


def _tail_number(text: str) -> int | None:
    import re
    found = re.findall(r"Loaded ([\d,]+) tickets", text)
    return int(found[-1].replace(",", "")) if found else None


FIGURES = {"build": "seconds", "overview": "median_ms", "forecast": "seconds", "drivers": "seconds",
           "calibration": "seconds", "briefing": "seconds"}


def ratios(rows: list[dict]) -> list[dict]:
    """Each figure over the same engine's scale-1 figure, with the ratio of rows the step reads."""
    out = []
    for row in rows:
        base = next((r for r in rows if r["engine"] == row["engine"] and r["scale"] == 1), None)
        if base is None:
            continue
        entry = {"engine": row["engine"], "scale": row["scale"]}
        for step, key in FIGURES.items():
            a, b = row.get(step, {}), base.get(step, {})
            if a.get(key) and b.get(key):
                entry[step] = round(a[key] / b[key], 2)
                if a.get("rows_read") and b.get("rows_read"):
                    entry[step + "_rows"] = round(a["rows_read"] / b["rows_read"], 2)
            if a.get("peak_mb") and b.get("peak_mb"):
                entry[step + "_memory"] = round(a["peak_mb"] / b["peak_mb"], 2)
        out.append(entry)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,3,10", help="PostgreSQL scales ('' for none)")
    parser.add_argument("--sqlite-scales", default="1,3", help="SQLite scales ('' for none)")
    parser.add_argument("--postgres", default=os.environ.get("CIVICDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--reuse", action="store_true", help="keep stores already built at that scale; keep them after")
    parser.add_argument("--keep", action="store_true", help="keep the stores after the run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db)))
        return
    args.steps = [s for s in args.steps.split(",") if s]
    plan = [("postgresql", float(s)) for s in args.scales.split(",") if s]
    plan += [("sqlite", float(s)) for s in args.sqlite_scales.split(",") if s]
    rows = []
    with tempfile.TemporaryDirectory() as models_dir:
        for kind, scale in plan:
            print(f"{kind} at scale {scale:g}", flush=True)
            rows.append(bench_store(kind, scale, args, models_dir))
            if not (args.keep or args.reuse):
                drop_store(kind, rows[-1]["url"], args.postgres)
    table = ratios(rows)
    print("\nratio to scale 1 on the same engine (time; rows read in brackets; memory):")
    for entry in table:
        cells = []
        for step in FIGURES:
            if step in entry:
                rows_ratio = f" [{entry[step + '_rows']}]" if step + "_rows" in entry else ""
                memory = f" mem {entry[step + '_memory']}" if step + "_memory" in entry else ""
                cells.append(f"{step} {entry[step]}{rows_ratio}{memory}")
        print(f"  {entry['engine']:10} x{entry['scale']:<4g} " + " | ".join(cells))
    RESULTS.mkdir(exist_ok=True)
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "week": WEEK, "quarter": QUARTER, "stores": rows, "ratios": table}
    path = RESULTS / "scale.json"
    if path.exists() and set(args.steps) != set(STEPS):  # a partial run adds to the last full one
        old = json.loads(path.read_text())
        result["previous"] = {k: old.get(k) for k in ("stores", "ratios")}
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
