"""Benchmark: how long an import keeps other writers out of a SQLite store, next to how long it takes.

Usage: python benchmarks/bench_import_lock.py [--xlsx-rows 50000] [--csv-rows 200000]

An import reads and checks the whole file before it takes the store's write lock, then writes in one
transaction. Each import here runs in a fresh SQLite store while a probe thread, on its own connection, tries
`BEGIN IMMEDIATE` without waiting every 20 ms, as a sign-in or a scenario save would: the time the probe finds
the store locked is the time another writer would have to wait. Reported side by side for a workbook (slow to
read) and a CSV (fast to read). Writes benchmarks/results/import_lock.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_import import generate_csv  # noqa: E402

from civicdesk import ingest, store  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PROBE_S = 0.02


def _probe(db: Path, stop: threading.Event, locked: list[float]) -> None:
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:  # "database is locked": a writer would wait now
            locked.append(PROBE_S + time.perf_counter() - t0)
        stop.wait(PROBE_S)
    conn.close()


def measure(path: Path, folder: Path) -> dict:
    db = folder / f"{path.suffix[1:]}.db"
    engine = store.connect(f"sqlite:///{db}")
    stop, locked = threading.Event(), []
    probe = threading.Thread(target=_probe, args=(db, stop, locked))
    probe.start()
    t0 = time.perf_counter()
    report = ingest.import_file(engine, path)
    seconds = time.perf_counter() - t0
    stop.set()
    probe.join()
    engine.dispose()
    return {"file": path.name, "rows": report.rows_read, "inserted": report.inserted, "import_s": round(seconds, 2),
            "others_locked_out_s": round(sum(locked), 2), "locked_share": round(sum(locked) / seconds, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--csv-rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "export.csv"
        generate_csv(csv, max(args.csv_rows, args.xlsx_rows))
        xlsx = folder / "export.xlsx"
        pd.read_csv(csv, encoding="gb18030", nrows=args.xlsx_rows, dtype=str).to_excel(xlsx, index=False)
        if args.csv_rows < args.xlsx_rows:
            generate_csv(csv, args.csv_rows)
        rows = [measure(xlsx, folder), measure(csv, folder)]
    result = {"machine": platform.platform(), "python": sys.version.split()[0], "imports": rows,
              "note": "others_locked_out_s: time a writer on another connection found the store locked"}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import_lock.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
