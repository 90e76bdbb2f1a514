"""Erlang B/C/A against published worked examples, independent computations and the model's identities."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm, null_space

from civicdesk.staffing.erlang import (
    average_speed_of_answer,
    erlang_a,
    erlang_b,
    erlang_c,
    interval_staffing,
    occupancy,
    required_servers,
    service_level,
)

# ---------------------------------------------------------------- published values


@pytest.mark.parametrize("traffic, servers, expected, tol", [
    # Erlang B tables (e.g. the table in Wikipedia "Erlang (unit)", ITU-T E.800 handbooks): 4 decimals
    (10.0, 10, 0.2146, 5e-5),
    (5.0, 10, 0.01838, 5e-6),
    # the 1%-blocking column of the same tables: 10 lines carry 4.46 Erl, 100 lines 84.06 Erl
    (4.46, 10, 0.01, 2e-4),
    (84.06, 100, 0.01, 1e-4),
    # exact small cases: B(1, 1) = 1/2, B(2, 2) = 2/5
    (1.0, 1, 0.5, 1e-12),
    (2.0, 2, 0.4, 1e-12),
])
def test_erlang_b_tables(traffic, servers, expected, tol):
    assert erlang_b(traffic, servers) == pytest.approx(expected, abs=tol)


def test_telefonica_erlang_c_calculator_example():
    """personal.telefonica.terra.es/web/vr/erlang/eng/mcerlc.htm: 600 calls/h of 120 s = 20 Erl; a 15%
    delay probability needs 26 circuits with about 3 s mean delay per call; 30 circuits give 2.5% delay
    and carry 23.6 Erl at 15%."""
    traffic = 600 * 120 / 3600
    assert traffic == 20
    needed = next(n for n in range(21, 40) if erlang_c(traffic, n) <= 0.15)
    assert needed == 26
    assert average_speed_of_answer(traffic, 26, 120) == pytest.approx(3.0, abs=0.15)
    assert erlang_c(traffic, 30) == pytest.approx(0.025, abs=5e-4)
    lo, hi = 20.0, 29.9  # traffic that 30 circuits carry at 15% delay, by bisection on erlang_c
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if erlang_c(mid, 30) < 0.15 else (lo, mid)
    assert lo == pytest.approx(23.6, abs=0.05)


def test_call_centre_helper_worked_example():
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example": 100 calls per
    30 min, AHT 180 s, 80% in 20 s, 30% shrinkage, 85% max occupancy -> 10 Erl, P(wait) with 11 agents
    = 0.6821, 14 agents on the phones, 20 rostered."""
    traffic = 100 * 180 / 1800
    assert traffic == 10
    assert erlang_c(traffic, 11) == pytest.approx(0.6821, abs=5e-5)
    assert service_level(traffic, 13, 180, 20) < 0.8 <= service_level(traffic, 14, 180, 20)
    assert required_servers(traffic, 180, 0.8, 20) == 14
    assert required_servers(traffic, 180, 0.8, 20, max_occupancy=0.85, shrinkage=0.3) == 20
    assert occupancy(traffic, 14) == pytest.approx(0.714, abs=5e-4)


def test_360_calls_example_recomputed():
    """The often-quoted "360 calls per 30 min, AHT 240 s, 80/20 -> 55 agents" example: traffic is 48 Erl,
    but 54 agents already answer 81.7% within 20 s (53 give 75.2%); 55 is the answer for a 15 s target."""
    traffic = 360 * 240 / 1800
    assert traffic == 48
    assert service_level(48, 54, 240, 20) == pytest.approx(0.8172, abs=1e-4)
    assert service_level(48, 53, 240, 20) == pytest.approx(0.7518, abs=1e-4)
    assert required_servers(48, 240, 0.8, 20) == 54
    assert required_servers(48, 240, 0.8, 15) == 55
    assert required_servers(48, 240, 0.8, 20, max_occupancy=0.85) == 57  # ceil(48 / 0.85)


# ---------------------------------------------------------------- stability at scale


def _recursion_b(a: float, n: int) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


@pytest.mark.parametrize("traffic, servers", [(5000.0, 4000), (5000.0, 5000), (5000.0, 5150), (20000.0, 20300),
                                              (300.0, 20), (50.5, 80)])
def test_log_space_erlang_b_matches_recursion(traffic, servers):
    assert erlang_b(traffic, servers) == pytest.approx(_recursion_b(traffic, servers), rel=1e-9)


@pytest.mark.parametrize("traffic", [5000.0, 12000.0])
def test_thousands_of_agents_are_stable_and_monotone(traffic):
    ns = np.arange(int(traffic) - 200, int(traffic) + 400, 7)
    b = np.array([erlang_b(traffic, n) for n in ns])
    c = np.array([erlang_c(traffic, n) for n in ns])
    sl = np.array([service_level(traffic, n, 240, 20) for n in ns])
    for values in (b, c, sl):
        assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()
    assert (np.diff(b) < 0).all() and (np.diff(c) <= 0).all() and (np.diff(sl) >= 0).all()
    assert c[ns <= traffic].min() == 1.0


def test_required_servers_is_minimal_at_scale():  # speed: benchmarks/bench_hot_paths.py
    n = required_servers(5000, 240, 0.8, 20)
    assert service_level(5000, n - 1, 240, 20) < 0.8 <= service_level(5000, n, 240, 20)
    assert 5000 < n < 5000 + 3 * math.sqrt(5000)  # square-root staffing


# ---------------------------------------------------------------- Erlang A


def _brute_force_erlang_a(a, n, aht, patience, target, states=90):
    """Erlang A from a dense generator and matrix exponentials: independent of the log-space code."""
    mu, theta, lam = 1 / aht, 1 / patience, a / aht
    q = np.zeros((states, states))
    for k in range(states - 1):
        q[k, k + 1] = lam
        q[k + 1, k] = min(k + 1, n) * mu + max(k + 1 - n, 0) * theta
    np.fill_diagonal(q, -q.sum(axis=1))
    pi = null_space(q.T)[:, 0]
    pi = pi / pi.sum()
    assert pi[-1] < 1e-15  # truncation is harmless
    answered = pi[:n].sum()
    for i in range(states - n):  # tagged caller with i ahead: phases i..0, then answered; own patience theta
        m = i + 1
        g = np.zeros((m + 2, m + 2))  # phases 0..m-1 (j ahead = m-1-phase), m = answered, m+1 = hung up
        for p in range(m):
            ahead = m - 1 - p
            g[p, p + 1 if p < m - 1 else m] = n * mu + ahead * theta
            g[p, m + 1] = theta
        np.fill_diagonal(g, -g.sum(axis=1))
        answered += pi[n + i] * expm(g * target)[0, m]
    queue = pi[n:] @ np.arange(states - n)
    return {"p_wait": pi[n:].sum(), "p_abandon": theta * queue / lam, "service_level": answered,
            "occupancy": np.minimum(np.arange(states), n) @ pi / n}


@pytest.mark.parametrize("a, n, aht, patience, target", [
    (12.0, 10, 1.0, 0.7, 0.3),
    (8.0, 10, 180.0, 120.0, 20.0),
    (5.0, 3, 60.0, 600.0, 30.0),
])
def test_erlang_a_matches_brute_force_generator(a, n, aht, patience, target):
    got = erlang_a(a, n, aht, patience, target)
    ref = _brute_force_erlang_a(a, n, aht, patience, target)
    for field, value in ref.items():
        assert getattr(got, field) == pytest.approx(value, rel=1e-7, abs=1e-10), field


@pytest.mark.parametrize("a, n", [(48.0, 54), (10.0, 14), (200.0, 215)])
def test_erlang_a_with_endless_patience_is_erlang_c(a, n):
    near = erlang_a(a, n, 240, 1e7 * 240, 20)
    assert near.p_wait == pytest.approx(erlang_c(a, n), rel=1e-5)
    assert near.asa == pytest.approx(average_speed_of_answer(a, n, 240), rel=1e-5)
    assert near.service_level == pytest.approx(service_level(a, n, 240, 20), rel=1e-5)
    assert near.p_abandon < 1e-6
    exact = erlang_a(a, n, 240, math.inf, 20)
    assert exact.p_wait == erlang_c(a, n) and exact.p_abandon == 0.0


@pytest.mark.parametrize("a, n, aht, patience", [
    (48.0, 45, 240.0, 180.0),      # overloaded: stable only thanks to hang-ups
    (48.0, 55, 240.0, 180.0),
    (20.0, 20, 300.0, 60.0),
    (6000.0, 5800, 300.0, 90.0),   # thousands of agents, heavy load
    (3.0, 0, 60.0, 30.0),          # nobody on the phones: everyone hangs up
])
def test_erlang_a_conservation_of_flow(a, n, aht, patience):
    r = erlang_a(a, n, aht, patience, 20.0)
    for value in (r.p_wait, r.p_abandon, r.service_level, r.occupancy):
        assert 0.0 <= value <= 1.0
    served_rate = 1 - r.p_abandon  # lambda (1 - P_ab) = busy agents x mu
    assert served_rate * a == pytest.approx(r.occupancy * n, rel=1e-9, abs=1e-12)
    assert r.p_abandon == pytest.approx(r.asa / patience, rel=1e-9)  # P(Ab) = E[W] / E[patience]
    assert r.service_level <= 1 - r.p_abandon + 1e-12


def test_erlang_a_for_thousands_of_agents():  # speed: benchmarks/bench_hot_paths.py
    r = erlang_a(6000, 5900, 300, 90, 20)
    assert 0 < r.p_abandon < 0.1


# ---------------------------------------------------------------- edges and errors


def test_edge_cases():
    assert erlang_b(0, 5) == 0.0 and erlang_b(3, 0) == 1.0
    assert erlang_c(0, 5) == 0.0 and erlang_c(5, 5) == 1.0 and erlang_c(7, 5) == 1.0
    assert service_level(5, 5, 100, 20) == 0.0 and service_level(0, 3, 100, 20) == 1.0
    assert average_speed_of_answer(6, 5, 100) == math.inf and average_speed_of_answer(0, 5, 100) == 0.0
    assert occupancy(3, 4) == 0.75 and occupancy(9, 4) == 1.0 and occupancy(0, 0) == 0.0
    assert required_servers(0, 240, 0.8, 20) == 0
    assert erlang_a(0, 3, 100, 60, 20).service_level == 1.0


@pytest.mark.parametrize("call, message", [
    (lambda: required_servers(-1, 240, 0.8, 20), "traffic"),
    (lambda: required_servers(10, 240, 1.0, 20), "100% service level cannot be guaranteed"),
    (lambda: required_servers(10, 240, 0.0, 20), "target_service_level"),
    (lambda: required_servers(10, 0, 0.8, 20), "aht"),
    (lambda: required_servers(10, 240, 0.8, -5), "target_time"),
    (lambda: required_servers(10, 240, 0.8, 20, shrinkage=1.0), "shrinkage"),
    (lambda: required_servers(10, 240, 0.8, 20, shrinkage=-0.1), "shrinkage"),
    (lambda: required_servers(10, 240, 0.8, 20, max_occupancy=0), "max_occupancy"),
    (lambda: erlang_c(10, 4.5), "whole number"),
    (lambda: erlang_b(float("nan"), 4), "traffic"),
    (lambda: erlang_a(10, 12, 240, 0, 20), "patience"),
])
def test_errors_are_clear(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_required_servers_with_patience_is_minimal():
    n = required_servers(48, 240, 0.8, 20, patience=180)
    assert erlang_a(48, n - 1, 240, 180, 20).service_level < 0.8 <= erlang_a(48, n, 240, 180, 20).service_level
    assert n <= required_servers(48, 240, 0.8, 20)


# ---------------------------------------------------------------- interval staffing


def test_interval_staffing_erlang_c_and_a():
    arrivals = pd.DataFrame({"ds": pd.date_range("2024-03-04 08:00", periods=4, freq="30min"),
                             "calls": [0.0, 100.0, 40.0, 160.0]})
    plan = interval_staffing(arrivals, aht=180, target_service_level=0.8, target_time=20, shrinkage=0.3)
    assert list(plan.columns) == ["ds", "calls", "traffic", "agents", "rostered", "service_level", "asa",
                                  "occupancy"]
    assert plan["traffic"].tolist() == [0.0, 10.0, 4.0, 16.0]
    assert plan.loc[1, "agents"] == 14 and plan.loc[1, "rostered"] == 20  # the Call Centre Helper example
    assert plan.loc[0, "agents"] == 0 and plan.loc[0, "service_level"] == 1.0
    assert (plan["service_level"] >= 0.8).all()
    with_patience = interval_staffing(arrivals, 180, 0.8, 20, patience=120)
    assert "p_abandon" in with_patience and (with_patience["agents"] <= plan["agents"]).all()
    assert (with_patience["service_level"] >= 0.8).all()


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"ds": [pd.Timestamp("2024-01-01")]}), "calls"),
    (pd.DataFrame({"ds": [pd.Timestamp("2024-01-01")], "calls": [-3.0]}), ">= 0"),
    (pd.DataFrame({"ds": [pd.Timestamp("2024-01-01")], "calls": [None]}), ">= 0"),
])
def test_interval_staffing_rejects_bad_frames(frame, message):
    with pytest.raises(ValueError, match=message):
        interval_staffing(frame, 180, 0.8, 20)
