"""The call-level hotline simulation against Erlang C/A (statistically), its invariants, the calibration from
call logs, and sizing the real bank call-centre profile."""
from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from civicdesk import config
from civicdesk.staffing.erlang import average_speed_of_answer, erlang_a, erlang_c, interval_staffing
from civicdesk.staffing.hotline import calibrate_hotline, simpy_mmc, simulate_calls, simulate_mmc

# ---------------------------------------------------------------- simulation vs Erlang C / A
# Each check runs R independent replications (own seed, own 1% warm-up), so the replication means are iid
# and their standard error is exact. Arrivals are chosen so that SE <= tolerance / 3 and the test asserts
# that too: a failure then means a wrong engine, not bad luck. Measured relative SD of the ASA estimate per
# 500k arrivals with 5 agents: ~2.5% at load 0.70, ~3.5% at 0.85, ~6.5% at 0.95 (waits are strongly
# autocorrelated near saturation), so 2% on ASA at 0.95 would need ~60M arrivals; it is checked at 5% there.


def _replicate(run, replications):
    values = np.array([run(seed) for seed in range(replications)])
    return values.mean(axis=0), values.std(axis=0, ddof=1) / math.sqrt(replications)


@pytest.mark.parametrize("load, servers, arrivals, asa_tol", [
    (0.70, 5, 9_000_000, 0.02),
    (0.85, 5, 20_000_000, 0.02),
    (0.95, 5, 16_000_000, 0.05),
])
def test_simulation_agrees_with_erlang_c(load, servers, arrivals, asa_tol):
    traffic, reps = load * servers, 12

    def run(seed):
        r = simulate_mmc(rate=traffic, servers=servers, aht=1.0, n_arrivals=arrivals // reps, seed=seed)
        return r.p_wait, r.asa, r.occupancy

    (p_wait, asa, occ), (se_p, se_asa, _) = _replicate(run, reps)
    exact_p, exact_asa = erlang_c(traffic, servers), average_speed_of_answer(traffic, servers, 1.0)
    assert se_p / exact_p <= 0.02 / 3 and se_asa / exact_asa <= asa_tol / 3
    assert p_wait == pytest.approx(exact_p, rel=0.02)
    assert asa == pytest.approx(exact_asa, rel=asa_tol)
    assert occ == pytest.approx(load, rel=0.005)


def test_simulation_with_patience_agrees_with_erlang_a():
    traffic, servers, patience, reps = 24.0, 20, 2.0, 6  # load 1.2: stable only because callers hang up

    def run(seed):
        r = simulate_mmc(traffic, servers, 1.0, 800_000, patience=patience, seed=seed)
        return r.p_wait, r.p_abandon, r.asa, r.mean_wait

    means, ses = _replicate(run, reps)
    exact = erlang_a(traffic, servers, 1.0, patience, 0.0)
    for got, se, want in zip(means, ses, [exact.p_wait, exact.p_abandon, exact.asa, exact.mean_wait_served]):
        assert se / want <= 0.02 / 3
        assert got == pytest.approx(want, rel=0.02)


def test_call_level_simulation_agrees_with_erlang_a_service_level():
    """simulate_calls on one long constant shift: 480 calls per 30 min, AHT 90 s (24 Erl), 20 agents,
    patience 180 s; answered within 20 s counted over all calls."""
    arrivals = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=1050, freq="30min"), "calls": 480.0})
    exact = erlang_a(24, 20, 90, 180, 20)

    def run(seed):
        log = simulate_calls(arrivals, 20, aht_s=90, patience_s=180, seed=seed)
        log = log[log["arrived_at"] >= log["arrived_at"].iloc[0] + pd.Timedelta(hours=2)]
        served = log["outcome"] == "served"
        return ((log["waited_s"] > 0).mean(), (~served).mean(), (served & (log["waited_s"] <= 20)).mean())

    means, ses = _replicate(run, 6)  # 6 x 500k calls
    for got, se, want in zip(means, ses, [exact.p_wait, exact.p_abandon, exact.service_level]):
        assert se / want <= 0.02 / 3
        assert got == pytest.approx(want, rel=0.02)


def test_simpy_baseline_gives_identical_results_and_is_slower():
    start = time.perf_counter()
    fast = simulate_mmc(17, 20, 1.0, 40_000, seed=3)
    t_fast = time.perf_counter() - start
    start = time.perf_counter()
    slow = simpy_mmc(17, 20, 1.0, 40_000, seed=3)
    t_slow = time.perf_counter() - start
    assert slow.p_wait == fast.p_wait  # same draws, same FCFS model, same answer
    assert slow.asa == pytest.approx(fast.asa, rel=1e-9)
    assert t_slow > 5 * t_fast


# ---------------------------------------------------------------- invariants of the call-level engine


@pytest.fixture(scope="module")
def varying_day():
    ds = pd.date_range("2024-03-04 08:00", periods=24, freq="30min")
    calls = 60 + 50 * np.sin(np.linspace(0, np.pi, 24))
    agents = np.r_[np.full(6, 8), np.full(6, 14), np.full(6, 5), np.full(6, 11)]
    log = simulate_calls(pd.DataFrame({"ds": ds, "calls": calls}), agents, aht_s=240, patience_s=150, seed=11)
    return ds, agents, log


def test_every_call_is_served_or_abandoned_exactly_once(varying_day):
    _, _, log = varying_day
    assert list(log.columns) == ["arrived_at", "waited_s", "outcome", "service_s", "agent"]
    assert set(log["outcome"]) == {"served", "abandoned"}
    served = log["outcome"] == "served"
    assert (log["agent"].notna() == served).all() and (log["service_s"].notna() == served).all()
    assert log.loc[~served, "agent"].map(lambda a: a is None).all()
    assert (log["waited_s"] >= 0).all() and log["arrived_at"].is_monotonic_increasing


def test_fcfs_one_call_per_agent_and_only_on_shift(varying_day):
    ds, agents, log = varying_day
    served = log[log["outcome"] == "served"].copy()
    served["start"] = served["arrived_at"] + pd.to_timedelta(served["waited_s"], unit="s")
    assert served["start"].is_monotonic_increasing  # first come, first served
    served["end"] = served["start"] + pd.to_timedelta(served["service_s"], unit="s")
    for _, calls in served.groupby("agent"):
        gap = calls["start"].iloc[1:].to_numpy() - calls["end"].iloc[:-1].to_numpy()
        assert (gap >= -np.timedelta64(1, "us")).all()  # back-to-back calls, up to timestamp rounding
    slot = ((served["start"] - ds[0]) // pd.Timedelta(minutes=30)).to_numpy()
    index = served["agent"].str[1:].astype(int).to_numpy() - 1
    assert (index < agents[slot]).all()  # an agent answers only while rostered


def test_simulate_calls_at_scale():  # speed: benchmarks/bench_hot_paths.py
    arrivals = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=1250, freq="30min"), "calls": 400.0})
    log = simulate_calls(arrivals, 20, aht_s=90, patience_s=90, seed=0)
    assert len(log) > 490_000


# ---------------------------------------------------------------- calibration from a call log


@pytest.fixture(scope="module")
def planted_log():
    """20 weekdays 08:00-20:00, two daily peaks (55-130 calls per 30 min), 30 rostered but 18 effective
    agents, AHT 300 s, patience 180 s."""
    days = pd.bdate_range("2024-03-04", periods=20)
    hours = 8 + np.arange(24) / 2
    shape = 55 + 75 * np.exp(-((hours - 10) / 1.6) ** 2) + 60 * np.exp(-((hours - 15) / 1.8) ** 2)
    arrivals = pd.DataFrame([(d + pd.Timedelta(hours=h), c) for d in days for h, c in zip(hours, shape)],
                            columns=["ds", "calls"])
    log = simulate_calls(arrivals, 18, aht_s=300, patience_s=180, seed=3)
    return arrivals, log


def test_calibration_recovers_planted_parameters(planted_log):
    arrivals, log = planted_log
    cal = calibrate_hotline(log, roster=arrivals[["ds"]].assign(agents=30))
    assert cal.aht_s == pytest.approx(300, rel=0.03)
    assert cal.patience_s == pytest.approx(180, rel=0.10)
    assert cal.effective_agents == pytest.approx(18, abs=1.0)
    assert cal.shrinkage == pytest.approx(0.4, abs=0.035)
    assert cal.intervals["effective_agents"].median() == pytest.approx(18, abs=1.0)
    assert len(cal.intervals) == 5 * 24 and (cal.intervals["n_days"] == 4).all()
    fit = cal.fit_summary()
    assert fit.erlang_a_gap_pts < 4 and fit.by_hour["gap_a_pts"].abs().max() < 7
    assert fit.erlang_c_gap_pts > 15  # 30 rostered agents under Erlang C predict almost no waiting


def test_calibration_without_roster_counts_agents_seen(planted_log):
    _, log = planted_log
    cal = calibrate_hotline(log)
    assert cal.rostered_agents == pytest.approx(18, abs=0.5)
    assert cal.shrinkage < 0.05


def _log(**changes):
    base = pd.DataFrame({"arrived_at": pd.to_datetime(["2024-03-04 09:01", "2024-03-04 09:07"]),
                         "waited_s": [3.0, 40.0], "outcome": ["served", "abandoned"],
                         "service_s": [200.0, np.nan], "agent": ["A001", None]})
    return base.assign(**changes)


@pytest.mark.parametrize("frame, roster, message", [
    (_log().drop(columns="waited_s"), None, "missing column"),
    (_log().drop(columns="agent"), None, "agent is needed when no roster"),
    (_log().iloc[:0], None, "empty"),
    (_log(outcome=["served", "hung up"]), None, "unknown outcome"),
    (_log(waited_s=[-1.0, 4.0]), None, "negative waited_s"),
    (_log(service_s=[np.nan, np.nan]), None, "service_s"),
    (_log(outcome=["abandoned", "abandoned"]), None, "no served call"),
    (_log(arrived_at=[None, "2024-03-04 09:07"]), None, "arrived_at"),
    (_log(), pd.DataFrame({"ds": ["2024-03-04 09:00"]}), "roster needs columns"),
])
def test_calibration_rejects_bad_logs(frame, roster, message):
    with pytest.raises(ValueError, match=message):
        calibrate_hotline(frame, roster)


# ---------------------------------------------------------------- real data: a bank call centre


def test_bank_call_centre_profile_sizing():
    """Weinberg, Brown & Stroud (2007) bank calls per 5 minutes (via fpp3): size the mean weekday profile."""
    folder = config.REALDATA_DIR / "callcenter_bank_calls_2003_5min"
    if not folder.exists():
        pytest.skip(f"real data folder {folder} not present")
    raw = pd.read_csv(folder / "bank_calls.csv", parse_dates=["DateTime"])
    raw["slot_start"] = raw["DateTime"].dt.floor("30min")
    per_slot = raw.groupby("slot_start").agg(calls=("Calls", "sum"), rows=("Calls", "size"))
    per_slot = per_slot[per_slot["rows"] == 6].reset_index()  # full half hours only (drops 21:00-21:05)
    per_slot["weekday"] = per_slot["slot_start"].dt.day_of_week
    per_slot["time"] = per_slot["slot_start"] - per_slot["slot_start"].dt.normalize()
    profile = per_slot.groupby(["weekday", "time"], as_index=False)["calls"].mean()
    profile["ds"] = pd.Timestamp("2003-10-27") + pd.to_timedelta(profile["weekday"], unit="D") + profile["time"]
    plan = interval_staffing(profile[["ds", "calls"]], aht=240, target_service_level=0.8, target_time=20,
                             shrinkage=0.3)
    assert len(plan) == 5 * 28
    peak = plan["calls"].idxmax()
    assert plan.loc[peak, "agents"] == plan["agents"].max()
    ordered = plan.sort_values("calls")
    assert ordered["agents"].is_monotonic_increasing
    assert (plan["service_level"] >= 0.8).all() and (plan["rostered"] >= plan["agents"]).all()
