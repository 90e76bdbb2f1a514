"""Parameters of the district simulation: shifts, effort per ticket, availability, hand-off lead times,
returns and reopenings, duty for urgent tickets and the mediation tiers.

Defaults come from the field (DESIGN.md): shifts 08:30–17:30 on working days with a daily patrol of at
least 30 minutes; a handling unit replies within 5 working days; urgent tickets 24 h, very urgent 2 h;
mediation within 30 days. Effort and availability are the parameters `calibrate` fits on history.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np

from civicdesk.staffing.mediation import MediationSetup

#: Hours of a grid worker's own work on a general ticket of each category (visit, handle, record).
EFFORT_H: dict[str, float] = {
    "便民惠企服务": 1.2, "安全隐患排查": 1.5, "社情民意收集": 0.8, "矛盾纠纷化解": 2.5, "重点巡查事项": 1.0,
    "环境保护": 1.5, "城乡建设与道路": 1.5, "供暖": 1.2, "物业管理": 1.5, "水电气": 1.2, "社会保障": 1.2,
    "市场监管": 1.2, "其他诉求": 1.2,
}
DEFAULT_EFFORT_H = 1.2
#: Median working days between the worker's part and closure (departments, site repairs, the caller).
LEAD_WD: dict[str, float] = {
    "便民惠企服务": 1.0, "安全隐患排查": 1.1, "社情民意收集": 0.8, "重点巡查事项": 0.6, "环境保护": 1.9,
    "城乡建设与道路": 2.2, "供暖": 1.2, "物业管理": 1.9, "水电气": 1.0, "社会保障": 1.6, "市场监管": 1.8,
    "其他诉求": 1.4,
}
DEFAULT_LEAD_WD = 1.4


@dataclass(frozen=True)
class Calibration:
    """What history says about the centre (from `calibrate`; all optional).

    Attributes:
        availability: share of on-shift hours spent on tickets, per street.
        lead_wd: per category, samples of working days from the worker's part to closure.
        p_return, p_reopen: shares of dispatched general tickets returned (退单) and reopened (重办).
        urgent_lead_h: per urgency, samples of hours from creation to closure of urgent tickets.
        sign_h: samples of hours from the first daytime moment to signing, at light load.
        effort_scale: multiplies the effort per ticket (all streets).
        mediation_scale: multiplies the mediation tiers' case durations.
        period: the calibration period (start, end) as ISO dates: the span of tickets it was fitted on.
        store_id: the identity of the store it was fitted on (`civicdesk.store.engine.store_id`); None for a
            calibration fitted outside a store or saved before stores had an identity.
    """

    availability: Mapping[str, float] = field(default_factory=dict)
    lead_wd: Mapping[str, np.ndarray] = field(default_factory=dict)
    p_return: float | None = None
    p_reopen: float | None = None
    urgent_lead_h: Mapping[str, np.ndarray] | None = None
    sign_h: np.ndarray | None = None
    effort_scale: float = 1.0
    mediation_scale: float = 1.0
    period: tuple[str, str] | None = None
    store_id: str | None = None


@dataclass(frozen=True)
class SimConfig:
    """The simulation's structural parameters (see module docstring).

    Attributes:
        shift_start_h, shift_end_h: clock hours of the working day.
        patrol_h: the daily patrol (taken at the start of the shift).
        availability: default share of on-shift hours spent on tickets (streets not calibrated).
        overtime_h, overtime_days: shifts extend in proportion to the queue, by up to overtime_h
            (2.5 hours, about 30 % of the 8.5-hour working day) once the queue holds overtime_days of
            work per worker.
        effort_h, effort_sigma: median hours of work per ticket by category, and log-sd.
        p_return, p_reopen: shares of dispatched tickets returned (退单) and reopened (重办).
        duty_effort_h: median hours for (urgent, very urgent) tickets at the duty desk.
        sign_load: signing slows by this factor per day of backlog per worker.
        drain_days: days simulated after the last arrival so tickets can close.
        mediation: the tiers.
        calibration: fitted parameters (lead times, availability); None uses the defaults.
    """

    shift_start_h: float = 8.5
    shift_end_h: float = 17.5
    patrol_h: float = 0.5
    availability: float = 0.6
    overtime_h: float = 2.5
    overtime_days: float = 2.0
    effort_h: Mapping[str, float] = field(default_factory=lambda: dict(EFFORT_H))
    effort_sigma: float = 0.6
    p_return: float = 0.04
    p_reopen: float = 0.03
    duty_effort_h: tuple[float, float] = (1.5, 0.5)
    sign_load: float = 0.8
    drain_days: int = 60
    mediation: MediationSetup = field(default_factory=MediationSetup)
    calibration: Calibration | None = None

    def __post_init__(self):
        if not 0 <= self.shift_start_h + self.patrol_h < self.shift_end_h <= 24:
            raise ValueError("the shift must start (after the patrol) before it ends, within the day")
        if not 0 < self.availability <= 1:
            raise ValueError("availability must be in (0, 1]")
        if not (0 <= self.p_return < 1 and 0 <= self.p_reopen < 1):
            raise ValueError("return and reopen shares must be in [0, 1)")
        if any(v <= 0 for v in self.effort_h.values()):
            raise ValueError("effort per ticket must be positive")

    def street_availability(self, street: str) -> float:
        if self.calibration is not None and street in self.calibration.availability:
            return float(self.calibration.availability[street])
        return self.availability

    def shares(self) -> tuple[float, float]:
        """(p_return, p_reopen): calibrated when known, else the configured defaults."""
        c = self.calibration
        ret = c.p_return if c is not None and c.p_return is not None else self.p_return
        reo = c.p_reopen if c is not None and c.p_reopen is not None else self.p_reopen
        return ret, reo

    def mediation_setup(self) -> MediationSetup:
        """The mediation tiers with the calibrated scale on their case durations."""
        scale = self.calibration.mediation_scale if self.calibration is not None else 1.0
        if scale == 1.0:
            return self.mediation
        return replace(self.mediation, days=tuple(d * scale for d in self.mediation.days))

    def with_calibration(self, calibration: Calibration) -> "SimConfig":
        return replace(self, calibration=calibration)

    def tickets_per_worker_day(self, street: str, mean_effort_h: float) -> float:
        """Tickets a worker gets through on a working day at this street's availability."""
        hours = (self.shift_end_h - self.shift_start_h - self.patrol_h) * self.street_availability(street)
        return hours / max(mean_effort_h, 1e-9)
