"""Calibration of a hotline from its ACD call log, and the forward check of that calibration on a later period.

`calibrate_hotline` fits handle time, patience and the agents' availability (1 - shrinkage) from one period's
log; `HotlineCalibration.predict` applies them to another period's arrivals and roster. Availability is a
profile by hour of the day (and by weekday where the log supports it), shrunk toward the pooled value where
an hour has few calls: see `SHRINK_K_CALLS` and docs/staffing.md ("Hotline: availability by hour and the
forward check").
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk.staffing.erlang import erlang_a, erlang_c

LOG_COLUMNS = ["arrived_at", "waited_s", "outcome", "service_s", "agent"]
OUTCOMES = ("served", "abandoned")

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
