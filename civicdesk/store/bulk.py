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


SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _time_text(series: pd.Series, fmt: str) -> list:
    """Timestamps as text in the form SQLAlchemy's SQLite types store and read back (None for missing)."""
    ts = pd.to_datetime(series)
    return ts.dt.strftime(fmt).to_numpy(dtype=object, na_value=None).tolist()


def _sqlite_column(series: pd.Series, coltype: sa.types.TypeEngine) -> list:
    """One column as Python values in the text forms SQLAlchemy's SQLite types read back.

    PostgreSQL's COPY takes the same text forms, so both raw paths share this conversion.
    """
    if isinstance(coltype, sa.DateTime):
        return _time_text(series, SQLITE_TIME_FORMAT)
    if isinstance(coltype, sa.Date):
        return _time_text(series, "%Y-%m-%d")
    return _python_column(series, coltype)


def _python_column(series: pd.Series, coltype: sa.types.TypeEngine) -> list:
    """One column as Python objects (None for missing) for a DB-API driver, converted column-wise."""
    if isinstance(coltype, (sa.DateTime, sa.Date)):
        ts = pd.to_datetime(series)
        missing = ts.isna().to_numpy()
        if isinstance(coltype, sa.Date) and not isinstance(coltype, sa.DateTime):
            values = np.array(ts.dt.date, dtype=object)
        else:
            values = np.array(ts.dt.to_pydatetime(), dtype=object)
        values[missing] = None
        return values.tolist()
    if isinstance(coltype, sa.Boolean):
        return series.astype("boolean").to_numpy(dtype=object, na_value=None).tolist()
    if isinstance(coltype, sa.Integer):
        return series.astype("Int64").to_numpy(dtype=object, na_value=None).tolist()
    if isinstance(coltype, sa.Float):
        return series.astype("Float64").to_numpy(dtype=object, na_value=None).tolist()
    values = np.array(series.to_numpy(dtype=object, na_value=None), dtype=object)
    if series.dtype == object:
        odd = [i for i, v in enumerate(values) if v is not None and not isinstance(v, str)]
        for i in odd:
            values[i] = str(values[i])
    return values.tolist()


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
                for row in _rows(chunk, table, _sqlite_column):
                    copy.write_row(row)
        else:
            records = [dict(zip(chunk.columns, r)) for r in _rows(chunk, table, _python_column)]
            conn.execute(table.insert(), records)
        if progress:
            progress(len(chunk))
    return len(df)
