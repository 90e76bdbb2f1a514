"""Fast bulk inserts of DataFrames: the driver's executemany on SQLite, COPY on PostgreSQL.

Values are converted here once, so callers pass plain DataFrames whose columns are named like the
table's (timestamps as datetime64, dates as date/datetime64, booleans as bool, missing as NaN/NaT/None).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa

CHUNK_ROWS = 50_000


def _sqlite_column(series: pd.Series, coltype: sa.types.TypeEngine) -> list:
    """One column as Python values in the text forms SQLAlchemy's SQLite types read back."""
    if isinstance(coltype, sa.DateTime):
        ts = pd.to_datetime(series)
        text = ts.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        return text.where(ts.notna(), None).tolist()
    if isinstance(coltype, sa.Date):
        ts = pd.to_datetime(series)
        text = ts.dt.strftime("%Y-%m-%d")
        return text.where(ts.notna(), None).tolist()
    return _python_column(series, coltype)


def _python_column(series: pd.Series, coltype: sa.types.TypeEngine) -> list:
    """One column as Python objects (None for missing) for a DB-API driver."""
    if isinstance(coltype, (sa.DateTime, sa.Date)):
        ts = pd.to_datetime(series)
        values = ts.dt.date if isinstance(coltype, sa.Date) and not isinstance(coltype, sa.DateTime) \
            else ts.dt.to_pydatetime()
        return [None if pd.isna(t) else v for t, v in zip(ts, values)]
    if isinstance(coltype, sa.Boolean):
        return [None if pd.isna(v) else bool(v) for v in series]
    if isinstance(coltype, sa.Integer):
        return [None if pd.isna(v) else int(v) for v in series]
    if isinstance(coltype, sa.Float):
        return [None if pd.isna(v) else float(v) for v in series]
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)
            for v in series]


def _rows(df: pd.DataFrame, table: sa.Table, convert: Callable) -> Iterator[tuple]:
    columns = [convert(df[name], table.c[name].type) for name in df.columns]
    return zip(*columns)


def bulk_insert(conn: sa.Connection, table: sa.Table, df: pd.DataFrame,
                progress: Callable[[int], None] | None = None) -> int:
    """Insert every row of `df` into `table` inside the caller's transaction.

    Args:
        conn: an open connection (the caller commits or rolls back).
        table: the target table; `df`'s columns must be a subset of its columns.
        df: rows to insert.
        progress: called with the number of rows written after each chunk.

    Returns:
        The number of rows inserted.
    """
    unknown = set(df.columns) - set(table.c.keys())
    if unknown:
        raise ValueError(f"columns not in table {table.name}: {sorted(unknown)}")
    cols = ", ".join(f'"{c}"' for c in df.columns)
    dialect = conn.dialect.name
    for start in range(0, len(df), CHUNK_ROWS):
        chunk = df.iloc[start:start + CHUNK_ROWS]
        if dialect == "sqlite":
            marks = ", ".join("?" for _ in df.columns)
            conn.connection.driver_connection.executemany(
                f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})',
                list(_rows(chunk, table, _sqlite_column)))
        elif dialect == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in _rows(chunk, table, _python_column):
                    copy.write_row(row)
        else:
            records = [dict(zip(chunk.columns, r)) for r in _rows(chunk, table, _python_column)]
            conn.execute(table.insert(), records)
        if progress:
            progress(len(chunk))
    return len(df)
