"""Weeks as a centre counts them: ISO weeks, Monday to Sunday, named like "2023-W07"."""
from __future__ import annotations

from datetime import date, datetime, timedelta

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
