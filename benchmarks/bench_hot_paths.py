"""Benchmark: the library's hot paths, each beside a plain pandas/numpy baseline measured in the same run.

Usage: python benchmarks/bench_hot_paths.py [--repeat 3]

These targets used to be timed unit tests; a loaded CI machine made them flaky, so they live here. Each row
gives the best of `--repeat` runs, the target the tests once asserted, and where there is one, the ratio
to a baseline doing comparable work on the same machine in the same run:

- `parse_datetimes` on 1,000,000 Chinese-style ("2019/4/25 9:32:09") and US-style timestamps (target
  < 1 s each), against `pd.to_datetime` given the exact format (which an import cannot know in advance);
- `add_working_days` + `working_days_between` on 1,000,000 timestamps (target < 2 s), against adding
  calendar days with numpy;
- `required_servers(5000, …)` and `erlang_a(6000, 5900, …)` (target < 0.5 s each);
- `simulate_calls` of ~500,000 calls (target < 5 s);
- opening a 2 GB sparse file that is not a table (target < 1 s: it must fail on the first bytes).

Prints a table and writes benchmarks/results/hot_paths.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from civicdesk import calendar as cal
from civicdesk.ingest.dates import parse_datetimes
from civicdesk.ingest.readers import NotATableError, open_table
from civicdesk.staffing.erlang import erlang_a, required_servers
from civicdesk.staffing.hotline import simulate_calls

RESULTS = Path(__file__).parent / "results"


def best(call, repeat: int) -> float:
    """The fastest of `repeat` runs of `call()`, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def million_stamps() -> pd.DatetimeIndex:
    rng = np.random.default_rng(0)
    base = pd.Timestamp("2017-01-01").value
    return pd.DatetimeIndex(base + rng.integers(0, 3 * 365 * 86400, 1_000_000) * 10**9)


def sparse_file_fails(folder: Path) -> None:
    path = folder / "huge.csv"
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024**3)  # all NUL bytes, no disk used
    try:
        open_table(path)
    except NotATableError:
        return
    raise AssertionError("a 2 GB file of NUL bytes was taken for a table")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stamps = million_stamps()
    cn = pd.Series([f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}" for t in stamps.to_pydatetime()],
                   dtype=object)
    us = pd.Series(stamps.strftime("%m/%d/%Y %I:%M:%S %p"), dtype=object)
    parse_datetimes(cn.iloc[:1000])  # warm-up
    cal.add_working_days(stamps[:10], 1)  # build the cached working-day grid
    arrivals = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=1250, freq="30min"), "calls": 400.0})
    rows = []

    def row(name, target, seconds, baseline=None, baseline_name=""):
        rows.append({"name": name, "seconds": round(seconds, 4), "target_s": target, "meets_target": seconds < target,
                     "baseline": baseline_name, "baseline_seconds": None if baseline is None else round(baseline, 4),
                     "ratio": None if baseline is None else round(seconds / baseline, 2)})

    for name, raw, fmt in (("parse_datetimes, 1M Chinese-style", cn, "%Y/%m/%d %H:%M:%S"),
                           ("parse_datetimes, 1M US-style", us, "%m/%d/%Y %I:%M:%S %p")):
        assert (parse_datetimes(raw).to_numpy() == stamps.to_numpy()).all()
        row(name, 1.0, best(lambda: parse_datetimes(raw), args.repeat),
            best(lambda: pd.to_datetime(raw, format=fmt), args.repeat), "pd.to_datetime(format=…)")
    row("add_working_days + working_days_between, 1M", 2.0,
        best(lambda: cal.working_days_between(stamps, cal.add_working_days(stamps, 5)), args.repeat),
        best(lambda: stamps.to_numpy() + np.timedelta64(5, "D"), args.repeat), "numpy + 5 days")
    row("required_servers(5000 Erl)", 0.5, best(lambda: required_servers(5000, 240, 0.8, 20), args.repeat))
    row("erlang_a(6000 Erl, 5900 agents)", 0.5, best(lambda: erlang_a(6000, 5900, 300, 90, 20), args.repeat))
    row("simulate_calls, ~500,000 calls", 5.0,
        best(lambda: simulate_calls(arrivals, 20, aht_s=90, patience_s=90, seed=0), args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        row("open_table on a 2 GB sparse non-table", 1.0, best(lambda: sparse_file_fails(Path(tmp)), args.repeat))

    width = max(len(r["name"]) for r in rows)
    print(f"{'path':<{width}}  {'seconds':>8}  {'target':>6}  {'ratio':>6}  baseline")
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"{r['name']:<{width}}  {r['seconds']:>8.3f}  {r['target_s']:>6.1f}  {ratio:>6}  {r['baseline']}"
              + ("" if r["meets_target"] else "  (over target)"))
    RESULTS.mkdir(exist_ok=True)
    out = {"machine": platform.platform(), "python": sys.version.split()[0], "repeat": args.repeat, "rows": rows}
    (RESULTS / "hot_paths.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return 0 if all(r["meets_target"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
