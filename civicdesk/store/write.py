"""Every write to the store: tickets (upserted on source + source_id) and the demo district.

Each write refreshes the rollup window it touches in the same transaction, so `daily_rollup` never
lags `tickets`, and a failed write leaves the store as it was.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from civicdesk.store.bulk import CHUNK_ROWS, _python_column, bulk_insert
from civicdesk.store.categories import register_categories, replace_categories
from civicdesk.store.engine import lock_ticket_writes
from civicdesk.store.rollup import rebuild_rollup, refresh_rollup, touched_window
from civicdesk.store.schema import TICKET_COLUMNS, grids, places, staff, store_info, streets, tickets

Progress = Callable[[float, str], None]
REQUIRED_TICKET_COLUMNS = ("source", "source_id", "channel", "created_at", "urgency", "status")


@dataclass(frozen=True)
class WriteResult:
    """What a ticket write did: rows sent and rollup rows rebuilt."""

    rows: int
    rollup_rows: int


def _check_ticket_frame(df: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_TICKET_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"tickets are missing required columns: {missing}")
    if df.duplicated(["source", "source_id"]).any():
        raise ValueError("tickets contain duplicate (source, source_id) pairs")
    cols = [c for c in TICKET_COLUMNS if c in df.columns]
    return df[cols]


def replace_row(conn: sa.Connection, table: sa.Table, **values) -> None:
    """Insert a row, or overwrite the one with the same primary key, in one statement.

    Unlike delete-then-insert this cannot fail when two sessions save the same key at once on PostgreSQL
    (the second waits for the first and then overwrites it: last save wins).
    """
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(conn.dialect.name)
    if dialect is None:
        raise NotImplementedError(f"replace_row is not implemented for {conn.dialect.name}")
    keys = [c.name for c in table.primary_key.columns]
    stmt = dialect.insert(table).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=keys,
                                            set_={c: stmt.excluded[c] for c in values if c not in keys}))


def _upsert_statement(conn: sa.Connection, columns: list[str]):
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(conn.dialect.name)
    if dialect is None:
        raise NotImplementedError(f"upsert is not implemented for {conn.dialect.name}")
    stmt = dialect.insert(tickets)
    updates = {c: stmt.excluded[c] for c in columns if c not in ("source", "source_id")}
    return stmt.on_conflict_do_update(index_elements=["source", "source_id"], set_=updates)


def _existing_created_at(conn: sa.Connection, frame: pd.DataFrame) -> pd.Series:
    """created_at of the stored tickets that `frame` will update."""
    found = []
    for source, ids in frame.groupby("source")["source_id"]:
        ids = ids.astype(str).tolist()
        for start in range(0, len(ids), 5_000):
            query = sa.select(tickets.c.created_at).where(
                tickets.c.source == source, tickets.c.source_id.in_(ids[start:start + 5_000]))
            found.extend(conn.execute(query).scalars())
    return pd.to_datetime(pd.Series(found, dtype="object"))


def upsert_rows(conn: sa.Connection, frame: pd.DataFrame) -> int:
    """Insert or update `frame`'s tickets on (source, source_id) without touching the rollup.

    Callers refresh the rollup themselves (see `write_tickets` and `civicdesk.ingest`).
    """
    stmt = _upsert_statement(conn, list(frame.columns))
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start:start + CHUNK_ROWS]
        values = [_python_column(chunk[c], tickets.c[c].type) for c in chunk.columns]
        conn.execute(stmt, [dict(zip(chunk.columns, row)) for row in zip(*values)])
    return len(frame)


def write_tickets(conn: sa.Connection, df: pd.DataFrame) -> WriteResult:
    """Insert or update tickets (matched on source + source_id) and refresh the rollup they touch.

    Args:
        conn: an open connection inside a transaction (`with engine.begin() as conn:`).
        df: one row per ticket with columns named as in `schema.tickets` (extra columns are ignored).

    Returns:
        WriteResult with the rows written and the rollup rows rebuilt.
    """
    if df.empty:
        return WriteResult(0, 0)
    frame = _check_ticket_frame(df)
    lock_ticket_writes(conn)
    previous_days = _existing_created_at(conn, frame)
    upsert_rows(conn, frame)
    register_categories(conn, frame)
    # Rows that were updated may have moved day; refresh the union of old and new days.
    days = pd.concat([pd.to_datetime(frame["created_at"]), previous_days])
    lo, hi = touched_window(days)
    return WriteResult(len(frame), refresh_rollup(conn, lo, hi))


def _with_shapes(district) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """The district's streets with their boundaries (GeoJSON text), grids with their points, and its places
    (None for a district without geometry)."""
    shapes = getattr(district, "shapes", None)
    if shapes is None:
        return district.streets, district.grids, None
    texts = {name: json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))
             for name, geometry in shapes.boundaries.items()}
    street_frame = district.streets.assign(boundary=district.streets["name"].map(texts).astype(object))
    points = shapes.grids.set_index("grid_id")
    grid_frame = district.grids.assign(lon=district.grids["grid_id"].map(points["lon"]),
                                       lat=district.grids["grid_id"].map(points["lat"]))
    return street_frame, grid_frame, shapes.places


def _replace_reference(conn: sa.Connection, district) -> None:
    conn.execute(tickets.delete().where(tickets.c.source == "demo"))
    for table in (places, staff, grids, streets):
        conn.execute(table.delete())
    street_frame, grid_frame, place_frame = _with_shapes(district)
    bulk_insert(conn, streets, street_frame[[c for c in streets.c.keys() if c in street_frame]])
    bulk_insert(conn, grids, grid_frame[[c for c in grids.c.keys() if c in grid_frame]])
    if place_frame is not None and len(place_frame):
        bulk_insert(conn, places, place_frame[["street", "name", "grid_id", "lon", "lat"]])
    bulk_insert(conn, staff, district.staff[[c for c in staff.c.keys() if c in district.staff]])
    replace_categories(conn, district.categories.to_dict("records"), origin="demo")


def _set_info(conn: sa.Connection, **values: str) -> None:
    conn.execute(store_info.delete().where(store_info.c.key.in_(list(values))))
    conn.execute(store_info.insert(), [{"key": k, "value": str(v)} for k, v in values.items()])


def load_district(engine: Engine, district, progress: Progress | None = None) -> int:
    """Replace the store's reference tables and demo tickets with `district`, in one transaction.

    Args:
        engine: the store (from `connect`).
        district: a `civicdesk.synth.District`.
        progress: optional `progress(fraction, message)` callback.

    Returns:
        The number of tickets loaded.
    """
    return load_districts(engine, [district], progress=progress, rows_expected=len(district.tickets))


def load_districts(engine: Engine, districts: Iterable, progress: Progress | None = None,
                   rows_expected: int | None = None) -> int:
    """Replace the reference tables and demo tickets with the tickets of several blocks, in one transaction.

    The blocks (`civicdesk.synth.city.city_blocks`, or any iterable of `District`s) are written as they
    come, so only one is in memory at a time; the first block's streets, grids, staff and categories
    become the reference tables. Nothing is visible until the last block is in: a failure leaves the
    store as it was.

    Args:
        engine: the store (from `connect`).
        districts: the blocks, in order.
        progress: optional `progress(fraction, message)`; the fraction counts rows against
            `rows_expected` when given, otherwise it stays at 0 until the rollup.
        rows_expected: the total rows, if known.

    Returns:
        The number of tickets loaded.
    """
    report = progress or (lambda f, m: None)
    done = 0

    def step(rows: int) -> None:
        nonlocal done
        done += rows
        share = 0.85 * done / rows_expected if rows_expected else 0.0
        report(min(share, 0.85), f"写入工单 {done:,}" + (f"/{rows_expected:,}" if rows_expected else ""))

    info = None
    scale = 0.0
    with engine.begin() as conn:
        lock_ticket_writes(conn)
        for district in districts:
            frame = _check_ticket_frame(district.tickets)
            if info is None:
                report(0.0, "写入镇街、网格和人员")
                _replace_reference(conn, district)
                info = {"demo_seed": district.seed, "demo_start": district.start, "demo_end": district.end}
            scale += district.scale
            bulk_insert(conn, tickets, frame, progress=step)
            del frame, district
        if info is None:
            raise ValueError("no district to load")
        report(0.85, "生成日汇总表")
        rebuild_rollup(conn)
        _set_info(conn, demo_scale=round(scale, 6), **info)
    report(1.0, "完成")
    return done
