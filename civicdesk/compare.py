"""Compare two streets, or one street in two periods, side by side.

One call, `compare(engine, a, b)`, returns a frozen `Comparison` holding, for each `Side`:

- the category mix (received and share of the side's total, largest first);
- the working days to close per category: each closed ticket's value (for box or strip plots) and the
  quantiles n, p10, p25, median, p75, p90 (`civicdesk.calendar.working_days_between`, the clock the time
  limits are measured on);
- the weekly volume and the rates (`civicdesk.kpi`: 响应率, 办结率, 按时办结率, 满意率) by week, with a week
  index (0, 1, 2, …) so two periods share an axis;
- the period's totals and the satisfaction rate with its 95% Wilson interval and the callbacks it rests on.

Counts and rates come from the rollups (`civicdesk.kpi.kpi_table`: the weekly rollup for whole ISO weeks, the
daily one otherwise), so a side covering one week agrees exactly with `civicdesk.overview.overview` filtered
the same way. Only the days to close are read from the tickets, with a narrow query on the side's period,
streets and categories. Like the KPIs, tickets are counted in the period they were created in (a cohort): the
days to close of a recent period leave out the tickets still open, which are the slowest.

The long frames (`Comparison.mix_frame()`, …) stack both sides with a `side` column for charts and exports;
`comparison_workbook` writes them to Excel.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk import calendar
from civicdesk.kpi import FULL_COVERAGE, Coverage, add_rates, data_coverage, kpi_table, totals
from civicdesk.store.queries import read_frame
from civicdesk.store.schema import ROLLUP_COUNTS, ROLLUP_SUMS, tickets

#: The rates compared, in display order (`civicdesk.kpi.KPI_LABELS` keys).
RATES = ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate")
#: The quantiles of working days to close, by column name.
QUANTILES = {"p10": 0.10, "p25": 0.25, "median": 0.50, "p75": 0.75, "p90": 0.90}
#: The rollup's counts and sums.
MEASURES = [*ROLLUP_COUNTS, *ROLLUP_SUMS]
#: z of a two-sided 95% interval.
Z95 = 1.959963984540054


def _day(value) -> date:
    return pd.Timestamp(value).date()


@dataclass(frozen=True)
class Side:
    """One side of a comparison.

    Attributes:
        label: how the side is named in charts and exports (e.g. the street, or the street and its period).
        streets: street names; empty for the whole district.
        start, end: the period's first and last day (inclusive; anything `pd.Timestamp` reads is accepted).
        categories: level-1 categories to keep; empty for all.
    """

    label: str
    streets: tuple[str, ...]
    start: date
    end: date
    categories: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "streets", tuple(self.streets or ()))
        object.__setattr__(self, "categories", tuple(self.categories or ()))
        object.__setattr__(self, "start", _day(self.start))
        object.__setattr__(self, "end", _day(self.end))
        if self.end < self.start:
            raise ValueError(f"the period of {self.label!r} ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        """Days in the period."""
        return (self.end - self.start).days + 1

    def before(self, label: str) -> Side:
        """The same streets and categories in the period of the same length just before this one."""
        return Side(label, self.streets, self.start - timedelta(days=self.days), self.start - timedelta(days=1),
                    self.categories)


@dataclass(frozen=True)
class Satisfaction:
    """A satisfaction rate with its 95% Wilson interval.

    Attributes:
        rate, low, high: (满意 + 基本满意) / callbacks reached, and the interval; NaN without callbacks.
        callbacks: callbacks reached (the denominator).
        satisfied: 满意 + 基本满意 (the numerator).
    """

    rate: float
    low: float
    high: float
    callbacks: int
    satisfied: int


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (NaN, NaN when n is 0)."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def satisfaction_of(satisfied: int, callbacks: int) -> Satisfaction:
    """`Satisfaction` from the counts: the rate and its Wilson interval."""
    low, high = wilson_interval(satisfied, callbacks)
    rate = satisfied / callbacks if callbacks else math.nan
    return Satisfaction(rate, low, high, int(callbacks), int(satisfied))


@dataclass(frozen=True)
class SideFigures:
    """The compared figures of one side.

    Attributes:
        side: the `Side`.
        totals: the period's summed rollup counts and its KPI columns (one row, pd.Series).
        mix: category, received, share (of the side's total) — largest first, ties by name.
        close_days: category, days (working days from creation to closure), one row per closed ticket
            created in the period; empty when the store records no closing times.
        close_quantiles: category, n, p10, p25, median, p75, p90 — in the order of `mix`, categories with
            a closed ticket only.
        weekly: week_index (0 = the period's first ISO week), week (its Monday), received, callbacks_reached
            and the KPI columns, one row for every week of the period (a week without tickets: 0 and NaN).
        satisfaction: the period's satisfaction rate with its interval.
    """

    side: Side
    totals: pd.Series
    mix: pd.DataFrame
    close_days: pd.DataFrame
    close_quantiles: pd.DataFrame
    weekly: pd.DataFrame
    satisfaction: Satisfaction


@dataclass(frozen=True)
class Comparison:
    """Two sides compared (`compare`); `coverage` says what the store records at all."""

    a: SideFigures
    b: SideFigures
    coverage: Coverage = field(default=FULL_COVERAGE)

    @property
    def sides(self) -> tuple[SideFigures, SideFigures]:
        return self.a, self.b

    def _stacked(self, attribute: str) -> pd.DataFrame:
        frames = [getattr(s, attribute).assign(side=s.side.label) for s in self.sides]
        out = pd.concat(frames, ignore_index=True)
        return out[["side", *[c for c in out.columns if c != "side"]]]

    def mix_frame(self) -> pd.DataFrame:
        """side, category, received, share: both sides' category mix."""
        return self._stacked("mix")

    def close_days_frame(self) -> pd.DataFrame:
        """side, category, days: both sides' closed tickets."""
        return self._stacked("close_days")

    def close_quantiles_frame(self) -> pd.DataFrame:
        """side, category, n and the quantiles of working days to close."""
        return self._stacked("close_quantiles")

    def weekly_frame(self) -> pd.DataFrame:
        """side, week_index, week, received, callbacks_reached and the KPI columns."""
        return self._stacked("weekly")

    def satisfaction_frame(self) -> pd.DataFrame:
        """side, rate, low, high, callbacks, satisfied: one row per side (NaN rates without callbacks)."""
        return pd.DataFrame([{"side": s.side.label, **vars(s.satisfaction)} for s in self.sides])

    def totals_frame(self) -> pd.DataFrame:
        """side, received and the rates of `RATES` over each side's whole period."""
        return pd.DataFrame([{"side": s.side.label, "received": int(s.totals["received"]),
                              **{k: float(s.totals[k]) for k in RATES}} for s in self.sides])


def _filters(side: Side) -> dict:
    return {"streets": list(side.streets) or None, "categories": list(side.categories) or None}


def _mix(by_category: pd.DataFrame) -> pd.DataFrame:
    """category, received, share from summed counts per category; largest first (ties by name)."""
    mix = by_category[["category", "received"]].copy()
    mix["category"] = mix["category"].astype(str)
    mix = mix[mix["received"] > 0].sort_values(["received", "category"], ascending=[False, True], ignore_index=True)
    mix["received"] = mix["received"].astype("int64")
    mix["share"] = mix["received"] / max(int(mix["received"].sum()), 1)
    return mix


def _weekly(by_week: pd.DataFrame, side: Side) -> pd.DataFrame:
    """The weekly rows, every ISO week of the period present (a week without tickets: 0 and NaN rates), with
    the week index."""
    first = side.start - timedelta(days=side.start.weekday())
    mondays = pd.to_datetime([first + timedelta(weeks=i) for i in range((side.end - first).days // 7 + 1)])
    counts = by_week.set_index("period")[MEASURES] if len(by_week) else pd.DataFrame(
        0, index=pd.DatetimeIndex([]), columns=MEASURES)
    counts = counts.reindex(mondays, fill_value=0).rename_axis("week").reset_index()
    weekly = add_rates(counts)
    weekly.insert(0, "week_index", np.arange(len(weekly), dtype="int64"))
    return weekly[["week_index", "week", "received", "callbacks_reached", *RATES]]


def close_days(engine: Engine, side: Side) -> pd.DataFrame:
    """category, days: working days from creation to closure of each closed ticket created in the side's
    period on its streets and categories (one narrow query: three columns, the period's rows only)."""
    t = tickets.c
    cond = [t.created_at >= pd.Timestamp(side.start).to_pydatetime(),
            t.created_at < pd.Timestamp(side.end + timedelta(days=1)).to_pydatetime(), t.closed_at.is_not(None)]
    if side.streets:
        cond.append(t.street.in_(list(side.streets)))
    if side.categories:
        cond.append(t.category.in_(list(side.categories)))
    frame = read_frame(engine, sa.select(t.category, t.created_at, t.closed_at).where(*cond))
    days = calendar.working_days_between(pd.DatetimeIndex(frame["created_at"]), pd.DatetimeIndex(frame["closed_at"]))
    out = pd.DataFrame({"category": frame["category"].fillna("").astype(str).to_numpy(),
                        "days": np.asarray(days, dtype="float64")})
    return out[np.isfinite(out["days"])].reset_index(drop=True)


def close_quantiles(days: pd.DataFrame, order: Sequence[str] = ()) -> pd.DataFrame:
    """category, n and the `QUANTILES` of `days` (category, days), categories in `order` first."""
    columns = ["category", "n", *QUANTILES]
    if days.empty:
        return pd.DataFrame({c: pd.Series(dtype="str" if c == "category" else "float64") for c in columns}
                            ).astype({"n": "int64"})
    grouped = days.groupby("category", sort=True)["days"]
    out = grouped.quantile(list(QUANTILES.values())).unstack()
    out.columns = list(QUANTILES)
    out.insert(0, "n", grouped.size().astype("int64"))
    rank = {c: i for i, c in enumerate(order)}
    out = out.reset_index()
    out = out.iloc[sorted(range(len(out)), key=lambda i: (rank.get(out["category"].iloc[i], len(rank)),
                                                         -out["n"].iloc[i], out["category"].iloc[i]))]
    return out[columns].reset_index(drop=True)


def side_figures(engine: Engine, side: Side, coverage: Coverage = FULL_COVERAGE) -> SideFigures:
    """The figures of one side: rollup counts and rates, and the days to close from the tickets."""
    by = kpi_table(engine, "W", ("category",), side.start, side.end, **_filters(side))
    total = totals(by).iloc[0]  # zeros and NaN rates for a period without tickets
    mix = _mix(totals(by, ["category"]))
    days = close_days(engine, side) if coverage.closing_times else pd.DataFrame(
        {"category": pd.Series(dtype="str"), "days": pd.Series(dtype="float64")})
    satisfied = int(total.get("cb_satisfied", 0) + total.get("cb_basically_satisfied", 0))
    return SideFigures(side=side, totals=total, mix=mix, close_days=days,
                       close_quantiles=close_quantiles(days, mix["category"].tolist()),
                       weekly=_weekly(totals(by, ["period"]), side),
                       satisfaction=satisfaction_of(satisfied, int(total.get("callbacks_reached", 0))))


def compare(engine: Engine, a: Side, b: Side, coverage: Coverage | None = None) -> Comparison:
    """Compare side `a` with side `b` (two streets in one period, or one street in two periods).

    Args:
        engine: the store.
        a, b: the sides.
        coverage: what the store records (`civicdesk.kpi.data_coverage`, read when not given): without closing
            times there is no days-to-close distribution; without callbacks the satisfaction rate is NaN.

    Returns:
        The `Comparison`.
    """
    coverage = data_coverage(engine) if coverage is None else coverage
    return Comparison(side_figures(engine, a, coverage), side_figures(engine, b, coverage), coverage)


def two_streets(street_a: str, street_b: str, start, end, categories: Sequence[str] = ()) -> tuple[Side, Side]:
    """Two sides: two streets over the same period, each labelled with its street's name."""
    return (Side(street_a, (street_a,), start, end, tuple(categories)),
            Side(street_b, (street_b,), start, end, tuple(categories)))


def two_periods(streets: Sequence[str], start, end, categories: Sequence[str] = (),
                labels: tuple[str, str] | None = None) -> tuple[Side, Side]:
    """Two sides: the streets (empty: the district) in start..end and in the period of the same length just
    before it; labelled by `labels` or by the periods' dates ("2023-06-01–06-28")."""
    now = Side("", tuple(streets), start, end, tuple(categories))
    before = now.before("")
    names = labels or tuple(f"{s.start:%Y-%m-%d}–{s.end:%m-%d}" for s in (now, before))
    return (Side(names[0], now.streets, now.start, now.end, now.categories),
            Side(names[1], before.streets, before.start, before.end, before.categories))


def comparison_workbook(comparison: Comparison, lang: str = "zh", english: dict[str, str] | None = None) -> bytes:
    """An Excel workbook (bytes) of the compared figures, sheets and headers in `lang`
    (`civicdesk.compare_export.comparison_workbook`; `english`: stored name → English name)."""
    from civicdesk.compare_export import comparison_workbook as build

    return build(comparison, lang, english)
