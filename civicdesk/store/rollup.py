"""The daily rollup: day × street × category × channel counts, rebuilt from `tickets` for a date window;
and the weekly rollup, the same counts summed to ISO weeks, rebuilt from the daily one.

Every write to `tickets` goes through `civicdesk.store.write` and then `refresh_rollup` in the same
transaction, so the rollup is always in step. Repeat contacts look back 30 days, so a write touching
days [a, b] refreshes [a, b + 30]. Every function here that rewrites daily rows (`refresh_rollup`,
`insert_rollup_of`, `rebuild_rollup`, `refresh_days`) also rewrites the weeks holding them
and their margins (`refresh_weekly`), so callers never refresh the weekly tables themselves.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk import calendar
from civicdesk.store.bulk import bulk_insert
from civicdesk.store.categories import handling_table, is_dispute, needs_subcategory
from civicdesk.store.engine import lock_ticket_writes
from civicdesk.store.queries import margin_select, read_frame
from civicdesk.store.schema import (ROLLUP_COUNTS, ROLLUP_KEYS, ROLLUP_SUMS, daily_rollup, store_info, tickets,
                                    weekly_margins, weekly_rollup)

REPEAT_WINDOW_DAYS = 30
REFRESH_CHUNK_DAYS = 183
#: Tickets read at once when rebuilding (window and lookback; about 0.5 GB of frame): a busier store rebuilds
#: in shorter windows, down to MIN_CHUNK_DAYS (shorter ones would re-read the 30-day lookback more than the
#: window itself), so a city of ten districts rebuilds in about a district's memory.
REFRESH_CHUNK_ROWS = 300_000
MIN_CHUNK_DAYS = 30
_COLUMNS = ("created_at", "street", "category", "channel", "urgency", "caller_key", "signed_at",
            "first_response_at", "closed_at", "deadline_at", "returned_count", "reopened_count",
            "escalated", "callback_result")
CALLBACK_COLUMNS = {"satisfied": "cb_satisfied", "basically_satisfied": "cb_basically_satisfied",
                    "unsatisfied": "cb_unsatisfied", "not_reached": "cb_not_reached"}


def _read_tickets(conn: sa.Connection, lo: pd.Timestamp, hi: pd.Timestamp, extra=()) -> pd.DataFrame:
    """Tickets created in [lo, hi) with the rollup's columns and `extra` ones (the fast reader, inside the
    caller's transaction)."""
    query = sa.select(*[tickets.c[c] for c in (*_COLUMNS, *extra)]).where(tickets.c.created_at >= lo.to_pydatetime(),
                                                               tickets.c.created_at < hi.to_pydatetime())
    return read_frame(conn, query)


def repeat_flags(created_at: pd.Series, caller_key: pd.Series, window_days: int = REPEAT_WINDOW_DAYS) -> np.ndarray:
    """True where the same caller_key made a contact in the previous `window_days` days."""
    frame = pd.DataFrame({"t": pd.to_datetime(created_at).to_numpy(), "k": caller_key.to_numpy()})
    frame = frame[frame["k"].notna()].sort_values(["k", "t"], kind="stable")
    gap = frame["t"] - frame.groupby("k")["t"].shift()
    out = np.zeros(len(created_at), dtype=bool)
    flagged = frame.index[(gap <= pd.Timedelta(days=window_days)).to_numpy()]
    out[flagged] = True
    return out


def aggregate(df: pd.DataFrame, handling: dict | None = None) -> pd.DataFrame:
    """Ticket rows (columns as in `_COLUMNS`, plus `repeat`, and `subcategory` where `handling` needs it) to
    rollup rows.

    A ticket without a stored deadline gets the rule's: 30 calendar days for a dispute by the `categories`
    table (`handling`: `categories.handling_table`), else by urgency in working days.
    """
    created = df["created_at"]
    mediation = is_dispute(df, handling).to_numpy(dtype=bool) if handling else False
    deadline = df["deadline_at"].fillna(pd.Series(calendar.close_deadline(created, df["urgency"], mediation),
                                                  index=df.index))
    sign_limit = pd.Series(calendar.sign_deadline(created, df["urgency"]), index=df.index)
    callback = df["callback_result"]
    hours = lambda end: ((end - created).dt.total_seconds() / 3600.0).fillna(0.0)  # noqa: E731
    parts = pd.DataFrame({
        "day": created.dt.normalize(),
        "street": df["street"].fillna(""),
        "category": df["category"].fillna(""),
        "channel": df["channel"].fillna("other"),
        "received": 1,
        "signed": df["signed_at"].notna(),
        "signed_on_time": df["signed_at"].notna() & (df["signed_at"] <= sign_limit),
        "responded": df["first_response_at"].notna(),
        "closed": df["closed_at"].notna(),
        "closed_on_time": df["closed_at"].notna() & (df["closed_at"] <= deadline),
        "returned": df["returned_count"].fillna(0) > 0,
        "reopened": df["reopened_count"].fillna(0) > 0,
        "escalated": df["escalated"].fillna(False).astype(bool),
        "repeat_contacts": df["repeat"],
        **{col: callback == code for code, col in CALLBACK_COLUMNS.items()},
        "hours_to_sign_sum": hours(df["signed_at"]),
        "hours_to_close_sum": hours(df["closed_at"]),
    })
    out = parts.groupby(list(ROLLUP_KEYS), sort=True).sum().reset_index()
    out[list(ROLLUP_COUNTS)] = out[list(ROLLUP_COUNTS)].astype("int64")
    return out


def _chunk_days(conn: sa.Connection, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Days per rebuild window: `REFRESH_CHUNK_DAYS`, fewer when the store's days hold many tickets."""
    hi = end + pd.Timedelta(days=1)
    rows = conn.execute(sa.select(sa.func.count()).select_from(tickets).where(
        tickets.c.created_at >= start.to_pydatetime(), tickets.c.created_at < hi.to_pydatetime())).scalar() or 0
    per_day = rows / max((hi - start).days, 1)
    if per_day * (REFRESH_CHUNK_DAYS + REPEAT_WINDOW_DAYS) <= REFRESH_CHUNK_ROWS:
        return REFRESH_CHUNK_DAYS
    return int(max(MIN_CHUNK_DAYS, REFRESH_CHUNK_ROWS / per_day - REPEAT_WINDOW_DAYS))


def refresh_rollup(conn: sa.Connection, start: date, end: date) -> int:
    """Rebuild the rollup rows for days start..end (inclusive) from `tickets`; returns rows written.

    Reads the tickets a window at a time (with the 30 days before it, for repeat contacts); the window
    shrinks on a busy store so that memory does not grow with the volume (`_chunk_days`)."""
    written = 0
    day = pd.Timestamp(start)
    last = pd.Timestamp(end)
    handling = handling_table(conn)
    extra = ("subcategory",) if needs_subcategory(handling) else ()
    chunk = _chunk_days(conn, day, last)
    while day <= last:
        hi = min(day + pd.Timedelta(days=chunk), last + pd.Timedelta(days=1))
        df = _read_tickets(conn, day - pd.Timedelta(days=REPEAT_WINDOW_DAYS), hi, extra)
        df["repeat"] = repeat_flags(df["created_at"], df["caller_key"])
        df = df[df["created_at"] >= day]
        conn.execute(daily_rollup.delete().where(daily_rollup.c.day >= day.date(),
                                                 daily_rollup.c.day < hi.date()))
        if len(df):
            written += bulk_insert(conn, daily_rollup, aggregate(df, handling))
        day = hi
    refresh_weekly(conn, start, end)
    return written


#: SQL for the Monday of `daily_rollup.day`'s ISO week, per dialect (migration 0009 holds a copy).
WEEK_OF_DAY = {
    "postgresql": "(day - (EXTRACT(ISODOW FROM day)::int - 1))",
    "sqlite": "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
}


def monday_of(day) -> date:
    """The Monday of `day`'s ISO week."""
    day = pd.Timestamp(day).date()
    return day - timedelta(days=day.weekday())


def refresh_weekly(conn: sa.Connection, start, end) -> None:
    """Rebuild the weekly rollup and weekly margins of every ISO week holding a day in start..end from the
    daily rollup.

    Runs in SQL (DELETE and INSERT … SELECT of each table), inside the caller's transaction.
    """
    week = WEEK_OF_DAY.get(conn.dialect.name)
    if week is None:
        raise NotImplementedError(f"the weekly rollup is not implemented for {conn.dialect.name}")
    first, last = monday_of(start), monday_of(end)
    if first > last:
        return
    conn.execute(weekly_rollup.delete().where(weekly_rollup.c.week >= first, weekly_rollup.c.week <= last))
    week_col = sa.literal_column(week, type_=sa.Date)
    d = daily_rollup.c
    measures = (*ROLLUP_COUNTS, *ROLLUP_SUMS)
    keys = (week_col, d.street, d.category, d.channel)
    select = (sa.select(*keys, *[sa.func.sum(d[m]) for m in measures])
              .where(d.day >= first, d.day <= last + timedelta(days=6)).group_by(*keys))
    conn.execute(weekly_rollup.insert().from_select(["week", "street", "category", "channel", *measures], select))
    conn.execute(weekly_margins.delete().where(weekly_margins.c.week >= first, weekly_margins.c.week <= last))
    conn.execute(weekly_margins.insert().from_select(["week", "dimension", "value", *measures],
                                                     margin_select(first, last)))


def rollup_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of `frame` the rollup needs (missing ones as empty), compact enough to keep in memory.

    Every column is copied so the result does not keep the rest of `frame`'s memory alive.
    """
    out = {}
    for col in (*_COLUMNS, "subcategory"):
        values = frame[col] if col in frame else pd.Series(None, index=frame.index, dtype=object)
        if col in ("street", "category", "subcategory", "channel", "urgency", "callback_result"):
            values = values.astype(object).astype("category")
        out[col] = pd.Series(values.to_numpy(copy=True), index=frame.index, dtype=values.dtype)
    return pd.DataFrame(out)


def insert_rollup_of(conn: sa.Connection, frame: pd.DataFrame) -> int:
    """Write the rollup of `frame` (columns as from `rollup_columns`) and return the rows written.

    Only valid when `frame` holds every ticket created on its days and in the repeat window around them,
    and the rollup has no rows for those days yet (e.g. a first import into an empty store). Works a
    window of days at a time, like `refresh_rollup`, so memory stays bounded.
    """
    if frame.empty:
        return 0
    df = frame.sort_values("created_at", kind="stable", ignore_index=True)
    for col in ("street", "category", "subcategory", "channel", "urgency", "callback_result"):
        df[col] = df[col].astype(object)
    created = df["created_at"].to_numpy()
    day = pd.Timestamp(created[0]).normalize()
    last = pd.Timestamp(created[-1])
    written = 0
    handling = handling_table(conn)
    while day <= last:
        hi = day + pd.Timedelta(days=REFRESH_CHUNK_DAYS)
        lo_at, start_at, hi_at = np.searchsorted(
            created, np.array([day - pd.Timedelta(days=REPEAT_WINDOW_DAYS), day, hi], dtype="datetime64[ns]"))
        part = df.iloc[lo_at:hi_at].copy()
        part["repeat"] = repeat_flags(part["created_at"], part["caller_key"])
        part = part.iloc[start_at - lo_at:]
        if len(part):
            written += bulk_insert(conn, daily_rollup, aggregate(part, handling))
        day = hi
    refresh_weekly(conn, pd.Timestamp(created[0]), last)
    return written


def ticket_day_range(conn: sa.Connection) -> tuple[date, date] | None:
    """First and last day with tickets, or None when there are none."""
    lo, hi = conn.execute(sa.select(sa.func.min(tickets.c.created_at), sa.func.max(tickets.c.created_at))).one()
    if lo is None:
        return None
    return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()


def rebuild_rollup(conn: sa.Connection) -> int:
    """Drop and rebuild the whole rollup (daily and weekly) from `tickets`."""
    conn.execute(daily_rollup.delete())
    conn.execute(weekly_rollup.delete())
    conn.execute(weekly_margins.delete())
    span = ticket_day_range(conn)
    return refresh_rollup(conn, *span) if span else 0


def rebuild_if_flagged(engine: Engine) -> bool:
    """Rebuild the rollup when a migration set the `rollup_rebuild` flag; True if it did."""
    query = sa.select(store_info.c.value).where(store_info.c.key == "rollup_rebuild")
    with engine.begin() as conn:
        if conn.execute(query).scalar() != "1":
            return False
        lock_ticket_writes(conn)
        if conn.execute(query).scalar() != "1":  # another process rebuilt it while we waited
            return False
        rebuild_rollup(conn)
        conn.execute(store_info.delete().where(store_info.c.key == "rollup_rebuild"))
    return True


def refresh_days(conn: sa.Connection, days) -> int:
    """Refresh the rollup for the given ticket days and the repeat window after each, and nothing else.

    Days closer together than the repeat window are refreshed as one run; returns rollup rows written.
    """
    unique = sorted({pd.Timestamp(d).date() for d in days if not pd.isna(d)})
    written = 0
    run_start = run_end = None
    for day in unique + [None]:
        if day is not None and run_end is not None and day <= run_end + timedelta(days=REPEAT_WINDOW_DAYS):
            run_end = day
            continue
        if run_start is not None:
            written += refresh_rollup(conn, run_start, run_end + timedelta(days=REPEAT_WINDOW_DAYS))
        run_start = run_end = day
    return written


def touched_window(days: pd.Series) -> tuple[date, date]:
    """Rollup window a write of tickets created on `days` affects (repeat contacts reach 30 days on)."""
    lo = pd.Timestamp(days.min()).date()
    hi = pd.Timestamp(days.max()).date() + timedelta(days=REPEAT_WINDOW_DAYS)
    return lo, hi
