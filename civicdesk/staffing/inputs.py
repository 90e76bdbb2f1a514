"""What the staffing simulation reads: tickets (from history or from a forecast) and the roster.

A ticket frame has one row per ticket with the columns in ``DEMAND_COLUMNS``; a roster frame has one
row per street with ``grid_workers``, ``duty`` and mediators per tier (``ROSTER_COLUMNS``), or, for a
replay of history, the grid workers active on each day.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk import calendar as cal
from civicdesk.store.categories import handling_table, is_dispute
from civicdesk.store.schema import staff, streets, tickets

DEMAND_COLUMNS = ["created_at", "street", "grid_id", "category", "urgency", "channel", "deadline_at",
                  "direct", "dispute"]
HISTORY_COLUMNS = DEMAND_COLUMNS + ["signed_at", "closed_at", "returned_count", "reopened_count", "escalated"]
MEDIATOR_TIERS = ("grid", "community", "street")
ROSTER_COLUMNS = ["street", "grid_workers", "duty", *[f"mediators_{t}" for t in MEDIATOR_TIERS]]
DIRECT_HOURS = 4.0  # a ticket signed at intake and closed within this is 直办; assumed (config.py register)
#: A misrouted ticket is returned (退单) within this many working days (field: Shandong rule, DESIGN.md).
RETURN_WD = 2.0


def _mark(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the `direct` (closed at intake) flag; `dispute` (goes to mediation) is set by the caller."""
    out = frame
    signed_at_intake = out["signed_at"].notna() & (out["signed_at"] <= out["created_at"])
    quick = (out["closed_at"] - out["created_at"]) <= pd.Timedelta(hours=DIRECT_HOURS)
    out["direct"] = (signed_at_intake & quick).to_numpy()
    return out


def load_history(engine: Engine, start, end, streets_only: bool = True, as_of=None) -> pd.DataFrame:
    """Tickets created in [start, end] with their observed lifecycle (HISTORY_COLUMNS).

    Args:
        start, end: dates (inclusive).
        streets_only: drop tickets without a street (they cannot be placed on a roster).
        as_of: a cut-off time: the tickets as they stood then. A signing or closure after it is masked
            (NaT): the ticket counts as not yet signed, or still open. The store keeps only the final
            closure and no time for a return (退单) or reopening (重办). For a ticket open at the cut-off,
            `reopened_count` is set to 0 (a reopening follows a closure, and its final closure is later),
            and so is `returned_count` when the ticket was created less than RETURN_WD working days before
            the cut-off; an older one keeps it, since a return is made within RETURN_WD working days of
            dispatch (the field rule), i.e. before the cut-off. The return and reopen shares are estimated
            only from tickets old enough to have closed (`calibrate`). `escalated` has no time either and
            is set to False for tickets open at the cut-off. Used to calibrate on a period without seeing what happened
            after it (`calibrate_store`, `backtest`); the result's ``attrs["as_of"]`` holds the cut-off.
    """
    t = tickets.c
    lo = pd.Timestamp(start).normalize()
    hi = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
    if hi <= lo:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    cols = [t.created_at, t.street, t.grid_id, t.category, t.subcategory, t.urgency, t.channel, t.deadline_at,
            t.signed_at, t.closed_at, t.returned_count, t.reopened_count, t.escalated]
    query = sa.select(*cols).where(t.created_at >= lo.to_pydatetime(), t.created_at < hi.to_pydatetime())
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in cols])
        handling = handling_table(conn)
    for col in ("created_at", "deadline_at", "signed_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col])
    if streets_only:
        frame = frame[frame["street"].notna()]
    frame = frame.assign(dispute=is_dispute(frame, handling).to_numpy(dtype=bool))
    missing = frame["deadline_at"].isna()
    if missing.any():
        frame.loc[missing, "deadline_at"] = cal.close_deadline(
            frame.loc[missing, "created_at"], frame.loc[missing, "urgency"],
            mediation=frame.loc[missing, "dispute"].to_numpy())
    if as_of is not None:
        cut = pd.Timestamp(as_of)
        frame["signed_at"] = frame["signed_at"].where(frame["signed_at"] <= cut)
        frame["closed_at"] = frame["closed_at"].where(frame["closed_at"] <= cut)
        still_open = frame["closed_at"].isna()
        young = still_open & (cal.working_days_between(frame["created_at"], pd.Series(cut, index=frame.index))
                              < RETURN_WD)
        frame.loc[young, "returned_count"] = 0
        frame.loc[still_open, "reopened_count"] = 0
        frame.loc[still_open, "escalated"] = False
    frame = _mark(frame.sort_values("created_at", ignore_index=True))
    out = frame[HISTORY_COLUMNS]
    out.attrs["as_of"] = None if as_of is None else pd.Timestamp(as_of)
    return out


#: How far back `open_backlog` looks for tickets still open.
BACKLOG_LOOKBACK_DAYS = 180


def general_dispatched(frame: pd.DataFrame) -> pd.Series:
    """True for the general tickets that go to grid workers: dispatched (not 直办), not disputes, not urgent."""
    return ~frame["direct"] & ~frame["dispute"] & (frame["urgency"] == "general")


def open_backlog(engine: Engine, day, recent: pd.DataFrame | None = None, weeks: int = 2) -> pd.DataFrame:
    """General dispatched tickets still open at the end of `day`, per street, against the street's arrivals.

    A forecast-based simulation starts with empty queues: it sizes the roster for the new tickets only. A
    street that carries a backlog needs more than that to clear it; this says how much is waiting.

    Args:
        recent: `load_history` of the `weeks` weeks up to `day`, when the caller has it already.

    Returns:
        street, open (general, non-dispute tickets created in the last BACKLOG_LOOKBACK_DAYS days and not
        closed by the end of `day`), per_day (such tickets dispatched per working day over the last
        `weeks` weeks) and days (open ÷ per_day: working days of arrivals waiting), most waiting first.
    """
    end = pd.Timestamp(day).normalize() + pd.Timedelta(days=1)
    t = tickets.c
    query = (sa.select(t.street, t.category, t.subcategory, sa.func.count().label("n")).where(
        t.created_at >= (end - pd.Timedelta(days=BACKLOG_LOOKBACK_DAYS)).to_pydatetime(),
        t.created_at < end.to_pydatetime(), sa.or_(t.closed_at.is_(None), t.closed_at >= end.to_pydatetime()),
        t.urgency == "general", t.street.is_not(None)).group_by(t.street, t.category, t.subcategory))
    with engine.connect() as conn:
        groups = pd.DataFrame(conn.execute(query).all(), columns=["street", "category", "subcategory", "n"])
        disputes = is_dispute(groups, handling_table(conn)).to_numpy(dtype=bool)  # as `load_history` marks them
    waiting = groups[~disputes].groupby("street")["n"].sum().astype(float)
    first = end - pd.Timedelta(weeks=weeks)
    if recent is None:
        recent = load_history(engine, first, end - pd.Timedelta(days=1))
    workdays = max(int(cal.workday_mask(pd.date_range(first, end - pd.Timedelta(days=1))).sum()), 1)
    per_day = recent[general_dispatched(recent)].groupby("street").size() / workdays
    out = pd.DataFrame({"open": waiting, "per_day": per_day}).fillna(0.0)
    out["days"] = out["open"] / out["per_day"].where(out["per_day"] > 0)
    out.index.name = "street"
    return out.reset_index().sort_values("days", ascending=False, ignore_index=True)


def heavy_backlogs(backlog: pd.DataFrame, factor: float = 2.0, min_days: float = 5.0) -> tuple[pd.DataFrame, float]:
    """(the streets of `open_backlog` whose open tickets hold at least `factor` times the median street's
    working days of arrivals, and at least `min_days`, most waiting first; that median)."""
    usual = float(backlog["days"].median()) if len(backlog) else 0.0
    heavy = backlog[backlog["days"] >= max(factor * usual, min_days)]
    return heavy.sort_values("days", ascending=False, ignore_index=True), usual


def load_staff(engine: Engine) -> pd.DataFrame:
    """The staff table with street names: staff_id, role, tier, street, grid_id, active_from, active_to."""
    s, st = staff.c, streets.c
    query = sa.select(s.staff_id, s.role, s.tier, st.name.label("street"), s.grid_id, s.active_from,
                      s.active_to).select_from(staff.outerjoin(streets, s.street_id == st.street_id))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(),
                             columns=["staff_id", "role", "tier", "street", "grid_id", "active_from", "active_to"])
    for col in ("active_from", "active_to"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def _active_on(frame: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    frm, to = frame["active_from"], frame["active_to"]
    return (frm.isna() | (frm <= day)) & (to.isna() | (to >= day))


def roster_on(staff_frame: pd.DataFrame, day, duty_per_street: int = 2) -> pd.DataFrame:
    """Headcount per street on one day (ROSTER_COLUMNS), from the staff table."""
    on = staff_frame[_active_on(staff_frame, pd.Timestamp(day)) & staff_frame["street"].notna()]
    gw = on[on["role"] == "grid_worker"].groupby("street").size().rename("grid_workers")
    med = on[on["role"] == "mediator"].groupby(["street", "tier"]).size().unstack(fill_value=0)
    med = med.reindex(columns=list(MEDIATOR_TIERS), fill_value=0).add_prefix("mediators_")
    out = pd.concat([gw, med], axis=1).fillna(0).astype(int)
    out.insert(1, "duty", duty_per_street)
    out.index.name = "street"
    return out.reset_index()[ROSTER_COLUMNS]


def grid_workers_by_day(staff_frame: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Grid workers on the roster per street (rows) and day (columns)."""
    gw = staff_frame[(staff_frame["role"] == "grid_worker") & staff_frame["street"].notna()]
    d = days.to_numpy().astype("datetime64[D]")
    frm = gw["active_from"].fillna(pd.Timestamp("1900-01-01")).to_numpy().astype("datetime64[D]")
    to = gw["active_to"].fillna(pd.Timestamp("2200-01-01")).to_numpy().astype("datetime64[D]")
    on = (frm[:, None] <= d[None, :]) & (to[:, None] >= d[None, :])
    counts = pd.DataFrame(on.astype(int), columns=days).groupby(gw["street"].to_numpy()).sum()
    counts.index.name = "street"
    return counts


def check_roster(roster: pd.DataFrame) -> pd.DataFrame:
    """Validate a roster frame; returns it indexed by street with integer counts."""
    missing = [c for c in ROSTER_COLUMNS if c not in roster.columns]
    if missing:
        raise ValueError(f"the roster lacks columns: {', '.join(missing)}")
    out = roster.set_index("street")[ROSTER_COLUMNS[1:]]
    if out.isna().any().any():
        raise ValueError("the roster has empty counts")
    if (out < 0).any().any():
        bad = out[(out < 0).any(axis=1)].index.tolist()
        raise ValueError(f"negative headcount for {', '.join(map(str, bad))}")
    return out.round().astype(int)


def check_demand(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate a ticket frame (DEMAND_COLUMNS); returns it sorted by creation time."""
    missing = [c for c in DEMAND_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the tickets lack columns: {', '.join(missing)}")
    if frame["created_at"].isna().any():
        raise ValueError("some tickets have no creation time")
    return frame.sort_values("created_at", ignore_index=True)


def grid_index(frame: pd.DataFrame, workers: np.ndarray) -> np.ndarray:
    """Worker index of each ticket's grid within its street: grids ranked by id and shared round-robin
    among the workers on the roster on the ticket's day (a vacant grid is covered by a colleague, 兼管);
    −1 when the ticket names no grid or nobody is on the roster.

    Args:
        workers: grid workers on the roster on each ticket's day (one count per ticket).
    """
    grids = frame["grid_id"]
    known = grids.notna().to_numpy() & (np.asarray(workers) > 0)
    out = np.full(len(frame), -1, dtype=np.int64)
    if not known.any():
        return out
    rank = grids[known].astype(str).rank(method="dense").astype(np.int64).to_numpy() - 1
    out[known] = rank % np.asarray(workers)[known]
    return out
