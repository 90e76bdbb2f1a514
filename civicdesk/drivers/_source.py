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


class DataRangeError(ValueError):
    """The data do not cover what was asked (a day outside them, a week without tickets or without weeks
    before it). `key` and `params` give the message in the UI's language:
    `civicdesk.i18n.t(error.key, lang).format(**error.params)`; `str(error)` is the English sentence."""

    def __init__(self, message: str, key: str, **params):
        super().__init__(message)
        self.key, self.params = key, params


def ticket_keys(frame: pd.DataFrame) -> pd.Series:
    """Each ticket's ticket_id, or "#<row id>" for a ticket imported without one: a key that is never
    missing, so analyses can match and join tickets on it (two missing ids would otherwise match).

    The row id is the frame's ``id`` column (the store's row id) when it has one, else its index.
    """
    ids = frame["ticket_id"].astype(object)
    missing = ids.isna() | (ids.astype(str).str.strip() == "")
    if not missing.any():
        return ids
    rows = frame["id"] if "id" in frame.columns else pd.Series(frame.index, index=frame.index)
    return ids.where(~missing, "#" + rows.astype(str))


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
        columns: ticket columns wanted; a ticket without a ticket_id gets "#<row id>" (`ticket_keys`).
    """
    keyed = "ticket_id" in columns
    if isinstance(source, pd.DataFrame):
        _check_columns(source, columns)
        df = source.loc[:, list(columns)].copy()
        if keyed:
            df["ticket_id"] = ticket_keys(source).to_numpy()
        df["created_at"] = pd.to_datetime(df["created_at"])
        df = df[(df["created_at"] >= start) & (df["created_at"] < end)]
    else:
        query = (sa.select(*[tickets.c[c] for c in columns], *([tickets.c.id] if keyed else []))
                 .where(tickets.c.created_at >= start.to_pydatetime(), tickets.c.created_at < end.to_pydatetime()))
        df = read_frame(source, query)
        if keyed:
            df = df.assign(ticket_id=ticket_keys(df)).drop(columns="id")
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
