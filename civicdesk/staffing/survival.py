"""Right-censored times: the Kaplan–Meier estimate, and a distribution drawn from it.

The staffing calibration sees its period as it stood at the cut-off, so the time to close of a ticket still
open then is censored (longer than its age), not missing (`civicdesk.staffing.calibrate`).
"""
from __future__ import annotations

import numpy as np

#: Points (evenly spaced quantiles) that represent a Kaplan–Meier lead-time distribution in its pool.
KM_POINTS = 2000


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier estimate of the survival function from right-censored times.

    Args:
        time: the event time, or the censoring time where `event` is False.
        event: True where the event was seen.
    Returns:
        (the distinct event times, ascending; the survival just after each).
    """
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=bool)
    order = np.argsort(time, kind="stable")
    time, event = time[order], event[order]
    uniq, first = np.unique(time, return_index=True)
    at_risk = len(time) - first
    deaths = np.add.reduceat(event.astype(float), first) if len(time) else np.zeros(0)
    keep = deaths > 0
    surv = np.cumprod(1.0 - deaths[keep] / at_risk[keep])
    return uniq[keep], surv


def km_pool(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Samples of the Kaplan–Meier distribution of right-censored times (its quantiles at evenly spaced
    probabilities). The mass beyond the last event time (tickets open longer than any closed one took) sits
    at the longest censoring time, a lower bound: the data say no more. Without censoring, the times."""
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=bool)
    if event.all():
        return time
    t, surv = kaplan_meier(time, event)
    if len(t) == 0:
        return np.array([time.max()])
    p = (np.arange(KM_POINTS) + 0.5) / KM_POINTS
    cdf = 1.0 - surv
    idx = np.searchsorted(cdf, p, side="left")  # first event time whose CDF reaches p
    tail = max(float(time[~event].max()) if (~event).any() else t[-1], t[-1])
    return np.where(idx < len(t), t[np.minimum(idx, len(t) - 1)], tail)
