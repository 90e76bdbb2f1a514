"""The Overview: this week's KPIs against last week, the category breakdown, streets and the trend.

One call, `overview(engine, week)`, returns a frozen `Overview` that the app, notebooks and the
briefing render; nothing here draws or formats.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy.engine import Engine

from civicdesk.kpi import KPI_LABELS, add_rates, kpi_table, period_start, totals
from civicdesk.periods import week_monday
from civicdesk.store.queries import data_span, rollup_frame


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


#: A week qualifies as the default when it holds at least this share of the median weekly volume.
DEFAULT_WEEK_SHARE = 0.25
#: The median is taken over at most this many of the last complete weeks holding tickets (a year).
DEFAULT_WEEK_WINDOW = 52


def choose_week(weekly: pd.Series, last_day: date, share: float = DEFAULT_WEEK_SHARE,
                window: int = DEFAULT_WEEK_WINDOW) -> date | None:
    """The default week from weekly volumes: the last complete week holding at least `share` of the median.

    A week is complete when its Sunday is on or before `last_day` (the data's last day). The median is taken
    over the last `window` complete weeks holding tickets, so a centre whose early years are sparse (a few
    tickets a week for years before the platform went live) is judged on its present volume. A straggler week (a lone late ticket, an export cut mid-week) is skipped for the last week that
    looks like the centre's ordinary work.

    Args:
        weekly: tickets per week, indexed by the weeks' Mondays (dates); weeks without tickets may be absent.
        last_day: the data's last day.
        share: the fraction of the median weekly volume a week must reach.
        window: how many of the last complete weeks holding tickets the median is taken over.

    Returns:
        The chosen Monday; the last week holding tickets when no complete week qualifies; None when empty.
    """
    counts = pd.Series(weekly, dtype="float64")
    counts.index = [pd.Timestamp(d).date() for d in counts.index]
    counts = counts[counts > 0].sort_index()
    if counts.empty:
        return None
    complete = counts[[monday + timedelta(days=6) <= last_day for monday in counts.index]]
    if complete.empty:
        return counts.index[-1]
    enough = complete[complete >= share * float(complete.iloc[-window:].median())]
    return enough.index[-1]


def weekly_volume(engine: Engine) -> pd.Series:
    """Tickets received per week (indexed by Monday) over the whole store, from the rollup."""
    daily = rollup_frame(engine, (), measures=["received"])
    if daily.empty:
        return pd.Series(dtype="int64")
    return daily.groupby(period_start(daily["day"], "W").dt.date)["received"].sum()


def default_week(engine: Engine) -> date | None:
    """Monday of the week every view and the briefing open on, from the store's data, never the wall clock.

    The last complete week holding at least a quarter of the median weekly volume (`choose_week`); None when
    the store holds no tickets.
    """
    span = data_span(engine)
    return choose_week(weekly_volume(engine), span[1]) if span else None


def _breakdown(this: pd.DataFrame, last: pd.DataFrame, key: str) -> pd.DataFrame:
    now = totals(this, [key]) if len(this) else add_rates(this.drop(columns="period"))
    before = last.groupby(key)["received"].sum().rename("last_week")
    out = now.merge(before, left_on=key, right_index=True, how="left").fillna({"last_week": 0})
    out["last_week"] = out["last_week"].astype("int64")
    out["share"] = out["received"] / max(int(out["received"].sum()), 1)
    out["change"] = out["received"] / out["last_week"].where(out["last_week"] > 0) - 1.0
    return out.sort_values("received", ascending=False, ignore_index=True)


def overview(engine: Engine, week=None, streets: Sequence[str] | None = None,
             categories: Sequence[str] | None = None, trend_weeks: int = 26) -> Overview:
    """Build the Overview for `week` ("2023-W07", a date inside it, or None for the last complete week).

    Raises:
        ValueError: the store holds no tickets.
    """
    monday = week_monday(week) if week is not None else default_week(engine)
    if monday is None:
        raise ValueError("the store holds no tickets yet: build the demo district or import a file")
    sunday = monday + timedelta(days=6)
    filters = {"streets": streets, "categories": categories}
    first = monday - timedelta(weeks=trend_weeks - 1)
    # the breakdowns need two weeks by street, category and channel; the trend only weekly totals
    weeks = kpi_table(engine, "W", ("street", "category", "channel"), monday - timedelta(days=7), sunday, **filters)
    this = weeks[weeks["period"] == pd.Timestamp(monday)]
    last = weeks[weeks["period"] == pd.Timestamp(monday - timedelta(days=7))]
    trend = totals(kpi_table(engine, "W", (), first, sunday, **filters), ["period"]).sort_values(
        "period", ignore_index=True)
    return Overview(
        week_start=monday, week_end=sunday,
        this_week=totals(this).iloc[0], last_week=totals(last).iloc[0],
        by_category=_breakdown(this, last, "category"),
        by_street=_breakdown(this, last, "street"),
        by_channel=_breakdown(this, last, "channel"),
        trend=trend,
    )
