"""Key performance indicators of a centre, computed on the rollups (never by scanning tickets).

Definitions (each written once, here; the README repeats them):

- 响应率 response_rate = tickets signed within the signing limit / tickets received.
  Signing limits (`civicdesk.calendar.SIGN_LIMITS`): 一般 24 h, 紧急 2 h, 特急 30 min.
- 办结率 closure_rate = tickets closed / tickets received.
- 按时办结率 on_time_rate = tickets closed by their deadline / tickets closed.
  Deadlines (`civicdesk.calendar.CLOSE_LIMITS`): 一般 5 working days (Shandong rule), 紧急 24 h, 特急 2 h;
  disputes under mediation 30 days.
- 满意率 satisfaction_rate = (满意 + 基本满意) / callbacks reached (满意 + 基本满意 + 不满意);
  callbacks not reached are left out, not counted as unsatisfied.
- 重复来电率 repeat_rate = tickets whose caller contacted the centre in the previous 30 days / tickets received.
- 退单率 return_rate = tickets returned (退单) at least once / tickets received.
- 重办率 reopen_rate = tickets reopened (重办) at least once / tickets closed.
- 平均办结时长 mean_hours_to_close = hours from creation to closure, averaged over closed tickets.

Tickets are counted in the period they were created in (a cohort view): a week's 办结率 is the share of
that week's tickets closed by the time of the data snapshot.

pandas is imported by the functions that build frames, not by this module: `street_week` and
`rate_columns` need numpy only, so `civicdesk kpi` starts without pandas.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.store.schema import ROLLUP_COUNTS, ROLLUP_SUMS, daily_rollup, staff, weekly_margins

if TYPE_CHECKING:
    import pandas as pd

#: KPI column -> (Chinese label, English label), in display order.
KPI_LABELS: dict[str, tuple[str, str]] = {
    "response_rate": ("响应率", "Response rate"),
    "closure_rate": ("办结率", "Closure rate"),
    "on_time_rate": ("按时办结率", "On-time closure rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "repeat_rate": ("重复来电率", "Repeat-contact rate"),
    "return_rate": ("退单率", "Return rate"),
    "reopen_rate": ("重办率", "Reopen rate"),
    "mean_hours_to_close": ("平均办结时长(小时)", "Mean hours to close"),
}
#: Rates where a higher value is better (the others are better lower).
HIGHER_IS_BETTER = {"response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"}
#: Targets a centre is judged against (used to flag streets below target).
TARGETS = {"response_rate": 0.95, "closure_rate": 0.95, "on_time_rate": 0.90, "satisfaction_rate": 0.90}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def rate_columns(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`callbacks_reached` and the KPI columns (in `KPI_LABELS` order) from arrays of summed rollup counts."""
    reached = c["cb_satisfied"] + c["cb_basically_satisfied"] + c["cb_unsatisfied"]
    return {
        "callbacks_reached": reached,
        "response_rate": _ratio(c["signed_on_time"], c["received"]),
        "closure_rate": _ratio(c["closed"], c["received"]),
        "on_time_rate": _ratio(c["closed_on_time"], c["closed"]),
        "satisfaction_rate": _ratio(c["cb_satisfied"] + c["cb_basically_satisfied"], reached),
        "repeat_rate": _ratio(c["repeat_contacts"], c["received"]),
        "return_rate": _ratio(c["returned"], c["received"]),
        "reopen_rate": _ratio(c["reopened"], c["closed"]),
        "mean_hours_to_close": _ratio(c["hours_to_close_sum"], c["closed"]),
    }


def add_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Add the KPI columns to a frame of summed rollup counts (any grouping); rates are in [0, 1].

    A rate whose denominator is zero is NaN (shown as "—"), never 0 or 100%. Computed on numpy arrays and
    added in one step.
    """
    import pandas as pd

    rates = rate_columns({name: counts[name].to_numpy() for name in (
        "received", "signed_on_time", "closed", "closed_on_time", "cb_satisfied", "cb_basically_satisfied",
        "cb_unsatisfied", "repeat_contacts", "returned", "reopened", "hours_to_close_sum")})
    kept = counts.drop(columns=[name for name in rates if name in counts.columns])
    out = pd.concat([kept.reset_index(drop=True), pd.DataFrame(rates)], axis=1)  # by position, any index
    return out.set_axis(counts.index, axis=0)


def period_start(days: pd.Series, freq: str) -> pd.Series:
    """Start of the period each day falls in: "D" the day, "W" its ISO week's Monday, "M" the month, "Q"."""
    import pandas as pd

    days = pd.to_datetime(days)
    if freq == "D":
        return days.dt.normalize()
    if freq == "W":
        return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()
    if freq in ("M", "Q"):
        return days.dt.to_period(freq).dt.start_time
    raise ValueError(f"freq must be one of D, W, M, Q, not {freq!r}")


def _whole_weeks(start, end) -> bool:
    """Whether start..end (either may be None: the data's first or last day) covers whole ISO weeks."""
    import pandas as pd

    return ((start is None or pd.Timestamp(start).day_of_week == 0)
            and (end is None or pd.Timestamp(end).day_of_week == 6))


def kpi_table(engine: Engine, freq: str = "W", by: Sequence[str] = (), start=None, end=None,
              **filters) -> pd.DataFrame:
    """KPIs per period × `by`, from the rollup (the weekly one for whole weeks, else the daily one).

    Args:
        engine: the store.
        freq: "D", "W" (ISO weeks, Monday first), "M" or "Q".
        by: any of "street", "category", "channel".
        start, end: inclusive day range.
        **filters: `streets=`, `categories=`, `channels=` lists.

    Returns:
        DataFrame[period, *by, the summed counts, the KPI columns of `KPI_LABELS`].
    """
    from civicdesk.store.queries import rollup_frame, weekly_frame

    by = list(by)
    if freq == "W" and _whole_weeks(start, end):
        weekly = weekly_frame(engine, by, start, end, **filters).rename(columns={"week": "period"})
        return add_rates(weekly.sort_values(["period", *by], ignore_index=True))
    daily = rollup_frame(engine, by, start, end, **filters)
    daily["period"] = period_start(daily["day"], freq)
    summed = daily.drop(columns="day").groupby(["period", *by], sort=True).sum().reset_index()
    return add_rates(summed)


def totals(frame: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Re-sum a KPI table's counts over `by` and recompute its rates (rates never get averaged)."""
    counts = [c for c in frame.columns if c not in KPI_LABELS and c not in ("period", "callbacks_reached",
                                                                            "street", "category", "channel")]
    if by:
        summed = frame.groupby(list(by), sort=False)[counts].sum().reset_index()
    else:
        summed = frame[counts].sum().to_frame().T
    return add_rates(summed)


@dataclass(frozen=True)
class Coverage:
    """What a store's tickets record at all, so a rate it cannot measure is said to be missing, not 0%.

    Attributes:
        signing_times: some ticket has a signing time (响应率 needs it).
        closing_times: some ticket has a closing time (办结率, 按时办结率).
        callbacks: some callback reached a caller (满意率, the driver model).
        channels: the tickets name more than one channel, or one other than "other" (no channel column
            in the export stores every ticket as "other").
        roster: the staff table holds anyone (the staffing simulation needs it).
        streets: some ticket names a street (an export without a street column names none).
    """

    signing_times: bool
    closing_times: bool
    callbacks: bool
    channels: bool
    roster: bool
    streets: bool

    def measures(self, rate: str) -> bool:
        """Whether `rate` (a KPI column of `KPI_LABELS`) can be measured on this store."""
        need = {"response_rate": self.signing_times, "closure_rate": self.closing_times,
                "on_time_rate": self.closing_times, "mean_hours_to_close": self.closing_times,
                "reopen_rate": self.closing_times, "satisfaction_rate": self.callbacks}
        return need.get(rate, True)


#: Every input recorded (the demo's store): nothing is said to be missing.
FULL_COVERAGE = Coverage(signing_times=True, closing_times=True, callbacks=True, channels=True, roster=True,
                         streets=True)


def _exists(conn: sa.Connection, table: sa.Table, *where) -> bool:
    return conn.execute(sa.select(sa.literal(1)).select_from(table).where(*where).limit(1)).first() is not None


def data_coverage(engine: Engine) -> Coverage:
    """Which of the optional inputs (signing and closing times, callbacks, channel, roster, streets) the store
    holds.

    Read from the weekly margins, which count every ticket (a ticket with a signing time counts as signed, a
    missing street is stored as "", a missing channel as "other"), so a store that lacks an input answers
    from a few hundred rows instead of scanning every ticket for one that has it.
    """
    m = weekly_margins.c
    with engine.connect() as conn:
        signed, closed, reached = conn.execute(
            sa.select(sa.func.sum(m.signed), sa.func.sum(m.closed),
                      sa.func.sum(m.cb_satisfied + m.cb_basically_satisfied + m.cb_unsatisfied))
            .where(m.dimension == "total")).one()
        return Coverage(signing_times=bool(signed), closing_times=bool(closed), callbacks=bool(reached),
                        channels=_exists(conn, weekly_margins, m.dimension == "channel", m.value != "other"),
                        roster=_exists(conn, staff),
                        streets=_exists(conn, weekly_margins, m.dimension == "street", m.value != ""))


#: What `civicdesk.overview.overview` and `street_week` say when asked for the default week of an empty store.
NO_TICKETS = "the store holds no tickets yet: build the demo district or import a file"


@dataclass(frozen=True)
class StreetWeek:
    """A week's KPIs by street, read from the weekly margins with numpy alone (what `civicdesk kpi` prints).

    Attributes:
        week_start, week_end: Monday and Sunday of the week.
        received: the week's tickets (all streets).
        by_street: column → array: ``street`` (the stored name, "" for tickets without one), the summed
            counts and `rate_columns`' columns; largest street first, ties by name, as the Overview orders them
            (`civicdesk.overview.Overview.by_street` holds the same figures).
    """

    week_start: date
    week_end: date
    received: int
    by_street: dict[str, np.ndarray]


def _default_monday(conn: sa.Connection) -> date | None:
    """`civicdesk.overview.default_week`, read without pandas: the weekly totals and the rollup's last day,
    chosen by the same rule (`civicdesk.periods.choose_week`)."""
    from civicdesk.periods import choose_week

    last_day = conn.execute(sa.select(sa.func.max(daily_rollup.c.day))).scalar()
    if last_day is None:
        return None
    m = weekly_margins.c
    weekly = conn.execute(sa.select(m.week, m.received).where(m.dimension == "total")).all()
    return choose_week(dict(weekly), last_day)


def street_week(engine: Engine, week=None) -> StreetWeek:
    """The KPIs of `week` ("2023-W07", a date inside it, or None for the default week) by street.

    The same figures as the Overview's street table, from the stored weekly margins (a few dozen rows) with
    the formulas of `rate_columns`, without pandas.

    Raises:
        ValueError: `week` is not a week, or (asked for the default week) the store holds no tickets.
    """
    from civicdesk.periods import week_monday

    measures = [*ROLLUP_COUNTS, *ROLLUP_SUMS]
    m = weekly_margins.c
    with engine.connect() as conn:
        monday = week_monday(week) if week is not None else _default_monday(conn)
        if monday is None:
            raise ValueError(NO_TICKETS)
        rows = conn.execute(sa.select(m.dimension, m.value, *[m[c] for c in measures])
                            .where(m.week == monday, m.dimension.in_(("total", "street")))).all()
    total = sum(int(r.received or 0) for r in rows if r.dimension == "total")
    streets = sorted((r for r in rows if r.dimension == "street"), key=lambda r: (-int(r.received or 0), str(r.value)))
    counts = {c: np.array([getattr(r, c) or 0 for r in streets], dtype="int64" if c in ROLLUP_COUNTS else "float64")
              for c in measures}
    names = np.array([str(r.value) for r in streets], dtype=object)
    return StreetWeek(monday, monday + timedelta(days=6), total,
                      {"street": names, **counts, **rate_columns(counts)})
