"""The SQL store on SQLite and PostgreSQL: schema, writes, the rollup kept in step, daily counts, errors."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import store
from civicdesk.store.rollup import aggregate, repeat_flags
from civicdesk.store.schema import daily_rollup, tickets
from tests.conftest import make_tickets

SAMPLE = [
    # created, signed, closed, callback, caller, category, urgency
    dict(created_at="2023-02-13 09:00", signed_at="2023-02-13 10:00", closed_at="2023-02-14 09:00",
         callback_result="satisfied", caller_key="a1"),
    dict(created_at="2023-02-13 11:00", signed_at="2023-02-15 12:00", closed_at="2023-02-28 09:00",
         callback_result="unsatisfied", caller_key="a1", returned_count=1),
    dict(created_at="2023-02-14 15:00", category="矛盾纠纷化解", channel="visit", signed_at="2023-02-14 16:00",
         callback_result=None),
    dict(created_at="2023-02-14 08:00", urgency="urgent", signed_at="2023-02-14 08:30",
         closed_at="2023-02-15 07:00", callback_result="basically_satisfied", caller_key="b2"),
    dict(created_at="2023-03-20 08:00", signed_at="2023-03-20 09:00", closed_at="2023-03-21 08:00",
         callback_result="not_reached", caller_key="a1"),
]


def rollup_rows(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all())


def recomputed(engine) -> pd.DataFrame:
    """The rollup recomputed from scratch from the tickets table (the reference)."""
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(sa.select(tickets)).mappings().all())
    for col in ("created_at", "signed_at", "first_response_at", "closed_at", "deadline_at"):
        df[col] = pd.to_datetime(df[col])
    df["repeat"] = repeat_flags(df["created_at"], df["caller_key"])
    return aggregate(df)


def assert_rollup_matches(engine) -> None:
    got = rollup_rows(engine)
    want = recomputed(engine)
    keys = ["day", "street", "category", "channel"]
    got["day"] = pd.to_datetime(got["day"])
    got = got.sort_values(keys, ignore_index=True)
    want = want.sort_values(keys, ignore_index=True)
    assert len(got) == len(want)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)


def test_connect_creates_schema_at_head(store_url):
    engine = store.connect(store_url)
    assert store.current_revision(engine) == store.head_revision()
    assert {"tickets", "daily_rollup", "streets", "grids", "staff"} <= set(sa.inspect(engine).get_table_names())
    assert store.data_span(engine) is None


def test_write_counts_and_rollup(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(SAMPLE))
    roll = rollup_rows(engine)
    assert roll["received"].sum() == 5
    assert roll["closed"].sum() == 4
    assert roll["cb_satisfied"].sum() == 1 and roll["cb_unsatisfied"].sum() == 1
    assert roll["cb_not_reached"].sum() == 1 and roll["cb_basically_satisfied"].sum() == 1
    # a1 called twice on 2023-02-13 (the second is a repeat); the 2023-03-20 call is 35 days on: not one.
    assert roll["repeat_contacts"].sum() == 1
    assert roll["returned"].sum() == 1
    # All five were signed; the general ticket signed after 49 h misses the 24 h limit, the urgent one
    # signed in 30 min makes its 2 h limit.
    assert roll["signed"].sum() == 5
    assert roll["signed_on_time"].sum() == 4
    assert_rollup_matches(engine)


def test_rollup_frame_keeps_fractional_hours(store_url):
    """The summed hours come back as the rollup holds them (fractions of an hour), by day and by street."""
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(SAMPLE))
    stored = rollup_rows(engine)
    for by in ((), ("street",), ("street", "category", "channel")):
        frame = store.rollup_frame(engine, by)
        assert frame["hours_to_sign_sum"].sum() == pytest.approx(stored["hours_to_sign_sum"].sum())
        assert frame["hours_to_close_sum"].sum() == pytest.approx(stored["hours_to_close_sum"].sum())
    assert (stored["hours_to_sign_sum"] % 1 != 0).any(), "the sample must hold fractional hours to mean anything"


def test_upsert_updates_and_refreshes_moved_days(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(SAMPLE))
    changed = make_tickets(SAMPLE).iloc[[2]].copy()
    changed["created_at"] = pd.Timestamp("2023-02-20 10:00")
    changed["closed_at"] = pd.Timestamp("2023-02-21 10:00")
    changed["status"] = "closed"
    with engine.begin() as conn:
        store.write_tickets(conn, changed)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == 5
    roll = rollup_rows(engine)
    roll["day"] = pd.to_datetime(roll["day"])
    assert roll.loc[roll["day"] == "2023-02-14", "received"].sum() == 1
    assert roll.loc[roll["day"] == "2023-02-20", "closed"].sum() == 1
    assert_rollup_matches(engine)


def test_failed_write_leaves_store_unchanged(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(SAMPLE[:2]))
    bad = make_tickets(SAMPLE[2:])
    bad.loc[bad.index[-1], "channel"] = None  # NOT NULL violation on the last row
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            store.write_tickets(conn, bad)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == 2
    assert rollup_rows(engine)["received"].sum() == 2


@pytest.mark.parametrize("by, expected_ids", [
    ((), {"total"}),
    (("street",), {"明水街道"}),
    (("category", "channel"), {"供暖/hotline", "矛盾纠纷化解/visit"}),
])
def test_daily_counts_long_format(store_url, by, expected_ids):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(SAMPLE))
    df = store.daily_counts(engine, by=by, start="2023-02-13", end="2023-02-19")
    assert list(df.columns) == ["unique_id", "ds", "y"]
    assert set(df["unique_id"]) == expected_ids
    assert df.groupby("unique_id").size().eq(7).all()  # every day present, zeros filled
    assert df["y"].sum() == 4


def test_daily_counts_measure_and_bad_arguments(sqlite_url):
    engine = store.connect(sqlite_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(SAMPLE))
    closed = store.daily_counts(engine, by=(), measure="closed")
    assert closed["y"].sum() == 4
    with pytest.raises(ValueError, match="cannot group by"):
        store.daily_counts(engine, by=("colour",))
    with pytest.raises(ValueError, match="unknown measures"):
        store.daily_counts(engine, measure="happiness")


@pytest.mark.parametrize("url, fragment", [
    ("not a url", "is not a database URL"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/none", "Cannot open the store"),
    ("mysql+nosuchdriver://u@h/db", "driver that is not installed"),
])
def test_bad_urls_give_one_sentence(url, fragment):
    with pytest.raises(store.StoreError, match=fragment) as info:
        store.connect(url)
    assert "\n" not in str(info.value)


def test_store_written_by_newer_version_is_refused(sqlite_url):
    engine = store.connect(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(store.StoreError, match="newer version of civicdesk"):
        store.connect(sqlite_url)


def test_sqlite_is_wal_with_foreign_keys_and_busy_timeout(sqlite_url):
    engine = store.connect(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_locked_store_waits_instead_of_failing(sqlite_url):
    """A writer holding the lock briefly makes a second writer wait, not fail."""
    import threading
    import time

    engine = store.connect(sqlite_url)
    other = store.connect(sqlite_url)
    held = threading.Event()

    def hold_lock():
        with engine.begin() as conn:
            store.write_tickets(conn, make_tickets(SAMPLE[:1], source="a"))
            held.set()
            time.sleep(1.5)

    thread = threading.Thread(target=hold_lock)
    thread.start()
    held.wait(5)
    began = time.perf_counter()
    with other.begin() as conn:
        store.write_tickets(conn, make_tickets(SAMPLE[1:2], source="b"))
    waited = time.perf_counter() - began
    thread.join()
    assert waited > 0.5
    with other.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == 2
