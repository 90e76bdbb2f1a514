"""The smallest roster that meets a leader's targets: grid workers and mediators per street, found by
simulating each street at a chosen forecast quantile, with the cost, the gap to today's roster and, when
total headcount is fixed, the moves between streets that close the gaps.

    p = plan(tickets, roster_on(staff, "2023-07-01"), Targets(close_general=0.95, sign_24h=0.90))
    p.streets      # per street: today, needed, gap, the rates reached
    p.moves        # from, to, workers (when headcount is fixed)
    p.problems     # streets and targets that cannot be reached, and why
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from civicdesk import calendar as cal
from civicdesk.parallel import run_parallel
from civicdesk.staffing.acceptors import HotlineTargets, acceptors_needed
from civicdesk.staffing.config import SimConfig
from civicdesk.staffing.inputs import MEDIATOR_TIERS, check_demand, check_roster
from civicdesk.staffing.mediation import run_mediation
from civicdesk.staffing.sim import _grid_workers, _hours, _Run

Progress = Callable[[float, str], None]
MEDIATOR_COLUMNS = [f"mediators_{t}" for t in MEDIATOR_TIERS]
DEFAULT_TIER_MIX = np.array([1.0, 2.0, 1.0])


@dataclass(frozen=True)
class Targets:
    """What a leader asks for (shares between 0 and 1).

    Attributes:
        close_general: general tickets closed within their limit (5 working days).
        sign_24h: general tickets signed for within 24 hours.
        mediation_30d: disputes settled within 30 days.
    """

    close_general: float = 0.95
    sign_24h: float = 0.90
    mediation_30d: float = 0.90

    def __post_init__(self):
        for name in ("close_general", "sign_24h", "mediation_30d"):
            v = getattr(self, name)
            if not 0 < v < 1:
                raise ValueError(f"target {name} = {v:.0%}: a target must lie between 0% and 100%; 100% cannot be "
                                 "guaranteed by any roster, because handling times vary (try 99%)")


@dataclass(frozen=True)
class Costs:
    """Yearly cost per person (CNY), for comparing rosters."""

    grid_worker: float = 60_000.0
    mediator: float = 48_000.0


@dataclass(frozen=True)
class Plan:
    """The plan and how it was reached.

    Attributes:
        streets: street, grid_workers_now, grid_workers, grid_gap, on_time, signed_on_time,
            mediators_now, mediators, mediator_gap, mediation_on_time, reachable.
        moves: from_street, to_street, workers (grid workers moved when headcount is fixed).
        problems: one sentence per street and target that cannot be reached.
        cost_now, cost_plan: yearly cost of today's and the planned roster (grid workers and mediators).
        acceptors: hotline acceptors per 30-minute interval of a typical week (`acceptors_needed`), or None
            when the tickets hold no hotline calls.
    """

    streets: pd.DataFrame
    moves: pd.DataFrame
    problems: tuple[str, ...]
    cost_now: float
    cost_plan: float
    targets: Targets = field(default_factory=Targets)
    acceptors: pd.DataFrame | None = None

    def roster(self, base: pd.DataFrame) -> pd.DataFrame:
        """`base` with the planned grid workers and mediators (spread over the tiers as today)."""
        out = base.set_index("street").copy()
        s = self.streets.set_index("street")
        for street in s.index:
            out.at[street, "grid_workers"] = int(s.at[street, "grid_workers"])
            tiers = _tier_split(int(s.at[street, "mediators"]), out.loc[street, MEDIATOR_COLUMNS].to_numpy(float))
            out.loc[street, MEDIATOR_COLUMNS] = tiers
        return out.reset_index()


def _tier_split(total: int, today: np.ndarray) -> np.ndarray:
    mix = today if today.sum() > 0 else DEFAULT_TIER_MIX
    raw = total * mix / mix.sum()
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out))[: total - out.sum()]:
        out[i] += 1
    return out


def _grid_rates(t: pd.DataFrame, street: str, n: int, config: SimConfig, seed: int) -> tuple[float, float]:
    """(closed on time, signed within the limit) for one street's general tickets with n grid workers."""
    roster = pd.DataFrame([{"street": street, "grid_workers": n, "duty": 0,
                            **{c: 0 for c in MEDIATOR_COLUMNS}}])
    run = _Run(t, roster, config, seed, None)
    _grid_workers(run, street, np.arange(len(run.t)))
    end_h = run.horizon_h
    closed = run.out["closed"]
    deadline = _hours(run.t["deadline_at"], run.t0)
    on = np.where(np.isnan(closed) | (closed > end_h), np.where(deadline < end_h, 0.0, np.nan),
                  (closed <= deadline).astype(float))
    sign_by = _hours(pd.Series(cal.sign_deadline(run.t["created_at"], run.t["urgency"])), run.t0)
    signed = run.out["signed"]
    return float(np.nanmean(on)), float(np.mean(np.nan_to_num(signed, nan=np.inf) <= sign_by))


def _mediation_rate(t: pd.DataFrame, total: int, today: np.ndarray, config: SimConfig, seed: int) -> float:
    if len(t) == 0:
        return 1.0
    t0 = t["created_at"].min().normalize()
    arrive = np.sort(_hours(t["created_at"], t0))
    horizon = float(arrive.max() + config.drain_days * 24.0)
    setup = config.mediation_setup()
    log = run_mediation(arrive, tuple(_tier_split(total, today)), setup, np.random.default_rng(seed), horizon)
    return float(np.mean(np.nan_to_num(log.closed, nan=np.inf) - arrive <= 30 * 24.0))


def _smallest(meets: Callable[[int], bool], lo: int, hi: int) -> int | None:
    """Smallest n in [lo, hi] with meets(n), assuming monotone; None when even hi fails."""
    if not meets(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


#: When a target cannot be reached at any headcount, plan up to where more staff stops helping: within this
#: share of what the largest roster searched reaches, or within twice the sampling error of that share when
#: the street has few tickets (a week's 1,000 tickets: about 1.6 points), so that noise buys no one.
SATURATION_SLACK = 0.005


def _slack(share: float, n: int) -> float:
    return max(SATURATION_SLACK, 2.0 * float(np.sqrt(share * (1.0 - share) / max(n, 1))))


class _Street:
    """One street's general tickets and disputes, with the simulated rates per headcount remembered, and the
    goals `plan` searches for (a target, or what the largest roster reaches when the target is out of reach)."""

    def __init__(self, t: pd.DataFrame, street: str, now: pd.Series, config: SimConfig, seed: int,
                 max_factor: float):
        self.street, self.config, self.seed = street, config, seed
        self.general = t[~t["direct"] & ~t["dispute"] & (t["urgency"] == "general")]
        self.disputes = t[t["dispute"] & ~t["direct"]]
        self.grid_now = int(now["grid_workers"])
        self.tiers_now = now[MEDIATOR_COLUMNS].to_numpy(float)
        self.mediators_now = int(self.tiers_now.sum())
        self.grid_hi = max(int(np.ceil(max_factor * max(self.grid_now, 1))), 10)
        self.mediators_hi = max(int(np.ceil(max_factor * max(self.mediators_now, 1))), 6)
        self._grid: dict[int, tuple[float, float]] = {}
        self._mediation: dict[int, float] = {}

    def grid(self, n: int) -> tuple[float, float]:
        """(closed on time, signed on time) of the general tickets with n grid workers."""
        if n not in self._grid:
            self._grid[n] = (_grid_rates(self.general, self.street, n, self.config, self.seed)
                             if len(self.general) else (1.0, 1.0))
        return self._grid[n]

    def mediation(self, k: int) -> float:
        """Share of disputes settled within 30 days with k mediators."""
        if k not in self._mediation:
            self._mediation[k] = _mediation_rate(self.disputes, k, self.tiers_now, self.config, self.seed)
        return self._mediation[k]

    def grid_goal(self, targets: Targets) -> tuple[float, float]:
        """(close, sign) shares to search for: the targets, or within `_slack` of what the largest roster reaches."""
        close, sign = self.grid(self.grid_hi)
        if close >= targets.close_general and sign >= targets.sign_24h:
            return targets.close_general, targets.sign_24h
        n = len(self.general)
        return (min(targets.close_general, close - _slack(close, n)),
                min(targets.sign_24h, sign - _slack(sign, n)))

    def mediation_goal(self, targets: Targets) -> float:
        best = self.mediation(self.mediators_hi)
        return targets.mediation_30d if best >= targets.mediation_30d else best - _slack(best, len(self.disputes))

    def grid_meets(self, n: int, goal: tuple[float, float]) -> bool:
        close, sign = self.grid(n)
        return close >= goal[0] and sign >= goal[1]

    def short_today(self, targets: Targets) -> bool:
        """Whether today's roster misses a goal `plan` would search for (simulating the largest roster only
        when today's misses a target)."""
        close, sign = self.grid(self.grid_now)
        mediation = self.mediation(self.mediators_now)
        if close >= targets.close_general and sign >= targets.sign_24h and mediation >= targets.mediation_30d:
            return False
        return (not self.grid_meets(self.grid_now, self.grid_goal(targets))
                or mediation < self.mediation_goal(targets))


def _street_plan(t: pd.DataFrame, street: str, now: pd.Series, config: SimConfig, seed: int, max_factor: float,
                 targets: Targets) -> tuple[dict, list[str]]:
    """One street's plan (a `run_parallel` task): its row of `Plan.streets` and its problems."""
    return _plan_street(_Street(t, street, now, config, seed, max_factor), targets)


def _street_short(t: pd.DataFrame, street: str, now: pd.Series, config: SimConfig, seed: int, max_factor: float,
                  targets: Targets) -> bool:
    """Whether today's roster of one street misses a goal (a `run_parallel` task)."""
    return _Street(t, street, now, config, seed, max_factor).short_today(targets)


def _street_tasks(t: pd.DataFrame, base: pd.DataFrame, config: SimConfig, seed: int, max_factor: float,
                  targets: Targets) -> list[tuple]:
    """Per street of the roster, the arguments of `_street_plan` / `_street_short`: only its own tickets, and
    the same `seed` for every street (each street's draws depend on nothing else, wherever it runs)."""
    return [(t[t["street"] == street], street, base.loc[street], config, seed, max_factor, targets)
            for street in base.index]


def _plan_street(s: _Street, targets: Targets) -> tuple[dict, list[str]]:
    problems: list[str] = []
    close_hi, sign_hi = s.grid(s.grid_hi)
    for name, got, want, what in (("close_general", close_hi, targets.close_general, "一般工单5个工作日内办结"),
                                  ("sign_24h", sign_hi, targets.sign_24h, "24小时内签收")):
        if got < want:
            problems.append(f"{s.street}: {what} 目标 {want:.0%} 无法达到——即使配备 {s.grid_hi} 名网格员也只有 {got:.1%}"
                            f"（限时内办结受部门办理和群众配合时间所限，不是人手问题） / {name} target {want:.0%} "
                            f"cannot be reached: even {s.grid_hi} grid workers give {got:.1%}; the time spent after the "
                            "grid worker's part, not headcount, is what holds it back")
    goal = s.grid_goal(targets)
    need = _smallest(lambda n: s.grid_meets(n, goal), 1, s.grid_hi) if len(s.general) else 0
    best = s.mediation(s.mediators_hi)
    if best < targets.mediation_30d:
        problems.append(f"{s.street}: 纠纷30日内化解 目标 {targets.mediation_30d:.0%} 无法达到——即使配备 {s.mediators_hi} 名调解员"
                        f"也只有 {best:.1%}（难案要等会商） / mediation_30d target cannot be reached: "
                        f"even {s.mediators_hi} mediators settle {best:.1%} within 30 days; hard cases wait for "
                        "the consultation meetings")
    med_goal = s.mediation_goal(targets)
    med_need = _smallest(lambda k: s.mediation(k) >= med_goal, 0, s.mediators_hi)
    close, sign = s.grid(need) if len(s.general) else (np.nan, np.nan)
    row = {"street": s.street, "grid_workers_now": s.grid_now, "grid_workers": int(need),
           "grid_gap": int(need) - s.grid_now, "on_time": close, "signed_on_time": sign,
           "mediators_now": s.mediators_now, "mediators": int(med_need), "mediator_gap": int(med_need) - s.mediators_now,
           "mediation_on_time": s.mediation(med_need) if len(s.disputes) else np.nan, "reachable": not problems}
    return row, problems


def moves_between(streets: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Grid workers to move from streets with more than they need to streets with fewer (largest gaps
    first), keeping the district's headcount; says how many are still missing when that is not enough."""
    surplus = {r.street: -r.grid_gap for r in streets.itertuples() if r.grid_gap < 0}
    deficit = {r.street: r.grid_gap for r in streets.itertuples() if r.grid_gap > 0}
    rows = []
    for to in sorted(deficit, key=deficit.get, reverse=True):
        while deficit[to] > 0 and any(v > 0 for v in surplus.values()):
            frm = max(surplus, key=surplus.get)
            k = min(surplus[frm], deficit[to])
            rows.append({"from_street": frm, "to_street": to, "workers": int(k)})
            surplus[frm] -= k
            deficit[to] -= k
    short = sum(deficit.values())
    note = (f"调配后仍缺 {short} 名网格员 / still {short} grid workers short after the moves" if short > 0 else None)
    return pd.DataFrame(rows, columns=["from_street", "to_street", "workers"]), note


def plan(tickets: pd.DataFrame, roster: pd.DataFrame, targets: Targets | None = None, config: SimConfig | None = None,
         costs: Costs | None = None, seed: int = 0, fixed_total: bool = False, max_factor: float = 3.0,
         hotline: HotlineTargets | None = None, progress: Progress | None = None, n_jobs: int = 1) -> Plan:
    """The smallest grid workers and mediators per street meeting the targets on these tickets.

    Args:
        tickets: demand (e.g. `demand_from_forecast` at the chosen quantile, scenario applied).
        roster: today's roster (ROSTER_COLUMNS).
        fixed_total: also suggest moves between streets that keep today's total headcount.
        max_factor: search up to this multiple of today's headcount before declaring a target unreachable.
        hotline: service level and handle time for sizing the acceptors (default HotlineTargets()).
        progress: called with (share done, street).
        n_jobs: processes for the per-street searches on this machine (`civicdesk.parallel.run_parallel`;
            with CIVICDESK_DASK_SCHEDULER set they run on that Dask cluster, with the same result).
    """
    targets, config, costs = targets or Targets(), config or SimConfig(), costs or Costs()
    t = check_demand(tickets)
    base = check_roster(roster)
    if t.empty:
        raise ValueError("there are no tickets to plan for")
    streets = list(base.index)

    def report(k: int, _) -> None:
        if progress is not None:
            progress((k + 1) / len(streets), streets[k])

    results = run_parallel(_street_plan, _street_tasks(t, base, config, seed, max_factor, targets), n_jobs, report)
    problems = [p for _, probs in results for p in probs]
    frame = pd.DataFrame([row for row, _ in results])
    moves = pd.DataFrame(columns=["from_street", "to_street", "workers"])
    if fixed_total:
        moves, note = moves_between(frame)
        if note:
            problems.append(note)
    cost_now = float(frame["grid_workers_now"].sum() * costs.grid_worker + frame["mediators_now"].sum() * costs.mediator)
    cost_plan = float(frame["grid_workers"].sum() * costs.grid_worker + frame["mediators"].sum() * costs.mediator)
    hotline_tickets = t[t["channel"] == "hotline"]
    acceptors = acceptors_needed(t, hotline) if len(hotline_tickets) else None
    return Plan(frame, moves, tuple(problems), cost_now, cost_plan, targets, acceptors)


def streets_short(tickets: pd.DataFrame, roster: pd.DataFrame, targets: Targets | None = None,
                  config: SimConfig | None = None, seed: int = 0, max_factor: float = 3.0, n_jobs: int = 1) -> list[str]:
    """Streets where `plan` would find today's roster short (a quick check before planning only those): one
    run per street at today's headcount, and one at the largest searched roster where today's misses a
    target (a target no roster reaches is replaced by what the largest reaches, as `plan` does)."""
    targets, config = targets or Targets(), config or SimConfig()
    t, base = check_demand(tickets), check_roster(roster)
    short = run_parallel(_street_short, _street_tasks(t, base, config, seed, max_factor, targets), n_jobs)
    return [street for street, is_short in zip(base.index, short) if is_short]
