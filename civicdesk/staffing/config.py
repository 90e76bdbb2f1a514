"""Parameters of the district simulation: shifts, effort per ticket, availability, hand-off lead times,
returns and reopenings, duty for urgent tickets and the mediation tiers.

Defaults come from the field (DESIGN.md): shifts 08:30–17:30 on working days with a daily patrol of at
least 30 minutes; a handling unit replies within 5 working days; urgent tickets 24 h, very urgent 2 h;
mediation within 30 days. Effort and availability are the parameters `calibrate` fits on history.

Where the constants come from (frozen: the staffing validation benchmark,
benchmarks/bench_staffing_validation.py, checks them on three splits they were never tuned on). Each
constant also says it where it is defined. Sources:

- field: a figure from the field in /work/shared/DESIGN.md ("Figures from the field").
- tuned 2022Q2→Q3: set or changed while looking at the one backtest the model was developed on
  (calibrate 2022-04-01:2022-06-30, replay 2022-07-01:2022-09-30 on the demo district).
- demo: the demo generator's own value (civicdesk/synth), so an uncalibrated run of the demo is plausible;
  a calibration replaces it with the centre's history.
- assumed: a working assumption of the first version, not fitted and not tuned since.
- technical: numerics, not a property of the centre.

| constant | value | source |
|---|---|---|
| SimConfig.shift_start_h, shift_end_h | 08:30–17:30 | assumed (a street office's working day; DESIGN.md gives none) |
| SimConfig.patrol_h | 0.5 h | field: daily patrols of at least 30 minutes |
| SimConfig.availability | 0.6 | assumed; used only for streets the calibration did not fit |
| SimConfig.overtime_h | 2.5 h | tuned 2022Q2→Q3 (was 3 h; lowered to the documented ~30 % of the day after the replay of 圣井 ran 3.3–3.7 points high) |
| SimConfig.overtime_days | 2 days of work per worker | assumed |
| EFFORT_H, DEFAULT_EFFORT_H, SimConfig.effort_sigma | 0.8–2.5 h, 1.2 h, 0.6 | assumed; their overall level is fitted (`Calibration.effort_scale`) |
| LEAD_WD, DEFAULT_LEAD_WD | 0.6–2.2 wd, 1.4 wd | demo (synth.catalog.SERVICE_WD); replaced by the calibrated pools |
| SimConfig.p_return, p_reopen | 0.04, 0.03 | assumed; replaced by the calibrated shares |
| SimConfig.duty_effort_h | 1.5 h, 0.5 h | assumed |
| SimConfig.sign_load | 0.8 | assumed |
| SimConfig.drain_days | 60 | technical (long enough for a quarter's last tickets to close) |
| MediationSetup (mediation.py) caseload, days, fail, sigma, consult_capacity | (2, 3, 4), (4, 5, 7) d, (0.30, 0.25, 0.20), 0.7, 6 | assumed, so that most cases close within a month and ≥ 96 % settle (field); the durations are scaled by the calibration |
| MediationSetup.consult_every_days | 7 | field (Tangkou: weekly screening, fortnightly consultation) |
| sim.EVEN_BLOCK | 32 | tuned 2022Q2→Q3 (seed-to-seed drift of 圣井's replay) |
| sim.WD_CLOCK_H | 33.6 h | technical (7 × 24 / 5) |
| sim.py inline draws: return after U(0.3, 2) wd at 0.3 of the effort, reopen U(0.2, 2) d after closure at 0.5 of it with a lead of lognormal(0.5 wd, 0.6); uncalibrated sign reaction lognormal(2 h, 1.2), lead log-sd 0.75, urgent handling 6 h / 1 h (log-sd 0.7); duty signing lognormal(0.2 h, 0.7), mediation signing lognormal(3 h, 1.0); 直办 closed in 0.3 h | | assumed (the misrouted-ticket return within 2 working days is field) |
| inputs.DIRECT_HOURS | 4 h | assumed |
| inputs.RETURN_WD | 2 wd | field (a misrouted ticket is returned within 2 working days) |
| calibrate.WARMUP_DAYS | 28 | technical (queues start empty) |
| calibrate.MIN_TICKETS, REPLICAS, GRID, STEP | 30, 1, 0.005–3 on 12 points | technical |
| calibrate.LOSS_TOLERANCE | 0.15 | tuned 2022Q2→Q3 |
| calibrate.MAX_DRIFT | 1.25 | tuned 2022Q2→Q3 |
| calibrate.SATURATED_WD, SATURATED_DAYS | 2 wd, 10 days | tuned 2022Q2→Q3 (introduced for 圣井's understaffing) |
| calibrate.LEVEL_REPLICAS, LEVEL_BRACKET, LEVEL_STEPS | 4, ±0.4, 12 | tuned 2022Q2→Q3 |
| calibrate.OBSERVE_WD | 10 wd | field (5-working-day limit, extension ≤ 10 working days) |
| calibrate.KM_POINTS, MIN_LEAD_WD, POOL_POINTS | 2000, 0.02 wd, 201 | technical |
| backtest.TOLERANCE_POINTS | 3 | the acceptance target (issue 18) |
| backtest.SATURATED_QUEUE_DAYS, REPLAY_REPLICAS | 2 days, 10 | tuned 2022Q2→Q3 |
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np

from civicdesk.staffing.mediation import MediationSetup

#: Hours of a grid worker's own work on a general ticket of each category (visit, handle, record).
#: Source: assumed (first version); the calibration fits their overall level (`Calibration.effort_scale`).
EFFORT_H: dict[str, float] = {
    "便民惠企服务": 1.2, "安全隐患排查": 1.5, "社情民意收集": 0.8, "矛盾纠纷化解": 2.5, "重点巡查事项": 1.0,
    "环境保护": 1.5, "城乡建设与道路": 1.5, "供暖": 1.2, "物业管理": 1.5, "水电气": 1.2, "社会保障": 1.2,
    "市场监管": 1.2, "其他诉求": 1.2,
}
DEFAULT_EFFORT_H = 1.2  # assumed
#: Median working days between the worker's part and closure (departments, site repairs, the caller).
#: Source: demo (civicdesk/synth/catalog.py SERVICE_WD); used only where the calibration has no lead pool.
LEAD_WD: dict[str, float] = {
    "便民惠企服务": 1.0, "安全隐患排查": 1.1, "社情民意收集": 0.8, "重点巡查事项": 0.6, "环境保护": 1.9,
    "城乡建设与道路": 2.2, "供暖": 1.2, "物业管理": 1.9, "水电气": 1.0, "社会保障": 1.6, "市场监管": 1.8,
    "其他诉求": 1.4,
}
DEFAULT_LEAD_WD = 1.4  # demo (SERVICE_WD of 其他诉求)


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

    shift_start_h: float = 8.5  # assumed: a street office's working day (DESIGN.md gives no hours)
    shift_end_h: float = 17.5  # assumed, as above
    patrol_h: float = 0.5  # field (DESIGN.md): daily patrols of at least 30 minutes
    availability: float = 0.6  # assumed; only for streets the calibration did not fit
    overtime_h: float = 2.5  # tuned 2022Q2→Q3: was 3 h, lowered to ~30 % of the day after that replay
    overtime_days: float = 2.0  # assumed
    effort_h: Mapping[str, float] = field(default_factory=lambda: dict(EFFORT_H))
    effort_sigma: float = 0.6  # assumed
    p_return: float = 0.04  # assumed; the calibration's share replaces it
    p_reopen: float = 0.03  # assumed; the calibration's share replaces it
    duty_effort_h: tuple[float, float] = (1.5, 0.5)  # assumed
    sign_load: float = 0.8  # assumed
    drain_days: int = 60  # technical: long enough for the last tickets to close
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
