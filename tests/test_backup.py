"""Backups of a SQLite store: taken while writers run, restored with every table identical, refused when unsound."""
from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from civicdesk import store
from civicdesk.cli import app
from civicdesk.store.backup import backup, check_backup, restore, table_digest
from civicdesk.store.schema import tickets
from tests.conftest import make_tickets


@pytest.fixture
def demo_copy(demo_store_url, tmp_path):
    copy = tmp_path / "live.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()


def test_backup_then_restore_gives_back_every_table(demo_copy, tmp_path):
    engine = store.connect(demo_copy)
    before = table_digest(engine)
    assert before["tickets"][0] > 1000 and before["daily_rollup"][0] > 0
    copy = backup(engine, tmp_path / "backups" / "monday.db")
    assert check_backup(copy) == store.head_revision()
    with engine.begin() as conn:  # the store changes after the backup…
        conn.execute(sa.delete(tickets).where(tickets.c.street == "明水街道"))
    assert table_digest(engine) != before
    saved = restore(engine, copy)  # …and the restore brings every table back, row for row
    assert table_digest(engine) == before
    assert saved.exists() and table_digest(store.connect(f"sqlite:///{saved}"))["tickets"][0] < before["tickets"][0]


def test_backup_while_another_process_writes(demo_copy, tmp_path):
    """A writer keeps inserting while the backup runs: the copy is sound and holds a consistent snapshot."""
    engine = store.connect(demo_copy)
    start = count(engine)
    stop = threading.Event()

    def write():
        writer = store.connect(demo_copy)
        k = 0
        while not stop.is_set():
            with writer.begin() as conn:
                store.write_tickets(conn, make_tickets([{"created_at": "2023-06-30 12:00"}] * 20,
                                                       source=f"w{k}"))
            k += 1
        writer.dispose()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copy = backup(engine, tmp_path / "hot.db")
    finally:
        stop.set()
        thread.join()
    snap = store.connect(f"sqlite:///{copy}")
    n = count(snap)
    assert start <= n <= count(engine) and (n - start) % 20 == 0  # whole batches only
    with snap.connect() as conn:  # the rollup matches the tickets in the snapshot
        rolled = conn.execute(sa.select(sa.func.sum(sa.text("received"))).select_from(sa.table("daily_rollup"))).scalar()
    assert rolled == n


def test_unsound_backups_are_refused(demo_copy, tmp_path):
    engine = store.connect(demo_copy)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(store.StoreError, match="not a SQLite database"):
        restore(engine, junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(store.StoreError, match="not a civicdesk store"):
        restore(engine, other)
    first = backup(engine, tmp_path / "b.db")
    with pytest.raises(store.StoreError, match="already exists"):
        backup(engine, first)
    assert count(engine) > 0  # nothing was touched


def test_postgres_stores_point_to_pg_dump(pg_url, tmp_path):
    engine = store.connect(pg_url)
    with pytest.raises(store.StoreError, match="pg_dump"):
        backup(engine, tmp_path / "x.db")


def test_cli_backup_and_restore(demo_copy, tmp_path):
    runner = CliRunner()
    path = tmp_path / "cli.db"
    done = runner.invoke(app, ["backup", str(path), "--db", demo_copy])
    assert done.exit_code == 0 and "Backed up" in done.output
    again = runner.invoke(app, ["backup", str(path), "--db", demo_copy])
    assert again.exit_code == 1 and "already exists" in again.output
    back = runner.invoke(app, ["restore", str(path), "--db", demo_copy])
    assert back.exit_code == 0 and "before-restore" in back.output


def test_restore_of_an_older_schema_upgrades_it(tmp_path, sqlite_url):
    old = store.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    store.migrate(old, "0001")
    with old.begin() as conn:
        from civicdesk.store.bulk import bulk_insert
        bulk_insert(conn, tickets, make_tickets([{"created_at": "2023-05-08 09:00"}, {"created_at": "2023-05-09 09:00"}]))
    old.dispose()
    engine = store.connect(sqlite_url)
    restore(engine, tmp_path / "old.db")
    assert store.current_revision(engine) == store.head_revision()
    assert count(engine) == 2
