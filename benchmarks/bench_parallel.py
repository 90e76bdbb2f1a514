"""Benchmark: the staffing calibration here and on a Dask cluster (CIVICDESK_DASK_SCHEDULER), side by side.

Usage: python benchmarks/bench_parallel.py [--db URL] [--period START:END] [--workers N]

Reads a period of the store's history (as it stood at the period's end) and the staff table once, then
calibrates on it three ways in one run: in this process (n_jobs=1), in N local processes (joblib's loky) and
on a `distributed.LocalCluster` of N single-threaded worker processes reached through
CIVICDESK_DASK_SCHEDULER, as a city's cluster would be. Checks that the three calibrations are identical and
prints the wall time of each. The store is only read (opened without upgrading it). The default period is one
month of the demo at scale 1 (`civicdesk demo`); a quarter takes about three times as long.
Writes benchmarks/results/parallel.json.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from civicdesk import store
from civicdesk.parallel import SCHEDULER_ENV
from civicdesk.staffing.calibrate import WARMUP_DAYS, calibrate, cutoff
from civicdesk.staffing.inputs import load_history, load_staff

RESULTS = Path(__file__).resolve().parent / "results"


def _same(a, b) -> bool:
    """Exact equality of two calibrations (arrays element by element)."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, dict):
            if list(x) != list(y) or not all(np.array_equal(x[k], y[k]) for k in x):
                return False
        elif isinstance(x, np.ndarray):
            if not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True


def _timed(run) -> tuple[float, object]:
    t = time.perf_counter()
    out = run()
    return time.perf_counter() - t, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="store URL (default CIVICDESK_DB_URL)")
    parser.add_argument("--period", default="2023-09-01:2023-09-30", help="calibration period START:END")
    parser.add_argument("--workers", type=int, default=2, help="local processes and cluster workers")
    args = parser.parse_args()
    start, end = args.period.split(":")
    engine = store.connect(args.db, upgrade=False)
    history = load_history(engine, pd.Timestamp(start) - pd.Timedelta(days=WARMUP_DAYS), end, as_of=cutoff(end))
    staff = load_staff(engine)
    print(f"{len(history):,} tickets ({start}..{end} with {WARMUP_DAYS} days of warm-up), "
          f"{history['street'].nunique()} streets")

    def run(n_jobs: int = 1, progress=None):
        return calibrate(history, staff, measure_from=start, seed=0, as_of=cutoff(end), n_jobs=n_jobs,
                         progress=progress)

    os.environ.pop(SCHEDULER_ENV, None)
    done = []  # in one process, the time each street's fit ended, round by round
    serial_s, here = _timed(lambda: run(progress=lambda share, street: done.append(time.perf_counter())))
    fits = np.diff(np.array(done)).reshape(-1)
    per_round = np.array_split(np.concatenate([[np.nan], fits]), 2)  # the default two rounds
    slowest = sum(float(np.nanmax(r)) for r in per_round)
    bound_s = serial_s - float(np.nansum(fits)) - float(np.nanmean(fits)) + slowest  # the first fit's start is unseen
    print(f"here, one process:          {serial_s:7.1f} s (slowest street fit {float(np.nanmax(fits)):.1f} s; "
          f"with a worker per street at best about {bound_s:.0f} s)")
    local_s, local = _timed(lambda: run(args.workers))
    print(f"here, {args.workers} processes (loky):    {local_s:7.1f} s")
    from distributed import LocalCluster

    with LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1, dashboard_address=None) as c:
        os.environ[SCHEDULER_ENV] = c.scheduler_address
        try:
            cluster_s, there = _timed(run)
        finally:
            os.environ.pop(SCHEDULER_ENV, None)
    print(f"Dask LocalCluster, {args.workers} workers: {cluster_s:7.1f} s")
    identical = _same(here, local) and _same(here, there)
    print(f"identical calibrations: {identical}")
    out = {"period": [start, end], "tickets": len(history), "streets": int(history["street"].nunique()),
           "workers": args.workers, "cpu_count": os.cpu_count(), "serial_s": round(serial_s, 1),
           "loky_s": round(local_s, 1), "dask_local_cluster_s": round(cluster_s, 1),
           "bound_with_a_worker_per_street_s": round(bound_s), "identical": identical}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "parallel.json").write_text(json.dumps(out, indent=1))
    if not identical:
        raise SystemExit("the calibrations differ")


if __name__ == "__main__":
    main()
