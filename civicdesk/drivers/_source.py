"""Tickets for the repeat and hot-topic analyses: from the store (only the days needed) or a DataFrame.

Both analyses accept either an SQLAlchemy engine on the store or a ticket DataFrame (columns named as in
`civicdesk.store.schema.tickets`), so notebooks can run them on imported or hand-made frames.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.store.queries import read_frame
from civicdesk.store.schema import tickets

Source = Engine | pd.DataFrame


def _check_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"The ticket frame lacks the column(s) {', '.join(missing)}.")


def read_tickets(source: Source, start: pd.Timestamp, end: pd.Timestamp,
                 columns: Sequence[str]) -> pd.DataFrame:
    """Tickets created in [start, end) with `columns` (which must include created_at), oldest first.

    Args:
        source: an engine on the store (only these days are read) or a ticket DataFrame.
        start: first instant included.
        end: first instant excluded.
        columns: ticket columns wanted.
    """
    if isinstance(source, pd.DataFrame):
        _check_columns(source, columns)
        df = source.loc[:, list(columns)].copy()
        df["created_at"] = pd.to_datetime(df["created_at"])
        df = df[(df["created_at"] >= start) & (df["created_at"] < end)]
    else:
        query = (sa.select(*[tickets.c[c] for c in columns])
                 .where(tickets.c.created_at >= start.to_pydatetime(), tickets.c.created_at < end.to_pydatetime()))
        df = read_frame(source, query)
    return df.sort_values("created_at", kind="stable", ignore_index=True)


def ticket_span(source: Source) -> tuple[date, date] | None:
    """First and last day on which tickets were created, or None when there are none."""
    if isinstance(source, pd.DataFrame):
        _check_columns(source, ["created_at"])
        created = pd.to_datetime(source["created_at"]).dropna()
        lo, hi = (created.min(), created.max()) if len(created) else (None, None)
    else:
        query = sa.select(sa.func.min(tickets.c.created_at), sa.func.max(tickets.c.created_at))
        with source.connect() as conn:
            lo, hi = conn.execute(query).one()
    if lo is None:
        return None
    return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()
