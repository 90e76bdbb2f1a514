"""Backups of a SQLite store, taken and restored while the app runs, and a digest to compare two stores.

SQLite's online backup API copies the database page by page under its own locking, so a backup taken while
the app or an import is writing is a consistent snapshot (of the moment the copy finished). A restore copies
the backup back the same way, after saving the current store beside it, so nothing is lost either way.
PostgreSQL stores are backed up with the server's own tools (see the README: `pg_dump -Fc` and `pg_restore`).
"""
from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.store.engine import StoreError, _known_revisions, current_revision, head_revision, migrate

PAGES_PER_STEP = 4096
PG_HINT = ("back a PostgreSQL store up with the server's tools: pg_dump -Fc -d DB -f civicdesk.dump, and restore "
           "with pg_restore --clean --if-exists -d DB civicdesk.dump (see the README)")


def _sqlite_path(engine: Engine) -> Path:
    if engine.url.get_backend_name() != "sqlite":
        raise StoreError(f"civicdesk backup and restore work on SQLite stores; {PG_HINT}")
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise StoreError("this SQLite store has no file to back up")
    return Path(database).expanduser()


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target, pages=PAGES_PER_STEP)


def backup(engine: Engine, path: str | Path) -> Path:
    """Copy the store into the SQLite file ``path`` (created; an existing file is refused) and check it."""
    _sqlite_path(engine)
    path = Path(path)
    if path.exists():
        raise StoreError(f"{path} already exists; choose a new file name for the backup")
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(path) as target:
            _copy(raw.driver_connection, target)
    finally:
        raw.close()
    check_backup(path)
    return path


def check_backup(path: str | Path) -> str:
    """The schema revision of a backup file; raises StoreError when it is not a sound civicdesk store."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path} is not a file")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StoreError(f"{path} is damaged (SQLite's integrity check failed)")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"alembic_version", "tickets"} <= tables:
                raise StoreError(f"{path} is a SQLite file but not a civicdesk store")
            return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a SQLite database ({exc})") from None


def restore(engine: Engine, path: str | Path) -> Path:
    """Replace the store's contents with the backup ``path`` and upgrade it to this version's schema.

    The current store is first saved beside itself (``<store>.before-restore-<time>.db``); that file's path
    is returned, so a wrong restore can be undone with another restore.
    """
    target_path = _sqlite_path(engine)
    revision = check_backup(path)
    if revision not in _known_revisions():
        raise StoreError(f"{path} was made by a newer civicdesk (schema {revision}); upgrade civicdesk first")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    saved = backup(engine, target_path.with_name(f"{target_path.stem}.before-restore-{stamp}.db"))
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
            _copy(source, raw.driver_connection)
    finally:
        raw.close()
    engine.dispose()
    if current_revision(engine) != head_revision():
        migrate(engine)
    return saved


def table_digest(engine: Engine) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows in primary-key order (to compare two stores)."""
    meta = sa.MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            keys = list(table.primary_key.columns) or list(table.columns)
            digest, count = hashlib.sha256(), 0
            for row in conn.execute(sa.select(table).order_by(*keys)):
                digest.update(repr(tuple(row)).encode("utf-8"))
                count += 1
            out[name] = (count, digest.hexdigest())
    return out
