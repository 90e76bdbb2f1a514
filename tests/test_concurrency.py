"""Many users at once: a CLI import, a notebook fitting models and the app's sessions, as three real OS
processes against one store holding the demo district, on SQLite and on PostgreSQL.

Afterwards every row is checked: each imported ticket is there exactly once with its values, the demo
tickets are untouched, every stored forecast run and every saved (and not deleted) scenario is there, the
rollup equals one rebuilt from the tickets, no process died and none met "database is locked". While the
imports ran, the app only ever saw whole batches: each week's total it read is the demo's plus whole files.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import store
from civicdesk.periods import week_monday
from civicdesk.store.rollup import rebuild_rollup
from civicdesk.store.schema import (daily_rollup, forecast_runs, forecast_scenarios, forecast_values,
                                    import_batches, staffing_scenarios, tickets)
from tests.concurrency_workers import SHARED_NAME

ROOT = Path(__file__).resolve().parent.parent
FILES, ROWS_PER_FILE = 3, 400
HEADERS = ["工单编号", "受理时间", "来源渠道", "一级分类", "所属街道", "诉求内容", "签收时间", "办结时间", "回访结果"]
TIMEOUT_S = 180


def ticket_files(district, folder: Path, files: int = FILES, rows: int = ROWS_PER_FILE, seed: int = 7) -> list[pd.DataFrame]:
    """`files` CSV exports (12345 platform headers) of new tickets on the demo district's days and streets."""
    rng = np.random.default_rng(seed)
    streets = sorted(district.tickets["street"].dropna().unique())
    categories = sorted(district.tickets["category"].dropna().unique())
    first, last = pd.Timestamp(district.end) - pd.Timedelta(days=60), pd.Timestamp(district.end)
    frames = []
    for f in range(files):
        created = first + pd.to_timedelta(rng.integers(0, int((last - first).total_seconds()), rows), unit="s")
        closed = created + pd.to_timedelta(rng.integers(3_600, 5 * 86_400, rows), unit="s")
        done = rng.random(rows) < 0.8
        frame = pd.DataFrame({
            "工单编号": [f"CC{f}-{i:04d}" for i in range(rows)],
            "受理时间": created.strftime("%Y-%m-%d %H:%M:%S"),
            "来源渠道": rng.choice(["12345热线", "网格员上报", "小程序"], rows),
            "一级分类": rng.choice(categories, rows),
            "所属街道": rng.choice(streets, rows),
            "诉求内容": "并发导入测试",
            "签收时间": (created + pd.Timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S"),
            "办结时间": np.where(done, closed.strftime("%Y-%m-%d %H:%M:%S"), ""),
            "回访结果": np.where(done, rng.choice(["满意", "基本满意", "不满意"], rows), ""),
        })
        frame.to_csv(folder / f"import-{f}.csv", index=False, encoding="utf-8")
        frames.append(frame)
    return frames


def _spawn(role: str, url: str, rundir: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "tests.concurrency_workers", role, url, str(rundir), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_three_processes(url: str, rundir: Path, files: list[Path]) -> dict:
    """Start importer, notebook and app together; return their exit codes, stderr, JSON results and timings."""
    rundir.mkdir(parents=True, exist_ok=True)
    procs = {"importer": _spawn("importer", url, rundir, *map(str, files)),
             "notebook": _spawn("notebook", url, rundir), "app": _spawn("app", url, rundir)}
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while not all((rundir / f"ready-{role}").exists() for role in procs):
            dead = [r for r, p in procs.items() if p.poll() is not None]
            assert not dead and time.monotonic() < deadline, f"not ready: {dead} ({_stderr(procs, dead)})"
            time.sleep(0.05)
        began = time.perf_counter()
        (rundir / "go").touch()
        for role in ("importer", "notebook"):
            procs[role].wait(timeout=max(deadline - time.monotonic(), 1))
        writers_done = time.perf_counter() - began
        (rundir / "stop").touch()
        procs["app"].wait(timeout=max(deadline - time.monotonic(), 1))
        wall = time.perf_counter() - began
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
    out = {"codes": {}, "stderr": {}, "results": {}, "seconds": {"writers": writers_done, "all": wall}}
    for role, p in procs.items():
        stdout, stderr = p.communicate()
        out["codes"][role], out["stderr"][role] = p.returncode, stdout + stderr
        path = rundir / f"{role}.json"
        out["results"][role] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return out


def _stderr(procs, roles) -> str:
    return "; ".join(f"{r}: {procs[r].communicate()[1][-2000:]}" for r in roles)


def _frame(engine, query) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all())


def check_processes(out: dict) -> None:
    for role, code in out["codes"].items():
        assert code == 0, f"{role} exited with {code}:\n{out['stderr'][role][-4000:]}"
        assert "database is locked" not in out["stderr"][role]
        assert "Traceback" not in out["stderr"][role], out["stderr"][role][-4000:]


def check_tickets(engine, district, frames: list[pd.DataFrame], out: dict) -> None:
    for report in out["results"]["importer"]["imports"]:
        assert report["counts"]["rows_read"] == ROWS_PER_FILE and report["counts"]["inserted"] == ROWS_PER_FILE
    expected = pd.concat(frames, ignore_index=True)
    stored = _frame(engine, sa.select(tickets.c.source_id, tickets.c.created_at, tickets.c.street)
                    .where(tickets.c.source == "12345"))
    assert len(stored) == len(expected) and stored["source_id"].is_unique
    merged = expected.merge(stored, left_on="工单编号", right_on="source_id", how="left", validate="1:1")
    assert merged["source_id"].notna().all()
    assert (pd.to_datetime(merged["created_at"]) == pd.to_datetime(merged["受理时间"])).all()
    assert (merged["street"] == merged["所属街道"]).all()
    with engine.connect() as conn:
        by_source = dict(conn.execute(sa.select(tickets.c.source, sa.func.count()).group_by(tickets.c.source)).all())
        batches = conn.execute(sa.select(import_batches.c.inserted, import_batches.c.rows_read)).all()
    assert by_source == {"demo": len(district.tickets), "12345": len(expected)}
    assert sorted(batches) == [(ROWS_PER_FILE, ROWS_PER_FILE)] * len(frames)


def check_rollup(engine) -> None:
    key = ["day", "street", "category", "channel"]
    built = _frame(engine, sa.select(daily_rollup)).sort_values(key, ignore_index=True)
    with engine.connect() as conn, conn.begin() as trans:
        rebuild_rollup(conn)
        rebuilt = pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all()).sort_values(key, ignore_index=True)
        trans.rollback()
    pd.testing.assert_frame_equal(built, rebuilt)
    with engine.connect() as conn:
        assert built["received"].sum() == conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()


def check_notebook(engine, out: dict) -> None:
    runs = out["results"]["notebook"]["runs"]
    stored = _frame(engine, sa.select(forecast_runs.c.run_id, forecast_runs.c.grouping, forecast_runs.c.horizon))
    assert sorted(stored["run_id"]) == sorted(r["run_id"] for r in runs)
    values = _frame(engine, sa.select(forecast_values.c.run_id, sa.func.count().label("n"))
                    .group_by(forecast_values.c.run_id)).set_index("run_id")["n"]
    for run in runs:
        row = stored.set_index("run_id").loc[run["run_id"]]
        assert (row["grouping"], row["horizon"]) == ("/".join(run["by"]) or "total", run["h"])
        assert values[run["run_id"]] == run["values"] == run["series"] * run["h"]
    assert out["results"]["notebook"]["driver_nobs"] > 0


def check_app(engine, out: dict) -> None:
    sessions = out["results"]["app"]["sessions"]
    assert all(s["iterations"] >= 3 for s in sessions)
    saved = {n: j for s in sessions for n, j in s["saved"].items()}
    deleted = {n for s in sessions for n in s["deleted"]}
    kept = {n: j for n, j in saved.items() if n not in deleted}
    rows = _frame(engine, sa.select(forecast_scenarios))
    stored = dict(zip(rows["name"], rows["adjustments"]))
    shared = [rows.set_index("name").loc[SHARED_NAME, "description"], stored.pop(SHARED_NAME)]
    assert stored == kept
    assert shared in [pair for s in sessions for pair in s["shared"]]  # one whole version, whoever saved last
    staffing = {n: i for s in sessions for n, i in s["staffing_saved"].items()}
    gone = {n for s in sessions for n in s["staffing_deleted"]}
    rows = _frame(engine, sa.select(staffing_scenarios.c.name, staffing_scenarios.c.summary))
    assert sorted(rows["name"]) == sorted(n for n in staffing if n not in gone)
    for name, summary in zip(rows["name"], rows["summary"]):
        assert json.loads(summary)[0]["tickets"] == staffing[name]


def check_whole_batches_seen(district, frames: list[pd.DataFrame], out: dict) -> None:
    """Every week total a session read is the demo's plus the first k imported files, for some k."""
    def weekly(created: pd.Series) -> pd.Series:
        day = pd.to_datetime(created).dt.normalize()
        return (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).value_counts()

    base = weekly(district.tickets["created_at"])
    files = [weekly(f["受理时间"]) for f in frames]
    seen = 0
    for session in out["results"]["app"]["sessions"]:
        for week, received in session["overview"]:
            monday = pd.Timestamp(week_monday(week))
            totals = np.cumsum([base.get(monday, 0)] + [f.get(monday, 0) for f in files])
            assert received in set(totals.tolist()), (week, received, totals)
            seen += 1
    assert seen > 0


def test_import_notebook_and_app_at_once(store_url, small_district, tmp_path):
    engine = store.connect(store_url)
    store.load_district(engine, small_district)
    frames = ticket_files(small_district, tmp_path)
    out = run_three_processes(store_url, tmp_path / "run", [tmp_path / f"import-{f}.csv" for f in range(FILES)])
    timings = os.environ.get("CIVICDESK_CONCURRENCY_TIMINGS")
    if timings:
        Path(timings).write_text(json.dumps({"backend": engine.dialect.name, **out["seconds"],
                                             "processes": {r: (v or {}).get("seconds") for r, v in out["results"].items()}}))
    check_processes(out)
    check_tickets(engine, small_district, frames, out)
    check_rollup(engine)
    check_notebook(engine, out)
    check_app(engine, out)
    check_whole_batches_seen(small_district, frames, out)
    engine.dispose()
