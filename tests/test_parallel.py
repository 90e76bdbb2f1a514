"""The modelling on a Dask cluster (CIVICDESK_DASK_SCHEDULER) gives exactly the numbers of the local run: the
forecast hierarchy, the per-street calibration and the plan's per-street searches, on a LocalCluster of two
worker processes; a scheduler that cannot be used is said so."""
from __future__ import annotations

import dataclasses
import os
import socket

import numpy as np
import pandas as pd
import pytest
from test_staffing_calibrate import CALM, SHORT, START, WEEKS, _staff, _tickets

from civicdesk.forecast.auto import auto_forecast
from civicdesk.forecast.core import Forecaster
from civicdesk.forecast.hierarchy import aggregate, reconcile
from civicdesk.forecast.models import CountRegression, SeasonalNaive
from civicdesk.parallel import SCHEDULER_ENV, SchedulerError, run_parallel
from civicdesk.staffing.calibrate import calibrate, saturated_days
from civicdesk.staffing.config import Calibration, SimConfig
from civicdesk.staffing.inputs import grid_workers_by_day
from civicdesk.staffing.plan import Targets, plan, streets_short
from civicdesk.staffing.sim import simulate
from civicdesk import calendar as cal

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """The address of a scheduler with two single-threaded worker processes."""
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as local:
        yield local.scheduler_address


def here_and_there(run, cluster, monkeypatch):
    """`run()` on this machine, in one process, and on the cluster."""
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    here = run()
    monkeypatch.setenv(SCHEDULER_ENV, cluster)
    return here, run()


def assert_same(a, b, where="result"):
    """Exact equality of frames, dataclasses, mappings, sequences, arrays and numbers (NaN equals NaN)."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{k}]")
    else:
        assert a == b or (a != a and b != b), (where, a, b)


def test_tasks_run_on_the_cluster_in_order(cluster, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, cluster)
    assert all(pid != os.getpid() for pid in run_parallel(os.getpid, [()] * 4))
    seen = []
    assert run_parallel(pow, [(2, k) for k in range(12)], on_result=lambda k, r: seen.append((k, r))) == \
        [2 ** k for k in range(12)]
    assert seen == [(k, 2 ** k) for k in range(12)]


def _bottom() -> pd.DataFrame:
    """Daily counts of two streets × three categories over five months, weekly pattern and trend."""
    rng = np.random.default_rng(7)
    days = pd.date_range("2023-01-01", "2023-05-31")
    frames = []
    for k, uid in enumerate(f"{s}/{c}" for s in ("明水街道", "圣井街道") for c in ("供暖", "物业管理", "水电气")):
        rate = (4.0 + 3 * k) * (1 + 0.3 * (days.day_of_week < 5)) * np.linspace(1.0, 1.4, len(days))
        frames.append(pd.DataFrame({"unique_id": uid, "ds": days, "y": rng.poisson(rate).astype(float)}))
    return pd.concat(frames, ignore_index=True)


def test_forecast_hierarchy_is_the_same_on_the_cluster(cluster, monkeypatch):
    tree = aggregate(_bottom())
    models = [SeasonalNaive(), CountRegression()]

    def run():
        base = Forecaster(models).forecast(tree.Y, h=14)
        return base, reconcile(base, tree.S, ["CountGLM"], "wls_struct")

    (base, coherent), (base_there, coherent_there) = here_and_there(run, cluster, monkeypatch)
    assert_same(base, base_there)
    assert_same(coherent, coherent_there)
    few = tree.Y[tree.Y["unique_id"].isin(["total", "明水街道"])]
    here, there = here_and_there(lambda: auto_forecast(few, h=14, models=models, n_windows=1), cluster, monkeypatch)
    assert_same(here, there)
    assert here.attrs == there.attrs


@pytest.fixture(scope="module")
def made():
    """Seven weeks of two streets simulated at a known availability, the short street saturated after its cut
    (the history of test_staffing_calibrate), and its roster."""
    staff = _staff()
    workers = grid_workers_by_day(staff, pd.date_range(START, START + pd.Timedelta(weeks=WEEKS + 10)))
    calib = Calibration(lead_wd={c: np.array([0.8, 1.0, 1.2]) for c in ("供暖", "物业管理", "水电气")},
                        p_return=0.0, p_reopen=0.0, availability={CALM: 0.5, SHORT: 0.5})
    tickets = _tickets(seed=3)
    roster = pd.DataFrame({"street": [CALM, SHORT], "grid_workers": [6, 8], "duty": 1, "mediators_grid": 0,
                           "mediators_community": 0, "mediators_street": 1})
    closed = simulate(tickets, roster, SimConfig(calibration=calib), seed=11, workers_by_day=workers).tickets
    history = tickets.assign(signed_at=tickets["created_at"], closed_at=closed["closed_at"].to_numpy(),
                             returned_count=0, reopened_count=0, escalated=False)
    return history, staff, roster


def test_calibration_is_the_same_on_the_cluster(made, cluster, monkeypatch):
    history, staff, _ = made
    observed = pd.Series(cal.working_days_between(history["created_at"], history["closed_at"]))
    assert list(saturated_days(history, observed, history["created_at"] >= START + pd.Timedelta(days=28))) == [SHORT]
    shares = []
    here, there = here_and_there(lambda: calibrate(history, staff, seed=0, rounds=1,
                                                   progress=lambda share, street: shares.append((share, street))),
                                 cluster, monkeypatch)
    assert_same(here, there)
    assert shares == [(0.5, min(CALM, SHORT)), (1.0, max(CALM, SHORT))] * 2  # in the streets' order, wherever run


def test_plan_is_the_same_on_the_cluster(made, cluster, monkeypatch):
    history, _, roster = made
    tickets = history[history["created_at"] < START + pd.Timedelta(weeks=4)]
    targets = Targets(close_general=0.9, sign_24h=0.9, mediation_30d=0.9)

    def run():
        made_plan = plan(tickets, roster, targets, seed=1, fixed_total=True)
        return made_plan, streets_short(tickets, roster, targets, seed=1)

    (here, short), (there, short_there) = here_and_there(run, cluster, monkeypatch)
    assert_same(here, there)
    assert short == short_there


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address", [f"tcp://127.0.0.1:{_closed_port()}", "scheduler-without-a-port"])
def test_an_unusable_scheduler_is_said_so(address, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, address)
    with pytest.raises(SchedulerError, match=f"cannot connect to the Dask scheduler.*{SCHEDULER_ENV}.*dask scheduler"):
        run_parallel(pow, [(2, 3)])
    assert run_parallel(pow, []) == []  # nothing to run: nothing to connect to


def test_the_command_says_the_cluster_cannot_be_used_in_one_sentence(demo_store_url, tmp_path):
    """`civicdesk staffing calibrate` with an unusable scheduler: exit 1, the reason on stderr, no traceback."""
    import subprocess
    import sys

    env = {**os.environ, SCHEDULER_ENV: f"tcp://127.0.0.1:{_closed_port()}",
           "CIVICDESK_MODELS_DIR": str(tmp_path / "models")}
    done = subprocess.run([sys.executable, "-m", "civicdesk.cli", "staffing", "calibrate", "--db", demo_store_url],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 1
    assert SCHEDULER_ENV in done.stderr and "Traceback" not in done.stderr


def test_the_app_says_the_cluster_cannot_be_used_in_the_users_language():
    from civicdesk.i18n import t

    zh, en = t("scheduler_unusable", "zh"), t("scheduler_unusable", "en")
    assert "调度器" in zh and SCHEDULER_ENV in zh
    assert "scheduler" in en and not any("\u4e00" <= ch <= "\u9fff" for ch in en)
