"""An older store holding data is upgraded in place by `connect`, keeping its data."""
from __future__ import annotations

import sqlalchemy as sa

from civicdesk import store
from civicdesk.store.bulk import bulk_insert
from civicdesk.store.schema import tickets
from tests.conftest import make_tickets


def test_upgrade_from_first_revision_keeps_tickets_and_builds_rollup(store_url):
    engine = store.create_engine(store_url)
    store.migrate(engine, "0001")
    assert store.current_revision(engine) == "0001"
    assert "daily_rollup" not in sa.inspect(engine).get_table_names()
    rows = make_tickets([
        dict(created_at="2023-05-08 09:00", closed_at="2023-05-09 09:00", signed_at="2023-05-08 10:00",
             callback_result="satisfied"),
        dict(created_at="2023-05-09 09:00", category="物业管理"),
        dict(created_at="2023-05-10 09:00", category="物业管理", channel="app"),
    ])
    with engine.begin() as conn:
        bulk_insert(conn, tickets, rows)
    engine.dispose()

    upgraded = store.connect(store_url)
    assert store.current_revision(upgraded) == store.head_revision()
    with upgraded.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == 3
    counts = store.daily_counts(upgraded, by=("category",))
    assert counts.groupby("unique_id")["y"].sum().to_dict() == {"供暖": 1, "物业管理": 2}
    assert store.info(upgraded).get("rollup_rebuild") is None  # the flag is cleared once rebuilt


def test_connect_twice_is_a_no_op(sqlite_url):
    store.connect(sqlite_url)
    engine = store.connect(sqlite_url)
    assert store.current_revision(engine) == store.head_revision()
