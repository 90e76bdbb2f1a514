"""What imports left behind: the batch log, the quarantined rows, and a data-quality summary of the store."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk import calendar
from civicdesk.excel import to_excel_bytes
from civicdesk.ingest.normalize import REASONS
from civicdesk.store.schema import import_batches, quarantine, tickets

QUALITY_COLUMNS = ("rows", "missing_street", "missing_category", "missing_caller", "closed_before_created",
                   "open_past_deadline")


def batches(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """Past imports, newest first: file, sha256, when, profile, source and the counts."""
    query = sa.select(import_batches).order_by(import_batches.c.batch_id.desc()).limit(limit)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=list(import_batches.c.keys()))
    for col in ("reasons", "warnings", "mapping"):
        frame[col] = frame[col].map(json.loads)
    return frame


def reason_label(code: str, lang: str = "zh") -> str:
    """`bad_date:closed_at` → "日期无法识别（closed_at）"."""
    base, _, column = code.partition(":")
    labels = REASONS.get(base)
    text = (labels[0] if lang == "zh" else labels[1]) if labels else base
    return f"{text}（{column}）" if column and lang == "zh" else (f"{text} ({column})" if column else text)


def quarantined_rows(engine: Engine, batch_id: int, lang: str = "zh") -> pd.DataFrame:
    """A batch's quarantined rows: sheet, row number, reasons (labelled) and the raw columns as read."""
    query = (sa.select(quarantine.c.sheet, quarantine.c.row_number, quarantine.c.reasons, quarantine.c.raw)
             .where(quarantine.c.batch_id == batch_id).order_by(quarantine.c.id))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    meta = pd.DataFrame([r[:3] for r in rows], columns=["sheet", "row_number", "reasons"])
    meta["reasons"] = meta["reasons"].map(lambda s: "；".join(reason_label(c, lang) for c in s.split(";")))
    raw = pd.DataFrame([json.loads(r[3]) for r in rows])
    return pd.concat([meta, raw], axis=1)


def _month(conn: sa.Connection, column):
    if conn.dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _open_past_deadline(conn: sa.Connection, as_of: pd.Timestamp) -> pd.DataFrame:
    query = sa.select(tickets.c.source, tickets.c.created_at, tickets.c.urgency, tickets.c.deadline_at).where(
        tickets.c.closed_at.is_(None))
    df = pd.DataFrame(conn.execute(query).all(), columns=["source", "created_at", "urgency", "deadline_at"])
    if df.empty:
        return pd.DataFrame(columns=["source", "month", "open_past_deadline"])
    created = pd.to_datetime(df["created_at"])
    deadline = pd.to_datetime(df["deadline_at"]).fillna(
        pd.Series(calendar.close_deadline(created, df["urgency"]), index=df.index))
    df["month"] = created.dt.strftime("%Y-%m")
    df["open_past_deadline"] = (deadline < as_of).astype(int)
    return df.groupby(["source", "month"], as_index=False)["open_past_deadline"].sum()


def quality_summary(engine: Engine, as_of=None) -> pd.DataFrame:
    """Per month and source: rows, missing fields, closed-before-created and open-past-deadline counts.

    Args:
        engine: the store.
        as_of: the time deadlines are judged at (default: the newest ticket's creation time).
    """
    t = tickets.c
    missing = lambda col: sa.func.sum(sa.case((col.is_(None), 1), else_=0))  # noqa: E731
    with engine.connect() as conn:
        month = _month(conn, t.created_at).label("month")
        query = (sa.select(t.source, month, sa.func.count().label("rows"),
                           missing(t.street).label("missing_street"), missing(t.category).label("missing_category"),
                           missing(t.caller_key).label("missing_caller"),
                           sa.func.sum(sa.case((t.closed_at < t.created_at, 1), else_=0)).label("closed_before_created"))
                 .group_by(t.source, month).order_by(month, t.source))
        frame = pd.DataFrame(conn.execute(query).mappings().all(),
                             columns=["source", "month", *QUALITY_COLUMNS[:-1]])
        if frame.empty:
            return pd.DataFrame(columns=["source", "month", *QUALITY_COLUMNS])
        stamp = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(conn.execute(sa.select(sa.func.max(t.created_at))).scalar())
        late = _open_past_deadline(conn, stamp)
    frame = frame.merge(late, on=["source", "month"], how="left")
    frame["open_past_deadline"] = frame["open_past_deadline"].fillna(0)
    frame[list(QUALITY_COLUMNS)] = frame[list(QUALITY_COLUMNS)].astype(np.int64)
    return frame


def quarantine_excel(engine: Engine, batch_id: int, lang: str = "zh") -> bytes:
    """A batch's quarantined rows as an .xlsx file (bytes), for download and correction; cells that would
    read as formulas are neutralised (`civicdesk.excel`)."""
    frame = quarantined_rows(engine, batch_id, lang)
    names = {"sheet": "工作表" if lang == "zh" else "Sheet", "row_number": "行号" if lang == "zh" else "Row",
             "reasons": "隔离原因" if lang == "zh" else "Reasons"}
    return to_excel_bytes({"隔离行" if lang == "zh" else "quarantine": frame.rename(columns=names)})
