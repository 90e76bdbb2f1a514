"""Benchmark: import a generated 12345-style CSV, next to the floor (raw executemany) and pandas.to_sql.

Usage: python benchmarks/bench_import.py [--rows 1000000] [--postgres URL] [--skip-to-sql]

Generates one CSV with Chinese headers (GBK), then measures in the same run, on the same rows:
  1. `civicdesk.ingest.import_file` into an empty SQLite store (parse, validate, hash callers, insert,
     rollup), in a child process so its peak memory is its own;
  2. raw `sqlite3.executemany` of the already-parsed rows into an equivalent table (same columns and
     indexes): the floor for any importer;
  3. `pandas.DataFrame.to_sql` of the same parsed rows into the same kind of table;
  4. `import_file` into a scratch PostgreSQL database, when one is reachable.
Targets: importer ≥ 0.5 × the executemany rate, ≥ 3 × the to_sql rate, peak memory < 1.5 GB.
Prints a table and writes benchmarks/results/import.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from bench_store import scratch_postgres  # noqa: E402

from civicdesk.ingest.callers import caller_keys  # noqa: E402
from civicdesk.store.schema import metadata, tickets  # noqa: E402

RESULTS = Path(__file__).parent / "results"
STREETS = ["明水街道", "双山街道", "圣井街道", "埠村街道", "龙山街道", "官庄街道", "相公庄街道", "枣园街道"]
CATEGORIES = ["便民惠企服务", "安全隐患排查", "社情民意收集", "矛盾纠纷化解", "供暖", "物业管理", "水电气", "供热"]
CHANNELS = ["12345热线", "网格员上报", "小程序", "来访"]
CALLBACK = ["满意", "基本满意", "不满意", "", ""]


def generate_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A 12345 platform export: Chinese headers, GBK, "2023/2/10 8:05:00" times, phones and names."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-01").value // 10**9
    created = pd.to_datetime(start + np.sort(rng.integers(0, 3 * 365 * 86400, rows)), unit="s")
    signed = created + pd.to_timedelta(rng.integers(600, 86400, rows), unit="s")
    closed = signed + pd.to_timedelta(rng.integers(3600, 7 * 86400, rows), unit="s")
    open_ = rng.random(rows) < 0.03
    fmt = lambda ts: ts.strftime("%Y/%m/%d %H:%M:%S")  # noqa: E731
    frame = pd.DataFrame({
        "工单编号": [f"GD{i:09d}" for i in range(rows)],
        "受理时间": fmt(created),
        "来源渠道": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), rows)],
        "一级分类": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), rows)],
        "所属街道": np.array(STREETS)[rng.integers(0, len(STREETS), rows)],
        "来电号码": [f"13{n:09d}" for n in rng.integers(0, 300_000, rows)],
        "来电人": np.array(["张先生", "李女士", "王先生", "赵女士"])[rng.integers(0, 4, rows)],
        "诉求内容": np.array(["小区暖气不热，请尽快处理", "楼道堆放杂物存在消防隐患", "邻里噪音纠纷",
                          "路灯不亮"])[rng.integers(0, 4, rows)],
        "签收时间": fmt(signed),
        "办结时间": np.where(open_, "", fmt(closed)),
        "回访结果": np.array(CALLBACK)[rng.integers(0, len(CALLBACK), rows)],
    })
    frame.to_csv(path, index=False, encoding="gb18030")


def parsed_rows(path: Path) -> pd.DataFrame:
    """The CSV parsed into ticket columns (what the references insert), caller hashed."""
    raw = pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False)
    parse = lambda s: pd.to_datetime(s.replace("", None), format="%Y/%m/%d %H:%M:%S")  # noqa: E731
    return pd.DataFrame({
        "source": "12345", "source_id": raw["工单编号"], "channel": "hotline", "created_at": parse(raw["受理时间"]),
        "street": raw["所属街道"], "category": raw["一级分类"], "urgency": "general",
        "caller_key": caller_keys(raw["来电号码"], None, b"x" * 32), "signed_at": parse(raw["签收时间"]),
        "closed_at": parse(raw["办结时间"]), "status": "closed", "returned_count": 0, "reopened_count": 0,
        "escalated": False, "callback_result": raw["回访结果"].replace("", None), "description": raw["诉求内容"],
    })


def _equivalent_table(path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{path}")
    metadata.create_all(engine, tables=[tickets])
    engine.dispose()


def bench_executemany(frame: pd.DataFrame, folder: Path) -> float:
    db = folder / "raw.db"
    _equivalent_table(db)
    text = frame.copy()
    for col in ("created_at", "signed_at", "closed_at"):
        text[col] = text[col].dt.strftime("%Y-%m-%d %H:%M:%S.%f").where(text[col].notna(), None)
    rows = list(text.astype(object).where(text.notna(), None).itertuples(index=False, name=None))
    cols = ", ".join(frame.columns)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    began = time.perf_counter()
    con.executemany(f"INSERT INTO tickets ({cols}) VALUES ({', '.join('?' * len(frame.columns))})", rows)
    con.commit()
    seconds = time.perf_counter() - began
    con.close()
    return seconds


def bench_to_sql(frame: pd.DataFrame, folder: Path) -> float:
    db = folder / "to_sql.db"
    _equivalent_table(db)
    engine = sa.create_engine(f"sqlite:///{db}")
    began = time.perf_counter()
    frame.to_sql("tickets", engine, if_exists="append", index=False, chunksize=50_000)
    seconds = time.perf_counter() - began
    engine.dispose()
    return seconds


CHILD = """
import json, sys, time
from civicdesk import ingest, store

def peak_mb():
    # VmHWM belongs to this program image; ru_maxrss would also count the parent's memory at fork time
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024

engine = store.connect(sys.argv[1])
began = time.perf_counter()
rep = ingest.import_file(engine, sys.argv[2], profile="cn12345")
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "rows_read": rep.rows_read, "inserted": rep.inserted,
                  "quarantined": rep.quarantined, "balanced": rep.balanced,
                  "peak_rss_mb": peak_mb()}))
"""


def bench_importer(url: str, csv_path: Path, secret: Path) -> dict:
    env = {**__import__("os").environ, "CIVICDESK_SECRET_FILE": str(secret)}
    out = subprocess.run([sys.executable, "-c", CHILD, url, str(csv_path)], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-to-sql", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "12345-export.csv"
        began = time.perf_counter()
        generate_csv(csv_path, args.rows)
        print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - began:.1f} s", flush=True)
        ours = bench_importer(f"sqlite:///{folder / 'store.db'}", csv_path, folder / "caller.key")
        print(f"importer (SQLite): {ours}", flush=True)
        frame = parsed_rows(csv_path)
        raw_s = bench_executemany(frame, folder)
        print(f"raw executemany: {raw_s:.1f} s", flush=True)
        to_sql_s = None if args.skip_to_sql else bench_to_sql(frame, folder)
        print(f"pandas to_sql: {to_sql_s} s", flush=True)
        pg = None
        try:
            with scratch_postgres(args.postgres) as url:
                pg = bench_importer(url, csv_path, folder / "caller.key")
            print(f"importer (PostgreSQL): {pg}", flush=True)
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL not reachable, skipped ({exc.orig})")
    rate = lambda s: args.rows / s if s else None  # noqa: E731
    result = {
        "rows": args.rows, "machine": platform.platform(), "python": platform.python_version(),
        "importer_sqlite": {**ours, "rows_per_s": rate(ours["seconds"])},
        "raw_executemany": {"seconds": raw_s, "rows_per_s": rate(raw_s)},
        "pandas_to_sql": {"seconds": to_sql_s, "rows_per_s": rate(to_sql_s)},
        "importer_postgresql": pg and {**pg, "rows_per_s": rate(pg["seconds"])},
        "ratio_to_executemany": raw_s / ours["seconds"],
        "ratio_to_to_sql": (to_sql_s / ours["seconds"]) if to_sql_s else None,
        "targets": {"ratio_to_executemany": ">= 0.5", "ratio_to_to_sql": ">= 3", "peak_rss_mb": "< 1536"},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\n{'':28}{'seconds':>10}{'rows/s':>12}")
    for name, key in (("importer, SQLite", "importer_sqlite"), ("raw executemany", "raw_executemany"),
                      ("pandas to_sql", "pandas_to_sql"), ("importer, PostgreSQL", "importer_postgresql")):
        entry = result[key]
        if entry and entry.get("seconds"):
            print(f"{name:28}{entry['seconds']:>10.1f}{entry['rows_per_s']:>12,.0f}")
    print(f"importer / executemany rate: {result['ratio_to_executemany']:.2f} (target ≥ 0.5)")
    if result["ratio_to_to_sql"]:
        print(f"importer / to_sql rate:      {result['ratio_to_to_sql']:.2f} (target ≥ 3)")
    print(f"importer peak memory: {ours['peak_rss_mb']:.0f} MB (target < 1536)"
          + (f"; PostgreSQL run {pg['peak_rss_mb']:.0f} MB" if pg else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
