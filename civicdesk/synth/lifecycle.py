"""Load-driven ticket lifecycle: 直办 at intake, a fluid backlog per street, signing, first response,
returns (退单), escalation to consultation (会商) and closure — all vectorised over tickets.

Each street's daily capacity comes from its roster (grid workers active that day × a per-worker rate)
on working days only. The backlog evolves as a fluid queue,

    backlog[d+1] = max(0, backlog[d] + arrivals[d] − capacity[d] · (1 + overtime(backlog[d]))),

and a ticket created on day d waits `backlog[d] / effective capacity` working days before work on it
starts; signing slows with the day's load `(backlog + arrivals) / capacity`. So when tickets outrun
staff, signing, response and closure slow down and on-time rates drop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk import calendar as cal
from civicdesk.synth.catalog import (CATEGORIES, CHANNELS, DIRECT_CLOSE, DISPUTES, SERVICE_WD,
                                     URGENCY_CODES)

NS_H = 3_600 * 10**9
NS_D = 24 * NS_H
OVERTIME = 0.30  # capacity can stretch by up to 30 % under a large backlog
RETURN_P_DEPT, RETURN_P_STREET = 0.055, 0.025
P_COMPLEX = 0.025  # complex cases needing an extension (延期) of about 8 working days
ESCALATE_DISPUTE = {"土地承包纠纷": 0.20, "宅基地纠纷": 0.18, "劳资纠纷": 0.12}
ESCALATE_DISPUTE_DEFAULT = 0.08
ESCALATE_OTHER = {"城乡建设与道路": 0.004, "物业管理": 0.005, "环境保护": 0.003}


@dataclass(frozen=True)
class Load:
    """Per street × day load: arrivals to the queue, nominal capacity, backlog at day start."""

    arrivals: np.ndarray
    capacity: np.ndarray
    backlog: np.ndarray
    wait_wd: np.ndarray  # working days of work ahead at day start
    load: np.ndarray  # (backlog + arrivals) / capacity

    def frame(self, streets: list[str], days: pd.DatetimeIndex) -> pd.DataFrame:
        """Long frame [street, ds, arrivals, capacity, backlog, utilisation]."""
        s, d = np.meshgrid(np.arange(len(streets)), np.arange(len(days)), indexing="ij")
        return pd.DataFrame({
            "street": np.asarray(streets, dtype=object)[s.ravel()], "ds": days[d.ravel()],
            "arrivals": self.arrivals.ravel(), "capacity": self.capacity.ravel(),
            "backlog": self.backlog.ravel(), "load": self.load.ravel()})


@dataclass(frozen=True)
class Timeline:
    """Ticket timing before reopenings and the snapshot (int64 ns wall clock)."""

    direct: np.ndarray
    signed: np.ndarray
    first_response: np.ndarray
    closed: np.ndarray
    deadline: np.ndarray
    returned: np.ndarray
    escalated: np.ndarray
    wait_wd: np.ndarray


def direct_share() -> np.ndarray:
    """Expected share of tickets closed at intake per category × channel, shape (C, H)."""
    from civicdesk.synth.catalog import DEFAULT_URGENCY_MIX, URGENCY_MIX
    out = np.zeros((len(CATEGORIES), len(CHANNELS)))
    for c, cat in enumerate(CATEGORIES):
        pu, pv = URGENCY_MIX.get(cat, DEFAULT_URGENCY_MIX)
        out[c, CHANNELS.index("hotline")] = DIRECT_CLOSE.get(cat, 0.0) * (1 - pu - pv)
    return out


def capacity_plan(rng: np.random.Generator, ref_demand: np.ndarray, full_workers: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per-worker daily rate of each street so that its normal utilisation is 0.72–0.88.

    Args:
        ref_demand: expected queued tickets per working day of each street (trend removed).
        full_workers: grid workers of each street at full staffing.

    Returns:
        (rate per worker per working day, target utilisation) per street.
    """
    util = rng.uniform(0.72, 0.88, len(ref_demand))
    return ref_demand / (full_workers * util), util


def run_queue(arrivals: np.ndarray, cap_nom: np.ndarray, workday: np.ndarray) -> Load:
    """Fluid queue per street (rows) over days (columns)."""
    s, d = arrivals.shape
    backlog = np.zeros((s, d))
    eff = np.zeros((s, d))
    b = np.zeros(s)
    for j in range(d):
        backlog[:, j] = b
        stretch = 1 + OVERTIME * np.minimum(1.0, b / np.maximum(2 * cap_nom[:, j], 1e-9))
        eff[:, j] = cap_nom[:, j] * stretch
        if workday[j]:
            b = np.maximum(0.0, b + arrivals[:, j] - eff[:, j])
        else:
            b = b + arrivals[:, j]
    eff, nom = np.maximum(eff, 1e-9), np.maximum(cap_nom, 1e-9)
    return Load(arrivals, cap_nom, backlog, backlog / eff, (backlog + arrivals) / nom)


def _lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(n))


def _daytime_start(ns: np.ndarray) -> np.ndarray:
    """Earliest time a general ticket is picked up: itself in 08:00–20:00, else the next 08:00."""
    day = ns // NS_D * NS_D
    tod = ns - day
    return np.where(tod < 8 * NS_H, day + 8 * NS_H, np.where(tod >= 20 * NS_H, day + NS_D + 8 * NS_H, ns))


def _awd(ns: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = cal.add_working_days(ns.view("datetime64[ns]"), n)
    return np.asarray(out).astype("datetime64[ns]").view(np.int64)


def simulate(rng: np.random.Generator, created: np.ndarray, street: np.ndarray, day: np.ndarray,
             category: np.ndarray, channel: np.ndarray, urgency: np.ndarray, subcat_name: np.ndarray,
             dept_is_street: np.ndarray, load: Load, direct: np.ndarray,
             force_return: np.ndarray | None = None) -> Timeline:
    """Timing of every ticket from its street's load on its creation day.

    Args:
        created: creation time (int64 ns); street, day, category, channel, urgency: indices.
        subcat_name: subcategory names (object array); dept_is_street: handled by the street itself.
        load: the street × day queue state; direct: closed at intake (直办).
        force_return: tickets passed back and forth between units (returned at least once).
    """
    n = len(created)
    is_disp = category == CATEGORIES.index(DISPUTES)
    gen, urg, vurg = urgency == 0, urgency == 1, urgency == 2
    wait = load.wait_wd[street, day]
    mult = 1 + 0.8 * np.clip(load.load[street, day] - 1.0, 0, 4)
    # signing (clock time; general tickets are picked up in the daytime, duty staff on rest days)
    med = np.select([channel == CHANNELS.index("visit"), channel == CHANNELS.index("grid")], [0.4, 1.5], 4.0)
    sign_h = np.where(gen, _lognormal(rng, med, 1.3, n) * mult,
                      np.where(urg, _lognormal(rng, 0.35, 0.8, n), _lognormal(rng, 0.1, 0.7, n)) * (1 + 0.2 * (mult - 1)))
    start = np.where(gen, _daytime_start(created), created)
    signed = np.where(direct, created, start + (sign_h * NS_H).astype(np.int64))
    # returns (退单) and escalation (会商)
    p_ret = np.where(dept_is_street, RETURN_P_STREET, RETURN_P_DEPT) * (1 + 0.3 * (mult - 1))
    hit = rng.random(n) < p_ret
    if force_return is not None:
        hit |= force_return
    returned = np.where(~direct & hit, 1 + (rng.random(n) < 0.12), 0).astype(np.int64)
    ret_wd = returned * rng.uniform(0.3, 2.0, n)
    p_esc = np.zeros(n)
    sub = pd.Series(subcat_name)
    p_esc[is_disp] = sub[is_disp].map(ESCALATE_DISPUTE).fillna(ESCALATE_DISPUTE_DEFAULT).to_numpy()
    for cat, p in ESCALATE_OTHER.items():
        p_esc[category == CATEGORIES.index(cat)] = p
    escalated = ~direct & (rng.random(n) < p_esc)
    # closure
    svc_med = np.array([SERVICE_WD[c] for c in CATEGORIES])[category]
    service = _lognormal(rng, svc_med, 0.75, n)
    esc_wd = np.where(escalated & ~is_disp, _lognormal(rng, 6.0, 0.5, n), 0.0)
    complex_wd = np.where(~direct & (rng.random(n) < P_COMPLEX), _lognormal(rng, 8.0, 0.6, n), 0.0)
    general_wd = wait + service + ret_wd + esc_wd + complex_wd
    closed = _awd(signed, np.where(gen & ~is_disp & ~direct, general_wd, 0.0))
    urgent_h = np.where(urg, _lognormal(rng, 6.0, 0.7, n), _lognormal(rng, 0.75, 0.45, n)) * (1 + 0.25 * wait)
    closed = np.where(~gen & ~is_disp, signed + (urgent_h * NS_H).astype(np.int64), closed)
    # mediation: calendar days; escalated cases go to multi-party consultation for 1–4 weeks
    med_days = _lognormal(rng, np.where(gen, 6.0, 1.5), 0.8, n) + 1.4 * wait + ret_wd
    med_days = med_days + np.where(escalated, _lognormal(rng, 13.0, 0.5, n), 0.0)
    closed = np.where(is_disp, signed + (med_days * NS_D).astype(np.int64), closed)
    intake = created + (_lognormal(rng, 0.3, 1.0, n).clip(0.02, 4.0) * NS_H).astype(np.int64)
    closed = np.where(direct, intake, closed)
    # first response: between signing and closure
    resp_h = _lognormal(rng, 1.5, 1.0, n) * mult
    resp = signed + np.minimum((resp_h * NS_H).astype(np.int64), ((closed - signed) * 0.7).astype(np.int64))
    resp = np.where(direct, created + np.minimum(rng.integers(60, 300, n) * 10**9, closed - created), resp)
    urg_name = np.asarray(URGENCY_CODES, dtype=object)[urgency]
    deadline = cal.close_deadline(created.view("datetime64[ns]"), urg_name, mediation=is_disp)
    deadline = np.asarray(deadline).astype("datetime64[ns]").view(np.int64)
    return Timeline(direct, signed, resp, closed, deadline, returned, escalated, wait)


def reopen(rng: np.random.Generator, closed: np.ndarray, mask: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reopen (重办) the tickets in `mask`: the callback a day or so after closure finds the problem
    unresolved and the ticket is handled again (twice for ~8 %).

    Returns:
        (new closure time, reopened_count, time of the first reopening or -1).
    """
    n = len(closed)
    when = closed + (rng.uniform(0.2, 2.0, n) * NS_D).astype(np.int64)
    second = rng.random(n) < 0.08
    extra = _lognormal(rng, 2.0, 0.7, n) * (1 + second)
    count = np.where(mask, 1 + second, 0).astype(np.int64)
    new_closed = np.where(mask, _awd(when, np.where(mask, extra, 0.0)), closed)
    return new_closed, count, np.where(mask, when, -1)
