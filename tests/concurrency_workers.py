"""The three processes of the many-users test, each run as `python -m tests.concurrency_workers ROLE …`.

    importer URL RUNDIR CSV…    runs `civicdesk import CSV --db URL` for each file, one after another
    notebook URL RUNDIR         fits and stores forecast runs and a satisfaction driver model
    app      URL RUNDIR         several sessions (threads sharing one engine, as in Streamlit) reading the
                                Overview and Forecast views' queries and saving / deleting scenarios

Each process touches RUNDIR/ready-ROLE once it has connected, waits for RUNDIR/go, works, and writes what
it wrote to RUNDIR/ROLE.json. Nothing is swallowed: any exception ends the process with a non-zero code
and the traceback on stderr. The app keeps going until RUNDIR/stop appears (after the other two finished).
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

SESSIONS = 4
DEADLINE_S = 240.0
WEEKS = 12
THINK_S = 0.05
SHARED_NAME = "共用情景"  # every session saves this name repeatedly: replace-by-name under contention


def _start(role: str, rundir: Path) -> None:
    (rundir / f"ready-{role}").touch()
    deadline = time.monotonic() + DEADLINE_S
    while not (rundir / "go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never told to go")
        time.sleep(0.02)


def _civicdesk_command() -> list[str]:
    exe = Path(sys.executable).with_name("civicdesk")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "civicdesk.cli"]


def importer(url: str, rundir: Path, files: list[str]) -> dict:
    _start("importer", rundir)
    done = []
    for path in files:
        began = time.perf_counter()
        proc = subprocess.run([*_civicdesk_command(), "import", path, "--db", url],
                              capture_output=True, text=True, timeout=DEADLINE_S)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise RuntimeError(f"civicdesk import {path} exited with {proc.returncode}")
        counts = {line.split()[0]: int(line.split()[-1].replace(",", "")) for line in proc.stdout.splitlines()
                  if line.startswith("  ") and len(line.split()) == 2}
        done.append({"file": path, "counts": counts, "seconds": time.perf_counter() - began,
                     "finished": time.time()})
    return {"imports": done}


def notebook(url: str, rundir: Path) -> dict:
    from civicdesk import store
    from civicdesk.drivers import fit_store
    from civicdesk.forecast.models import CountRegression, SeasonalNaive
    from civicdesk.forecast.runs import make_run

    engine = store.connect(url)
    _start("notebook", rundir)
    runs = []
    for by, h in ((("street",), 7), ((), 14)):
        run = make_run(engine, by=by, h=h, n_windows=1, models=[SeasonalNaive(), CountRegression()])
        runs.append({"run_id": int(run.run_id), "by": list(by), "h": h, "values": len(run.values),
                     "series": int(run.values["unique_id"].nunique())})
    model = fit_store(engine, "2023-01-01", "2023-01-31")  # the demo month before the imported days
    return {"runs": runs, "driver_nobs": int(model.nobs) if hasattr(model, "nobs") else None}


class _Session(threading.Thread):
    """One app user: reads the Overview and Forecast views' data, saves and deletes scenarios."""

    def __init__(self, number: int, engine, weeks: list[str], streets: list[str], rundir: Path):
        super().__init__(name=f"session-{number}")
        self.number, self.engine, self.weeks, self.streets, self.rundir = number, engine, weeks, streets, rundir
        self.rng = random.Random(number)
        self.log = {"overview": [], "saved": {}, "deleted": [], "staffing_saved": {}, "staffing_deleted": [],
                    "shared": [], "iterations": 0}
        self.error: str | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + DEADLINE_S
            while time.monotonic() < deadline:
                self.step()
                self.log["iterations"] += 1
                time.sleep(THINK_S)
                if (self.rundir / "stop").exists() and self.log["iterations"] >= 3:
                    return
            raise TimeoutError("never told to stop")
        except BaseException:  # noqa: BLE001 - reported by the main thread, which exits non-zero
            self.error = traceback.format_exc()

    def step(self) -> None:
        import pandas as pd

        from civicdesk import store
        from civicdesk.forecast.runs import latest_run
        from civicdesk.forecast.scenarios import Adjustment, Scenario, delete_scenario, save_scenario
        from civicdesk.overview import overview
        from civicdesk.staffing.scenarios import StaffingScenario, delete_staffing, save_staffing

        week = self.rng.choice(self.weeks)
        ov = overview(self.engine, week)
        self.log["overview"].append([week, int(ov.this_week["received"])])
        street = self.rng.choice(self.streets)
        overview(self.engine, week, streets=[street])
        end = pd.Timestamp(ov.week_end)
        store.daily_counts(self.engine, by=("street",), start=end - pd.Timedelta(days=89), end=end)
        latest_run(self.engine, ("street",))

        i = self.log["iterations"]
        name = f"会话{self.number}-情景{i}"
        adj = Adjustment("2023-07-01", "2023-07-10", "multiply", 1.0 + (i % 9) / 10, streets=(street,))
        scenario = Scenario(name, (adj,), f"session {self.number} iteration {i}")
        save_scenario(self.engine, scenario)
        self.log["saved"][name] = scenario.to_json()
        shared = Scenario(SHARED_NAME, (adj,), f"{self.number}/{i}")
        save_scenario(self.engine, shared)
        self.log["shared"].append([shared.description, shared.to_json()])
        if i % 2 == 1:
            gone = f"会话{self.number}-情景{i - 1}"
            delete_scenario(self.engine, gone)
            self.log["deleted"].append(gone)

        summary = pd.DataFrame({"street": [street], "role": ["grid_worker"], "tickets": [i],
                                "on_time": [0.9], "signed_on_time": [0.95], "close_p50": [2.0], "close_p90": [4.0],
                                "utilisation": [0.7], "overtime_h_per_week": [1.5]})
        staffing = StaffingScenario(f"会话{self.number}-排班{i}", f"{self.number}/{i}")
        save_staffing(self.engine, staffing, SimpleNamespace(summary=summary))
        self.log["staffing_saved"][staffing.name] = i
        if i % 3 == 2:
            gone = f"会话{self.number}-排班{i - 1}"
            delete_staffing(self.engine, gone)
            self.log["staffing_deleted"].append(gone)


def app(url: str, rundir: Path) -> dict:
    import pandas as pd

    from civicdesk import store
    from civicdesk.periods import iso_week_name

    engine = store.connect(url)
    span = store.data_span(engine)
    mondays = pd.date_range(pd.Timestamp(span[0]) + pd.Timedelta(days=7), span[1] - pd.Timedelta(days=7), freq="W-MON")
    weeks = [iso_week_name(m.date()) for m in mondays[-WEEKS:]]  # the imported tickets fall in these
    streets = store.dimension_values(engine, "street")
    _start("app", rundir)
    sessions = [_Session(n, engine, weeks, streets, rundir) for n in range(SESSIONS)]
    for s in sessions:
        s.start()
    for s in sessions:
        s.join()
    errors = [s.error for s in sessions if s.error]
    if errors:
        sys.stderr.write("\n".join(errors))
        raise RuntimeError(f"{len(errors)} of {len(sessions)} sessions failed")
    return {"sessions": [s.log for s in sessions]}


def main(argv: list[str]) -> None:
    role, url, rundir = argv[0], argv[1], Path(argv[2])
    began = time.perf_counter()
    if role == "importer":
        result = importer(url, rundir, argv[3:])
    elif role == "notebook":
        result = notebook(url, rundir)
    elif role == "app":
        result = app(url, rundir)
    else:
        raise SystemExit(f"unknown role {role}")
    result["seconds"] = time.perf_counter() - began
    (rundir / f"{role}.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
