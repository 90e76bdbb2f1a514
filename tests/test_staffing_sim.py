"""The district simulation (civicdesk/staffing): the event engine as a plain M/M/c queue against an exact
FCFS recursion and against Erlang C / Erlang A (statistically, never seeded snapshots), conservation of
tickets and hours through `simulate`, monotonicity in staff and volume, bad input, and the engine's
shift rules (roster hand-back, shift windows, overtime, own-grid preference and the help rule).

The Erlang checks run the engine on ≥ 500 000 arrivals per load. Raw sample means are too noisy for a
2 % tolerance (the mean wait of one 500k run varies by 4–7 % (1 SD) from seed to seed: waits come in long
correlated excursions), so the estimates are regression control variates with known means (an M/M/1 fast
server and an M/M/∞ system fed by the same arrivals and efforts), unbiased whatever the engine does.
Measured over 40 seeds per load, their SD is 0.2 % for P(wait > 0) and 0.6–0.7 % for the mean wait with
the run counts below (about 3 σ at 2 %), and 0.3 % for the Erlang A abandonment share.
"""
from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd
import pytest

from civicdesk import calendar as cal
from civicdesk.codes import DISPUTE_CATEGORY
from civicdesk.staffing.config import SimConfig
from civicdesk.staffing.engine import Shifts, Work, run_street
from civicdesk.staffing.inputs import DEMAND_COLUMNS, ROSTER_COLUMNS
from civicdesk.staffing.mediation import MediationSetup
from civicdesk.staffing.sim import simulate

# ---------------------------------------------------------------------------------------------------
# Queueing formulas (the test's own oracle, independent of the library)


def erlang_c(c: int, a: float) -> float:
    """P(wait > 0) in M/M/c with offered load a (Erlangs): the stable Erlang B recursion, then C."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b / (1.0 - (a / c) * (1.0 - b))


def erlang_a_abandon(c: int, lam: float, mu: float, theta: float) -> float:
    """P(abandon) in M/M/c+M from the birth–death chain: death rate min(n, c)·μ + (n − c)⁺·θ."""
    p, probs = 1.0, [1.0]
    n = 0
    while True:
        n += 1
        p *= lam / (min(n, c) * mu + max(n - c, 0) * theta)
        probs.append(p)
        if n > c and p < 1e-18 * sum(probs):
            break
    q = np.asarray(probs) / sum(probs)
    queue = np.maximum(np.arange(len(q)) - c, 0)
    return theta * float(q @ queue) / lam


def poisson_pmf(a: float, kmax: int = 400) -> np.ndarray:
    k = np.arange(kmax)
    return np.exp(k * math.log(a) - a - np.array([math.lgamma(i + 1) for i in k]))


@pytest.mark.parametrize("c, a, expected", [
    (1, 0.6, 0.6),            # M/M/1: P(wait) = ρ
    (3, 2.0, 4 / 9),          # textbook value
    (2, 1.0, 1 / 3),          # 2 servers, 1 Erlang
])
def test_erlang_c_oracle(c, a, expected):
    assert erlang_c(c, a) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("c, load", [(1, 0.8), (20, 0.9), (20, 0.95)])
def test_erlang_a_oracle_tends_to_erlang_c(c, load):
    """With almost no abandonment, θ·E[queue]/λ → θ·(C·ρ/(1−ρ))/λ (the M/M/c queue length)."""
    a, theta = load * c, 1e-7
    lq = erlang_c(c, a) * load / (1 - load)
    assert erlang_a_abandon(c, a, 1.0, theta) == pytest.approx(theta * lq / a, rel=1e-3)


@pytest.mark.parametrize("c, load, patience", [(20, 0.7, 0.5), (20, 0.85, 0.5), (20, 0.95, 0.5), (20, 1.0, 0.5),
                                               (1, 0.8, 2.0)])
def test_oracle_agrees_with_library_erlang(c, load, patience):
    """The test's own formulas agree with civicdesk.staffing.erlang (when that module is present), so the
    engine checks below tie the simulation to the library's analytic staffing as well."""
    erlang = pytest.importorskip("civicdesk.staffing.erlang")
    a = load * c
    if load < 1:
        assert erlang.erlang_c(a, c) == pytest.approx(erlang_c(c, a), rel=1e-9)
        assert erlang.average_speed_of_answer(a, c, 1.0) == pytest.approx(erlang_c(c, a) / (c - a), rel=1e-9)
    lib = erlang.erlang_a(a, c, 1.0, patience, 0.0)
    assert lib.p_abandon == pytest.approx(erlang_a_abandon(c, a, 1.0, 1.0 / patience), rel=1e-9)


# ---------------------------------------------------------------------------------------------------
# 1. The engine as a plain M/M/c (+M) queue


def mmc_sample(c: int, load: float, n: int, seed: int, patience_mean: float | None = None):
    rng = np.random.default_rng(seed)
    arrive = np.cumsum(rng.exponential(1.0 / (load * c), n))
    effort = rng.exponential(1.0, n)
    patience = rng.exponential(patience_mean, n) if patience_mean else None
    return arrive, effort, patience


def run_mmc(arrive: np.ndarray, effort: np.ndarray, c: int, patience: np.ndarray | None = None):
    """The engine configured as M/M/c: one window for ever, FCFS (key = arrival), no grids, no returns."""
    n = len(arrive)
    nan = np.full(n, np.nan)
    work = Work(arrive, arrive.copy(), np.full(n, -1, dtype=np.int64), effort, nan, nan, patience)
    return run_street(work, np.ones((c, 1), dtype=bool), Shifts(np.ones(1, dtype=bool), always=True))


def fcfs_reference(arrive, effort, c, patience=None):
    """Kiefer–Wolfowitz: a heap of the servers' free times; an impatient customer leaves without
    taking a server when the earliest free time comes after its patience. Returns (start, abandoned)."""
    free = [0.0] * c
    start = np.full(len(arrive), np.nan)
    abandoned = np.zeros(len(arrive), dtype=bool)
    pat = patience.tolist() if patience is not None else [math.inf] * len(arrive)
    for i, (t, e, p) in enumerate(zip(arrive.tolist(), effort.tolist(), pat)):
        s = max(free[0], t)
        if s - t > p:
            abandoned[i] = True
            continue
        heapq.heapreplace(free, s + e)
        start[i] = s
    return start, abandoned


@pytest.mark.parametrize("c, load, n", [
    (20, 0.9, 100_000),
    (1, 0.8, 20_000),
    (3, 1.3, 10_000),     # overloaded: the queue only grows
])
def test_engine_equals_fcfs_recursion(c, load, n):
    arrive, effort, _ = mmc_sample(c, load, n, seed=11)
    log = run_mmc(arrive, effort, c)
    start, _ = fcfs_reference(arrive, effort, c)
    np.testing.assert_allclose(log.start - arrive, start - arrive, rtol=0, atol=1e-9)
    np.testing.assert_allclose(log.finish, start + effort, rtol=0, atol=1e-9)
    assert not log.abandoned.any()
    assert log.busy_h.sum() == pytest.approx(effort.sum(), rel=1e-12)


C_SERVERS, N_ARRIVALS, WARMUP, BATCHES = 20, 500_000, 5_000, 100


def _batch_means(series: np.ndarray) -> np.ndarray:
    x = series[WARMUP:]
    x = x[: len(x) - len(x) % BATCHES]
    return x.reshape(BATCHES, -1).mean(axis=1)


def _mminf_controls(arrive, effort, c, a):
    """An M/M/∞ system fed by the same arrivals and efforts: the number present at each arrival is
    Poisson(a) by PASTA, so its excess over c and its exceedances have known means."""
    ninf = np.arange(len(arrive)) - np.searchsorted(np.sort(arrive + effort), arrive, side="right")
    pk, k = poisson_pmf(a), np.arange(400)
    series, means = [np.diff(arrive, prepend=arrive[0] - 1.0 / a), effort], [1.0 / a, 1.0]
    for t in (c - 2, c, c + 3, c + 6):
        series += [np.maximum(ninf - t + 1, 0), ninf >= t]
        means += [float(pk @ np.maximum(k - t + 1, 0)), float(pk[k >= t].sum())]
    return series, means


def _controls(arrive, effort, c, load):
    """Per-arrival series on the same sample path whose means are known without Erlang C: the M/M/∞
    system above and an M/M/1 queue with one server c times as fast (wait, P(wait), depth)."""
    step = np.zeros(len(arrive))
    step[1:] = effort[:-1] / c - np.diff(arrive)
    walk = np.cumsum(step)
    w1 = walk - np.minimum(np.minimum.accumulate(walk), 0.0)  # Lindley as a running minimum
    n1 = np.arange(len(arrive)) - np.searchsorted(arrive + w1 + effort / c, arrive, side="right")
    series, means = _mminf_controls(arrive, effort, c, load * c)
    series += [w1, w1 > 0]
    means += [load / (c * (1 - load)), load]
    for depth in (3, 6, 10, 15):
        series.append(np.maximum(n1 - depth, 0))
        means.append(load ** (depth + 1) / (1 - load))
    return series, np.asarray(means)


def control_variate_estimate(ys: list[np.ndarray], xs: list[np.ndarray], x_means: np.ndarray):
    """Regression control variates on batch means pooled over independent runs: (estimate, SE)."""
    y, x = np.vstack(ys), np.vstack(xs)
    xc = x - x.mean(axis=0)
    beta = np.linalg.lstsq(xc, y - y.mean(axis=0), rcond=None)[0]
    est = y.mean(axis=0) - (x.mean(axis=0) - x_means) @ beta
    resid = y - y.mean(axis=0) - xc @ beta
    m, p = x.shape
    se = np.sqrt((resid ** 2).sum(axis=0) / (m - p - 1) / m)
    return est, se


def mmc_statistics(load: float, runs: int, seed: int, runner=None):
    """Engine P(wait > 0) and mean wait at one load (c = 20, mean effort 1), each with its SE."""
    runner = runner or run_mmc
    ys, xs = [], []
    for r in range(runs):
        arrive, effort, _ = mmc_sample(C_SERVERS, load, N_ARRIVALS, seed=seed + r)
        wait = runner(arrive, effort, C_SERVERS).start - arrive
        series, x_means = _controls(arrive, effort, C_SERVERS, load)
        ys.append(np.column_stack([_batch_means(wait > 0), _batch_means(wait)]))
        xs.append(np.column_stack([_batch_means(s.astype(float)) for s in series]))
    return control_variate_estimate(ys, xs, x_means)


# Runs of 500k arrivals per load: the lighter loads have the noisier *relative* mean wait after the
# controls (waiting is rare and rests on few excursions), so they get more runs.
@pytest.mark.parametrize("load, runs", [(0.7, 4), (0.85, 3), (0.95, 1)])
def test_engine_matches_erlang_c(load, runs):
    a = load * C_SERVERS
    p_wait = erlang_c(C_SERVERS, a)
    asa = p_wait / (C_SERVERS - a) * 1.0  # mean effort (aht) = 1
    (p_sim, w_sim), (p_se, w_se) = mmc_statistics(load, runs, seed=int(load * 1000))
    # the 2 % tolerance is a sharp test only when the estimates are precise enough
    assert p_se / p_wait < 0.01 and w_se / asa < 0.01
    assert abs(p_sim / p_wait - 1) < 0.02, (p_sim, p_wait, p_se)
    assert abs(w_sim / asa - 1) < 0.02, (w_sim, asa, w_se)


@pytest.mark.parametrize("load, patience_mean", [(1.0, 0.5)])
def test_engine_with_patience_matches_erlang_a(load, patience_mean):
    a = load * C_SERVERS
    arrive, effort, patience = mmc_sample(C_SERVERS, load, N_ARRIVALS, seed=7, patience_mean=patience_mean)
    log = run_mmc(arrive, effort, C_SERVERS, patience)
    # exactly the FCFS recursion with impatient customers …
    start, abandoned = fcfs_reference(arrive, effort, C_SERVERS, patience)
    np.testing.assert_array_equal(log.abandoned, abandoned)
    np.testing.assert_allclose(log.start[~abandoned], start[~abandoned], rtol=0, atol=1e-9)
    assert np.isnan(log.finish[abandoned]).all() and np.isnan(log.start[abandoned]).all()
    # … and statistically Erlang A (M/M/c+M). The raw share varies ±1 % (1 SD) between runs of 500k, so
    # the M/M/∞ and patience controls bring it to about 0.3 %.
    p_ab = erlang_a_abandon(C_SERVERS, a, 1.0, 1.0 / patience_mean)
    series, means = _mminf_controls(arrive, effort, C_SERVERS, a)
    series.append(patience)
    means.append(patience_mean)
    (est,), (se,) = control_variate_estimate(
        [_batch_means(log.abandoned.astype(float))[:, None]],
        [np.column_stack([_batch_means(s_.astype(float)) for s_ in series])], np.asarray(means))
    assert se / p_ab < 0.01
    assert abs(est / p_ab - 1) < 0.02, (est, p_ab, se, log.abandoned.mean())


# ---------------------------------------------------------------------------------------------------
# Hand-made districts

START = pd.Timestamp("2024-03-04")  # a Monday; no public holiday in the following five weeks
DAYS = 21
STREETS = ("明水街道", "圣井街道")
US = pd.Timedelta(microseconds=1)


def make_tickets(n: int, seed: int, street: str = STREETS[0], grids: int = 8, dispute_share: float = 0.1,
                 urgent_share: float = 0.1, direct_share: float = 0.08, days: int = DAYS) -> pd.DataFrame:
    """`n` tickets over `days` days in one street (DEMAND_COLUMNS), with unique creation times."""
    rng = np.random.default_rng(seed)
    hours = rng.integers(0, days, n) * 24.0 + rng.uniform(7.0, 22.0, n)
    kind = rng.choice(["dispute", "urgent", "very_urgent", "direct", "general"], n, p=[
        dispute_share, urgent_share * 0.6, urgent_share * 0.4, direct_share,
        1 - dispute_share - urgent_share - direct_share])
    category = np.where(kind == "dispute", DISPUTE_CATEGORY, rng.choice(["供暖", "物业管理", "环境保护", "水电气"], n))
    frame = pd.DataFrame({
        "created_at": START + pd.to_timedelta(hours, unit="h"),
        "street": street,
        "grid_id": [f"{street[:2]}-{g:02d}" for g in rng.integers(0, grids, n)],
        "category": category,
        "urgency": np.where(np.isin(kind, ["urgent", "very_urgent"]), kind, "general"),
        "channel": rng.choice(["hotline", "app", "wechat"], n),
        "direct": kind == "direct",
        "dispute": kind == "dispute",
    })
    return with_deadlines(frame)[DEMAND_COLUMNS]


def with_deadlines(frame: pd.DataFrame) -> pd.DataFrame:
    """Closing deadlines by the rules (30 calendar days for disputes, which go to mediation)."""
    return frame.assign(deadline_at=cal.close_deadline(frame["created_at"], frame["urgency"],
                                                       mediation=frame["dispute"].to_numpy()))


def make_roster(grid_workers=(4, 3), duty=2, mediators=(2, 1, 1), streets=STREETS) -> pd.DataFrame:
    rows = [{"street": s, "grid_workers": g, "duty": duty, "mediators_grid": mediators[0],
             "mediators_community": mediators[1], "mediators_street": mediators[2]}
            for s, g in zip(streets, grid_workers)]
    return pd.DataFrame(rows)[ROSTER_COLUMNS]


def district(seed: int = 0, per_street: int = 150) -> pd.DataFrame:
    parts = [make_tickets(per_street, seed + k, street=s) for k, s in enumerate(STREETS)]
    return pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed, ignore_index=True)


def horizon_end(result, drain_days: int) -> pd.Timestamp:
    return result.end + pd.Timedelta(days=drain_days + 1)


# ---------------------------------------------------------------------------------------------------
# 2. Conservation


@pytest.mark.parametrize("drain_days, seed, expect_open", [
    (0, 1, True),
    (2, 2, True),
    (60, 3, False),
])
def test_every_ticket_accounted_for(drain_days, seed, expect_open):
    tickets = district(seed)
    result = simulate(tickets, make_roster(), SimConfig(drain_days=drain_days), seed=seed)
    out = result.tickets
    # every input ticket exactly once (creation times are unique keys)
    assert len(out) == len(tickets)
    key_in = sorted(zip(tickets["street"], tickets["created_at"]))
    key_out = sorted(zip(out["street"], out["created_at"]))
    assert key_in == key_out
    merged = tickets.merge(out, on=["street", "created_at"], suffixes=("", "_out"), validate="one_to_one")
    assert (merged["deadline_at"] == merged["deadline_at_out"]).all()
    role = np.select([merged["direct"], merged["dispute"], merged["urgency"] != "general"],
                     ["direct", "mediator", "duty"], "grid_worker")
    assert (merged["role"] == role).all()
    # statuses and counts add up
    assert set(out["status"]) <= {"closed", "open", "abandoned"}
    counts = out["status"].value_counts()
    assert counts.sum() == len(tickets)
    assert result.summary["tickets"].sum() == len(tickets)
    assert result.summary["open_at_end"].sum() == counts.get("open", 0)
    closed = out["status"] == "closed"
    assert out.loc[closed, "closed_at"].notna().all() and out.loc[~closed, "closed_at"].isna().all()
    # times in order
    end = horizon_end(result, drain_days)
    c = out[closed]
    assert (c["closed_at"] >= c["created_at"]).all()
    assert (c["closed_at"] <= end).all()
    assert (c["signed_at"] <= c["closed_at"]).all()
    # (up to the sub-microsecond rounding of test_times_are_exact_to_the_nanosecond)
    assert (out["signed_at"] >= out["created_at"] - US).all()
    started = out["started_at"].notna()
    assert (out.loc[started, "started_at"] >= out.loc[started, "created_at"] - US).all()
    # on-time flags follow from the times
    assert (c["on_time"] == (c["closed_at"] <= c["deadline_at"]).astype(float)).all()
    late_open = ~closed & (out["deadline_at"] < end)
    assert (out.loc[late_open, "on_time"] == 0).all()
    assert out.loc[~closed & ~late_open, "on_time"].isna().all()
    # the backlog's last day counts exactly the open tickets
    last = result.backlog[result.backlog["ds"] == result.backlog["ds"].max()].set_index("street")["open"]
    open_by_street = out[out["status"] == "open"].groupby("street").size()
    assert last.reindex(STREETS).fillna(0).tolist() == open_by_street.reindex(STREETS).fillna(0).tolist()
    assert ((out["status"] == "open").any()) == expect_open


@pytest.mark.parametrize("seed", [1])
def test_times_are_exact_to_the_nanosecond(seed):
    out = simulate(district(seed), make_roster(), SimConfig(drain_days=5), seed=seed).tickets
    direct = out[out["role"] == "direct"]
    assert len(direct) > 0
    assert (direct["signed_at"] == direct["created_at"]).all()
    assert (direct["started_at"] == direct["created_at"]).all()
    assert (out["signed_at"] >= out["created_at"]).all()


@pytest.mark.parametrize("drain_days, seed", [(0, 4), (5, 5), (60, 6)])
def test_utilisation_within_shift_plus_overtime(drain_days, seed):
    cfg = SimConfig(drain_days=drain_days)
    result = simulate(district(seed), make_roster(), cfg, seed=seed)
    s = result.summary.dropna(subset=["utilisation"])
    assert set(s["role"]) == {"grid_worker", "duty", "mediator"}
    shift = cfg.shift_end_h - cfg.shift_start_h - cfg.patrol_h
    bound = np.where(s["role"] == "grid_worker", 1 + cfg.overtime_h / shift, 1.0)
    assert (s["utilisation"] >= 0).all()
    assert (s["utilisation"] <= bound + 1e-9).all(), s


@pytest.mark.parametrize("role, kind", [("mediator", "dispute"), ("duty", "urgent")])
def test_utilisation_bounded_when_backlog_left(role, kind):
    n = 300
    tickets = make_tickets(n, seed=8, dispute_share=1.0 if kind == "dispute" else 0.0,
                           urgent_share=1.0 if kind == "urgent" else 0.0, direct_share=0.0)
    roster = make_roster(grid_workers=(5,), duty=1, mediators=(1, 1, 1), streets=STREETS[:1])
    result = simulate(tickets, roster, SimConfig(drain_days=0), seed=8)
    util = result.summary.set_index("role").at[role, "utilisation"]
    assert 0 <= util <= 1.0


def test_overtime_per_worker_week_when_saturated():
    """Every worker on overtime every working day: overtime_h × 5 working days per worker-week."""
    cfg = SimConfig(drain_days=0)
    tickets = make_tickets(3000, seed=9, dispute_share=0, urgent_share=0, direct_share=0)
    roster = make_roster(grid_workers=(5,), streets=STREETS[:1])
    result = simulate(tickets, roster, cfg, seed=9)  # 21 days = 3 weeks, 15 working days
    row = result.summary.set_index("role").loc["grid_worker"]
    shift = cfg.shift_end_h - cfg.shift_start_h - cfg.patrol_h
    assert row["utilisation"] == pytest.approx(1 + cfg.overtime_h / shift, rel=0.01)  # saturated
    assert row["overtime_h_per_week"] == pytest.approx(cfg.overtime_h * 5, rel=0.05)


# ---------------------------------------------------------------------------------------------------
# 3. Monotonicity (averages over seeds; "non-decreasing within one point")

SEEDS = range(4)
TOL = 0.01


def mean_on_time(make, roster, role, drain_days=10):
    return float(np.mean([simulate(make(s), roster, SimConfig(drain_days=drain_days), seed=s).on_time(role).iloc[0]
                          for s in SEEDS]))


def grow(tickets: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """Add copies of a share of the tickets, created within ±2 h of the originals."""
    if share == 0:
        return tickets
    rng = np.random.default_rng(seed + 1000)
    extra = tickets.sample(frac=share, random_state=seed).copy()
    extra["created_at"] += pd.to_timedelta(rng.uniform(-2, 2, len(extra)), unit="h")
    return pd.concat([tickets, with_deadlines(extra)], ignore_index=True)


def general(n):
    return lambda s: make_tickets(n, s, grids=40, dispute_share=0, urgent_share=0, direct_share=0)


def disputes(n):
    return lambda s: make_tickets(n, s, dispute_share=1.0, urgent_share=0, direct_share=0)


def one_street(grid_workers=20, mediators=(1, 1, 1)):
    return make_roster(grid_workers=(grid_workers,), mediators=mediators, streets=STREETS[:1])


@pytest.mark.parametrize("role, make, rosters, drain_days", [
    ("grid_worker", general(2000), [one_street(g) for g in (20, 30, 40)], 10),
    ("mediator", disputes(60), [one_street(0, (m, m, m)) for m in (1, 2, 4)], 60),
])
def test_more_staff_never_lowers_on_time(role, make, rosters, drain_days):
    rates = [mean_on_time(make, r, role, drain_days) for r in rosters]
    assert all(b >= a - TOL for a, b in zip(rates, rates[1:])), rates
    assert rates[-1] > rates[0] + 0.1, rates  # and the demand is heavy enough for staff to matter


@pytest.mark.parametrize("role, make, roster, drain_days", [
    ("grid_worker", general(1500), one_street(30), 10),
    ("mediator", disputes(60), one_street(0, (2, 2, 2)), 60),
])
def test_more_volume_never_raises_on_time(role, make, roster, drain_days):
    rates = [mean_on_time(lambda s, share=share: grow(make(s), share, s), roster, role, drain_days)
             for share in (0.0, 0.2, 0.4)]
    assert all(b <= a + TOL for a, b in zip(rates, rates[1:])), rates
    assert rates[-1] < rates[0] - 0.05, rates


# ---------------------------------------------------------------------------------------------------
# 4. Bad input


def test_zero_grid_workers_leaves_tickets_open():
    tickets = make_tickets(120, seed=3, dispute_share=0, urgent_share=0, direct_share=0)
    roster = make_roster(grid_workers=(0,), streets=STREETS[:1])
    result = simulate(tickets, roster, SimConfig(drain_days=7), seed=3)
    out = result.tickets
    assert (out["status"] == "open").all() and out["started_at"].isna().all()
    end = horizon_end(result, 7)
    past = out["deadline_at"] < end
    assert past.any() and (out.loc[past, "on_time"] == 0).all()
    row = result.summary.set_index("role").loc["grid_worker"]
    assert row["open_at_end"] == len(tickets) and row["on_time"] == 0
    assert result.backlog["queued"].max() > 0


def _drop(col):
    return lambda t, r: (t.drop(columns=col), r)


def _set_roster(street, col, value):
    def f(t, r):
        r = r.copy()
        r.loc[r["street"] == street, col] = value
        return t, r
    return f


@pytest.mark.parametrize("mutate, match", [
    (_set_roster("圣井街道", "grid_workers", -1), "negative headcount for 圣井街道"),
    (_set_roster("明水街道", "mediators_street", -2), "negative headcount for 明水街道"),
    (_drop("deadline_at"), "tickets lack columns: deadline_at"),
    (_drop("dispute"), "tickets lack columns: dispute"),
    (lambda t, r: (t, r.drop(columns="duty")), "roster lacks columns: duty"),
    (lambda t, r: (t, r[r["street"] == "明水街道"]), "no roster for streets: 圣井街道"),
    (lambda t, r: (t.assign(created_at=t["created_at"].where(t.index != 3)), r), "no creation time"),
])
def test_bad_input_raises(mutate, match):
    tickets, roster = mutate(district(0, per_street=20), make_roster())
    with pytest.raises(ValueError, match=match):
        simulate(tickets, roster, SimConfig(drain_days=1), seed=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"caseload": (2, 0, 4)}, "caseload"),
    ({"fail": (0.3, 1.0, 0.2)}, "cannot settle"),
    ({"fail": (-0.1, 0.2, 0.2)}, "cannot settle"),
    ({"consult_every_days": 0}, "consultation"),
    ({"consult_capacity": -1}, "consultation"),
])
def test_bad_mediation_setup(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MediationSetup(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"availability": 0.0}, "availability"),
    ({"availability": 1.5}, "availability"),
    ({"shift_start_h": 17.0, "shift_end_h": 17.5}, "shift"),
    ({"p_return": 1.0}, "return and reopen"),
    ({"effort_h": {"供暖": 0.0}}, "effort"),
])
def test_bad_sim_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SimConfig(**kwargs)


def test_engine_rejects_zero_speed():
    work = Work(np.zeros(1), np.zeros(1), np.zeros(1, np.int64), np.ones(1), np.full(1, np.nan), np.zeros(1))
    with pytest.raises(ValueError, match="speed"):
        run_street(work, np.ones((1, 1), bool), Shifts(np.ones(1, bool)), speed=0.0)


# ---------------------------------------------------------------------------------------------------
# 5. Engine specifics (time in hours from day 0's midnight)


def work(arrive, key=None, grid=None, effort=None, again_at=None, again_effort=None) -> Work:
    arrive = np.asarray(arrive, float)
    n = len(arrive)
    return Work(arrive, np.asarray(key if key is not None else arrive + 120.0, float),
                np.asarray(grid if grid is not None else [-1] * n, np.int64),
                np.asarray(effort if effort is not None else [1.0] * n, float),
                np.asarray(again_at if again_at is not None else [np.nan] * n, float),
                np.asarray(again_effort if again_effort is not None else [0.0] * n, float))


SHIFT = Shifts(np.ones(5, bool), start_h=9.0, end_h=17.0, overtime_h=0.0)


@pytest.mark.parametrize("effort, speed, grid, finish, busy", [
    (12.0, 1.0, -1, 24 + 9 + 4.0, [8.0, 4.0]),   # 8 h on day 0 by worker 0, the rest on day 1 by worker 1
    (12.0, 1.0, 0, 24 + 9 + 4.0, [8.0, 4.0]),    # even when it is worker 0's own grid
    (6.0, 0.5, -1, 24 + 9 + 4.0, [8.0, 4.0]),    # half speed: 4 h of work done on day 0
    (20.0, 1.0, -1, 48 + 9 + 4.0, [8.0, 12.0]),
])
def test_worker_off_roster_hands_back_work(effort, speed, grid, finish, busy):
    active = np.array([[True, False, False, False, False], [False, True, True, True, True]])
    log = run_street(work([9.0], grid=[grid], effort=[effort]), active, SHIFT, speed=speed)
    assert log.start[0] == 9.0
    assert log.finish[0] == pytest.approx(finish)
    np.testing.assert_allclose(log.busy_h, busy)
    np.testing.assert_allclose(log.shift_h, [8.0, 32.0])


def _within_windows(times, shifts, extra):
    times = times[~np.isnan(times)]
    day = np.floor(times / 24).astype(int)
    hour = times - 24 * day
    return shifts.workday[day] & (hour >= shifts.start_h - 1e-9) & (hour <= shifts.end_h + extra + 1e-9)


@pytest.mark.parametrize("per_hour, workers, speed, seed", [
    (0.3, 3, 1.0, 0),
    (1.0, 3, 0.7, 1),     # overloaded: overtime every day
    (2.0, 6, 0.6, 2),
])
def test_work_only_on_shift(per_hour, workers, speed, seed):
    rng = np.random.default_rng(seed)
    days = 35
    workday = np.array([d % 7 < 5 for d in range(days)])
    workday[10] = False  # a holiday
    shifts = Shifts(workday, start_h=9.0, end_h=17.5, overtime_h=2.0, overtime_queue=3.0)
    n = int(per_hour * 24 * 21)
    arrive = np.sort(rng.uniform(0, 21 * 24, n))
    effort = rng.lognormal(np.log(1.2), 0.6, n)
    again = np.where(rng.random(n) < 0.1, rng.uniform(5, 60, n), np.nan)
    active = np.ones((workers, days), bool)
    active[1, 4:9] = False
    w = work(arrive, arrive + 120, rng.integers(-1, workers, n), effort, again, 0.5 * effort)
    log = run_street(w, active, shifts, speed=speed)
    assert _within_windows(log.start, shifts, shifts.overtime_h).all()
    assert _within_windows(log.finish, shifts, shifts.overtime_h).all()
    started = ~np.isnan(log.start)
    assert (log.start[started] >= arrive[started]).all()
    assert (log.finish[started & ~np.isnan(log.finish)] > log.start[started & ~np.isnan(log.finish)]).all()
    # hours: nobody works more than their shifts plus overtime; overtime is bounded per working day
    assert (log.busy_h <= log.shift_h + log.overtime_h + 1e-9).all()
    assert (log.overtime_h <= shifts.overtime_h * active[:, workday].sum(axis=1) + 1e-9).all()
    assert log.shift_h[1] == pytest.approx(8.5 * (active[1] & workday).sum())


@pytest.mark.parametrize("seed", range(3))
def test_all_work_is_done_and_counted(seed):
    """Light load with returns: every hour of work (first and second visits) shows up as busy time."""
    rng = np.random.default_rng(seed)
    days = 28
    workday = np.array([d % 7 < 5 for d in range(days)])
    n = 120
    arrive = np.sort(rng.uniform(0, 14 * 24, n))
    effort = rng.lognormal(0.0, 0.5, n)
    again = np.where(rng.random(n) < 0.3, rng.uniform(5, 40, n), np.nan)
    w = work(arrive, grid=rng.integers(0, 3, n), effort=effort, again_at=again, again_effort=0.5 * effort)
    log = run_street(w, np.ones((3, days), bool), Shifts(workday, overtime_h=1.5), speed=0.8)
    assert not np.isnan(log.finish).any()
    total = effort.sum() + 0.5 * effort[~np.isnan(again)].sum()
    assert log.busy_h.sum() == pytest.approx(total / 0.8, rel=1e-9)


@pytest.mark.parametrize("queued, expected", [
    (0, 0.0),
    (1, 0.5),     # proportional: 1.5 h × 1 / (3 per worker × 1 worker)
    (2, 1.0),
    (3, 1.5),
    (7, 1.5),     # capped at overtime_h
])
def test_overtime_grows_with_the_queue(queued, expected):
    """One worker busy all day on a long ticket while `queued` tickets wait: overtime at the day's end."""
    shifts = Shifts(np.array([True, False]), start_h=9.0, end_h=17.0, overtime_h=1.5, overtime_queue=3.0)
    log = run_street(work([9.0] + [10.0] * queued, effort=[100.0] + [1.0] * queued), np.ones((1, 2), bool), shifts)
    assert log.overtime_h[0] == pytest.approx(expected)
    assert log.busy_h[0] == pytest.approx(8.0 + expected)


@pytest.mark.parametrize("seed", range(3))
def test_no_overtime_under_light_load(seed):
    rng = np.random.default_rng(seed)
    days = 21
    workday = np.array([d % 7 < 5 for d in range(days)])
    wd = np.flatnonzero(workday[:14])
    arrive = np.sort(rng.choice(wd, 60) * 24.0 + rng.uniform(9.5, 15.0, 60))  # daytime, ~4 a day
    log = run_street(work(arrive, grid=rng.integers(0, 4, 60), effort=rng.exponential(0.8, 60)),
                     np.ones((4, days), bool), Shifts(workday, overtime_h=2.0))
    assert (log.overtime_h == 0).all()
    assert not np.isnan(log.finish).any()


@pytest.mark.parametrize("workers, seed", [(2, 0), (3, 1), (5, 2)])
def test_light_load_work_goes_to_own_grid(workers, seed):
    """Each ticket finishes before the next arrives, so it is always worked by its grid's worker: each
    worker's busy hours are exactly the effort of their own grid's tickets (others stay idle)."""
    rng = np.random.default_rng(seed)
    arrive = (24.0 * np.arange(15)[:, None] + np.array([10.0, 14.0])).ravel()  # 10:00 and 14:00 daily
    n = len(arrive)
    grid = rng.integers(0, workers, n)
    effort = rng.uniform(0.5, 3.0, n)
    days = int(arrive.max() // 24) + 2
    log = run_street(work(arrive, grid=grid, effort=effort), np.ones((workers, days), bool),
                     Shifts(np.ones(days, bool), start_h=9.0, end_h=17.0))
    np.testing.assert_allclose(log.start, arrive)
    expected = np.bincount(grid, weights=effort, minlength=workers)
    np.testing.assert_allclose(log.busy_h, expected)


@pytest.mark.parametrize("colleague_due_earlier, colleague_first", [
    (0.0, False),       # same deadline: own grid first
    (10.0, False),      # earlier, but within the margin: own grid first
    (24.0, False),      # exactly the margin: not *more* than the margin
    (24.5, True),       # more than the margin earlier: the colleague's ticket first
    (-5.0, False),      # the colleague's is due later
])
def test_help_rule(colleague_due_earlier, colleague_first):
    """Worker 0 (on shift) has an own-grid ticket; worker 1 (off the roster) has one due earlier.
    Both wait overnight; at 9:00 worker 0 chooses. Worker 0 alone works, so the order shows in the starts."""
    own_key = 200.0
    w = work([1.0, 2.0], key=[own_key, own_key - colleague_due_earlier], grid=[0, 1], effort=[2.0, 3.0])
    active = np.array([[True, True], [False, False]])
    log = run_street(w, active, Shifts(np.ones(2, bool), start_h=9.0, end_h=17.0, help_margin_h=24.0))
    if colleague_first:
        np.testing.assert_allclose(log.start, [12.0, 9.0])
    else:
        np.testing.assert_allclose(log.start, [9.0, 11.0])


@pytest.mark.parametrize("own_key, pool_key, first", [
    (None, 150.0, 1),   # nothing of one's own: the street's most urgent
    (300.0, 150.0, 1),  # own much later
    (150.0, 300.0, 0),
])
def test_idle_worker_helps_the_street(own_key, pool_key, first):
    keys = [own_key if own_key is not None else 400.0, pool_key]
    grids = [0 if own_key is not None else 1, 1]
    log = run_street(work([1.0, 2.0], key=keys, grid=grids, effort=[1.0, 1.0]),
                     np.array([[True], [False]]), Shifts(np.ones(1, bool), start_h=9.0, end_h=17.0))
    assert log.start[first] == 9.0 and log.start[1 - first] == 10.0


@pytest.mark.parametrize("again_at", [100.0, 30.0])
def test_ticket_with_pending_return_is_unfinished(again_at):
    # first visit 10:00–11:00 on day 0; the return arrives after the last shift (day 0 only is a workday)
    shifts = Shifts(np.array([True, False, False]), start_h=9.0, end_h=17.0, overtime_h=0.0)
    log = run_street(work([10.0], effort=[1.0], again_at=[again_at], again_effort=[1.0]),
                     np.ones((1, 3), bool), shifts)
    assert log.start[0] == 10.0
    assert np.isnan(log.finish[0])
