"""Open the store: build the engine, tune SQLite, create or upgrade the schema, explain failures."""
from __future__ import annotations

import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError

from civicdesk import config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Key of the PostgreSQL advisory lock that ticket writers hold (any constant unique to civicdesk).
TICKET_WRITE_LOCK = 0x6369_7669_6364  # "civicd"
#: Alembic keeps its running migration in module globals, so two threads must not migrate at once.
_MIGRATE_LOCK = threading.Lock()


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message is one sentence meant for the user."""


def _alembic_config(connection: sa.Connection | None = None):
    from alembic.config import Config  # Alembic is needed to migrate, not to open a current store

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of civicdesk knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def _head_from_files() -> str | None:
    """The head revision read straight from the migration files (`revision = "…"` not named as any file's
    `down_revision`), without loading Alembic; None when that is not one revision."""
    revisions, downs = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = re.search(r'^revision\s*=\s*["\']([^"\']+)["\']', text, re.M)
        down = re.search(r'^down_revision\s*=\s*["\']([^"\']+)["\']', text, re.M)
        if found:
            revisions.add(found.group(1))
        if down:
            downs.add(down.group(1))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The revision in the store's `alembic_version` table, read with plain SQL (None without the table)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _wal(cur) -> None:
    """Put the database in WAL mode, once. Switching the journal mode needs the file to itself, and SQLite
    answers "database is locked" at once, without its busy timeout, while another connection is opening or
    switching it (several threads opening a new store together); so wait and retry, up to the busy timeout."""
    deadline = time.monotonic() + config.SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    _wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(config.SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def lock_ticket_writes(conn: sa.Connection) -> None:
    """Make this transaction the store's only writer of tickets and the rollup until it ends.

    Call it first inside `with engine.begin() as conn:`. Writers that read what is stored (which days a
    ticket moves from, what the rollup holds) must not interleave: on PostgreSQL two imports refreshing the
    same rollup days would otherwise collide or miscount. PostgreSQL takes a transaction-scoped advisory
    lock; SQLite takes its write lock now (`BEGIN IMMEDIATE`, waiting up to the busy timeout) instead of
    at the first write, so the reads before it are already inside the transaction.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": TICKET_WRITE_LOCK})
    elif conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")


def create_engine(url: str | None = None, pool_size: int | None = None) -> Engine:
    """Build an engine for `url` (default: `config.db_url()`) without touching the schema.

    `pool_size` keeps that many connections open for threads querying at once (default SQLAlchemy's 5,
    with up to 10 more opened on demand).

    Raises:
        StoreError: the URL is malformed or names a driver that is not installed.
    """
    url = url or config.db_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"CIVICDESK_DB_URL '{url}' is not a database URL; expected e.g. "
                         "sqlite:///data/civicdesk.db or postgresql+psycopg://user@host/db.") from None
    kwargs: dict = {"future": True}
    in_memory = parsed.get_backend_name() == "sqlite" and (parsed.database or ":memory:") == ":memory:"
    if pool_size is not None and not in_memory:  # an in-memory SQLite store has one connection per thread
        kwargs.update(pool_size=pool_size, max_overflow=0)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": config.SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError, ArgumentError) as exc:
        raise StoreError(f"The database URL '{parsed.render_as_string(hide_password=True)}' needs a "
                         f"driver that is not installed ({exc}).") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def current_revision(engine: Engine) -> str | None:
    """The schema revision the store is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema in place to `revision`, keeping the data.

    Raises:
        StoreError: the store was written by a newer civicdesk.
    """
    found = current_revision(engine)
    if found is not None and found not in _known_revisions():
        raise StoreError(f"This store was written by a newer version of civicdesk (schema revision "
                         f"{found}, this version knows up to {head_revision()}); upgrade civicdesk.")
    from alembic import command

    with _MIGRATE_LOCK, engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


#: The `store_info` key holding the store's identity (a random UUID written once; see `store_id`).
STORE_ID_KEY = "store_id"


def store_id(engine: Engine) -> str | None:
    """The store's identity: a random UUID kept in `store_info`, or None for a store never opened for writing.

    Fitted artifacts (the staffing calibration) record it, so a file fitted on one store is never taken for
    another's. It survives upgrades, backups and restores (it is data), and a demo rebuild keeps it.
    """
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT value FROM store_info WHERE key = :key"),
                            {"key": STORE_ID_KEY}).scalar()


def ensure_store_id(engine: Engine) -> str:
    """The store's identity, written now (a new random UUID) when the store has none yet.

    Two processes opening a new store together both try to write it; the primary key keeps the first and
    the second reads it back.
    """
    found = store_id(engine)
    if found:
        return found
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO store_info (key, value) VALUES (:key, :value)"),
                         {"key": STORE_ID_KEY, "value": uuid.uuid4().hex})
    except IntegrityError:  # another process wrote it first
        pass
    return store_id(engine)


def _rollup_flagged(engine: Engine) -> bool:
    """Whether a migration asked for the rollup to be rebuilt (`store_info` key ``rollup_rebuild`` set to "1");
    `civicdesk.store.rollup.rebuild_if_flagged` checks again under the write lock before rebuilding."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT value FROM store_info WHERE key = :key"),
                            {"key": "rollup_rebuild"}).scalar() == "1"


def connect(url: str | None = None, upgrade: bool = True) -> Engine:
    """Open the store at `url` (default `CIVICDESK_DB_URL` or data/civicdesk.db), creating or upgrading it.

    Args:
        url: SQLAlchemy URL, e.g. "sqlite:///data/civicdesk.db" or "postgresql+psycopg://postgres@127.0.0.1/test".
        upgrade: bring the schema to this version's head (and rebuild the rollup if a migration asks to),
            and give the store its identity (`ensure_store_id`) if it has none yet.

    Returns:
        A SQLAlchemy Engine.

    Raises:
        StoreError: with one sentence, when the URL is wrong, the server unreachable or the store too new.
    """
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        if upgrade:
            head = _head_from_files()
            if head is None or _stored_revision(engine) != head:  # a store at head needs no Alembic
                migrate(engine)
            if _rollup_flagged(engine):  # the rollup module (pandas) only when there is work for it
                from civicdesk.store.rollup import rebuild_if_flagged

                rebuild_if_flagged(engine)
            ensure_store_id(engine)
    except OperationalError as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"Cannot open the store at {where}: {reason}.") from None
    return engine
