"""Weeks as a centre counts them: ISO weeks, Monday to Sunday, named like "2023-W07"."""
from __future__ import annotations

import statistics
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported only to parse a date given as text (`civicdesk kpi` starts without it)
    import pandas as pd


def week_monday(week: str | date | datetime | pd.Timestamp) -> date:
    """Monday of the ISO week given as "2023-W07" or any date inside it.

    Raises:
        ValueError: `week` is neither an ISO week nor a date.
    """
    if isinstance(week, str) and "-W" in week.upper():
        year, num = week.upper().split("-W")
        try:
            return date.fromisocalendar(int(year), int(num), 1)
        except ValueError:
            raise ValueError(f"'{week}' is not an ISO week such as 2023-W07") from None
    import pandas as pd

    try:
        day = pd.Timestamp(week).date()
    except (ValueError, TypeError):
        raise ValueError(f"'{week}' is neither an ISO week such as 2023-W07 nor a date") from None
    return day - timedelta(days=day.weekday())


def iso_week_name(monday: date) -> str:
    """ "2023-W07" for the week starting `monday`."""
    year, num, _ = monday.isocalendar()
    return f"{year}-W{num:02d}"


def last_complete_week(last_day: date) -> date:
    """Monday of the last ISO week that ends on or before `last_day` (the data's last day)."""
    monday = last_day - timedelta(days=last_day.weekday())
    return monday if last_day.weekday() == 6 else monday - timedelta(days=7)


def week_label(monday: date, lang: str = "zh") -> str:
    """Human label of a week: "2023年2月13日—2月19日" or "13–19 Feb 2023"."""
    sunday = monday + timedelta(days=6)
    if lang == "zh":
        tail = f"{sunday.month}月{sunday.day}日" if sunday.year == monday.year else \
            f"{sunday.year}年{sunday.month}月{sunday.day}日"
        return f"{monday.year}年{monday.month}月{monday.day}日—{tail}"
    return f"{monday:%d %b %Y} – {sunday:%d %b %Y}"


#: A week qualifies as the default when it holds at least this share of the median weekly volume.
DEFAULT_WEEK_SHARE = 0.25
#: The median is taken over at most this many of the last complete weeks holding tickets (a year).
DEFAULT_WEEK_WINDOW = 52


def _as_date(day) -> date:
    if isinstance(day, datetime):  # a pd.Timestamp too
        return day.date()
    if isinstance(day, date):
        return day
    import pandas as pd

    return pd.Timestamp(day).date()


def choose_week(weekly: Mapping, last_day: date, share: float = DEFAULT_WEEK_SHARE,
                window: int = DEFAULT_WEEK_WINDOW) -> date | None:
    """The default week from weekly volumes: the last complete week holding at least `share` of the median.

    A week is complete when its Sunday is on or before `last_day` (the data's last day). The median is taken
    over the last `window` complete weeks holding tickets, so a centre whose early years are sparse (a few
    tickets a week for years before the platform went live) is judged on its present volume. A straggler week
    (a lone late ticket, an export cut mid-week) is skipped for the last week that looks like the centre's
    ordinary work. Plain Python (no pandas), so `civicdesk kpi` can use it.

    Args:
        weekly: tickets per week, keyed by the weeks' Mondays (dates; a pd.Series indexed by them does too);
            weeks without tickets may be absent.
        last_day: the data's last day.
        share: the fraction of the median weekly volume a week must reach.
        window: how many of the last complete weeks holding tickets the median is taken over.

    Returns:
        The chosen Monday; the last week holding tickets when no complete week qualifies; None when empty.
    """
    counts = sorted((_as_date(monday), float(n)) for monday, n in weekly.items() if float(n) > 0)
    if not counts:
        return None
    complete = [(monday, n) for monday, n in counts if monday + timedelta(days=6) <= last_day]
    if not complete:
        return counts[-1][0]
    median = statistics.median(n for _, n in complete[-window:])
    return [monday for monday, n in complete if n >= share * float(median)][-1]
