"""Expected daily volume per street × category × channel, calibrated on the field week, and the
draws of realised arrivals (counts and arrival times).

The expected rate is multiplicative::

    rate[s, c, h, d] = base[c] · share[s, c, h] · mix[c, h] · trend[d] · weekly[h, d]
                       · holiday[h, d] ** sens[c] · annual[c, d] · shock[c, d]

`base[c]` is solved analytically so that the expected total of each category over the field week
2023-02-10 .. 02-16 equals its target (`catalog.CALIBRATION_TARGETS`), whatever range is generated.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk import calendar as cal
from civicdesk.synth.catalog import (CALIBRATION_END, CALIBRATION_START, CALIBRATION_TARGETS, CATEGORIES,
                                     CHANNEL_MIX, CHANNELS, HEATING)
from civicdesk.synth.places import STREET_SPECS

TREND_PER_YEAR = 0.08
_TREND_ORIGIN = pd.Timestamp("2022-01-01")
# weekday factors Mon..Sun per channel
_WEEKLY = {
    "hotline": (1.12, 1.05, 1.02, 1.00, 0.97, 0.78, 0.74),
    "grid": (1.02, 1.02, 1.01, 1.00, 0.95, 0.30, 0.24),
    "app": (1.05, 1.02, 1.00, 1.00, 0.98, 0.92, 0.90),
    "visit": (1.20, 1.05, 1.00, 1.00, 0.90, 0.12, 0.08),
    "other": (1.05, 1.05, 1.00, 1.00, 0.95, 0.40, 0.35),
}
_HOLIDAY = {"hotline": 0.62, "grid": 0.12, "app": 0.80, "visit": 0.05, "other": 0.30}
_SPRING_HOLIDAY = {"hotline": 0.50, "grid": 0.08, "app": 0.70, "visit": 0.03, "other": 0.20}
_AFTER_HOLIDAY = {"hotline": 1.20, "grid": 1.05, "app": 1.10, "visit": 1.30, "other": 1.10}
# category sensitivity to holidays (exponent on the holiday factor): heating complaints go on
_HOLIDAY_SENS = {HEATING: 0.25, "水电气": 0.6, "矛盾纠纷化解": 0.8}
# annual cosine seasonality: (amplitude, peak day of year)
_ANNUAL = {
    "便民惠企服务": (0.05, 80), "安全隐患排查": (0.08, 200), "社情民意收集": (0.03, 100),
    "矛盾纠纷化解": (0.10, 45), "重点巡查事项": (0.25, 190), "环境保护": (0.25, 200),
    "城乡建设与道路": (0.20, 200), "物业管理": (0.10, 200), "水电气": (0.18, 205),
    "社会保障": (0.15, 10), "市场监管": (0.06, 300), "其他诉求": (0.05, 240),
}

#: Shocks: (name, start, end, street codes or None for all, categories, factor).
SHOCKS: list[tuple[str, str, str, tuple[str, ...] | None, tuple[str, ...], float]] = [
    *[(f"{y}年暴雨", d, d, None, ("城乡建设与道路", "水电气", "物业管理", "重点巡查事项"), 1.55)
      for y, d in ((2021, "2021-07-28"), (2022, "2022-07-13"), (2023, "2023-07-30"))],
    *[(f"{y}年暴雨次日", d, d, None, ("城乡建设与道路", "水电气", "物业管理"), 1.25)
      for y, d in ((2021, "2021-07-29"), (2022, "2022-07-14"), (2023, "2023-07-31"))],
    *[(f"{y}年安全生产月", f"{y}-06-01", f"{y}-06-30", None, ("安全隐患排查",), 1.20) for y in (2021, 2022, 2023)],
    ("疫情政策调整后就医购药咨询", "2022-12-08", "2022-12-31", None, ("社会保障", "其他诉求"), 1.40),
    ("2023年12月寒潮", "2023-12-15", "2023-12-24", None, (HEATING,), 1.40),
]

# hour-of-day profiles per channel
_HOURS = {
    "hotline": [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 3.5, 5.6, 5.9, 4.6, 2.8, 2.6, 4.7, 5.3, 4.8, 3.6,
                2.4, 2.0, 1.7, 1.3, 0.9, 0.5],
    "grid": [0, 0, 0, 0, 0, 0, 0, 0.3, 2.0, 5.5, 6.0, 4.5, 1.0, 0.8, 3.5, 5.5, 5.0, 2.5, 0.5, 0.2, 0, 0, 0, 0],
    "app": [0.5, 0.3, 0.2, 0.1, 0.1, 0.2, 0.6, 1.5, 3.0, 4.0, 4.2, 3.6, 2.8, 2.8, 3.6, 3.8, 3.6, 3.2,
            3.0, 3.2, 3.4, 2.8, 1.8, 0.9],
    "visit": [0, 0, 0, 0, 0, 0, 0, 0, 2.5, 5.0, 5.0, 3.0, 0.2, 0.5, 2.5, 4.5, 4.0, 1.5, 0, 0, 0, 0, 0, 0],
    "other": [0, 0, 0, 0, 0, 0, 0, 0.2, 2.0, 4.0, 4.0, 3.0, 1.0, 1.0, 3.0, 4.0, 3.5, 1.5, 0.3, 0, 0, 0, 0, 0],
}


@dataclass(frozen=True)
class RateModel:
    """The calibrated expected-rate model.

    Attributes:
        days: the days covered.
        rate: expected tickets, shape (streets, categories, channels, days), already × scale.
        base: per-category base rate solved on the calibration week (scale 1).
        calibration: expected totals on the calibration week per category (scale 1).
    """

    days: pd.DatetimeIndex
    rate: np.ndarray
    base: np.ndarray
    calibration: dict[str, float]


def street_shares(grids_per_street: np.ndarray, households: np.ndarray) -> np.ndarray:
    """Share of each street in each category × channel, shape (S, C, H); sums to 1 over streets."""
    urban = np.array([spec[4] for spec in STREET_SPECS])
    intensity = np.array([spec[5] for spec in STREET_SPECS])
    hh = households.astype(float)
    by_channel = {
        "hotline": hh * (1 + 1.0 * urban), "app": hh * (1 + 1.4 * urban), "grid": grids_per_street * intensity,
        "visit": hh.copy(), "other": hh * (1 + 0.5 * urban),
    }
    out = np.empty((len(hh), len(CATEGORIES), len(CHANNELS)))
    for c, cat in enumerate(CATEGORIES):
        for h, ch in enumerate(CHANNELS):
            w = by_channel[ch].copy()
            if cat == HEATING and ch != "grid":
                w = w * (0.15 + 0.85 * urban) ** 1.5  # central heating is mostly urban
            out[:, c, h] = w / w.sum()
    return out


def _heating_curve(days: pd.DatetimeIndex) -> np.ndarray:
    """Relative heating-complaint level: off season low, surge from 15 Nov, peak Dec–Jan."""
    season = cal.heating_season(days)
    yr = np.where(days.month >= 7, days.year, days.year - 1)  # heating year starts in autumn
    start = pd.to_datetime([f"{y}-11-15" for y in yr])
    peak = pd.to_datetime([f"{y + 1}-01-05" for y in yr])
    since = np.asarray((days - start).days, dtype=float)
    to_peak = np.asarray((days - peak).days, dtype=float)
    inside = 0.55 + 0.75 * np.exp(-(to_peak / 45.0) ** 2) + 0.9 * np.exp(-np.clip(since, 0, None) / 7.0)
    pre = (days.month == 10) & (days.day >= 15) | (days.month == 11) & (days.day < 15)
    return np.where(season, inside, np.where(pre, 0.30, 0.06))


def day_factors(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Weekly × after-holiday factors (H, D) and holiday factors (H, D) per channel."""
    kinds = cal.day_kinds(days)
    dow = days.day_of_week.to_numpy()
    sf = np.abs(cal.days_to_spring_festival(days)) <= 8
    work = (kinds == "workday") | (kinds == "makeup")
    prev_hol = np.concatenate([[False], kinds[:-1] == "holiday"])
    if len(days):  # the day before the first day
        prev_hol[0] = cal.day_kinds(days[:1] - pd.Timedelta(days=1))[0] == "holiday"
    after = work & prev_hol
    weekly = np.empty((len(CHANNELS), len(days)))
    hol = np.ones((len(CHANNELS), len(days)))
    for h, ch in enumerate(CHANNELS):
        w = np.asarray(_WEEKLY[ch])[dow]
        w = np.where(kinds == "makeup", _WEEKLY[ch][4], w)  # make-up workdays behave like a Friday
        w = np.where(kinds == "holiday", 1.0, w)
        weekly[h] = w * np.where(after, _AFTER_HOLIDAY[ch], 1.0)
        hol[h] = np.where(kinds == "holiday", np.where(sf, _SPRING_HOLIDAY[ch], _HOLIDAY[ch]), 1.0)
    return weekly, hol


def shock_factors(days: pd.DatetimeIndex, n_streets: int) -> np.ndarray:
    """Multiplicative shock factors, shape (S, C, D)."""
    out = np.ones((n_streets, len(CATEGORIES), len(days)))
    codes = [spec[0] for spec in STREET_SPECS]
    for _, first, last, streets, cats, factor in SHOCKS:
        m = (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))
        if not m.any():
            continue
        srows = range(n_streets) if streets is None else [codes.index(s) for s in streets]
        for cat in cats:
            c = CATEGORIES.index(cat)
            for s in srows:
                out[s, c, m] *= factor
    return out


def unit_rates(days: pd.DatetimeIndex, shares: np.ndarray) -> np.ndarray:
    """Rates with base = 1 for every category, shape (S, C, H, D)."""
    days = pd.DatetimeIndex(days)
    doy = days.day_of_year.to_numpy()
    tr = trend(days)
    weekly, hol = day_factors(days)
    mix = np.array([CHANNEL_MIX[c] for c in CATEGORIES])  # (C, H)
    annual = np.ones((len(CATEGORIES), len(days)))
    for c, cat in enumerate(CATEGORIES):
        if cat == HEATING:
            annual[c] = _heating_curve(days)
        else:
            amp, peak = _ANNUAL[cat]
            annual[c] = 1 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25)
    sens = np.array([_HOLIDAY_SENS.get(c, 1.0) for c in CATEGORIES])
    holc = hol[None, :, :] ** sens[:, None, None]  # (C, H, D)
    cd = (mix[:, :, None] * weekly[None] * holc) * (annual * tr[None])[:, None, :]  # (C, H, D)
    shocks = shock_factors(days, shares.shape[0])  # (S, C, D)
    return shares[:, :, :, None] * cd[None] * shocks[:, :, None, :]


def build_rates(days: pd.DatetimeIndex, shares: np.ndarray, scale: float) -> RateModel:
    """Calibrate the per-category bases on the field week and return the expected rates."""
    week = pd.date_range(CALIBRATION_START, CALIBRATION_END, freq="D")
    unit_week = unit_rates(week, shares).sum(axis=(0, 2, 3))  # (C,)
    target = np.array([CALIBRATION_TARGETS[c] for c in CATEGORIES], dtype=float)
    base = target / unit_week
    rate = unit_rates(days, shares) * (base * scale)[None, :, None, None]
    return RateModel(pd.DatetimeIndex(days), rate, base, dict(zip(CATEGORIES, target)))


def draw_counts(rng: np.random.Generator, rate: np.ndarray, dispersion: float = 40.0) -> np.ndarray:
    """Gamma-Poisson counts around `rate`: a street × category × day multiplier shared by channels
    (mean 1, CV = 1/sqrt(dispersion)) times Poisson noise."""
    s, c, _, d = rate.shape
    mult = rng.gamma(dispersion, 1.0 / dispersion, size=(s, c, 1, d))
    return rng.poisson(rate * mult)


def arrival_times(rng: np.random.Generator, day_ns: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Arrival timestamps (int64 ns) within each ticket's day by the channel's hour profile."""
    out = np.empty(len(day_ns), dtype=np.int64)
    for h, ch in enumerate(CHANNELS):
        m = channel == h
        k = int(m.sum())
        if not k:
            continue
        p = np.asarray(_HOURS[ch], dtype=float)
        hour = rng.choice(24, size=k, p=p / p.sum())
        sec = (hour * 3600 + rng.integers(0, 3600, size=k)).astype(np.int64)
        out[m] = day_ns[m] + sec * 10**9
    return out


def trend(days: pd.DatetimeIndex) -> np.ndarray:
    """The mild upward trend (≈8 % a year), 1.0 on 2022-01-01."""
    days = pd.DatetimeIndex(days)
    return np.exp(np.log1p(TREND_PER_YEAR) * np.asarray((days - _TREND_ORIGIN).days, dtype=float) / 365.25)
