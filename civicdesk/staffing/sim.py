"""The district simulation: tickets from history or a forecast, through the hotline's intake (直办),
grid workers (engine.py), the duty desk for urgent tickets and the mediation tiers (mediation.py),
to signing and closure against each time limit.

    result = simulate(tickets, roster, SimConfig(), seed=1)
    result.summary        # per street and role: on-time rates, time to sign/close, utilisation
    result.backlog        # per street and day: open tickets and the queue waiting for a worker
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from civicdesk import calendar as cal
from civicdesk.staffing.config import DEFAULT_EFFORT_H, DEFAULT_LEAD_WD, LEAD_WD, SimConfig
from civicdesk.staffing.engine import Shifts, Work, run_street
from civicdesk.staffing.inputs import MEDIATOR_TIERS, check_demand, check_roster, grid_index
from civicdesk.staffing.mediation import _tier, run_mediation
from civicdesk.staffing.results import SimResult, _clock, assemble

H = pd.Timedelta(hours=1)
WD_CLOCK_H = 24.0 * 7 / 5  # clock hours per working day, to schedule a return before its exact time is known
# The draws inside this module (return and reopen delays and efforts, uncalibrated signing, lead and urgent
# handling times) are assumed values; their sources are listed in civicdesk/staffing/config.py.
Progress = Callable[[float, str], None]


def _lognormal(rng, median, sigma, n):
    return np.asarray(median, dtype=float) * np.exp(sigma * rng.standard_normal(n))


#: Tickets per block whose effort multipliers are drawn evenly (`_even`). Tuned 2022Q2→Q3 (the seed-to-seed
#: drift of 圣井's replay); see civicdesk/staffing/config.py for every constant's source.
EVEN_BLOCK = 32


def _even(rng, sigma: float, n: int) -> np.ndarray:
    """Lognormal multipliers (median 1, log-sd sigma) rescaled so that each block of EVEN_BLOCK consecutive
    tickets has exactly the expected mean, exp(sigma²/2).

    Tickets keep their spread within a block, but the total work arriving over any stretch of days no
    longer drifts as a random walk. Where a street works near its capacity, its queue integrates that drift:
    with independent draws, a quarter's on-time rate of such a street moved by several points from one seed
    to the next, and a calibration fitted on one seed's drift carried it into every later run."""
    m = np.exp(sigma * rng.standard_normal(n))
    if n == 0:
        return m
    block = np.arange(n) // EVEN_BLOCK
    mean = np.bincount(block, weights=m) / np.bincount(block)
    return m * (np.exp(sigma ** 2 / 2) / mean[block])


def _sample(rng, pools: dict, keys: np.ndarray, default: Callable[[str, int], np.ndarray]) -> np.ndarray:
    """Draw one value per key from its pool of samples (or from `default(key, n)`)."""
    out = np.empty(len(keys))
    for key in pd.unique(keys):
        m = keys == key
        pool = pools.get(key)
        out[m] = rng.choice(pool, int(m.sum())) if pool is not None and len(pool) else default(key, int(m.sum()))
    return out


def _hours(ts: pd.Series | np.ndarray, t0: pd.Timestamp) -> np.ndarray:
    return (pd.to_datetime(pd.Series(ts)).to_numpy() - t0.to_datetime64()) / np.timedelta64(1, "h")


def _daytime(ts: pd.Series) -> pd.Series:
    """The first moment from 08:00 to 20:00 at or after each time (tickets are signed in daytime)."""
    day, hour = ts.dt.normalize(), ts.dt.hour
    return ts.where((hour >= 8) & (hour < 20), day + pd.Timedelta(hours=8)).where(
        hour >= 8, day + pd.Timedelta(hours=8)).where(hour < 20, day + pd.Timedelta(days=1, hours=8))


class _Run:
    """One simulation: shared arrays and the random generator."""

    def __init__(self, tickets, roster, config, seed, workers_by_day):
        self.t = check_demand(tickets)
        self.roster = check_roster(roster)
        unknown = sorted(set(self.t["street"].dropna()) - set(self.roster.index))
        if unknown:
            raise ValueError(f"no roster for streets: {', '.join(map(str, unknown[:5]))}")
        self.cfg, self.seed = config, seed
        self.rng = np.random.default_rng(seed)
        self.t0 = self.t["created_at"].min().normalize()
        last = self.t["created_at"].max().normalize()
        self.days = pd.date_range(self.t0, last + pd.Timedelta(days=config.drain_days), freq="D")
        self.workday = cal.workday_mask(self.days)
        self.horizon_h = len(self.days) * 24.0
        self.workers_by_day = workers_by_day
        self.out = {k: np.full(len(self.t), np.nan) for k in ("signed", "started", "finished", "closed")}
        self.role = np.full(len(self.t), "direct", dtype=object)
        self.abandoned = np.zeros(len(self.t), dtype=bool)
        self.usage: list[dict] = []
        self.queue: dict[str, np.ndarray] = {}  # per street: tickets waiting for a grid worker at each day's start

    def active(self, street: str) -> np.ndarray:
        if self.workers_by_day is not None and street in self.workers_by_day.index:
            counts = self.workers_by_day.loc[street].reindex(self.days).ffill().bfill().to_numpy()
        else:
            counts = np.full(len(self.days), self.roster.at[street, "grid_workers"])
        top = int(max(counts.max(), 1))
        return np.arange(top)[:, None] < counts[None, :].astype(int)

    def effort(self, category: np.ndarray) -> np.ndarray:
        """Hours of work per ticket: lognormal around the category's median, drawn evenly (see `_even`)."""
        cal_ = self.cfg.calibration
        scale = cal_.effort_scale if cal_ is not None else 1.0
        med = pd.Series(category).map(self.cfg.effort_h).fillna(DEFAULT_EFFORT_H).to_numpy()
        return med * scale * _even(self.rng, self.cfg.effort_sigma, len(category))

    def lead_wd(self, category: np.ndarray) -> np.ndarray:
        pools = dict(self.cfg.calibration.lead_wd) if self.cfg.calibration is not None else {}

        def default(cat, n):
            return _lognormal(self.rng, LEAD_WD.get(cat, DEFAULT_LEAD_WD), 0.75, n)
        return _sample(self.rng, pools, np.asarray(category, dtype=object), default)


def _grid_workers(run: _Run, street: str, idx: np.ndarray) -> None:
    """General dispatched tickets of one street through its grid workers."""
    t, cfg, rng = run.t.iloc[idx], run.cfg, run.rng
    n = len(idx)
    active = run.active(street)
    arrive = _hours(t["created_at"], run.t0)
    effort = run.effort(t["category"].to_numpy())
    lead = run.lead_wd(t["category"].to_numpy())
    p_return, p_reopen = cfg.shares()
    ret = rng.random(n) < p_return
    reopen = ~ret & (rng.random(n) < p_reopen)
    again_at = np.full(n, np.nan)
    again_at[ret] = rng.uniform(0.3, 2.0, ret.sum()) * WD_CLOCK_H
    again_at[reopen] = (lead[reopen] * WD_CLOCK_H + rng.uniform(0.2, 2.0, reopen.sum()) * 24.0)
    first = np.where(ret, 0.3 * effort, effort)
    again_effort = np.where(reopen, 0.5 * effort, effort)
    last_lead = np.where(reopen, _lognormal(rng, 0.5, 0.6, n), lead)
    per_day = cfg.tickets_per_worker_day(street, float(np.mean(effort)))
    shifts = Shifts(run.workday, cfg.shift_start_h + cfg.patrol_h, cfg.shift_end_h, cfg.overtime_h,
                    cfg.overtime_days * per_day)
    day_of = np.minimum((arrive // 24).astype(int), len(run.days) - 1)
    grid = grid_index(t, active.sum(axis=0)[day_of])
    work = Work(arrive, _hours(t["deadline_at"], run.t0), grid, first, again_at, again_effort)
    log = run_street(work, active, shifts, speed=cfg.street_availability(street))
    finish = _clock(log.finish, run.t0)
    closed = cal.add_working_days(finish, last_lead)
    run.out["started"][idx] = log.start
    run.out["finished"][idx] = log.finish
    run.out["closed"][idx] = _hours(closed, run.t0)
    backlog_days = log.queue_at_day / np.maximum(active.sum(axis=0) * per_day, 1e-9)
    _sign(run, idx, log.start, backlog_days[day_of])
    run.usage.append({"street": street, "role": "grid_worker", "busy_h": log.busy_h.sum(),
                      "available_h": log.shift_h.sum(), "overtime_h": log.overtime_h.sum(),
                      "worker_weeks": (active & run.workday[None, :]).sum() / 5.0})
    run.queue[street] = log.queue_at_day


def _sign(run: _Run, idx: np.ndarray, started: np.ndarray, backlog_days: np.ndarray) -> None:
    """Signing: the first daytime moment plus a reaction that slows with the backlog, never after work starts."""
    t, cfg, rng = run.t.iloc[idx], run.cfg, run.rng
    pool = cfg.calibration.sign_h if cfg.calibration is not None else None
    n = len(idx)
    react = rng.choice(pool, n) if pool is not None and len(pool) else _lognormal(rng, 2.0, 1.2, n)
    react = react * (1 + cfg.sign_load * np.clip(backlog_days - 1.0, 0, 4))
    signed = _hours(_daytime(t["created_at"].reset_index(drop=True)), run.t0) + react
    run.out["signed"][idx] = np.fmin(signed, np.where(np.isnan(started), np.inf, started))


def _duty(run: _Run, street: str, idx: np.ndarray) -> None:
    """Urgent tickets at the street's duty desk, around the clock, first come first served."""
    t, cfg, rng = run.t.iloc[idx], run.cfg, run.rng
    servers = int(run.roster.at[street, "duty"])
    arrive = _hours(t["created_at"], run.t0)
    very = (t["urgency"] == "very_urgent").to_numpy()
    effort = _lognormal(rng, np.where(very, cfg.duty_effort_h[1], cfg.duty_effort_h[0]), 0.6, len(idx))
    if servers <= 0:
        start = np.full(len(idx), np.nan)
        done = start
    else:
        start, done = _tier(arrive, servers, effort)
    # handling time from history (creation to closure when the desk is free); the desk's queue adds to it
    pools = (cfg.calibration.urgent_lead_h or {}) if cfg.calibration is not None else {}
    handle = _sample(rng, pools, t["urgency"].to_numpy(dtype=object),
                     lambda u, n: _lognormal(rng, 1.0 if u == "very_urgent" else 6.0, 0.7, n))
    run.out["started"][idx] = start
    run.out["signed"][idx] = np.fmin(arrive + _lognormal(rng, 0.2, 0.7, len(idx)), start)
    run.out["closed"][idx] = start + handle  # the desk's effort happens inside the handling time
    busy = np.clip(np.minimum(done, run.horizon_h) - start, 0, None).sum() if servers else 0.0
    run.usage.append({"street": street, "role": "duty", "busy_h": busy,
                      "available_h": servers * run.horizon_h, "overtime_h": 0.0, "worker_weeks": servers * len(run.days) / 7})


def _mediators(run: _Run, street: str, idx: np.ndarray) -> None:
    t, cfg = run.t.iloc[idx], run.cfg
    setup = cfg.mediation_setup()
    arrive = _hours(t["created_at"], run.t0)
    mediators = tuple(int(run.roster.at[street, f"mediators_{k}"]) for k in MEDIATOR_TIERS)
    log = run_mediation(arrive, mediators, setup, run.rng, run.horizon_h)
    run.out["started"][idx] = log.start
    run.out["signed"][idx] = np.fmin(arrive + _lognormal(run.rng, 3.0, 1.0, len(idx)), log.start)
    run.out["closed"][idx] = log.closed
    run.usage.append({"street": street, "role": "mediator", "busy_h": log.busy_h.sum(),
                      "available_h": log.slot_h.sum(), "overtime_h": 0.0,
                      "worker_weeks": sum(mediators) * len(run.days) / 7})


def simulate(tickets: pd.DataFrame, roster: pd.DataFrame, config: SimConfig | None = None, seed: int = 0,
             workers_by_day: pd.DataFrame | None = None, progress: Progress | None = None) -> SimResult:
    """Simulate the centre on a set of tickets.

    Args:
        tickets: DEMAND_COLUMNS (from `load_history` or `demand_from_forecast`).
        roster: headcount per street (ROSTER_COLUMNS), e.g. from `roster_on`.
        config: SimConfig (defaults when None).
        seed: random seed.
        workers_by_day: grid workers per street (rows) and day (columns) overriding the roster's count,
            to replay a past period with its real roster.
        progress: called with (share done, street) after each street.
    """
    run = _Run(tickets, roster, config or SimConfig(), seed, workers_by_day)
    t = run.t
    kind = np.select([t["direct"].to_numpy(dtype=bool), t["dispute"].to_numpy(dtype=bool),
                      (t["urgency"] != "general").to_numpy()], ["direct", "mediator", "duty"], "grid_worker")
    run.role = kind.astype(object)
    streets = list(run.roster.index)
    for k, street in enumerate(streets):
        here = (t["street"] == street).to_numpy()
        for role, fn in (("grid_worker", _grid_workers), ("duty", _duty), ("mediator", _mediators)):
            idx = np.flatnonzero(here & (kind == role))
            if len(idx):
                fn(run, street, idx)
        if progress is not None:
            progress((k + 1) / len(streets), street)
    direct = kind == "direct"
    arrive = _hours(t["created_at"], run.t0)
    run.out["signed"][direct] = arrive[direct]
    run.out["started"][direct] = arrive[direct]
    run.out["closed"][direct] = arrive[direct] + 0.3
    return assemble(run)
