"""Hotline acceptors (受理员) per 30-minute interval of a typical week, from the tickets to be simulated:
the hotline's arrivals per weekday × slot, turned into calls and sized with Erlang C (or Erlang A with
caller patience).

    acceptors_needed(tickets, aht_s=300, calls_per_ticket=1.3, shrinkage=0.3)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk.staffing.erlang import interval_staffing

REFERENCE_MONDAY = pd.Timestamp("2024-01-01")  # a Monday: intervals of the typical week are dated in its week
SLOT_MINUTES = 30


@dataclass(frozen=True)
class HotlineTargets:
    """Service level of the hotline and what a call costs.

    Attributes:
        service_level, answer_s: e.g. 80% of calls answered within 20 seconds.
        aht_s: mean handle time (talk + after-call work) in seconds.
        calls_per_ticket: calls per hotline ticket (consultations answered on the spot, repeat calls).
        shrinkage: share of rostered time off the phones (breaks, training, meetings).
        patience_s: callers' mean patience; None sizes with Erlang C (nobody hangs up).
    """

    service_level: float = 0.80
    answer_s: float = 20.0
    aht_s: float = 300.0
    calls_per_ticket: float = 1.0
    shrinkage: float = 0.30
    patience_s: float | None = None


def typical_week(tickets: pd.DataFrame, channel: str = "hotline") -> pd.DataFrame:
    """Mean tickets of one channel per weekday × 30-minute slot: ds (in REFERENCE_MONDAY's week), dow, slot, tickets."""
    t = tickets.loc[tickets["channel"] == channel, "created_at"]
    days = pd.to_datetime(tickets["created_at"]).dt.normalize().drop_duplicates()
    per_dow = days.dt.day_of_week.value_counts().reindex(range(7), fill_value=0)
    grid = pd.MultiIndex.from_product([range(7), range(24 * 60 // SLOT_MINUTES)], names=["dow", "slot"])
    counts = pd.Series(0.0, index=grid)
    if len(t):
        seen = pd.DataFrame({"dow": t.dt.day_of_week, "slot": (t.dt.hour * 60 + t.dt.minute) // SLOT_MINUTES})
        counts = seen.value_counts().reindex(grid, fill_value=0).astype(float)
    frame = counts.rename("tickets").reset_index()
    frame["tickets"] = frame["tickets"] / frame["dow"].map(per_dow).clip(lower=1).to_numpy()
    frame["ds"] = REFERENCE_MONDAY + pd.to_timedelta(frame["dow"], unit="D") + pd.to_timedelta(frame["slot"] * SLOT_MINUTES, unit="min")
    return frame[["ds", "dow", "slot", "tickets"]]


def acceptors_needed(tickets: pd.DataFrame, targets: HotlineTargets | None = None) -> pd.DataFrame:
    """Acceptors per interval of a typical week: ds, dow, slot, tickets, calls, traffic, agents (on the
    phones), rostered (after shrinkage), service_level, asa, occupancy (and p_abandon with patience)."""
    targets = targets or HotlineTargets()
    if targets.calls_per_ticket <= 0:
        raise ValueError("calls per ticket must be positive")
    week = typical_week(tickets)
    week["calls"] = week["tickets"] * targets.calls_per_ticket
    return interval_staffing(week, aht=targets.aht_s, target_service_level=targets.service_level,
                             target_time=targets.answer_s, shrinkage=targets.shrinkage,
                             patience=targets.patience_s, interval_minutes=SLOT_MINUTES)


def acceptor_hours(table: pd.DataFrame) -> float:
    """Rostered acceptor-hours a week for a table from `acceptors_needed`."""
    return float(np.sum(table["rostered"]) * SLOT_MINUTES / 60)
