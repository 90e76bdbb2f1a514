"""Calibrate the district simulation on a past period, and backtest it on the next one.

Headcount is not capacity. A street's *availability* (the share of on-shift hours its grid workers
spend on tickets) is found as the value whose simulated queueing delays best explain how the observed
time to close rises and falls from day to day (backlogs after weekends, holidays and surges); the rest
of each ticket's observed time to close is its *lead time* (departments, repairs, the caller), kept per
category as an empirical distribution. The two steps alternate twice. A street where work queued for
weeks (`saturated_days`) is then refitted on the level of its delay (`_fit_saturated`). Signing reactions,
urgent lead times and the mediation durations are taken from the same period.

Censoring. A calibration sees its period as it stood at its end (`load_history(..., as_of=...)`): a ticket
created late in the period and closed after the cut-off is open in the data, and its time to close is
*censored* (longer than its age at the cut-off), not missing. Fitting on the closed tickets only would keep
the quick ones and bias times to close, and so lead times and delays, short. Three corrections, chosen by
what each quantity needs:

- Lead times: a Kaplan–Meier estimate per category (`survival.km_pool`), with a ticket still open at the cut-off
  censored at its age less its simulated queue.
- Availability: the simulation is censored where the data are. The observed and simulated working days to
  close (or to the end of the worker's part, for the day-to-day shape) are both capped at the ticket's age
  at the cut-off, so an open ticket enters both at its age. The shape fit uses only tickets created at
  least OBSERVE_WD working days before the cut-off (the rest carry mostly the cap). The level fit compares
  the observed time less the excess signing, so it caps the simulation at the age less that excess.
- Signing reactions, urgent handling times, return and reopen shares: only tickets created at least
  OBSERVE_WD working days before the cut-off (closed, for the shares); disputes settled within 30 days:
  only disputes created at least 30 days before it.

Without a cut-off (`as_of=None`, a history followed to its end) nothing is censored and the fit is the
plain one.

    calib = calibrate(history, staff, config, warmup=...)
    check = backtest(engine, "2022-04-01", "2022-06-30", "2022-07-01", "2022-09-30")
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from civicdesk import calendar as cal
from civicdesk.staffing.config import Calibration, SimConfig
from civicdesk.staffing.inputs import (MEDIATOR_TIERS, general_dispatched as _general, grid_workers_by_day,
                                       load_history, load_staff, roster_on)
from civicdesk.staffing.mediation import run_mediation
from civicdesk.staffing.sim import _daytime, _grid_workers, _Run
from civicdesk.staffing.survival import km_pool
from civicdesk.access import require
from civicdesk.parallel import run_parallel

# Sources of the constants below: civicdesk/staffing/config.py (module docstring) keeps the register.
WARMUP_DAYS = 28  # technical: queues start empty
MIN_TICKETS = 30  # technical
REPLICAS = 1  # technical
GRID = np.exp(np.linspace(np.log(0.005), np.log(3.0), 12))  # technical; wide: a small centre's workers may be mostly idle
STEP = (np.log(3.0) - np.log(0.005)) / 11
#: Among availabilities that explain the data about as well as the best (loss within this share of the
#: best), take the largest: too little capacity sends a simulation into a collapse the data never showed.
LOSS_TOLERANCE = 0.15  # tuned 2022Q2→Q3
#: ... but no more than this multiple of the best fit: where the loss is flat (a street that never queued)
#: the data say little, and a huge capacity would make the plan cut that street's staff.
MAX_DRIFT = 1.25  # tuned 2022Q2→Q3
#: A street is saturated on a creation day when its tickets took this many working days longer to close
#: than the district's tickets of that day, and its availability is fitted on the level of the delay
#: (`_fit_saturated`) when that happened on at least SATURATED_DAYS days of the calibration period.
SATURATED_WD = 2.0  # tuned 2022Q2→Q3 (introduced for 圣井's understaffing), as are the four below
SATURATED_DAYS = 10
LEVEL_REPLICAS = 4
LEVEL_BRACKET = 0.4  # the level fit searches within exp(±0.4) of the shape fit
LEVEL_STEPS = 12
#: Under a cut-off, the day-to-day shape fit and the light-load pools use only tickets created at least this
#: many working days before it: a general ticket's limit of 5 working days plus the longest extension
#: (10; DESIGN.md, `civicdesk.calendar.EXTENSION_MAX_WORKING_DAYS`), so nearly all could have closed.
OBSERVE_WD = float(cal.EXTENSION_MAX_WORKING_DAYS)
Progress = Callable[[float, str], None]


def _street_run(h: pd.DataFrame, street: str, staff: pd.DataFrame, config: SimConfig, avail: float,
                seed: int, workers_by_day: pd.DataFrame) -> tuple[pd.DataFrame, _Run]:
    """The general tickets of one street through its grid workers at availability `avail`."""
    sub = h[(h["street"] == street) & _general(h)]
    cal_ = replace(config.calibration or Calibration(), availability={street: avail})
    roster = roster_on(staff, sub["created_at"].min()).query("street == @street")
    run = _Run(sub, roster, replace(config, calibration=cal_, drain_days=40), seed, workers_by_day)
    _grid_workers(run, street, np.arange(len(sub)))
    return sub, run


def _working_days_to(sub: pd.DataFrame, run: _Run, key: str) -> np.ndarray:
    """Working days from creation to run.out[key] (NaN where the run never got there)."""
    when = pd.to_datetime(run.t0.value + run.out[key] * 3.6e12, unit="ns")
    return cal.working_days_between(sub["created_at"].to_numpy(), when.to_numpy())


def _cap(days: np.ndarray, censor: np.ndarray) -> np.ndarray:
    """Working days capped at the age at the cut-off (`censor`; inf without one): what the data could show.
    A value the run never reached (NaN) is censored too, where there is a cut-off."""
    out = np.minimum(days, censor)
    return np.where(np.isnan(days) & np.isfinite(censor), censor, out)


def _street_queue_days(h: pd.DataFrame, street: str, staff: pd.DataFrame, config: SimConfig,
                       avail: float, seed: int, workers_by_day: pd.DataFrame) -> np.ndarray:
    """Working days from creation to the end of the worker's part, per general ticket of one street."""
    sub, run = _street_run(h, street, staff, config, avail, seed, workers_by_day)
    return _working_days_to(sub, run, "finished")


def _street_close_days(h: pd.DataFrame, street: str, staff: pd.DataFrame, config: SimConfig,
                       avail: float, seed: int, workers_by_day: pd.DataFrame) -> np.ndarray:
    """Working days from creation to closure (the worker's part plus a drawn lead time), per general
    ticket of one street."""
    sub, run = _street_run(h, street, staff, config, avail, seed, workers_by_day)
    return _working_days_to(sub, run, "closed")


def _over_others(street: np.ndarray, day: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per ticket, its value less the mean over the other streets' tickets created the same day (NaN where
    no other street has one)."""
    frame = pd.DataFrame({"street": street, "day": day, "v": value})
    by_day = frame.groupby("day")["v"]
    by_street_day = frame.groupby(["street", "day"])["v"]
    n_other = by_day.transform("size") - by_street_day.transform("size")
    other = (by_day.transform("sum") - by_street_day.transform("sum")) / n_other.where(n_other > 0)
    return (frame["v"] - other).to_numpy(dtype=float)


def saturated_days(h: pd.DataFrame, observed: pd.Series, measured: pd.Series) -> dict[str, np.ndarray]:
    """Per street, the creation days (measured period) on which its general tickets took on average more
    than SATURATED_WD working days longer to close than the other streets' tickets of the same day: days on
    which a queue of work waited for the street's grid workers. Only streets with at least
    SATURATED_DAYS such days are returned."""
    g = (_general(h) & measured & observed.notna()).to_numpy()
    street, day = h.loc[g, "street"].to_numpy(), h.loc[g, "created_at"].dt.normalize().to_numpy()
    frame = pd.DataFrame({"street": street, "day": day, "excess": _over_others(street, day, observed[g].to_numpy())})
    per = frame.groupby(["street", "day"])["excess"].mean().reset_index()
    out = {}
    for name, d in per[per["excess"] > SATURATED_WD].groupby("street"):
        if len(d) >= SATURATED_DAYS:
            out[name] = np.sort(d["day"].to_numpy())
    return out


def _excess_signing(h: pd.DataFrame, measured: pd.Series) -> np.ndarray:
    """Per ticket, working days from creation to signing beyond the mean of the other streets' general
    tickets created the same day (0 where unknown or outside the measured period).

    Under a backlog signing slows, and in the data the work only starts once the ticket is signed, so the
    slower signing lengthens the time to close. The simulation lets a worker sign while the ticket waits in
    the queue; what it must explain of the observed delay is the rest."""
    g = (_general(h) & measured & h["signed_at"].notna()).to_numpy()
    sign = cal.working_days_between(h.loc[g, "created_at"], h.loc[g, "signed_at"])
    out = np.zeros(len(h))
    out[g] = np.nan_to_num(_over_others(h.loc[g, "street"].to_numpy(), h.loc[g, "created_at"].dt.normalize().to_numpy(),
                                        np.asarray(sign, dtype=float)), nan=0.0)
    return out


def _fit_saturated(h, street, staff, config, seed, workers_by_day, observed, measured, days, around, censor=None,
                   slow_sign=None):
    """Availability of a saturated street: the value at which the simulated mean working days to close
    of the tickets created on its saturated `days` equals the observed mean, less their excess signing
    time (`_excess_signing`), by bisection in log space.

    Where work queues, the time to close is set by the street's throughput (effective capacity), which
    the day-to-day shape used by `_fit_street` pins down only loosely: near saturation a few per cent of
    availability move the on-time rate by tens of points. The level of the observed delay on those days
    measures the throughput directly. Each value is averaged over LEVEL_REPLICAS replications with the
    same seeds at every value tried (common random numbers), so the search is smooth and the fitted value
    hardly depends on the seed.

    Under a cut-off, `observed` is capped at each ticket's age then, and so is each simulated value
    (`censor`: working days from creation to the cut-off, per ticket of `h`). `slow_sign`: the excess signing
    per ticket of `h`, when `h` holds only this street's tickets (it is measured against the other streets)."""
    g = ((h["street"] == street) & _general(h)).to_numpy()
    cap = np.full(int(g.sum()), np.inf) if censor is None else np.asarray(censor, dtype=float)[g]
    on = (measured.to_numpy()[g] & np.isin(h.loc[g, "created_at"].dt.normalize().to_numpy(), days)
          & ~np.isnan(observed.to_numpy()[g]))
    slow_sign = np.asarray(_excess_signing(h, measured) if slow_sign is None else slow_sign, dtype=float)[g]
    target = float(observed.to_numpy()[g][on].mean()) - slow_sign[on].mean()
    # the data's time to close less its excess signing is what the simulation explains; where the data are
    # capped at the age at the cut-off, that is capped at the age less the excess, and so is the simulation
    cap = cap - slow_sign

    def excess(log_a: float) -> float:
        sims = [_cap(_street_close_days(h, street, staff, config, float(np.exp(log_a)), seed + 101 * r,
                                        workers_by_day), cap) for r in range(LEVEL_REPLICAS)]
        return float(np.nanmean(np.concatenate([s[on] for s in sims]))) - target

    lo, hi = np.log(around) - LEVEL_BRACKET, np.log(around) + LEVEL_BRACKET
    f_lo, f_hi = excess(lo), excess(hi)
    if not (f_lo > 0 > f_hi):  # the observed level is outside what the bracket can reach: keep the shape fit
        return around
    for _ in range(LEVEL_STEPS):
        mid = (lo + hi) / 2
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
    return float(np.exp((lo + hi) / 2))


def _loss(observed: np.ndarray, queue: np.ndarray, day: np.ndarray) -> float:
    """Variance across creation days of (observed − simulated) mean working days to close."""
    ok = ~np.isnan(queue)
    if ok.sum() < MIN_TICKETS or (~ok).mean() > 0.02:
        return np.inf
    frame = pd.DataFrame({"d": day[ok], "gap": observed[ok] - queue[ok]})
    means = frame.groupby("d")["gap"].agg(["mean", "size"])
    w = means["size"].to_numpy(dtype=float)
    centred = means["mean"].to_numpy() - np.average(means["mean"], weights=w)
    return float(np.average(centred ** 2, weights=w))


def _fit_street(h, street, staff, config, seed, workers_by_day, observed, measured, around=None, censor=None):
    """Availability of one street: a grid in log space (or around a previous fit), then a finer look.

    Under a cut-off, `observed` is capped at each ticket's age then and the simulated queue is capped the
    same way (`censor`); returns the uncapped simulated queue."""
    g = ((h["street"] == street) & _general(h)).to_numpy()
    cap = np.full(int(g.sum()), np.inf) if censor is None else np.asarray(censor, dtype=float)[g]
    keep = measured.to_numpy()[g]
    obs = observed.to_numpy()[g]
    day = h.loc[g, "created_at"].dt.normalize().to_numpy()[keep]
    memo = {}

    def loss(a: float) -> float:
        if a not in memo:
            # REPLICAS replications with common random numbers across the values tried
            q = np.mean([_street_queue_days(h, street, staff, config, a, seed + r, workers_by_day)
                         for r in range(REPLICAS)], axis=0)
            memo[a] = (_loss(obs[keep], _cap(q, cap)[keep], day), q)
        return memo[a][0]

    if around is None:
        best = float(GRID[int(np.argmin([loss(a) for a in GRID]))])
        lo, hi, steps = np.log(best) - STEP, np.log(best) + STEP, 9
    else:
        lo, hi, steps = np.log(around) - 0.12, np.log(around) + 0.12, 6
    _golden(lambda x: loss(float(np.exp(x))), lo, hi, steps)
    best = min(v[0] for v in memo.values())
    at_best = min(k for k, v in memo.items() if v[0] == best)
    a = max(k for k, v in memo.items()
            if v[0] <= best * (1 + LOSS_TOLERANCE) + 1e-4 and k <= at_best * MAX_DRIFT)
    return a, memo[a][1]


def _golden(f: Callable[[float], float], lo: float, hi: float, steps: int) -> float:
    """Golden-section search for the minimum of f on [lo, hi]; returns the best point evaluated."""
    ratio = (np.sqrt(5) - 1) / 2
    x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    f1, f2 = f(x1), f(x2)
    for _ in range(steps):
        if f1 <= f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - ratio * (hi - lo)
            f1 = f(x1)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + ratio * (hi - lo)
            f2 = f(x2)
    return x1 if f1 <= f2 else x2


#: Shortest lead time kept (working days): a ticket closed as it was signed still took some handling.
MIN_LEAD_WD = 0.02


def _lead_pools(h: pd.DataFrame, observed: pd.Series, queue: pd.Series | float,
                censor: pd.Series | None = None) -> dict[str, np.ndarray]:
    """Per category, what is left of the observed working days to close once the simulated queue and
    work are taken off, from tickets that were neither returned nor reopened.

    A ticket still open at the cut-off (`censor`: its age then, in working days) has a lead of at least its
    age less its queue: a censored value, and the distribution is the Kaplan–Meier estimate (`survival.km_pool`).
    An open ticket whose simulated queue reaches past the cut-off says nothing of its lead and is left out.
    Without censoring (all closed), the pool is the leads themselves."""
    clean = ((h["returned_count"] == 0) & (h["reopened_count"] == 0)).to_numpy()
    resid = np.asarray(observed - queue, dtype=float)
    event = ~np.isnan(resid)
    if censor is None:
        time = resid
    else:
        left = np.asarray(censor - queue, dtype=float)
        event = event & np.isfinite(left)  # a closed ticket has resid ≤ left; open ones are censored at left
        time = np.where(event, resid, left)
    ok = clean & ~np.isnan(time) & (event | (time > MIN_LEAD_WD))
    cats = h["category"].to_numpy()[ok]
    time, event = np.clip(time[ok], MIN_LEAD_WD, None), event[ok]
    return {cat: km_pool(time[cats == cat], event[cats == cat]) for cat in pd.unique(cats)}


def _other_pools(h: pd.DataFrame, old: pd.Series | None = None) -> dict:
    """Signing reactions at light load, urgent lead times and the return and reopen shares, from history.

    Args:
        old: under a cut-off, the tickets created at least OBSERVE_WD working days before it; only they
            are used, and the shares only from those of them closed by the cut-off (their counts are final).
    """
    if old is not None:
        h = h[old.to_numpy()]
        shares = h[_general(h) & h["closed_at"].notna()]
    else:
        shares = h[_general(h)]
    gen = h[_general(h) & h["signed_at"].notna()]
    react = (gen["signed_at"] - _daytime(gen["created_at"].reset_index(drop=True)).to_numpy()) / pd.Timedelta(hours=1)
    react = react[react >= 0]
    light = react[react <= react.quantile(0.95)].to_numpy() if len(react) else None
    urg = h[~h["direct"] & ~h["dispute"] & (h["urgency"] != "general") & h["closed_at"].notna()]
    hours = ((urg["closed_at"] - urg["created_at"]) / pd.Timedelta(hours=1)).clip(lower=0.05)
    urgent = {u: g.to_numpy() for u, g in hours.groupby(urg["urgency"])}
    return {"sign_h": light, "p_return": float((shares["returned_count"] > 0).mean()) if len(shares) else None,
            "p_reopen": float((shares["reopened_count"] > 0).mean()) if len(shares) else None,
            "urgent_lead_h": urgent}


def _mediation_scale(h: pd.DataFrame, staff: pd.DataFrame, config: SimConfig, seed: int,
                     measure_from: pd.Timestamp, cut: pd.Timestamp | None = None) -> float:
    """The factor on the tiers' case durations that reproduces the observed share of disputes settled
    within 30 days (bisection; the share falls as cases get longer). Under a cut-off, only disputes created
    at least 30 days before it are counted (whether they settled within 30 days is known)."""
    disp = h[h["dispute"] & ~h["direct"]]
    last = cut - pd.Timedelta(days=30) if cut is not None else pd.Timestamp.max
    counted = (disp["created_at"] >= measure_from) & (disp["created_at"] <= last)
    seen = disp[counted]
    if len(seen) < MIN_TICKETS:
        return 1.0
    target = float(((seen["closed_at"] - seen["created_at"]) <= pd.Timedelta(days=30)).mean())
    roster = roster_on(staff, measure_from).set_index("street")
    t0 = disp["created_at"].min().normalize()

    def share(scale: float) -> float:
        setup = replace(config.mediation, days=tuple(d * scale for d in config.mediation.days))
        hits, n = 0.0, 0
        for street, g in disp.groupby("street"):
            if street not in roster.index:
                continue
            arrive = ((g["created_at"] - t0) / pd.Timedelta(hours=1)).to_numpy()
            mediators = tuple(int(roster.at[street, f"mediators_{k}"]) for k in MEDIATOR_TIERS)
            log = run_mediation(arrive, mediators, setup, np.random.default_rng(seed), float(arrive.max()) + 24 * 90)
            keep = counted[g.index].to_numpy()
            hits += float((np.nan_to_num(log.closed - arrive, nan=np.inf)[keep] <= 30 * 24).sum())
            n += int(keep.sum())
        return hits / max(n, 1)

    lo, hi = 0.1, 10.0
    for _ in range(14):
        mid = float(np.sqrt(lo * hi))
        lo, hi = (mid, hi) if share(mid) > target else (lo, mid)
    return float(np.sqrt(lo * hi))


def calibrate(history: pd.DataFrame, staff: pd.DataFrame, config: SimConfig | None = None,
              measure_from=None, seed: int = 0, rounds: int = 2, progress: Progress | None = None,
              as_of=None, n_jobs: int = 1) -> Calibration:
    """Fit availability per street and the lead-time distributions on a past period.

    Under a cut-off (`as_of`), times to close are right-censored at each ticket's age then and the fit
    corrects for it (module docstring): Kaplan–Meier lead times, the simulation capped where the data
    are, and the light-load pools and shares from tickets old enough to have closed.

    Args:
        history: `load_history` of the period, including a warm-up of about four weeks before
            `measure_from` (the simulation starts with empty queues).
        staff: the staff table (`load_staff`); the roster is replayed day by day.
        measure_from: first day whose tickets enter the fit (default: WARMUP_DAYS after the first).
        rounds: alternations of the availability and lead-time steps.
        progress: called with (share done, street).
        as_of: the cut-off the history was loaded at (`load_history(..., as_of=...)`; default: the
            history's ``attrs["as_of"]``). None: no censoring (the history is followed to its end).
        n_jobs: processes for the per-street fits on this machine (`civicdesk.parallel.run_parallel`; with
            CIVICDESK_DASK_SCHEDULER set they run on that Dask cluster). Each street's fit draws from `seed`
            alone, so the result does not depend on where or in which order the streets ran.
    """
    config = config or SimConfig()
    if as_of is None:
        as_of = history.attrs.get("as_of")
    cut = pd.Timestamp(as_of) if as_of is not None else None
    h = history.reset_index(drop=True)
    if not _general(h).any():
        raise ValueError("the period has no dispatched general tickets to calibrate on")
    start = h["created_at"].min().normalize()
    measure_from = pd.Timestamp(measure_from) if measure_from is not None else start + pd.Timedelta(days=WARMUP_DAYS)
    observed = pd.Series(cal.working_days_between(h["created_at"], h["closed_at"]), index=h.index)
    if cut is None:
        censor, capped, old = None, observed, None
        measured = (h["created_at"] >= measure_from) & h["closed_at"].notna()
        shaped = measured
    else:  # an open ticket enters the fits at its age at the cut-off (censored; the simulation is capped alike)
        if (h["closed_at"] > cut).any() or (h["created_at"] >= cut).any():
            raise ValueError("the history holds events after the cut-off; load it with load_history(..., as_of=...)")
        censor = pd.Series(cal.working_days_between(h["created_at"], pd.Series(cut, index=h.index)), index=h.index)
        capped = observed.fillna(censor).clip(upper=censor)
        old = censor >= OBSERVE_WD
        measured = h["created_at"] >= measure_from
        shaped = measured & old
    days = pd.date_range(start, h["created_at"].max().normalize() + pd.Timedelta(days=40))
    workers = grid_workers_by_day(staff, days)
    streets = sorted(s for s in h.loc[_general(h), "street"].unique() if s in workers.index)
    scale = _mediation_scale(h, staff, config, seed, measure_from, cut)
    gen = _general(h)
    calib = replace(Calibration(**_other_pools(h, old), mediation_scale=scale),
                    lead_wd=_lead_pools(h[gen], observed[gen], 0.0, None if censor is None else censor[gen]),
                    period=(str(measure_from.date()), str(h["created_at"].max().date())))
    # one task per street, each with only its own tickets (`run_parallel`: here or on a Dask cluster)
    rows = {street: ((h["street"] == street) & gen).to_numpy() for street in streets}

    def part(street: str, cfg: SimConfig, *aligned) -> tuple:
        own = rows[street]
        return (h[own], street, staff, cfg, seed, workers.loc[[street]],
                *(None if a is None else a[own] for a in aligned))

    def report(r: int, k: int) -> None:
        if progress is not None:
            progress((r * len(streets) + k + 1) / (rounds * len(streets)), streets[k])

    for r in range(rounds):
        cfg = replace(config, calibration=calib)
        fits = run_parallel(_fit_street, [(*part(street, cfg, capped, shaped), calib.availability.get(street),
                                           None if censor is None else censor[rows[street]]) for street in streets],
                            n_jobs, on_result=lambda k, _, r=r: report(r, k))
        avail, queue = {}, pd.Series(np.nan, index=h.index)
        for street, (a, q) in zip(streets, fits):
            avail[street] = a
            queue[h.index[rows[street]]] = q
        g = _general(h) & measured
        calib = replace(calib, availability=avail,
                        lead_wd=_lead_pools(h[g], observed[g], queue[g], None if censor is None else censor[g]))
    # streets where work queued for weeks: availability from the level of the delay, with the final leads
    cfg = replace(config, calibration=calib)
    avail = dict(calib.availability)
    saturated = {s: d for s, d in saturated_days(h, capped, measured).items() if s in avail}
    slow_sign = _excess_signing(h, measured) if saturated else None
    fits = run_parallel(_fit_saturated, [(*part(street, cfg, capped, measured), days_, avail[street],
                                          None if censor is None else censor[rows[street]], slow_sign[rows[street]])
                                         for street, days_ in saturated.items()], n_jobs)
    avail.update(zip(saturated, fits))
    return _normalise(replace(calib, availability=avail))


def _normalise(calib: Calibration) -> Calibration:
    """Availability above 1 means the default effort overstates the work: move the excess into effort."""
    top = max(calib.availability.values(), default=1.0)
    factor = max(1.0, top / 0.95)
    avail = {s: a / factor for s, a in calib.availability.items()}
    return replace(calib, availability=avail, effort_scale=calib.effort_scale / factor)


def default_period(span) -> tuple:
    """The period a calibration fits on by default: the quarter before the data's last (its tickets have had
    time to close), or the data's own span when it holds less history than that. `span`: (first, last) dates."""
    q = pd.Timestamp(span[1]).to_period("Q") - 1
    start, end = q.start_time.date(), q.end_time.date()
    return (start, end) if start >= pd.Timestamp(span[0]).date() else (span[0], span[1])


def cutoff(end) -> pd.Timestamp:
    """The cut-off of a calibration period ending on day `end`: the end of that day. The period is seen as
    it stood then (`load_history(..., as_of=cutoff(end))`)."""
    return pd.Timestamp(end).normalize() + pd.Timedelta(days=1)


def calibrate_store(engine: Engine, start, end, config: SimConfig | None = None, seed: int = 0,
                    progress: Progress | None = None, n_jobs: int = 1) -> Calibration:
    """Calibrate on the store's tickets created in [start, end] (with a warm-up before start), as they stood
    at the end of `end` (what happened to them later is not seen; see `calibrate`); the result records the
    store's identity, so it is used on this store only (`calibration_state`)."""
    from civicdesk.store.engine import ensure_store_id

    require("fit_model")
    cut = cutoff(end)
    history = load_history(engine, pd.Timestamp(start) - pd.Timedelta(days=WARMUP_DAYS), end, as_of=cut)
    if history.empty:
        raise ValueError(f"the store holds no tickets from {start} to {end}")
    calib = calibrate(history, load_staff(engine), config, measure_from=start, seed=seed, progress=progress,
                      as_of=cut, n_jobs=n_jobs)
    if not calib.availability:  # nothing was fitted: saving it would pass for a calibration
        raise ValueError("no street has both dispatched general tickets and grid workers on the roster in this "
                         "period; import the staff roster first")
    return replace(calib, store_id=ensure_store_id(engine))
