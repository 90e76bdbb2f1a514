"""Disputes through the mediation tiers of one street: grid/building mediators, the community 和事佬
team, the street mediation centre, and the district's multi-party consultation (会商, like 小网兜).

Each mediator carries a few cases at once (the caseload limit) for several calendar days; a case a tier
cannot settle escalates to the next tier; what the street centre cannot settle waits for the next
consultation meeting, which settles a batch of cases. The tiers form a feed-forward network of
first-come-first-served multi-slot queues, so each tier is simulated in turn on the departures of the
one before: an exact discrete-event simulation of this network.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from civicdesk.staffing.inputs import MEDIATOR_TIERS

DAY_H = 24.0


@dataclass(frozen=True)
class MediationSetup:
    """How the tiers work (defaults from the field: most cases close within a month, ≥96 % settled).

    Sources (register in civicdesk/staffing/config.py): the weekly consultation is field (DESIGN.md); the
    caseloads, durations, failure shares, spread and meeting capacity are assumed so that the tiers meet
    those field figures, and the calibration scales the durations to the centre's history.

    Attributes:
        caseload: cases a mediator carries at once, per tier (grid, community, street).
        days: median calendar days a case takes at each tier.
        fail: share of cases each tier cannot settle (they escalate).
        sigma: log-sd of case durations.
        consult_every_days: days between consultation meetings (7 weekly, 14 fortnightly).
        consult_capacity: cases one meeting settles for one street.
        consult_first_h: hour (from the simulation start) of the first meeting.
    """

    caseload: tuple[int, int, int] = (2, 3, 4)
    days: tuple[float, float, float] = (4.0, 5.0, 7.0)
    fail: tuple[float, float, float] = (0.30, 0.25, 0.20)
    sigma: float = 0.7
    consult_every_days: int = 7
    consult_capacity: int = 6
    consult_first_h: float = 3 * DAY_H + 14.0

    def __post_init__(self):
        if any(c <= 0 for c in self.caseload):
            raise ValueError("a mediator's caseload limit must be at least one case")
        if any(not 0 <= f < 1 for f in self.fail):
            raise ValueError("the share of cases a tier cannot settle must be in [0, 1)")
        if self.consult_every_days <= 0 or self.consult_capacity <= 0:
            raise ValueError("consultation meetings need a positive interval and capacity")


@dataclass(frozen=True)
class MediationLog:
    """Per case: start of the first tier, settlement time (hours; NaN when never settled), tier reached
    (3 = consultation); per tier: slot-hours busy and slot-hours available."""

    start: np.ndarray
    closed: np.ndarray
    tier: np.ndarray
    busy_h: np.ndarray
    slot_h: np.ndarray


def _tier(arrive: np.ndarray, slots: int, duration: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FCFS with `slots` parallel cases: (start, done) per case, in the order given (sorted by arrival)."""
    free = [0.0] * slots
    start = np.empty(len(arrive))
    for i, t in enumerate(arrive):
        s = max(heapq.heappop(free), t)
        start[i] = s
        heapq.heappush(free, s + duration[i])
    return start, start + duration


def _consult(arrive: np.ndarray, setup: MediationSetup) -> np.ndarray:
    """Settlement time of cases waiting for the consultation: the next meeting with room, plus a day."""
    every = setup.consult_every_days * DAY_H
    out = np.empty(len(arrive))
    used: dict[int, int] = {}
    for i in np.argsort(arrive, kind="stable"):
        k = max(0, int(np.ceil((arrive[i] - setup.consult_first_h) / every)))
        while used.get(k, 0) >= setup.consult_capacity:
            k += 1
        used[k] = used.get(k, 0) + 1
        out[i] = setup.consult_first_h + k * every + DAY_H
    return out


def run_mediation(arrive: np.ndarray, mediators: tuple[int, int, int], setup: MediationSetup,
                  rng: np.random.Generator, horizon_h: float) -> MediationLog:
    """Simulate one street's disputes (arrival hours, sorted) through the tiers.

    Args:
        mediators: mediators at each tier (grid, community, street); a tier with none is skipped.
        horizon_h: the simulated span, for the utilisation denominators.
    """
    n = len(arrive)
    start = np.full(n, np.nan)
    closed = np.full(n, np.nan)
    tier = np.full(n, len(MEDIATOR_TIERS), dtype=np.int64)
    busy = np.zeros(len(MEDIATOR_TIERS))
    slot_h = np.zeros(len(MEDIATOR_TIERS))
    pending = np.arange(n)
    when = np.asarray(arrive, dtype=float).copy()
    for k in range(len(MEDIATOR_TIERS)):
        slots = int(mediators[k]) * setup.caseload[k]
        slot_h[k] = slots * horizon_h
        if slots <= 0 or len(pending) == 0:
            continue
        order = np.argsort(when[pending], kind="stable")
        pending = pending[order]
        duration = setup.days[k] * DAY_H * np.exp(setup.sigma * rng.standard_normal(len(pending)))
        s, done = _tier(when[pending], slots, duration)
        busy[k] = np.clip(np.minimum(done, horizon_h) - s, 0, None).sum()  # only work inside the horizon
        first = np.isnan(start[pending])
        start[pending[first]] = s[first]
        settled = rng.random(len(pending)) >= setup.fail[k]
        closed[pending[settled]] = done[settled]
        tier[pending[settled]] = k
        when[pending] = done
        pending = pending[~settled]
    # only cases some mediator has worked on go to the consultation; with no mediators at all, none is settled
    tried = pending[~np.isnan(start[pending])]
    if len(tried):
        closed[tried] = _consult(when[tried], setup)
    return MediationLog(start, closed, tier, busy, slot_h)
