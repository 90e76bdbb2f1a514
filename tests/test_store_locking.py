"""Writers that must not interleave, on SQLite and PostgreSQL: imports of overlapping days, two sessions
saving the same scenario name, threads opening the store together (regressions found by test_concurrency)."""
from __future__ import annotations

import sqlite3
import threading
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import ingest, store
from civicdesk.ingest import importer
from civicdesk.store.engine import TICKET_WRITE_LOCK, lock_ticket_writes
from civicdesk.store.rollup import rebuild_rollup
from civicdesk.store.schema import daily_rollup, forecast_scenarios, staffing_scenarios, tickets
from tests.test_concurrency import ticket_files


def _rollup(conn) -> pd.DataFrame:
    key = ["day", "street", "category", "channel"]
    return pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all()).sort_values(key, ignore_index=True)


def test_two_imports_of_the_same_days_at_once(store_url, small_district, tmp_path, monkeypatch):
    """Both imports reach their rollup refresh together (unless one waits for the other, as it must).

    Before imports took the ticket-write lock, PostgreSQL failed the second with a duplicate key in
    daily_rollup (each refreshed the same days from its own snapshot).
    """
    engine = store.connect(store_url)
    store.load_district(engine, small_district)
    ticket_files(small_district, tmp_path, files=2, rows=300)
    meet = threading.Barrier(2)
    refresh = importer._Importer.refresh_rollup

    def refresh_together(self):
        try:
            meet.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass  # the other import is waiting for the lock: this one goes on alone
        refresh(self)

    monkeypatch.setattr(importer._Importer, "refresh_rollup", refresh_together)
    errors = []

    def run(f: int) -> None:
        try:
            ingest.import_file(engine, tmp_path / f"import-{f}.csv")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(tickets.c.source == "12345")).scalar() == 600
        built = _rollup(conn)
    with engine.connect() as conn, conn.begin() as trans:
        rebuild_rollup(conn)
        pd.testing.assert_frame_equal(built, _rollup(conn))
        trans.rollback()
    engine.dispose()


@pytest.mark.parametrize("table", [forecast_scenarios, staffing_scenarios], ids=lambda t: t.name)
def test_saving_a_name_another_session_is_saving(store_url, table):
    """The second save waits for the first and overwrites it (last save wins), never a duplicate-key error."""
    from types import SimpleNamespace

    from civicdesk.forecast.scenarios import Scenario, load_scenario, save_scenario
    from civicdesk.staffing.scenarios import StaffingScenario, load_staffing, save_staffing

    engine = store.connect(store_url)
    now = pd.Timestamp.now().to_pydatetime()
    first = {"name": "寒潮", "description": "first", "saved_at": now,
             **({"adjustments": "[]"} if table is forecast_scenarios else
                {"inputs": StaffingScenario("寒潮").to_json(), "summary": "[]"})}
    errors = []

    def second_session() -> None:
        try:
            if table is forecast_scenarios:
                save_scenario(engine, Scenario("寒潮", (), "second"))
            else:
                save_staffing(engine, StaffingScenario("寒潮", "second"), SimpleNamespace(summary=pd.DataFrame()))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    with engine.connect() as holder:
        trans = holder.begin()
        holder.execute(table.insert().values(**first))  # the first session's save, not yet committed
        other = threading.Thread(target=second_session)
        other.start()
        time.sleep(0.5)
        trans.commit()
    other.join(timeout=60)
    assert not errors, errors
    saved = load_scenario(engine, "寒潮").description if table is forecast_scenarios else \
        load_staffing(engine, "寒潮")[0].description
    assert saved == "second"
    engine.dispose()


def test_threads_opening_the_store_together(store_url):
    """store.connect from several threads at once (Alembic keeps its running migration in globals)."""
    errors = []
    start = threading.Barrier(4)

    def open_store() -> None:
        try:
            start.wait(timeout=30)
            store.connect(store_url).dispose()
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    for _ in range(3):
        threads = [threading.Thread(target=open_store) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        start.reset()
    assert not errors, errors


def test_the_ticket_write_lock_is_held_until_the_transaction_ends(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        lock_ticket_writes(conn)
        lock_ticket_writes(conn)  # taking it again in the same transaction is harmless
        if engine.dialect.name == "sqlite":
            other = sqlite3.connect(engine.url.database, timeout=0.1)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
        else:
            with engine.connect() as other:
                taken = other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": TICKET_WRITE_LOCK})
                assert taken.scalar() is False
    with engine.connect() as other:
        if engine.dialect.name == "postgresql":
            assert other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": TICKET_WRITE_LOCK}).scalar()
    engine.dispose()


def test_parallel_wrong_passwords_each_count_towards_the_lock_out(store_url):
    """Guesses sent at once used to read the same failure count and write it back plus one (lost updates):
    ten parallel wrong passwords left the count at 1 and the account open."""
    from civicdesk.accounts import MAX_FAILURES, SignInError, add_user, sign_in
    from civicdesk.store.schema import users

    engine = store.connect(store_url)
    add_user(engine, "leader1", "leader", "correct horse battery")
    start = threading.Barrier(MAX_FAILURES)

    def guess(i: int) -> None:
        start.wait(timeout=30)
        with pytest.raises(SignInError):
            sign_in(engine, "leader1", f"wrong-{i}")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(MAX_FAILURES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with engine.connect() as conn:
        locked_until = conn.execute(sa.select(users.c.locked_until)).scalar_one()
    assert locked_until is not None
    with pytest.raises(SignInError, match="locked"):
        sign_in(engine, "leader1", "correct horse battery")
    engine.dispose()


def test_other_writers_go_on_while_an_import_reads_its_file(store_url, small_district, tmp_path, monkeypatch):
    """An import reads and checks the whole file before it takes the write lock (reading a big workbook is
    most of an import's time): a scenario save during the reading neither waits nor fails, and the import
    still stores every row afterwards."""
    from civicdesk.forecast.scenarios import Adjustment, Scenario, save_scenario

    engine = store.connect(store_url)
    store.load_district(engine, small_district)
    ticket_files(small_district, tmp_path, files=1, rows=400)
    reading, release = threading.Event(), threading.Event()
    real = importer.normalize

    def slow_normalize(raw, ctx):
        reading.set()
        assert release.wait(timeout=60), "the test never released the import"
        return real(raw, ctx)

    monkeypatch.setattr(importer, "normalize", slow_normalize)
    report = []
    worker = threading.Thread(target=lambda: report.append(ingest.import_file(engine, tmp_path / "import-0.csv")))
    worker.start()
    try:
        assert reading.wait(timeout=60)
        started = time.monotonic()
        if engine.dialect.name == "sqlite":  # a raw writer with a short busy timeout: it must not meet a lock
            other = sqlite3.connect(engine.url.database, timeout=0.5)
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO store_info(key, value) VALUES ('written_during_import', 'yes')")
            other.commit()
            other.close()
        save_scenario(engine, Scenario("during-import", (Adjustment("2023-01-01", "2023-01-07", "multiply", 1.2),)))
        assert time.monotonic() - started < 5
    finally:
        release.set()
        worker.join(timeout=120)
    assert report and report[0].inserted == 400
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(forecast_scenarios)).scalar() == 1
