"""Chinese working calendar, calendar regressors and ticket time limits.

Holiday data are the State Council General Office (国务院办公厅) notices on public-holiday
arrangements (部分节假日安排的通知) for 2019–2027:

* ``HOLIDAYS_CN`` maps every day off of a holiday period (放假日, including the weekend days inside
  or bridged onto the period, e.g. "X日放假，与周末连休") to the notice's holiday heading.
* ``MAKEUP_WORKDAYS_CN`` maps every weekend day that is a working day (调休上班) to the holiday it
  makes up for.

Notes:
    * 2020: the Spring Festival break was extended to 2 Feb (COVID-19, 国办发明电〔2020〕1号) and
      the make-up workday of Sat 1 Feb 2020 was cancelled.
    * 2025 onwards: the revised 全国年节及纪念日放假办法 adds New Year's Eve (除夕) to the Spring
      Festival and 2 May to Labour Day (13 statutory days).
    * 2027 is **provisional** (``PROVISIONAL_YEARS``): derived from the 2025 rules, the lunar dates
      and the pattern of 2021 (same weekday layout); replace it when the notice is published.
    * The 2019 New Year break began on 30 Dec 2018 (make-up day Sat 29 Dec 2018); those 2018 days
      are outside the supported range and are not in the tables.
    * Outside the tables every Monday–Friday is a workday.

Working-time model (``add_working_days`` / ``working_days_between``): every working day is one
unit; a timestamp on a working day sits at (workdays before its date) + (fraction of the 24 h day
elapsed); a timestamp on a non-working day sits at the start of the next working day. A result that
falls exactly on a day boundary is reported as 00:00 of the next working day. Timezone-aware input
is handled in its wall-clock time. All functions are vectorised with numpy.
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any, Iterable, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "HOLIDAYS_CN", "MAKEUP_WORKDAYS_CN", "PROVISIONAL_YEARS", "SUPPORTED_YEARS", "TimeLimit",
    "CLOSE_LIMITS", "SIGN_LIMITS", "MEDIATION_DAYS", "EXTENSION_MAX_WORKING_DAYS", "is_workday",
    "holiday_name", "day_kinds", "workday_mask", "spring_festival", "days_to_spring_festival",
    "heating_season", "calendar_features", "add_working_days", "working_days_between",
    "close_deadline", "sign_deadline", "yellow_card_at", "holidays_for",
]

# Rules (time limits) — the one place to change them.


class TimeLimit(NamedTuple):
    """A time limit: ``value`` in ``unit`` ("working_days", "calendar_days", "hours", "minutes")."""

    value: float
    unit: str


#: Closing (办结) limits by urgency code. Shandong rule: the handling unit replies within
#: 5 working days; urgent and very urgent tickets are measured in clock hours.
CLOSE_LIMITS: dict[str, TimeLimit] = {
    "general": TimeLimit(5, "working_days"),
    "urgent": TimeLimit(24, "hours"),
    "very_urgent": TimeLimit(2, "hours"),
}
#: Signing-for (签收) limits by urgency code, in clock time.
SIGN_LIMITS: dict[str, TimeLimit] = {
    "general": TimeLimit(24, "hours"),
    "urgent": TimeLimit(2, "hours"),
    "very_urgent": TimeLimit(30, "minutes"),
}
#: Mediation cases are generally concluded within one month (calendar days).
MEDIATION_DAYS = 30
#: An extension (延期) may add at most this many working days.
EXTENSION_MAX_WORKING_DAYS = 10
#: Urgency code used for unknown / missing codes.
DEFAULT_URGENCY = "general"

# Holiday data

SUPPORTED_YEARS = range(2019, 2028)
PROVISIONAL_YEARS = {2027}

# Per year (notice): "heading first..last [+make-up days]" entries separated by "|". Dates are
# MM-DD in the key year unless written in full; "a..b" is a span of days off (放假日, inclusive).
_SCHEDULE: dict[int, str] = {
    2019: "元旦 01-01 | 春节 02-04..02-10 +02-02,02-03 | 清明节 04-05..04-07 | "  # 国办发明电〔2018〕15号
          "劳动节 05-01..05-04 +04-28,05-05 | 端午节 06-07..06-09 | 中秋节 09-13..09-15 | "
          "国庆节 10-01..10-07 +09-29,10-12",  # Labour Day amended in March 2019
    2020: "元旦 01-01 | 春节 01-24..02-02 +01-19 | 清明节 04-04..04-06 | "  # 国办发明电〔2019〕16号
          "劳动节 05-01..05-05 +04-26,05-09 | 端午节 06-25..06-27 +06-28 | "
          "国庆节、中秋节 10-01..10-08 +09-27,10-10",  # 春节 extended, 02-01 make-up cancelled
    2021: "元旦 01-01..01-03 | 春节 02-11..02-17 +02-07,02-20 | 清明节 04-03..04-05 | "
          "劳动节 05-01..05-05 +04-25,05-08 | 端午节 06-12..06-14 | 中秋节 09-19..09-21 +09-18 | "
          "国庆节 10-01..10-07 +09-26,10-09",  # 国办发明电〔2020〕27号
    2022: "元旦 01-01..01-03 | 春节 01-31..02-06 +01-29,01-30 | 清明节 04-03..04-05 +04-02 | "
          "劳动节 04-30..05-04 +04-24,05-07 | 端午节 06-03..06-05 | 中秋节 09-10..09-12 | "
          "国庆节 10-01..10-07 +10-08,10-09",  # 国办发明电〔2021〕11号
    2023: "元旦 2022-12-31..01-02 | 春节 01-21..01-27 +01-28,01-29 | 清明节 04-05 | "
          "劳动节 04-29..05-03 +04-23,05-06 | 端午节 06-22..06-24 +06-25 | "
          "中秋节、国庆节 09-29..10-06 +10-07,10-08",  # 国办发明电〔2022〕16号
    2024: "元旦 2023-12-30..01-01 | 春节 02-10..02-17 +02-04,02-18 | 清明节 04-04..04-06 +04-07 | "
          "劳动节 05-01..05-05 +04-28,05-11 | 端午节 06-08..06-10 | 中秋节 09-15..09-17 +09-14 | "
          "国庆节 10-01..10-07 +09-29,10-12",  # 国办发明电〔2023〕7号
    2025: "元旦 01-01 | 春节 01-28..02-04 +01-26,02-08 | 清明节 04-04..04-06 | "  # new rules
          "劳动节 05-01..05-05 +04-27 | 端午节 05-31..06-02 | "
          "国庆节、中秋节 10-01..10-08 +09-28,10-11",  # 国办发明电〔2024〕12号
    2026: "元旦 01-01..01-03 +01-04 | 春节 02-15..02-23 +02-14,02-28 | 清明节 04-04..04-06 | "
          "劳动节 05-01..05-05 +05-09 | 端午节 06-19..06-21 | 中秋节 09-25..09-27 | "
          "国庆节 10-01..10-07 +09-20,10-10",  # notice of November 2025
    # PROVISIONAL: derived from the 2025 rules (8-day Spring Festival from 除夕), the lunar dates
    # (春节 02-06, 清明 04-05, 端午 06-09, 中秋 09-15) and 2021, which has the same weekday layout.
    2027: "元旦 01-01..01-03 | 春节 02-05..02-12 +01-31,02-20 | 清明节 04-03..04-05 | "
          "劳动节 05-01..05-05 +04-25 | 端午节 06-09 | 中秋节 09-15 | "
          "国庆节 10-01..10-07 +09-26,10-09",
}


def _build_tables() -> tuple[dict[date, str], dict[date, str]]:
    def day(text: str, year: int) -> date:
        return date.fromisoformat(text if len(text) == 10 else f"{year}-{text}")

    hol: dict[date, str] = {}
    mk: dict[date, str] = {}
    for year, spec in _SCHEDULE.items():
        for entry in spec.split("|"):
            name, span, *makeups = entry.split()
            first, _, last = span.partition("..")
            for d in pd.date_range(day(first, year), day(last or first, year), freq="D"):
                hol[d.date()] = name
            for m in makeups[0].lstrip("+").split(",") if makeups else ():
                mk[day(m, year)] = name
    return hol, mk


HOLIDAYS_CN, MAKEUP_WORKDAYS_CN = _build_tables()

#: Lunar New Year's day (正月初一), 2015–2030 (2019–2027 is the supported range).
_SPRING_FESTIVAL: dict[int, date] = {y: date.fromisoformat(s) for y, s in {
    2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16",
    2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
    2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17",
    2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03",
}.items()}

_NS_PER_DAY = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min
_UNIT_NS = {"calendar_days": _NS_PER_DAY, "hours": 3_600 * 10**9, "minutes": 60 * 10**9}
_GRID_START, _GRID_END = "2000-01-01", "2060-12-31"  # working-time arithmetic range
_KIND_NAMES = np.array(["workday", "weekend", "holiday", "makeup", ""])

# Conversion helpers


def _is_scalar(x: Any) -> bool:
    return not isinstance(x, (pd.Series, pd.Index, np.ndarray, list, tuple)) or (
        isinstance(x, np.ndarray) and x.ndim == 0)


def _to_date(d: Any) -> date:
    if type(d) is date:
        return d
    return pd.Timestamp(d).date()


def _parse(x: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """Return (wall-clock int64 ns, NaT mask, rebuild function) for scalar or array-like input."""
    scalar = _is_scalar(x)
    idx = pd.DatetimeIndex(pd.to_datetime([x] if scalar else x))
    tz = idx.tz
    if tz is not None:
        idx = idx.tz_localize(None)
    idx = idx.as_unit("ns")
    nat = np.asarray(idx.isna())
    ns = idx.asi8.copy()

    def rebuild(vals: np.ndarray, bad: np.ndarray) -> Any:
        out = pd.DatetimeIndex(np.where(bad, _NAT, vals).view("datetime64[ns]"))
        if tz is not None:
            out = out.tz_localize(tz)
        if scalar:
            return out[0]
        if isinstance(x, pd.Series):
            return pd.Series(out, index=x.index, name=x.name)
        if isinstance(x, np.ndarray):
            return out.to_numpy()
        return out.rename(x.name) if isinstance(x, pd.Index) else out

    return ns, nat, rebuild


def _day_numbers(dates: Any) -> tuple[np.ndarray, np.ndarray]:
    ns, nat, _ = _parse(dates)
    return np.where(nat, 0, ns // _NS_PER_DAY), nat


def _date_array(table: Iterable[date]) -> np.ndarray:
    return np.array(sorted(table), dtype="datetime64[D]").astype(np.int64)


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted day numbers of holidays, make-up workdays and Spring Festivals."""
    return (_date_array(HOLIDAYS_CN), _date_array(MAKEUP_WORKDAYS_CN),
            _date_array(_SPRING_FESTIVAL.values()))


def _member(days: np.ndarray, table: np.ndarray) -> np.ndarray:
    i = np.clip(np.searchsorted(table, days), 0, len(table) - 1)
    return table[i] == days


def _kind_codes(days: np.ndarray) -> np.ndarray:
    """0 workday, 1 weekend, 2 holiday, 3 make-up workday for int day numbers (1970-01-01 = 0)."""
    hol, mk, _ = _tables()
    weekend = (days + 3) % 7 >= 5  # 1970-01-01 was a Thursday
    codes = np.where(weekend, 1, 0)
    codes = np.where(_member(days, hol), 2, codes)
    return np.where(_member(days, mk), 3, codes)


class _Grid(NamedTuple):
    d0: int  # day number of the first grid day
    is_work: np.ndarray  # per grid day: working day?
    cum: np.ndarray  # per grid day: working days before it
    work_days: np.ndarray  # day numbers of the working days


@functools.cache
def _grid() -> _Grid:
    d0 = int(np.datetime64(_GRID_START, "D").astype(np.int64))
    d1 = int(np.datetime64(_GRID_END, "D").astype(np.int64))
    days = np.arange(d0, d1 + 1, dtype=np.int64)
    codes = _kind_codes(days)
    is_work = (codes == 0) | (codes == 3)
    cum = np.concatenate([[0], np.cumsum(is_work)])[:-1].astype(np.int64)
    return _Grid(d0, is_work, cum, days[is_work])


def _positions(ns: np.ndarray, nat: np.ndarray) -> np.ndarray:
    """Working-time position (int64 ns of working time) of wall-clock timestamps."""
    g = _grid()
    day = ns // _NS_PER_DAY
    i = np.where(nat, 0, day - g.d0)
    if np.any((i < 0) | (i >= len(g.cum))):
        raise ValueError(f"timestamps must lie within {_GRID_START}..{_GRID_END}")
    frac = np.where(g.is_work[i], ns - day * _NS_PER_DAY, 0)
    return g.cum[i] * _NS_PER_DAY + frac


def _from_positions(pos: np.ndarray, nat: np.ndarray) -> np.ndarray:
    g = _grid()
    k = np.where(nat, 0, pos // _NS_PER_DAY)
    if np.any((k < 0) | (k >= len(g.work_days))):
        raise ValueError(f"result falls outside {_GRID_START}..{_GRID_END}")
    return g.work_days[k] * _NS_PER_DAY + (pos - k * _NS_PER_DAY)


def _add_wd_ns(ns: np.ndarray, nat: np.ndarray, n: Any) -> tuple[np.ndarray, np.ndarray]:
    n = np.broadcast_to(np.asarray(n, dtype=float), ns.shape)
    bad = nat | np.isnan(n)
    step = np.round(np.where(bad, 0.0, n) * _NS_PER_DAY).astype(np.int64)
    return _from_positions(_positions(ns, bad) + step, bad), bad

# Day classification


def is_workday(d: date | datetime | str) -> bool:
    """Whether ``d`` is a working day: Mon–Fri and not a holiday, or a make-up workday."""
    d = _to_date(d)
    if d in MAKEUP_WORKDAYS_CN:
        return True
    return d not in HOLIDAYS_CN and d.weekday() < 5


def holiday_name(d: date | datetime | str) -> str | None:
    """Chinese name of the holiday period ``d`` belongs to (e.g. "春节"), or None."""
    return HOLIDAYS_CN.get(_to_date(d))


def day_kinds(dates: Any) -> np.ndarray:
    """Classify dates as "workday", "weekend", "holiday" or "makeup" (make-up workday).

    Args:
        dates: Array-like of dates/datetimes (DatetimeIndex, Series, datetime64 array, list).

    Returns:
        Array of str, one per date; "" for NaT.
    """
    days, nat = _day_numbers(dates)
    return _KIND_NAMES[np.where(nat, 4, _kind_codes(days))]


def workday_mask(dates: Any) -> np.ndarray:
    """Boolean array: True where the date is a working day (False for NaT)."""
    days, nat = _day_numbers(dates)
    codes = _kind_codes(days)
    return ~nat & ((codes == 0) | (codes == 3))


def spring_festival(year: int) -> date:
    """Lunar New Year's day (正月初一) of ``year`` (table covers 2015–2030)."""
    try:
        return _SPRING_FESTIVAL[int(year)]
    except KeyError:
        raise ValueError(f"Spring Festival date unknown for {year}") from None


def days_to_spring_festival(dates: Any) -> np.ndarray:
    """Signed days from each date to the nearest Spring Festival.

    Positive before the festival (days still to go), 0 on the day, negative after it.

    Raises:
        ValueError: for NaT or dates outside 2015-02-19..2030-02-03.
    """
    days, nat = _day_numbers(dates)
    sf = _tables()[2]
    if np.any(nat) or np.any((days < sf[0]) | (days > sf[-1])):
        raise ValueError("dates must be non-null and within 2015-02-19..2030-02-03")
    j = np.clip(np.searchsorted(sf, days), 1, len(sf) - 1)
    after, before = sf[j] - days, sf[j - 1] - days  # after >= 0 >= before
    return np.where(after <= -before, after, before).astype(np.int64)


def heating_season(dates: Any, start: tuple[int, int] = (11, 15),
                   end: tuple[int, int] = (3, 15)) -> np.ndarray:
    """Whether dates fall in the heating season (Jinan/Shandong: 15 Nov – 15 Mar inclusive).

    Args:
        dates: Array-like of dates/datetimes.
        start: (month, day) of the first heated day.
        end: (month, day) of the last heated day.

    Returns:
        Boolean array (False for NaT).
    """
    idx = pd.DatetimeIndex(pd.to_datetime(dates))
    md = np.asarray(idx.month * 100 + idx.day, dtype=float)
    s, e = start[0] * 100 + start[1], end[0] * 100 + end[1]
    res = (md >= s) & (md <= e) if s <= e else (md >= s) | (md <= e)
    return res & ~np.asarray(idx.isna())


def calendar_features(dates: Any) -> pd.DataFrame:
    """Calendar regressors for forecasting.

    Args:
        dates: Array-like of dates (no NaT). A Series contributes its index, a DatetimeIndex is
            used as the index itself, anything else becomes a DatetimeIndex.

    Returns:
        DataFrame with columns ``dow`` (0=Mon), ``is_holiday``, ``is_makeup_workday``,
        ``is_workday``, ``heating``, ``days_to_spring_festival``.
    """
    days, nat = _day_numbers(dates)
    if np.any(nat):
        raise ValueError("calendar_features does not accept NaT")
    if isinstance(dates, pd.Series):
        index = dates.index
    elif isinstance(dates, pd.DatetimeIndex):
        index = dates
    else:
        index = pd.DatetimeIndex(pd.to_datetime(dates))
    codes = _kind_codes(days)
    return pd.DataFrame({
        "dow": ((days + 3) % 7).astype(np.int64),
        "is_holiday": codes == 2,
        "is_makeup_workday": codes == 3,
        "is_workday": (codes == 0) | (codes == 3),
        "heating": heating_season(dates),
        "days_to_spring_festival": days_to_spring_festival(dates),
    }, index=index)

# Working-time arithmetic


def add_working_days(ts: Any, n: Any) -> Any:
    """Add ``n`` working days (may be fractional or negative) to timestamps.

    Example: Fri 2023-02-10 10:00 + 5 → Fri 2023-02-17 10:00; a timestamp on Saturday counts
    from Monday 00:00.

    Args:
        ts: Scalar timestamp, or DatetimeIndex / Series / datetime64 array / list of timestamps.
        n: Scalar or array of floats broadcastable to ``ts`` (NaN gives NaT).

    Returns:
        Same kind as ``ts``: Timestamp, DatetimeIndex, datetime64[ns] array or Series (same index).
    """
    ns, nat, rebuild = _parse(ts)
    out, bad = _add_wd_ns(ns, nat, n)
    return rebuild(out, bad)


def working_days_between(start: Any, end: Any) -> Any:
    """Working days elapsed from ``start`` to ``end`` (float; negative if end < start).

    Inverse of :func:`add_working_days`. NaT in either argument gives NaN.

    Returns:
        float for two scalars, a Series (index of the first Series argument) if either is a
        Series, else a float ndarray.
    """
    s_ns, s_nat, _ = _parse(start)
    e_ns, e_nat, _ = _parse(end)
    s_ns, e_ns, s_nat, e_nat = np.broadcast_arrays(s_ns, e_ns, s_nat, e_nat)
    bad = s_nat | e_nat
    diff = (_positions(e_ns, bad) - _positions(s_ns, bad)) / _NS_PER_DAY
    diff = np.where(bad, np.nan, diff)
    if _is_scalar(start) and _is_scalar(end):
        return float(diff[0])
    for x in (start, end):
        if isinstance(x, pd.Series):
            return pd.Series(diff, index=x.index)
    return diff

# Deadlines


def _urgency_array(urgency: Any, shape: tuple[int, ...], known: Iterable[str]) -> np.ndarray:
    if np.ndim(urgency) == 0:
        return np.full(shape, urgency if urgency in known else DEFAULT_URGENCY, dtype=object)
    u = pd.Series(np.broadcast_to(np.asarray(urgency, dtype=object), shape).ravel())
    return np.where(u.isin(list(known)), u, DEFAULT_URGENCY).astype(object)


def _apply_limits(created_at: Any, urgency: Any, limits: dict[str, TimeLimit],
                  mediation: Any = False) -> Any:
    ns, nat, rebuild = _parse(created_at)
    urg = _urgency_array(urgency, ns.shape, limits)
    med = np.asarray(mediation)
    if med.dtype != bool:  # tolerate None / NaN in object arrays
        med = pd.Series(med.ravel(), dtype=object).fillna(False).astype(bool).to_numpy()
    med = np.broadcast_to(med, ns.shape)
    out = np.full(ns.shape, _NAT, dtype=np.int64)
    bad = nat.copy()
    for code, limit in limits.items():
        m = (urg == code) & ~med
        if not m.any():
            continue
        if limit.unit == "working_days":
            out[m], bad[m] = _add_wd_ns(ns[m], nat[m], limit.value)
        else:
            out[m] = ns[m] + int(round(limit.value * _UNIT_NS[limit.unit]))
    out[med] = ns[med] + MEDIATION_DAYS * _NS_PER_DAY
    return rebuild(out, bad)


def close_deadline(created_at: Any, urgency: Any = DEFAULT_URGENCY, mediation: Any = False) -> Any:
    """Deadline for closing (办结) tickets, by the rules in ``CLOSE_LIMITS``.

    Args:
        created_at: Scalar or array-like/Series of creation timestamps.
        urgency: Urgency code(s) ("general", "urgent", "very_urgent"); unknown or missing codes
            are treated as "general".
        mediation: Bool or array of bools; mediation cases get ``MEDIATION_DAYS`` calendar days.

    Returns:
        Deadlines, same kind as ``created_at``.
    """
    return _apply_limits(created_at, urgency, CLOSE_LIMITS, mediation)


def sign_deadline(created_at: Any, urgency: Any = DEFAULT_URGENCY) -> Any:
    """Deadline for signing for (签收) tickets, by the rules in ``SIGN_LIMITS`` (clock time)."""
    return _apply_limits(created_at, urgency, SIGN_LIMITS)


def yellow_card_at(deadline: Any) -> Any:
    """Yellow-card time: one working day before ``deadline`` (Shandong rule), same kind as input."""
    return add_working_days(deadline, -1)

# Country hook


def holidays_for(country: str | None, years: int | Iterable[int]) -> dict[date, str]:
    """Holidays of ``country`` in ``years``.

    Args:
        country: "CN" for the built-in Chinese tables (days off of each holiday period); another
            ISO code uses the optional ``holidays`` package; None gives no holidays.
        years: A year or an iterable of years.

    Raises:
        ValueError: for non-CN countries when ``holidays`` is not installed or the code is unknown.
    """
    if country is None:
        return {}
    ys = {int(years)} if isinstance(years, (int, np.integer)) else {int(y) for y in years}
    if country.upper() in {"CN", "CHN"}:
        return {d: n for d, n in sorted(HOLIDAYS_CN.items()) if d.year in ys}
    try:
        import holidays as _holidays
    except ImportError:
        raise ValueError(f"holidays for country {country!r} need the optional 'holidays' "
                         "package: install the 'holidays' package (pip install holidays)") from None
    try:
        cal = _holidays.country_holidays(country.upper(), years=sorted(ys))
    except NotImplementedError as exc:
        raise ValueError(f"unknown country code {country!r}") from exc
    return dict(sorted(cal.items()))
