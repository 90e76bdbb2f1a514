"""Turn a finished simulation run into a SimResult: the ticket table, the per street × role summary
and the backlog over time."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk import calendar as cal

ROLE_ORDER = ["grid_worker", "duty", "mediator", "direct"]


@dataclass(frozen=True)
class SimResult:
    """What a simulation run produced.

    Attributes:
        tickets: one row per simulated ticket: street, role, urgency, created_at, deadline_at,
            signed_at, started_at, closed_at, status ("closed", "open", "abandoned"), on_time (closed by
            the deadline; NaN when still open before its deadline), signed_on_time.
        summary: per street and role: tickets, on_time, signed_on_time, close_p50/p90 (working days for
            grid workers, hours for duty, days for mediators), utilisation, overtime_h per worker-week.
        backlog: per street and day: open (created, not yet closed) and queued (waiting for a grid worker).
        start, end: the period whose arrivals were simulated; seed: the random seed.
    """

    tickets: pd.DataFrame
    summary: pd.DataFrame
    backlog: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    seed: int

    def on_time(self, role: str = "grid_worker") -> pd.Series:
        """On-time closure rate per street for one role."""
        s = self.summary[self.summary["role"] == role]
        return s.set_index("street")["on_time"]


def _clock(hours: np.ndarray, t0: pd.Timestamp) -> pd.Series:
    """Hours from t0 as timestamps (whole nanoseconds; NaN gives NaT)."""
    hours = np.asarray(hours, dtype=float)
    bad = np.isnan(hours)
    ns = np.round(np.where(bad, 0.0, hours) * 3.6e12).astype(np.int64) + t0.value
    out = ns.view("datetime64[ns]").copy()
    out[bad] = np.datetime64("NaT")
    return pd.Series(out)


def _tickets(run) -> pd.DataFrame:
    t = run.t
    end_h = run.horizon_h
    closed_h = np.where(run.out["closed"] <= end_h, run.out["closed"], np.nan)
    frame = pd.DataFrame({
        "street": t["street"].to_numpy(), "role": run.role, "category": t["category"].to_numpy(),
        "urgency": t["urgency"].to_numpy(), "created_at": t["created_at"].to_numpy(),
        "deadline_at": t["deadline_at"].to_numpy(),
        "signed_at": _clock(run.out["signed"], run.t0).to_numpy(),
        "started_at": _clock(run.out["started"], run.t0).to_numpy(),
        "closed_at": _clock(closed_h, run.t0).to_numpy()})
    frame["status"] = np.where(run.abandoned, "abandoned", np.where(frame["closed_at"].notna(), "closed", "open"))
    horizon_end = run.t0 + pd.Timedelta(hours=end_h)
    late_open = frame["closed_at"].isna() & (frame["deadline_at"] < horizon_end)
    on_time = (frame["closed_at"] <= frame["deadline_at"]).astype(float)
    frame["on_time"] = on_time.where(frame["closed_at"].notna(), np.where(late_open, 0.0, np.nan))
    sign_by = cal.sign_deadline(frame["created_at"], frame["urgency"])
    frame["signed_on_time"] = (frame["signed_at"] <= sign_by).astype(float).where(frame["signed_at"].notna(), 0.0)
    frame["close_wd"] = cal.working_days_between(frame["created_at"], frame["closed_at"])
    frame["close_h"] = (frame["closed_at"] - frame["created_at"]) / pd.Timedelta(hours=1)
    return frame


def _duration(group: pd.DataFrame, role: str) -> pd.Series:
    if role == "grid_worker":
        return group["close_wd"]
    if role == "mediator":
        return group["close_h"] / 24.0
    return group["close_h"]


def _summary(frame: pd.DataFrame, usage: list[dict]) -> pd.DataFrame:
    rows = []
    for (street, role), g in frame.groupby(["street", "role"], sort=False):
        dur = _duration(g, role).dropna()
        rows.append({"street": street, "role": role, "tickets": len(g), "on_time": g["on_time"].mean(),
                     "signed_on_time": g["signed_on_time"].mean(), "open_at_end": int((g["status"] == "open").sum()),
                     "close_p50": dur.median() if len(dur) else np.nan,
                     "close_p90": dur.quantile(0.9) if len(dur) else np.nan})
    out = pd.DataFrame(rows)
    use = pd.DataFrame(usage)
    if not use.empty:
        use = use.groupby(["street", "role"], as_index=False).sum(numeric_only=True)
        use["utilisation"] = use["busy_h"] / use["available_h"].where(use["available_h"] > 0)
        use["overtime_h_per_week"] = use["overtime_h"] / use["worker_weeks"].where(use["worker_weeks"] > 0)
        out = out.merge(use[["street", "role", "utilisation", "overtime_h_per_week"]], on=["street", "role"], how="left")
    out["role"] = pd.Categorical(out["role"], ROLE_ORDER)
    return out.sort_values(["street", "role"], ignore_index=True).assign(role=lambda d: d["role"].astype(str))


def _backlog(run, frame: pd.DataFrame) -> pd.DataFrame:
    ends = (run.days + pd.Timedelta(days=1)).to_numpy()
    parts = []
    for street, g in frame.groupby("street", sort=True):
        created = np.sort(g["created_at"].to_numpy())
        closed = np.sort(g["closed_at"].dropna().to_numpy())
        open_ = np.searchsorted(created, ends) - np.searchsorted(closed, ends)
        queued = run.queue.get(street, np.zeros(len(run.days)))
        parts.append(pd.DataFrame({"street": street, "ds": run.days, "open": open_, "queued": queued}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["street", "ds", "open", "queued"])


def assemble(run) -> SimResult:
    frame = _tickets(run)
    return SimResult(frame, _summary(frame, run.usage), _backlog(run, frame), run.t0,
                     run.t["created_at"].max().normalize(), run.seed)
