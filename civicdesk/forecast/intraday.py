"""Intraday arrivals: the hour-of-week shape learned from ticket timestamps, to split a daily forecast
into 30-minute arrivals for hotline staffing (calls peak 9–11 and 14–16, weekends are lower)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.store.schema import tickets

SLOT_MINUTES = 30
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES


def profile_from_times(created_at: pd.Series) -> pd.DataFrame:
    """Share of each weekday's arrivals in each 30-minute slot: DataFrame[dow, slot, share] (shares sum to 1)."""
    ts = pd.to_datetime(pd.Series(created_at)).dropna()
    if ts.empty:
        raise ValueError("no ticket times to learn the intraday shape from")
    frame = pd.DataFrame({"dow": ts.dt.day_of_week, "slot": (ts.dt.hour * 60 + ts.dt.minute) // SLOT_MINUTES})
    counts = frame.value_counts().rename("n").reset_index()
    grid = pd.MultiIndex.from_product([range(7), range(SLOTS_PER_DAY)], names=["dow", "slot"])
    full = counts.set_index(["dow", "slot"])["n"].reindex(grid, fill_value=0).astype(float).reset_index()
    totals = full.groupby("dow")["n"].transform("sum")
    # a weekday never seen in the data takes the average shape of the others
    mean_shape = full.groupby("slot")["n"].sum() / max(full["n"].sum(), 1.0)
    full["share"] = np.where(totals > 0, full["n"] / totals.where(totals > 0, 1.0),
                             full["slot"].map(mean_shape))
    return full[["dow", "slot", "share"]]


def intraday_profile(engine: Engine, start=None, end=None, channel: str | None = "hotline") -> pd.DataFrame:
    """The hour-of-week shape of one channel's tickets created in [start, end] (default: the last 8 weeks)."""
    t = tickets.c
    with engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(t.created_at))).scalar()
        if last is None:
            raise ValueError("the store holds no tickets yet")
        hi = pd.Timestamp(end) + pd.Timedelta(days=1) if end is not None else pd.Timestamp(last) + pd.Timedelta(days=1)
        lo = pd.Timestamp(start) if start is not None else hi.normalize() - pd.Timedelta(weeks=8)
        query = sa.select(t.created_at).where(t.created_at >= lo.to_pydatetime(), t.created_at < hi.to_pydatetime())
        if channel:
            query = query.where(t.channel == channel)
        times = pd.Series(conn.execute(query).scalars().all())
    return profile_from_times(times)


def split_daily(daily: pd.DataFrame, profile: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """Daily forecasts (unique_id, ds, value) into 30-minute arrivals: unique_id, ds (slot start), value."""
    frame = daily[["unique_id", "ds", value]].copy()
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.normalize()
    frame["dow"] = frame["ds"].dt.day_of_week
    out = frame.merge(profile, on="dow")
    out["ds"] = out["ds"] + pd.to_timedelta(out["slot"] * SLOT_MINUTES, unit="min")
    out[value] = out[value] * out["share"]
    return out.sort_values(["unique_id", "ds"], ignore_index=True)[["unique_id", "ds", value]]
