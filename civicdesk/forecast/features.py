"""Calendar regressors for daily ticket counts: weekday, yearly seasonality, holidays and heating.

`calendar_regressors(ds, holidays="CN")` is what the count regression and SARIMAX see. With
holidays="CN" it adds China's public holidays and make-up workdays (调休), the Spring Festival weeks
and the northern heating season; with another country code, that country's holidays (via
`civicdesk.calendar.holidays_for`); with None, only weekday and yearly terms.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from civicdesk import calendar

FOURIER_K = 3
YEAR_DAYS = 365.25
_EPOCH = pd.Timestamp("2000-01-01")


def fourier_terms(ds: pd.DatetimeIndex, k: int = FOURIER_K, period: float = YEAR_DAYS) -> pd.DataFrame:
    """sin/cos pairs of the yearly cycle, continuous across years."""
    t = np.asarray((ds - _EPOCH).days, dtype=float)
    cols = {}
    for i in range(1, k + 1):
        cols[f"sin{i}"] = np.sin(2 * np.pi * i * t / period)
        cols[f"cos{i}"] = np.cos(2 * np.pi * i * t / period)
    return pd.DataFrame(cols, index=ds)


def _spring_festival_weeks(ds: pd.DatetimeIndex) -> pd.DataFrame:
    """Indicators for the week before Spring Festival and the two weeks from it (0 outside 2015–2030)."""
    before = np.zeros(len(ds), bool)
    after = np.zeros(len(ds), bool)
    for year in sorted(set(ds.year)):
        try:
            day = pd.Timestamp(calendar.spring_festival(year))
        except ValueError:
            continue
        offset = np.asarray((ds - day).days)
        before |= (offset >= -7) & (offset < 0)
        after |= (offset >= 0) & (offset < 14)
    return pd.DataFrame({"sf_before": before.astype(float), "sf_after": after.astype(float)}, index=ds)


def _holiday_flags(ds: pd.DatetimeIndex, country: str) -> pd.DataFrame:
    years = sorted(set(ds.year))
    days = set(calendar.holidays_for(country, years))
    holiday = np.array([d in days for d in ds.date])
    out = {"holiday": holiday.astype(float)}
    if country.upper() in {"CN", "CHN"}:
        out["makeup_workday"] = np.array([d in calendar.MAKEUP_WORKDAYS_CN for d in ds.date], dtype=float)
        out["heating"] = calendar.heating_season(ds).astype(float)
    return pd.DataFrame(out, index=ds)


def calendar_regressors(ds, holidays: str | None = "CN", fourier_k: int = FOURIER_K) -> pd.DataFrame:
    """Regressors for dates `ds`: weekday dummies (Monday is the base), yearly Fourier terms, holidays.

    Args:
        ds: dates (anything `pd.DatetimeIndex` accepts).
        holidays: "CN", another country code, or None.
        fourier_k: number of yearly sin/cos pairs.

    Returns:
        A float DataFrame indexed by the dates; the same columns for any dates, so a model fitted on
        history can be given the regressors of future dates.
    """
    ds = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
    dow = pd.DataFrame({f"dow{d}": (ds.day_of_week == d).astype(float) for d in range(1, 7)}, index=ds)
    parts = [dow, fourier_terms(ds, fourier_k)]
    if holidays:
        parts.append(_holiday_flags(ds, holidays))
        if holidays.upper() in {"CN", "CHN"}:
            parts.append(_spring_festival_weeks(ds))
    return pd.concat(parts, axis=1)
