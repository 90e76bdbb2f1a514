"""Benchmark: the weekly briefing of one week on the full demo store, built once and written in all four formats.

Usage: python benchmarks/bench_briefing.py [--week 2023-W07] [--url URL]

Target (issue 7): all four formats for one week in under 10 seconds: total_s = building the briefing plus
writing the four formats together (`render_all`, as the command and the app do), measured first in a fresh
process like the weekly command (imports of the Word and PDF writers and chart drawing included). The
sections 5 and 6 are built in a forked second process, as the command does. Prints each stage and writes
benchmarks/results/briefing.json; the files go to a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from civicdesk import config, store
from civicdesk.briefing import FORMATS, build_briefing, figures, render, render_all

RESULTS = Path(__file__).parent / "results"
TARGET_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2023-W07")
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    engine = store.connect(args.url or config.db_url())
    stages: dict[str, float] = {}
    start = time.perf_counter()
    last = [start]

    def mark(fraction: float, stage: str) -> None:
        now = time.perf_counter()
        stages[f"until_{stage}_s"] = round(now - start, 2)
        last[0] = now

    b = build_briefing(engine, args.week, progress=mark)
    built = time.perf_counter() - start
    sizes, render_s = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        render_all(b, folder)  # what the command and the app do, first: cold imports and charts count
        together = time.perf_counter() - t0
        for fmt in FORMATS:  # each format alone, for the record (charts drawn anew each time)
            figures.forget_drawn()
            t0 = time.perf_counter()
            path = render(b, fmt, Path(folder) / f"alone.{fmt}")
            render_s[fmt] = round(time.perf_counter() - t0, 2)
            sizes[fmt] = path.stat().st_size
    total = built + together
    result = {"machine": platform.platform(), "python": sys.version.split()[0], "week": b.week,
              "tickets_in_week": b.numbers.get("received"), "build_s": round(built, 2), "build_stages": stages,
              "render_each_alone_s": render_s, "render_all_s": round(together, 2), "bytes": sizes,
              "total_s": round(total, 2), "target_s": TARGET_S,
              "target_met": total < TARGET_S}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "briefing.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["target_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
