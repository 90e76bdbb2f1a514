"""What-if questions on the modelling table: change the tickets, predict 满意率.

`WhatIf` is the answer of `DriverModel.what_if`. The builders below return changed copies of the
modelling table for the questions leaders ask; each changes only the tickets it names and keeps the
columns consistent (closing faster also makes a general ticket on time).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Working-day limit for closing a general ticket (Shandong rule), as in `civicdesk.calendar`.
GENERAL_LIMIT_WD = 5.0


@dataclass(frozen=True)
class WhatIf:
    """Predicted 满意率 with the changed tickets, against today's (rates in [0, 1]).

    Attributes:
        rate, ci_low, ci_high: predicted 满意率 and its 95% interval (delta method).
        baseline_rate: predicted 满意率 of the tickets as observed (equal to the observed rate for a logit).
        change, change_ci_low, change_ci_high: rate − baseline_rate and its 95% interval.
        n: callbacks the rate is over; n_changed: how many of them the change touched.
    """

    rate: float
    ci_low: float
    ci_high: float
    baseline_rate: float
    change: float
    change_ci_low: float
    change_ci_high: float
    n: int
    n_changed: int


def close_within(table: pd.DataFrame, working_days: float, urgency: str | None = "general") -> pd.DataFrame:
    """Tickets (of ``urgency``; None = all) that took longer close in ``working_days`` instead.

    A general ticket closed within its 5-working-day limit becomes on time.
    """
    out = table.copy()
    mask = out["working_days_to_close"] > working_days
    if urgency is not None:
        mask &= out["urgency"] == urgency
    out.loc[mask, "working_days_to_close"] = float(working_days)
    if working_days <= GENERAL_LIMIT_WD:
        out.loc[mask & (out["urgency"] == "general"), "closed_on_time"] = 1.0
    return out[mask]


def sign_within(table: pd.DataFrame, hours: float) -> pd.DataFrame:
    """Tickets signed later than ``hours`` after creation are signed at ``hours`` instead."""
    out = table.copy()
    mask = out["hours_to_sign"] > hours
    out.loc[mask, "hours_to_sign"] = float(hours)
    out.loc[mask, "days_to_sign"] = float(hours) / 24.0
    return out[mask]


def reduce_flag(table: pd.DataFrame, column: str, share: float, seed: int = 0) -> pd.DataFrame:
    """A random ``share`` (0–1) of the tickets with ``column`` = 1 get 0 (e.g. half fewer repeat callers)."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"the share to remove must be between 0 and 1, not {share}")
    flagged = np.flatnonzero(table[column].to_numpy() == 1)
    pick = np.random.default_rng(seed).choice(flagged, int(round(share * len(flagged))), replace=False)
    out = table.iloc[np.sort(pick)].copy()
    out[column] = 0.0
    return out


@dataclass(frozen=True)
class Levers:
    """The levers of the app's what-if sliders (None or 0 = leave as observed).

    Attributes:
        close_within_wd: general tickets closed within this many working days.
        sign_within_h: every ticket signed within this many hours.
        fewer_repeat_callers, fewer_returns, fewer_reopens: share (0–1) of such tickets that no longer are.
    """

    close_within_wd: float | None = None
    sign_within_h: float | None = None
    fewer_repeat_callers: float = 0.0
    fewer_returns: float = 0.0
    fewer_reopens: float = 0.0


def lever_changes(table: pd.DataFrame, levers: Levers, seed: int = 0) -> pd.DataFrame:
    """The tickets of ``table`` that the levers change, as changed (all levers applied together)."""
    current = table.copy()
    touched = pd.Series(False, index=table.index)
    steps = []
    if levers.close_within_wd is not None:
        steps.append(lambda t: close_within(t, levers.close_within_wd))
    if levers.sign_within_h is not None:
        steps.append(lambda t: sign_within(t, levers.sign_within_h))
    for column, share in (("repeat_caller", levers.fewer_repeat_callers), ("returned", levers.fewer_returns),
                          ("reopened", levers.fewer_reopens)):
        if share:
            steps.append(lambda t, c=column, s=share: reduce_flag(t, c, s, seed))
    for step in steps:
        changed = step(current)
        current.loc[changed.index, changed.columns] = changed
        touched[changed.index] = True
    return current[touched]
