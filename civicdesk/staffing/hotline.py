"""Call-level hotline simulation (FCFS, exponential handle time and patience) and calibration from ACD logs.

The engine is exact for a first-come-first-served queue with abandonment: keeping each agent's next free
time in a heap, an arrival's wait is the earliest free time minus its arrival time (the "virtual waiting
time"); a caller whose patience is shorter hangs up after `patience` and takes no agent. That is a few
Python operations per call, so half a million calls take about a second (SimPy needs ~30x longer; see
`simpy_mmc`, kept as the plain baseline).
"""
from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk.staffing.erlang import erlang_a, erlang_c

LOG_COLUMNS = ["arrived_at", "waited_s", "outcome", "service_s", "agent"]
OUTCOMES = ("served", "abandoned")


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


@dataclass(frozen=True)
class FitSummary:
    """How well a queueing model reproduces the observed share of callers who waited, hour by hour.

    Attributes:
        by_hour: hour, calls (in the log), observed, erlang_a, erlang_c (wait shares), gap_a_pts, gap_c_pts
            (model minus observed, percentage points).
        erlang_a_gap_pts: mean over hours of |gap| for Erlang A with the effective agents.
        erlang_c_gap_pts: the same for Erlang C with the rostered agents.
    """

    by_hour: pd.DataFrame
    erlang_a_gap_pts: float
    erlang_c_gap_pts: float


@dataclass(frozen=True)
class HotlineCalibration:
    """Hotline parameters estimated from an ACD call log (see `calibrate_hotline`).

    Attributes:
        intervals: one row per weekday x slot: weekday (0 = Monday), slot ("HH:MM"), n_days, calls (mean per
            day), calls_total, aht_s, patience_s, observed_wait_share, observed_abandon_share, rostered,
            traffic (Erlangs, pooled aht), effective_agents (fitted in that slot alone),
            predicted_wait_share_erlang_a (with rostered x (1 - shrinkage) agents) and
            predicted_wait_share_erlang_c (with the rostered agents, nobody hangs up).
        calendar: one row per calendar interval: ds, calls, waited, abandoned, rostered.
        aht_s: pooled mean handle time of the answered calls.
        patience_s: pooled mean patience (censored exponential MLE; inf when nobody hung up).
        shrinkage: 1 - effective / rostered, fitted over all slots.
        effective_agents: calls-weighted mean agents effectively on the phones.
        rostered_agents: calls-weighted mean rostered agents.
        interval_minutes: slot length.
    """

    intervals: pd.DataFrame
    calendar: pd.DataFrame
    aht_s: float
    patience_s: float
    shrinkage: float
    effective_agents: float
    rostered_agents: float
    interval_minutes: int

    def fit_summary(self) -> FitSummary:
        """Observed vs predicted wait share per hour of the day (pooled over weekdays, weighted by calls)."""
        w = self.intervals.dropna(subset=["observed_wait_share"]).copy()
        w["hour"] = w["slot"].str[:2].astype(int)
        cols = {"observed": "observed_wait_share", "erlang_a": "predicted_wait_share_erlang_a",
                "erlang_c": "predicted_wait_share_erlang_c"}
        for name, col in cols.items():
            w[name] = w[col] * w["calls_total"]
        hours = w.groupby("hour")[["calls_total", *cols]].sum()
        for name in cols:
            hours[name] = hours[name] / hours["calls_total"]
        hours["gap_a_pts"] = 100 * (hours["erlang_a"] - hours["observed"])
        hours["gap_c_pts"] = 100 * (hours["erlang_c"] - hours["observed"])
        by_hour = hours.rename(columns={"calls_total": "calls"}).reset_index()
        return FitSummary(by_hour, float(by_hour["gap_a_pts"].abs().mean()),
                          float(by_hour["gap_c_pts"].abs().mean()))


def _clean_log(calls: pd.DataFrame, need_agent: bool) -> pd.DataFrame:
    required = ["arrived_at", "waited_s", "outcome", "service_s"] + (["agent"] if need_agent else [])
    missing = [c for c in required if c not in calls.columns]
    if missing:
        raise ValueError(f"the call log is missing column(s) {missing}; expected {LOG_COLUMNS}"
                         + (" (agent is needed when no roster is given)" if "agent" in missing else ""))
    if calls.empty:
        raise ValueError("the call log is empty: export at least a few weeks of calls")
    log = calls.copy()
    log["arrived_at"] = pd.to_datetime(log["arrived_at"], errors="coerce")
    log["outcome"] = log["outcome"].astype(str).str.strip().str.lower()
    unknown = sorted(set(log["outcome"]) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown outcome value(s) {unknown[:5]}; outcome must be 'served' or 'abandoned'")
    log["waited_s"] = pd.to_numeric(log["waited_s"], errors="coerce")
    log["service_s"] = pd.to_numeric(log["service_s"], errors="coerce")
    served = log["outcome"] == "served"
    for bad, what in [(log["arrived_at"].isna(), "no valid arrived_at"),
                      (log["waited_s"].isna() | (log["waited_s"] < 0), "a missing or negative waited_s"),
                      (served & (log["service_s"].isna() | (log["service_s"] < 0)),
                       "outcome 'served' but a missing or negative service_s")]:
        if bad.any():
            raise ValueError(f"{int(bad.sum())} call(s) have {what} (first at row {bad.idxmax()!r})")
    if not served.any():
        raise ValueError("no served call in the log: the handle time cannot be estimated")
    return log


def _calendar(log: pd.DataFrame, roster: pd.DataFrame | None, minutes: int) -> pd.DataFrame:
    log = log.assign(ds=log["arrived_at"].dt.floor(f"{minutes}min"), waited=log["waited_s"] > 0,
                     abandoned=log["outcome"] == "abandoned", served=log["outcome"] == "served")
    cal = log.groupby("ds").agg(calls=("served", "size"), waited=("waited", "sum"), abandoned=("abandoned", "sum"),
                                served=("served", "sum"), wait_sum=("waited_s", "sum"),
                                service_sum=("service_s", lambda s: s.fillna(0).sum()))
    if roster is None:
        cal["rostered"] = log[log["served"]].groupby("ds")["agent"].nunique().reindex(cal.index).fillna(0)
    else:
        if not {"ds", "agents"} <= set(roster.columns):
            raise ValueError("roster needs columns ds (interval start) and agents (rostered head count)")
        r = roster.assign(ds=pd.to_datetime(roster["ds"]).dt.floor(f"{minutes}min"),
                          agents=pd.to_numeric(roster["agents"], errors="coerce"))
        if r["agents"].isna().any() or (r["agents"] < 0).any():
            raise ValueError("roster['agents'] must be numbers >= 0")
        cal = cal.join(r.groupby("ds")["agents"].sum().rename("rostered"), how="outer")
        cal = cal.fillna({c: 0 for c in cal.columns if c != "rostered"})
    return cal.reset_index()


def _pool_week(cal: pd.DataFrame) -> pd.DataFrame:
    cal = cal.assign(weekday=cal["ds"].dt.day_of_week, slot=cal["ds"].dt.strftime("%H:%M"), date=cal["ds"].dt.date)
    n_days = cal.groupby("weekday")["date"].nunique().rename("n_days")
    week = cal.groupby(["weekday", "slot"]).agg(
        calls_total=("calls", "sum"), waited=("waited", "sum"), abandoned=("abandoned", "sum"),
        served=("served", "sum"), wait_sum=("wait_sum", "sum"), service_sum=("service_sum", "sum"),
        rostered=("rostered", "mean")).reset_index().join(n_days, on="weekday")
    week["calls"] = week["calls_total"] / week["n_days"]
    with np.errstate(divide="ignore", invalid="ignore"):
        week["aht_s"] = week["service_sum"] / week["served"].where(week["served"] > 0)
        week["patience_s"] = week["wait_sum"] / week["abandoned"].where(week["abandoned"] > 0)
        total = week["calls_total"].where(week["calls_total"] > 0)
        week["observed_wait_share"] = week["waited"] / total
        week["observed_abandon_share"] = week["abandoned"] / total
    return week


def _pwait_table(traffic: np.ndarray, n_max: int, aht: float, patience: float) -> np.ndarray:
    """Erlang A P(wait) for every slot's traffic (rows) and 0..n_max agents (columns)."""
    out = np.empty((len(traffic), n_max + 1))
    cache: dict[float, np.ndarray] = {}
    for row, a in enumerate(traffic):
        if a not in cache:
            cache[a] = np.array([erlang_a(a, n, aht, patience, 0.0).p_wait for n in range(n_max + 1)])
        out[row] = cache[a]
    return out


def _interp_rows(table: np.ndarray, n_real: np.ndarray) -> np.ndarray:
    """P(wait) at real-valued agents, linear between whole numbers; n_real broadcasts against the rows."""
    n = np.clip(n_real, 0, table.shape[1] - 1)
    lo = np.minimum(np.floor(n).astype(int), table.shape[1] - 2)
    rows = np.arange(table.shape[0])
    return table[rows, lo] + (n - lo) * (table[rows, lo + 1] - table[rows, lo])


def _crossing(p_row: np.ndarray, observed: float) -> float:
    """Real n where the decreasing P(wait) curve meets the observed share.

    NaN when the slot cannot identify it: no calls, or fewer callers waited than even the largest
    head count tried would make wait (typically nobody waited at all: any staffing above some level fits).
    """
    if not np.isfinite(observed):
        return math.nan
    below = np.nonzero(p_row <= observed)[0]
    if below.size == 0 or observed <= 0:
        return math.nan
    k = int(below[0])
    if k == 0 or p_row[k - 1] == p_row[k]:
        return float(k)
    return k - 1 + (p_row[k - 1] - observed) / (p_row[k - 1] - p_row[k])


def _fit_shrinkage(table, rostered, observed, weight) -> float:
    """Shrinkage s minimising the calls-weighted squared gap of P(wait) at rostered x (1 - s) agents."""
    grid = np.linspace(0.0, 0.99, 397)
    ok = np.isfinite(observed) & np.isfinite(rostered) & (weight > 0)
    pred = np.array([_interp_rows(table[ok], (1 - s) * rostered[ok]) for s in grid])
    loss = ((pred - observed[ok]) ** 2 * weight[ok]).sum(axis=1)
    return float(grid[int(np.argmin(loss))])


def calibrate_hotline(calls: pd.DataFrame, roster: pd.DataFrame | None = None,
                      interval_minutes: int = 30) -> HotlineCalibration:
    """Estimate arrivals, handle time, patience and the effective agents of a hotline from its call log.

    Handle time is the mean `service_s` of answered calls; patience is the exponential MLE for censored
    data (hang-ups are events, answered calls are censored at their wait): 1 / theta with
    theta = #abandoned / sum of all waits. The effective agents are those for which Erlang A (pooled aht
    and patience) reproduces the observed share of callers who waited (`waited_s > 0`): fitted per
    weekday x slot, and as one shrinkage over all slots (1 - effective / rostered). The wait share is used
    because every call informs it, even when few hang up; if the ACD counts ring time as queue time,
    subtract it first.

    Args:
        calls: the ACD log: arrived_at, waited_s, outcome ("served"/"abandoned"), service_s, agent.
        roster: optional DataFrame ds (interval start), agents (rostered); default: the distinct agent ids
            seen answering in each interval.
        interval_minutes: slot length.

    Raises:
        ValueError: missing columns, an empty log, unknown outcomes, missing or negative times.
    """
    log = _clean_log(calls, need_agent=roster is None)
    cal = _calendar(log, roster, int(interval_minutes))
    aht = float(cal["service_sum"].sum() / cal["served"].sum())
    n_ab = float(cal["abandoned"].sum())
    patience = float(cal["wait_sum"].sum() / n_ab) if n_ab else math.inf
    week = _pool_week(cal)
    week["traffic"] = week["calls"] * aht / (interval_minutes * 60.0)
    top = np.nanmax(np.r_[week["rostered"].to_numpy(float), week["traffic"].to_numpy(float)])
    table = _pwait_table(week["traffic"].to_numpy(float), int(2 * top) + 10, aht, patience)
    observed = week["observed_wait_share"].to_numpy(float)
    rostered = week["rostered"].to_numpy(float)
    week["effective_agents"] = [_crossing(row, o) for row, o in zip(table, observed)]
    s = _fit_shrinkage(table, rostered, observed, week["calls_total"].to_numpy(float))
    week["predicted_wait_share_erlang_a"] = _interp_rows(table, np.nan_to_num((1 - s) * rostered))
    week["predicted_wait_share_erlang_c"] = [erlang_c(a, int(round(r))) if np.isfinite(r) else math.nan
                                             for a, r in zip(week["traffic"], rostered)]
    cols = ["weekday", "slot", "n_days", "calls", "calls_total", "aht_s", "patience_s", "observed_wait_share",
            "observed_abandon_share", "rostered", "traffic", "effective_agents",
            "predicted_wait_share_erlang_a", "predicted_wait_share_erlang_c"]
    wts = week["calls_total"].where(week["rostered"].notna(), 0)
    mean_rostered = float(np.average(week["rostered"].fillna(0), weights=wts)) if wts.sum() else math.nan
    return HotlineCalibration(
        intervals=week[cols], calendar=cal[["ds", "calls", "waited", "abandoned", "rostered"]], aht_s=aht,
        patience_s=patience, shrinkage=s, effective_agents=(1 - s) * mean_rostered,
        rostered_agents=mean_rostered, interval_minutes=int(interval_minutes))
