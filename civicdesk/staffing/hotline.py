"""Call-level hotline simulation (FCFS, exponential handle time and patience); calibration from ACD logs.

The engine is exact for a first-come-first-served queue with abandonment: keeping each agent's next free
time in a heap, an arrival's wait is the earliest free time minus its arrival time (the "virtual waiting
time"); a caller whose patience is shorter hangs up after `patience` and takes no agent. That is a few
Python operations per call, so half a million calls take about a second (SimPy needs ~30x longer; see
`simpy_mmc`, kept as the plain baseline).

The calibration from a call log and its forward check live in `hotline_fit` and are re-exported here
(`calibrate_hotline`, `HotlineCalibration`, `FitSummary`).
"""
from __future__ import annotations

import heapq
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk.staffing.hotline_fit import (LOG_COLUMNS, OUTCOMES, FitSummary, HotlineCalibration,
                                            calibrate_hotline)

__all__ = ["LOG_COLUMNS", "OUTCOMES", "FitSummary", "HotlineCalibration", "MMcResult", "calibrate_hotline",
           "simpy_mmc", "simulate_calls", "simulate_mmc"]


@dataclass(frozen=True)
class MMcResult:
    """Statistics of a stationary M/M/c(+M) run after the warm-up.

    Attributes:
        n: arrivals counted (after the warm-up).
        p_wait: share of arrivals that found every agent busy.
        asa: mean wait of all arrivals (abandoners count the time until they hung up), as `ErlangAResult.asa`.
        p_abandon: share of arrivals that hung up.
        mean_wait: mean wait of the answered calls, as `ErlangAResult.mean_wait_served`.
        occupancy: busy agent time / (agents x elapsed time).
    """

    n: int
    p_wait: float
    asa: float
    p_abandon: float
    mean_wait: float
    occupancy: float


def _fcfs_fixed(times: np.ndarray, service: np.ndarray, patience: np.ndarray | None, servers: int):
    """Waits and served flags for a FCFS queue with a fixed number of agents, all idle at time 0."""
    free = [0.0] * servers
    waits = [0.0] * len(times)
    served = [True] * len(times)
    replace = heapq.heapreplace
    if patience is None:
        for idx, (t, s) in enumerate(zip(times.tolist(), service.tolist())):
            f = free[0]
            if f <= t:
                replace(free, t + s)
            else:
                waits[idx] = f - t
                replace(free, f + s)
    else:
        for idx, (t, s, p) in enumerate(zip(times.tolist(), service.tolist(), patience.tolist())):
            f = free[0]
            if f <= t:
                replace(free, t + s)
            elif p < f - t:
                waits[idx], served[idx] = p, False
            else:
                waits[idx] = f - t
                replace(free, f + s)
    return np.asarray(waits), np.asarray(served)


def _mmc_draws(rate, servers, aht, n_arrivals, patience, seed):
    if rate <= 0 or aht <= 0 or servers < 1 or n_arrivals < 100:
        raise ValueError("need rate > 0, aht > 0, servers >= 1 and n_arrivals >= 100")
    if patience is not None and not patience > 0:
        raise ValueError(f"patience must be > 0 or None, got {patience!r}")
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(1.0 / rate, n_arrivals))
    service = rng.exponential(aht, n_arrivals)
    pat = rng.exponential(patience, n_arrivals) if patience is not None else None
    return times, service, pat


def _mmc_stats(times, service, waits, served, servers, warmup) -> MMcResult:
    k = max(1, int(len(times) * warmup))
    t, s, w, ok = times[k:], service[k:], waits[k:], served[k:]
    busy = float(s[ok].sum())
    return MMcResult(n=len(t), p_wait=float((w > 0).mean()), asa=float(w.mean()), p_abandon=float(1 - ok.mean()),
                     mean_wait=float(w[ok].mean()), occupancy=busy / (servers * float(t[-1] - t[0])))


def simulate_mmc(rate: float, servers: int, aht: float, n_arrivals: int, patience: float | None = None,
                 seed: int = 0, warmup: float = 0.01) -> MMcResult:
    """Stationary M/M/c (M/M/c+M with `patience`) on the fast engine; the first `warmup` share is discarded.

    Args:
        rate: arrivals per time unit; aht, patience: means in the same unit.
        servers: agents; n_arrivals: calls to simulate; seed: RNG seed.
    """
    times, service, pat = _mmc_draws(rate, servers, aht, n_arrivals, patience, seed)
    waits, served = _fcfs_fixed(times, service, pat, int(servers))
    return _mmc_stats(times, service, waits, served, int(servers), warmup)


def simpy_mmc(rate: float, servers: int, aht: float, n_arrivals: int, seed: int = 0,
              warmup: float = 0.01) -> MMcResult:
    """The same M/M/c written in plain SimPy (a `simpy.Resource`): the speed baseline for the fast engine."""
    import simpy

    times, service, _ = _mmc_draws(rate, servers, aht, n_arrivals, None, seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=int(servers))
    waits = np.zeros(n_arrivals)

    def caller(i):
        with desk.request() as req:
            yield req
            waits[i] = env.now - times[i]
            yield env.timeout(service[i])

    def source():
        for i, t in enumerate(times):
            yield env.timeout(t - env.now)
            env.process(caller(i))

    env.process(source())
    env.run()
    return _mmc_stats(times, service, waits, np.ones(n_arrivals, bool), int(servers), warmup)


def _agent_periods(starts: np.ndarray, ends: np.ndarray, counts: np.ndarray) -> list[tuple[list, list]]:
    """On-shift periods of agent j (on in an interval iff the interval's count exceeds j), touching ones merged."""
    periods = []
    for j in range(int(counts.max(initial=0))):
        on = counts > j
        p_starts, p_ends = [], []
        for s, e in zip(starts[on].tolist(), ends[on].tolist()):
            if p_ends and p_ends[-1] == s:
                p_ends[-1] = e
            else:
                p_starts.append(s)
                p_ends.append(e)
        periods.append((p_starts, p_ends))
    return periods


def _fcfs_shifts(times, service, patience, periods, horizon):
    """FCFS with agents who take calls only while on shift (a call running past the shift end is finished).

    Calls still queued when no agent has a shift left hang up after their patience, or at `horizon`.
    """
    heap = [(st[0], j, en[0]) for j, (st, en) in enumerate(periods) if st]
    heapq.heapify(heap)
    n = len(times)
    waits, agent = np.zeros(n), np.full(n, -1)
    for idx, (t, s, p) in enumerate(zip(times.tolist(), service.tolist(), patience.tolist())):
        while heap:
            avail, j, end = heap[0]
            start = avail if avail > t else t
            if start < end:
                break
            st, en = periods[j]
            nxt = bisect_right(en, start)
            if nxt == len(en):
                heapq.heappop(heap)  # no shift left for this agent
            else:
                heapq.heapreplace(heap, (max(start, st[nxt]), j, en[nxt]))
        if not heap:
            waits[idx:] = np.minimum(patience[idx:], np.maximum(horizon - times[idx:], 0.0))
            break
        if p < start - t:
            waits[idx] = p
        else:
            waits[idx], agent[idx] = start - t, j
            heapq.heapreplace(heap, (start + s, j, end))
    return waits, agent


def _interval_length(ds: pd.Series) -> pd.Timedelta:
    steps = ds.sort_values().diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    return steps.min() if len(steps) else pd.Timedelta(minutes=30)


def simulate_calls(arrivals: pd.DataFrame, agents, aht_s: float, patience_s: float | None = None,
                   seed: int = 0) -> pd.DataFrame:
    """Simulate every call of an interval arrival pattern with a per-interval number of agents.

    Args:
        arrivals: DataFrame with `ds` (interval start, Timestamp; the interval length is the smallest step)
            and `calls` (expected arrivals; a Poisson process within the interval).
        agents: agents on the phones, an int or one value per row of `arrivals` (by position). Agent j
            (0-based) works in the intervals whose count exceeds j; one who leaves finishes the call in hand
            first. Callers still queued when the last shift ends hang up after their patience (or at the
            end of the last interval when patience_s is None).
        aht_s: mean handle time (exponential), seconds.
        patience_s: mean caller patience (exponential), seconds; None = callers never hang up.
        seed: RNG seed.

    Returns:
        One row per call: arrived_at, waited_s (until answered or until hanging up), outcome
        ("served"/"abandoned"), service_s (NaN when abandoned), agent (id such as "A007"; None when abandoned).
    """
    if not {"ds", "calls"} <= set(arrivals.columns):
        raise ValueError("arrivals needs columns ds and calls")
    if not aht_s > 0 or (patience_s is not None and not patience_s > 0):
        raise ValueError("aht_s must be > 0 and patience_s > 0 or None")
    ds = pd.to_datetime(arrivals["ds"]).reset_index(drop=True)
    counts = np.asarray(agents, dtype=float).ravel()
    if counts.size not in (1, len(ds)):
        raise ValueError(f"agents must be one number or one per interval ({len(ds)}), got {counts.size}")
    counts = np.broadcast_to(counts, (len(ds),)).astype(int)
    if (counts < 0).any() or (np.asarray(arrivals["calls"], float) < 0).any():
        raise ValueError("calls and agents must be >= 0")
    length = _interval_length(ds)
    origin = ds.min()
    starts = ((ds - origin) / pd.Timedelta(seconds=1)).to_numpy(float)
    rng = np.random.default_rng(seed)
    n_calls = rng.poisson(np.asarray(arrivals["calls"], float))
    times = np.repeat(starts, n_calls) + rng.uniform(0, length.total_seconds(), n_calls.sum())
    times.sort()
    service = rng.exponential(aht_s, len(times))
    patience = rng.exponential(patience_s, len(times)) if patience_s is not None else np.full(len(times), np.inf)
    order = np.argsort(starts, kind="stable")
    periods = _agent_periods(starts[order], starts[order] + length.total_seconds(), counts[order])
    waits, agent = _fcfs_shifts(times, service, patience, periods, starts.max() + length.total_seconds())
    served = agent >= 0
    ids = np.array([f"A{j + 1:03d}" for j in range(len(periods))] + [None], dtype=object)
    return pd.DataFrame({
        "arrived_at": origin + pd.to_timedelta(times, unit="s"), "waited_s": waits,
        "outcome": np.where(served, "served", "abandoned"), "service_s": np.where(served, service, np.nan),
        "agent": pd.Series(ids[np.where(served, agent, len(periods))], dtype=object)})
