"""Read queries on the store. Dashboards read the daily or weekly rollup, never the tickets table."""
from __future__ import annotations

import gc
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.store.schema import (MARGIN_DIMENSIONS, ROLLUP_COUNTS, ROLLUP_SUMS, daily_rollup, store_info, streets,
                                    weekly_margins, weekly_rollup)

GROUPINGS = ("street", "category", "channel")
TOTAL_ID = "total"


def _check_by(by: Sequence[str]) -> list[str]:
    by = [by] if isinstance(by, str) else list(by)
    wrong = [b for b in by if b not in GROUPINGS]
    if wrong:
        raise ValueError(f"cannot group by {wrong}; choose from {GROUPINGS}")
    return by


def _filters(table: sa.Table, start, end, streets_=None, categories=None, channels=None) -> list:
    time = table.c[_TIME[table.name]]
    cond = []
    if start is not None:
        cond.append(time >= pd.Timestamp(start).date())
    if end is not None:
        cond.append(time <= pd.Timestamp(end).date())
    for col, values in (("street", streets_), ("category", categories), ("channel", channels)):
        if values:
            cond.append(table.c[col].in_(list(values)))
    return cond


#: The rollups' time column: a day, or a week's Monday.
_TIME = {"daily_rollup": "day", "weekly_rollup": "week"}


def _check_measures(measures: Sequence[str] | None) -> list[str]:
    measures = list(measures or (*ROLLUP_COUNTS, *ROLLUP_SUMS))
    unknown = set(measures) - set(ROLLUP_COUNTS) - set(ROLLUP_SUMS)
    if unknown:
        raise ValueError(f"unknown measures {sorted(unknown)}; choose from {ROLLUP_COUNTS + ROLLUP_SUMS}")
    return measures


def _summed(engine: Engine, table: sa.Table, by: Sequence[str], start, end, measures: Sequence[str] | None,
            filters: dict) -> pd.DataFrame:
    """`table` (a rollup) summed to its time column × `by`, filtered; the time column as datetime64."""
    by = _check_by(by)
    measures = _check_measures(measures)
    time = _TIME[table.name]
    keys = [table.c[time], *[table.c[b] for b in by]]
    query = (sa.select(*keys, *[sa.func.sum(table.c[m]).label(m) for m in measures])
             .where(*_filters(table, start, end, **filters))
             .group_by(*keys).order_by(*keys))
    df = read_frame(engine, query)
    df[time] = pd.to_datetime(df[time])
    return _typed(df, measures)


def _typed(df: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    """Counts as int64 and sums as float64 (missing as 0), converting only the columns that are not yet."""
    for m in measures:
        want = "int64" if m in ROLLUP_COUNTS else "float64"
        if df[m].dtype != want:
            df[m] = pd.to_numeric(df[m]).fillna(0).astype(want)
    return df


def rollup_frame(engine: Engine, by: Sequence[str] = (), start=None, end=None, measures: Sequence[str] | None = None,
                 streets: Sequence[str] | None = None, categories: Sequence[str] | None = None,
                 channels: Sequence[str] | None = None) -> pd.DataFrame:
    """Daily rollup summed to day × `by`, filtered; columns `day`, *by, *measures.

    Args:
        engine: the store.
        by: any of "street", "category", "channel" (empty: district totals per day).
        start, end: inclusive day range (anything `pd.Timestamp` reads), or None for all.
        measures: rollup columns to sum (default: all counts and sums).
        streets, categories, channels: keep only these values.
    """
    return _summed(engine, daily_rollup, by, start, end, measures,
                   {"streets_": streets, "categories": categories, "channels": channels})


def weekly_frame(engine: Engine, by: Sequence[str] = (), first_week=None, last_week=None,
                 measures: Sequence[str] | None = None, streets: Sequence[str] | None = None,
                 categories: Sequence[str] | None = None, channels: Sequence[str] | None = None) -> pd.DataFrame:
    """Weekly rollup summed to week × `by`, filtered; columns `week` (the Monday), *by, *measures.

    The same figures as `rollup_frame` summed over each ISO week's days, from about seven times fewer rows.

    Args:
        engine: the store.
        by: any of "street", "category", "channel" (empty: district totals per week).
        first_week, last_week: inclusive range of the weeks' Mondays, or None for all.
        measures, streets, categories, channels: as for `rollup_frame`.
    """
    return _summed(engine, weekly_rollup, by, first_week, last_week, measures,
                   {"streets_": streets, "categories": categories, "channels": channels})


def _margin_parts(first_week, last_week, dimensions: Sequence[str], streets=None, categories=None,
                  channels=None) -> list[sa.Select]:
    w = weekly_rollup.c
    sums = [sa.func.sum(w[m]).label(m) for m in (*ROLLUP_COUNTS, *ROLLUP_SUMS)]
    where = _filters(weekly_rollup, first_week, last_week, streets, categories, channels)
    parts = []
    for dim in dimensions:
        if dim not in MARGIN_DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}; choose from {MARGIN_DIMENSIONS}")
        value = sa.literal_column("''", sa.String) if dim == "total" else w[dim]
        parts.append(sa.select(w.week, sa.cast(sa.literal(dim), sa.String).label("dimension"),
                               value.label("value"), *sums)
                     .where(*where).group_by(w.week, *([] if dim == "total" else [w[dim]])))
    return parts


def margin_select(first_week=None, last_week=None, dimensions: Sequence[str] = MARGIN_DIMENSIONS,
                  streets: Sequence[str] | None = None, categories: Sequence[str] | None = None,
                  channels: Sequence[str] | None = None):
    """SELECT of `weekly_margins`' rows computed from `weekly_rollup` (filtered): week, dimension, value, sums.

    `civicdesk.store.rollup.refresh_weekly` stores it unfiltered; `week_margins` runs it when filtered.
    """
    parts = _margin_parts(first_week, last_week, dimensions, streets, categories, channels)
    return sa.union_all(*parts) if len(parts) > 1 else parts[0]


def week_margins(engine: Engine, first_week=None, last_week=None, dimensions: Sequence[str] = MARGIN_DIMENSIONS,
                 streets: Sequence[str] | None = None, categories: Sequence[str] | None = None,
                 channels: Sequence[str] | None = None, details_from=None,
                 measures: Sequence[str] | None = None) -> pd.DataFrame:
    """Per week, the district total and the sums per street, category and channel (the weekly rollup's margins).

    Unfiltered, it reads the stored `weekly_margins` (some forty rows a week, however many tickets);
    filtered, it sums the matching `weekly_rollup` rows the same way. One query either way.

    Args:
        engine: the store.
        first_week, last_week: inclusive range of the weeks' Mondays, or None for all.
        dimensions: any of "total", "street", "category", "channel".
        streets, categories, channels: keep only these values.
        details_from: when given, the street, category and channel rows only of the weeks from this Monday on
            (the totals still from `first_week`), e.g. a trend of totals with the last two weeks in detail.
        measures: the counts and sums to return (default all).

    Returns:
        DataFrame[week (datetime64), dimension, value, *measures] sorted by dimension, week and value;
        value is "" for the total.
    """
    dimensions = list(dimensions)
    details = [d for d in dimensions if d != "total"]
    measures = _check_measures(measures)
    if streets or categories or channels:
        filters = {"streets": streets, "categories": categories, "channels": channels}
        parts = _margin_parts(first_week, last_week, [d for d in dimensions if d == "total"], **filters)
        parts += _margin_parts(details_from if details_from is not None else first_week, last_week, details,
                               **filters)
        sub = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        query = (sa.select(sub.c.week, sub.c.dimension, sub.c.value, *[sub.c[c] for c in measures])
                 .order_by(sub.c.dimension, sub.c.week, sub.c.value))
    else:
        m = weekly_margins.c
        cond = [m.dimension.in_(dimensions)] if set(dimensions) != set(MARGIN_DIMENSIONS) else []
        if first_week is not None:
            cond.append(m.week >= pd.Timestamp(first_week).date())
        if last_week is not None:
            cond.append(m.week <= pd.Timestamp(last_week).date())
        if details_from is not None and details:
            cond.append(sa.or_(m.dimension == "total", m.week >= pd.Timestamp(details_from).date()))
        query = (sa.select(m.week, m.dimension, m.value, *[m[c] for c in measures]).where(*cond)
                 .order_by(m.dimension, m.week, m.value))
    df = read_frame(engine, query)
    df["week"] = pd.to_datetime(df["week"])
    return _typed(df, measures)


def _joined(df: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """The `by` columns' values joined with "/" per row (vectorised: a row-wise join is slow on many rows)."""
    out = df[by[0]].astype(str)
    for col in by[1:]:
        out = out + "/" + df[col].astype(str)
    return out


def daily_counts(engine: Engine, by: Sequence[str] = ("street", "category"), start=None, end=None,
                 measure: str = "received", **filters) -> pd.DataFrame:
    """Long-format daily series `unique_id, ds, y` from the rollup, with zero days filled in.

    Args:
        engine: the store.
        by: grouping; `unique_id` joins the values with "/" (e.g. "明水街道/供暖"); empty gives "total".
        start, end: inclusive day range; default the store's first and last day.
        measure: any rollup count, e.g. "received", "closed", "cb_unsatisfied".
        **filters: `streets=`, `categories=`, `channels=` lists.

    Returns:
        DataFrame[unique_id, ds, y] sorted by unique_id and ds; every series covers every day.
    """
    by = _check_by(by)
    df = rollup_frame(engine, by, start, end, [measure], **filters)
    if df.empty:
        return pd.DataFrame({"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype="int64")})
    df["unique_id"] = _joined(df, by) if by else TOTAL_ID
    first = pd.Timestamp(start) if start is not None else df["day"].min()
    last = pd.Timestamp(end) if end is not None else df["day"].max()
    days = pd.date_range(first.normalize(), last.normalize(), freq="D")
    wide = df.pivot_table(index="day", columns="unique_id", values=measure, aggfunc="sum")
    wide = wide.reindex(days, fill_value=0).fillna(0)
    out = wide.rename_axis(index="ds", columns="unique_id").stack().rename("y").reset_index()
    out["y"] = out["y"].astype("int64")
    return out[["unique_id", "ds", "y"]].sort_values(["unique_id", "ds"], ignore_index=True)


def data_span(engine: Engine) -> tuple[date, date] | None:
    """First and last day in the rollup, or None for an empty store."""
    day = daily_rollup.c.day
    with engine.connect() as conn:  # two subqueries: SQLite reads one end of the index for each, not the table
        lo, hi = conn.execute(sa.select(sa.select(sa.func.min(day)).scalar_subquery(),
                                        sa.select(sa.func.max(day)).scalar_subquery())).one()
    if lo is None:
        return None
    return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()


def dimension_values(engine: Engine, column: str) -> list[str]:
    """Distinct streets, categories or channels present in the rollup, by volume (largest first, then by name)."""
    m = weekly_margins.c
    query = (sa.select(m.value).where(m.dimension == _check_by([column])[0]).group_by(m.value)
             .order_by(sa.func.sum(m.received).desc(), m.value))
    with engine.connect() as conn:
        return [v for v in conn.execute(query).scalars() if v != ""]


def street_table(engine: Engine) -> pd.DataFrame:
    """The streets reference table."""
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(sa.select(streets).order_by(streets.c.street_id)).mappings().all(),
                            columns=list(streets.c.keys()))


def english_names(engine: Engine) -> dict[str, str]:
    """English names of the store's streets and categories (stored name → English name), for the `english`
    argument of `civicdesk.i18n.street_label` / `category_label`."""
    from civicdesk.store.categories import category_english

    table = street_table(engine)
    return {**category_english(engine), **dict(zip(table["name"], table["name_en"].fillna(table["name"])))}


def info(engine: Engine) -> dict[str, str]:
    """The store_info key/value pairs (demo seed, scale, …)."""
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(store_info.c.key, store_info.c.value)).all())


def _times(obj: np.ndarray) -> pd.DatetimeIndex:
    text = next((v for v in obj if v is not None), None)
    if isinstance(text, str):
        try:
            return pd.DatetimeIndex(obj.astype("datetime64[us]"))  # ISO text from SQLite: numpy parses it fastest
        except ValueError:
            return pd.to_datetime(obj, format="ISO8601")
    return pd.to_datetime(obj)


def _column(values: tuple, sql_type, categorical: bool) -> pd.Series | np.ndarray:
    """One result column from raw DBAPI values (no per-value Python conversion beyond numpy's)."""
    obj = np.array(values, dtype=object)
    if isinstance(sql_type, sa.DateTime):
        return _times(obj)
    if isinstance(sql_type, (sa.Float, sa.Numeric)):
        return np.array(values, dtype=float)  # NULL becomes NaN
    if isinstance(sql_type, (sa.Integer, sa.Boolean)):
        try:
            return np.array(values, dtype=np.int64)
        except TypeError:  # NULLs present
            return np.array(values, dtype=float)
    if categorical:
        codes, uniques = pd.factorize(obj)
        return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
    return pd.Series(obj, dtype=object)


def _fetch(conn: sa.Connection, query: sa.Select) -> list[tuple]:
    result = conn.execute(query)
    rows = result.cursor.fetchall()
    result.close()
    return rows


def read_frame(bind: Engine | sa.Connection, query: sa.Select, categorical: Sequence[str] = ()) -> pd.DataFrame:
    """Run a select and return a DataFrame, fast enough for millions of tickets.

    Rows are read from the DBAPI cursor without SQLAlchemy's per-value processing (timestamps come
    back as text on SQLite and are parsed by pandas in one vectorised pass). Text columns are object
    dtype, or categorical when named in ``categorical``; integers with NULLs become floats.
    """
    selected = list(query.selected_columns)
    raw = query.with_only_columns(*[sa.type_coerce(c, sa.String).label(c.name) if isinstance(c.type, sa.DateTime)
                                    else c for c in selected])
    was_enabled = gc.isenabled()
    gc.disable()  # millions of row tuples would trigger collections that find nothing to free
    try:
        if isinstance(bind, sa.Connection):  # inside the caller's transaction
            rows = _fetch(bind, raw)
        else:
            with bind.connect() as conn:
                rows = _fetch(conn, raw)
        values = list(zip(*rows)) if rows else [()] * len(selected)
        del rows
    finally:
        if was_enabled:
            gc.enable()
    return pd.DataFrame({c.name: _column(v, c.type, c.name in categorical) for c, v in zip(selected, values)})
