"""Benchmark: the weekly briefing of one week on the full demo store, as a user runs it and in-process.

Usage: python benchmarks/bench_briefing.py [--week 2023-W07] [--url URL] [--runs 3] [--skip-in-process]
       [--before-src DIR]

Two kinds of figures, side by side in one run:

- **Cold commands** (issue 19): each command run as a user runs it, a fresh process every time, `--runs`
  times, median and every run: `civicdesk --help` and `civicdesk kpi` (target: under 1 s) and
  `civicdesk briefing --week W --format docx,pdf,html,xlsx` (target: at most 10 s, imports included).
  Each run also records its CPU time (user + system, children included) and the load average, since on
  a shared machine the wall time mostly says how busy the other jobs kept the cores.
- **In-process** (issue 7): building the briefing plus writing the four formats together (`render_all`,
  as the command and the app do), first in this fresh process (imports of the writers and chart drawing
  included), then each format alone.

``--before-src DIR`` (a checkout of earlier code, e.g. ``git archive <commit> | tar -x -C DIR``) times the
cold commands of that code too, run for run alternating with this checkout's (its ``civicdesk`` package put
first on PYTHONPATH), so before and after meet the same load on a shared machine.

Prints everything and writes benchmarks/results/briefing.json; the files go to a temporary folder. The
briefing command records an audit row in the store and opening a store upgrades its schema, so point
``--url`` at a copy of a shared read-only store (``cp /tmp/stores/s1.db /tmp/mine.db``;
``createdb -T civic_s1 civic_mine``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
TARGET_S = 10.0
START_TARGET_S = 1.0
FORMATS = "docx,pdf,html,xlsx"


def _command() -> list[str]:
    """The `civicdesk` command of this interpreter's environment (as a user types it), else `python -m`."""
    script = Path(sys.executable).parent / "civicdesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "civicdesk.cli"]


def _run_once(args: list[str], src: str | None) -> tuple[float, float, float]:
    """One fresh `civicdesk ARGS` (with `src` first on PYTHONPATH when given): wall s, CPU s, load average."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    load = round(os.getloadavg()[0], 2)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(_command() + args, capture_output=True, text=True, env=env)
    wall = round(time.perf_counter() - began, 2)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"civicdesk {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2), load


def _figures(args: list[str], runs: list[tuple[float, float, float]]) -> dict:
    walls, cpus, loads = zip(*runs)
    return {"command": "civicdesk " + " ".join(args), "median_s": statistics.median(walls), "runs_s": list(walls),
            "median_cpu_s": statistics.median(cpus), "cpu_s": list(cpus), "load_average_1min": list(loads)}


def _time_command(args: list[str], runs: int, before_src: str | None = None) -> dict:
    """Run `civicdesk ARGS` `runs` times, each in a fresh process: wall and CPU seconds of every run, median.
    With `before_src`, each run of this checkout follows one of that code, and its figures come as "before"."""
    after, before = [], []
    for _ in range(runs):
        if before_src:
            before.append(_run_once(args, before_src))
        after.append(_run_once(args, None))
    out = _figures(args, after)
    if before_src:
        out["before"] = _figures(args, before)
    return out


def cold_commands(url: str, week: str, runs: int, before_src: str | None = None) -> dict:
    """The three commands, cold, as a user runs them."""
    out = {"help": _time_command(["--help"], runs, before_src),
           "kpi": _time_command(["kpi", week, "--db", url], runs, before_src)}
    folder = tempfile.mkdtemp(prefix="bench-briefing-")
    try:
        out["briefing"] = _time_command(["briefing", "--week", week, "--format", FORMATS, "--out", folder,
                                         "--db", url], runs, before_src)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out["help"]["target_s"] = out["kpi"]["target_s"] = START_TARGET_S
    out["briefing"]["target_s"] = TARGET_S
    for figures in out.values():
        figures["target_met"] = figures["median_s"] <= figures["target_s"]
    return out


def in_process(url: str, week: str) -> dict:
    """Building and writing the briefing in this process (imports counted from here)."""
    began = time.perf_counter()
    from civicdesk import store
    from civicdesk.briefing import FORMATS as ALL, build_briefing, figures, render, render_all

    imported = time.perf_counter() - began
    engine = store.connect(url)
    stages: dict[str, float] = {}
    start = time.perf_counter()

    def mark(fraction: float, stage: str) -> None:
        stages[f"until_{stage}_s"] = round(time.perf_counter() - start, 2)

    b = build_briefing(engine, week, progress=mark)
    built = time.perf_counter() - start
    sizes, render_s = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        render_all(b, folder)  # what the command and the app do, first: cold imports and charts count
        together = time.perf_counter() - t0
        for fmt in ALL:  # each format alone, for the record (charts drawn anew each time)
            figures.forget_drawn()
            t0 = time.perf_counter()
            path = render(b, fmt, Path(folder) / f"alone.{fmt}")
            render_s[fmt] = round(time.perf_counter() - t0, 2)
            sizes[fmt] = path.stat().st_size
    total = built + together
    return {"tickets_in_week": b.numbers.get("received"), "import_s": round(imported, 2),
            "build_s": round(built, 2), "build_stages": stages, "render_each_alone_s": render_s,
            "render_all_s": round(together, 2), "bytes": sizes, "total_s": round(total, 2), "target_s": TARGET_S,
            "target_met": total < TARGET_S}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2023-W07")
    parser.add_argument("--url", default=None, help="Store URL (default: CIVICDESK_DB_URL or data/civicdesk.db).")
    parser.add_argument("--runs", type=int, default=3, help="Cold runs of each command (median reported).")
    parser.add_argument("--skip-in-process", action="store_true", help="Only the cold commands.")
    parser.add_argument("--before-src", default=None,
                        help="A checkout of earlier code whose cold commands run alternately with these.")
    args = parser.parse_args()
    from civicdesk import config

    url = args.url or config.db_url()
    result = {"machine": platform.platform(), "python": sys.version.split()[0], "cores": os.cpu_count(),
              "week": args.week, "store": url.split("@")[-1], "cold_commands": cold_commands(url, args.week, args.runs, args.before_src)}
    if args.before_src:
        result["before_src"] = args.before_src
    if not args.skip_in_process:
        result["in_process"] = in_process(url, args.week)
    result["target_met"] = all(c["target_met"] for c in result["cold_commands"].values()) and (
        args.skip_in_process or result["in_process"]["target_met"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "briefing.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["target_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
