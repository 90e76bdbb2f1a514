"""The Overview: this week's KPIs against last week, the category breakdown, streets and the trend.

One call, `overview(engine, week)`, returns a frozen `Overview` that the app, notebooks and the
briefing render; nothing here draws or formats. It reads the weekly margins (`civicdesk.store.queries.
week_margins`: some forty rows a week, however many tickets), so its cost does not grow with the store.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from civicdesk.kpi import KPI_LABELS, NO_TICKETS, rate_columns
from civicdesk.periods import DEFAULT_WEEK_SHARE, DEFAULT_WEEK_WINDOW, choose_week, week_monday  # noqa: F401
from civicdesk.store.queries import data_span, week_margins
from civicdesk.store.schema import ROLLUP_COUNTS, ROLLUP_SUMS


@dataclass(frozen=True)
class Overview:
    """This week's picture of the centre.

    Attributes:
        week_start, week_end: Monday and Sunday of the week.
        this_week, last_week: one row of counts and KPIs each (pd.Series).
        by_category: category, received, share, last_week, change (环比, a ratio) — largest first.
        by_street: street, received, last_week, change and the KPI columns, largest first.
        by_channel: channel, received, share.
        trend: period (Monday), received and the KPI columns for the weeks up to this one.
    """

    week_start: date
    week_end: date
    this_week: pd.Series
    last_week: pd.Series
    by_category: pd.DataFrame
    by_street: pd.DataFrame
    by_channel: pd.DataFrame
    trend: pd.DataFrame

    def change(self, kpi: str) -> float:
        """This week's value of `kpi` minus last week's (for counts, the ratio − 1)."""
        now, before = self.this_week.get(kpi), self.last_week.get(kpi)
        if kpi in KPI_LABELS:
            return float(now - before)
        return float(now / before - 1.0) if before else float("nan")


def weekly_volume(engine: Engine) -> pd.Series:
    """Tickets received per week (indexed by Monday) over the whole store, from the weekly margins."""
    weekly = week_margins(engine, dimensions=["total"], measures=["received"])
    if weekly.empty:
        return pd.Series(dtype="int64")
    return pd.Series(weekly["received"].to_numpy(), index=weekly["week"].dt.date.to_numpy(), name="received")


def default_week(engine: Engine) -> date | None:
    """Monday of the week every view and the briefing open on, from the store's data, never the wall clock.

    The last complete week holding at least a quarter of the median weekly volume (`choose_week`); None when
    the store holds no tickets.
    """
    span = data_span(engine)
    return choose_week(weekly_volume(engine), span[1]) if span else None


_MEASURES = [*ROLLUP_COUNTS, *ROLLUP_SUMS]


class _Margins:
    """Margin rows (`week_margins`) as numpy arrays, picked by week and dimension without pandas overhead."""

    def __init__(self, frame: pd.DataFrame):
        self.cols = {c: frame[c].to_numpy() for c in frame.columns}

    def pick(self, week: date, dimension: str) -> dict[str, np.ndarray]:
        mask = (self.cols["week"] == np.datetime64(week)) & (self.cols["dimension"] == dimension)
        return {c: v[mask] for c, v in self.cols.items()}


def _week_totals(margins: _Margins, week: date) -> pd.Series:
    """The week's counts and KPIs (zeros and NaN rates for a week without tickets), as floats."""
    row = margins.pick(week, "total")
    sums = {m: np.array([float(row[m].sum())]) for m in _MEASURES}
    values = {**sums, **rate_columns(sums)}
    return pd.Series({k: v[0] for k, v in values.items()}, dtype="float64", name=0)


def _breakdown(margins: _Margins, monday: date, key: str) -> pd.DataFrame:
    """This week's `key` rows with their KPIs, last week's volume, share and change; largest first (ties by name)."""
    now = margins.pick(monday, key)
    before = margins.pick(monday - timedelta(days=7), key)
    previous = dict(zip(before["value"], before["received"]))
    names = np.array([str(v) for v in now["value"]], dtype=object)
    received = now["received"]
    order = sorted(range(len(names)), key=lambda i: (-received[i], names[i]))
    counts = {m: now[m][order] for m in _MEASURES}
    last_week = np.array([previous.get(v, 0) for v in names[order]], dtype="int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(last_week > 0, counts["received"] / last_week, np.nan) - 1.0
    return pd.DataFrame({key: pd.array(names[order], dtype="str"), **counts, **rate_columns(counts),
                         "last_week": last_week,
                         "share": counts["received"] / max(int(counts["received"].sum()), 1),
                         "change": change})


def overview(engine: Engine, week=None, streets: Sequence[str] | None = None,
             categories: Sequence[str] | None = None, trend_weeks: int = 26) -> Overview:
    """Build the Overview for `week` ("2023-W07", a date inside it, or None for the last complete week).

    Raises:
        ValueError: the store holds no tickets.
    """
    monday = week_monday(week) if week is not None else default_week(engine)
    if monday is None:
        raise ValueError(NO_TICKETS)
    sunday = monday + timedelta(days=6)
    filters = {"streets": streets, "categories": categories}
    first = monday - timedelta(weeks=trend_weeks - 1)
    # the breakdowns need this week's and last week's margins; the trend only the weekly totals
    # one read: the weekly totals for the trend, and this week's and last week's margins for the breakdowns
    read = week_margins(engine, first, monday, details_from=monday - timedelta(days=7), **filters)
    margins = _Margins(read)
    weekly = read[read["dimension"] == "total"]  # sorted by week
    counts = {m: weekly[m].to_numpy() for m in _MEASURES}
    trend = pd.DataFrame({"period": weekly["week"].to_numpy(), **counts, **rate_columns(counts)})
    return Overview(
        week_start=monday, week_end=sunday,
        this_week=_week_totals(margins, monday),
        last_week=_week_totals(margins, monday - timedelta(days=7)),
        by_category=_breakdown(margins, monday, "category"),
        by_street=_breakdown(margins, monday, "street"),
        by_channel=_breakdown(margins, monday, "channel"),
        trend=trend,
    )
