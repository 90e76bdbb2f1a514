"""A city-sized demo in blocks: the blocks are one district, numbered as one, loaded in one transaction."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import store
from civicdesk.store.rollup import rebuild_rollup
from civicdesk.synth import generate_district
from civicdesk.synth.city import block_scales, city_blocks

SPAN = {"start": "2023-01-01", "end": "2023-02-28"}


def test_block_scales_split_into_the_fewest_equal_blocks():
    assert block_scales(0.3) == [0.3]
    assert block_scales(1.0) == [1.0]
    assert block_scales(1.5) == [0.75, 0.75]
    assert block_scales(10) == [1.0] * 10
    assert block_scales(0.06, block_scale=0.02) == pytest.approx([0.02] * 3)
    with pytest.raises(ValueError):
        block_scales(0)


def test_one_block_is_the_demo_district_draw_for_draw():
    (only,) = list(city_blocks(seed=3, scale=0.02, **SPAN))
    alone = generate_district(seed=3, scale=0.02, **SPAN)
    pd.testing.assert_frame_equal(only.tickets, alone.tickets)


@pytest.fixture(scope="module")
def blocks():
    return list(city_blocks(seed=0, scale=0.06, block_scale=0.02, **SPAN))


def test_blocks_share_the_district_and_draw_their_own_tickets(blocks):
    first = blocks[0]
    for other in blocks[1:]:
        pd.testing.assert_frame_equal(other.streets, first.streets)
        pd.testing.assert_frame_equal(other.grids, first.grids)
        pd.testing.assert_frame_equal(other.staff, first.staff)
        assert not other.tickets["description"].reset_index(drop=True).equals(
            first.tickets["description"].reset_index(drop=True))
    # block 0 is the district at the block's scale, ids and all
    pd.testing.assert_frame_equal(first.tickets, generate_district(seed=0, scale=0.02, **SPAN).tickets)
    # together they are about three blocks' volume (Poisson counts add up)
    sizes = [len(b.tickets) for b in blocks]
    assert max(sizes) / min(sizes) < 1.15


def test_blocks_are_numbered_as_one_district(blocks):
    tickets = pd.concat([b.tickets for b in blocks], ignore_index=True)
    assert tickets["ticket_id"].is_unique and tickets["source_id"].is_unique
    assert tickets["source_id"].tolist() == [f"demo-{i:08d}" for i in range(1, len(tickets) + 1)]
    # each day's sequence runs 1..n without a gap across blocks
    day = tickets["ticket_id"].str[2:10]
    seq = tickets["ticket_id"].str[10:].astype(int)
    by_day = seq.groupby(day).agg(["min", "max", "count"])
    assert (by_day["min"] == 1).all() and (by_day["max"] == by_day["count"]).all()
    assert (day == pd.to_datetime(tickets["created_at"]).dt.strftime("%Y%m%d")).all()


def test_a_city_loads_in_one_transaction_and_counts_as_one_district(store_url, blocks):
    engine = store.connect(store_url)
    loaded = store.load_districts(engine, iter(blocks))
    assert loaded == sum(len(b.tickets) for b in blocks)
    assert store.info(engine)["demo_scale"] == "0.06"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == loaded
        assert conn.execute(sa.text("SELECT count(*) FROM streets")).scalar() == len(blocks[0].streets)
    counts = store.daily_counts(engine, by=())
    assert int(counts["y"].sum()) == loaded  # the rollup covers every block


def test_a_failed_block_leaves_the_store_as_it_was(sqlite_url, blocks):
    engine = store.connect(sqlite_url)
    store.load_district(engine, blocks[0])
    before = store.daily_counts(engine, by=("street",))

    def failing():
        yield blocks[1]
        raise RuntimeError("the generator failed half-way")

    with pytest.raises(RuntimeError):
        store.load_districts(engine, failing())
    pd.testing.assert_frame_equal(store.daily_counts(engine, by=("street",)), before)
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == len(blocks[0].tickets)
        rebuild_rollup(conn)
    pd.testing.assert_frame_equal(store.daily_counts(engine, by=("street",)), before)


def test_the_demo_command_streams_a_city_in_blocks(sqlite_url, monkeypatch):
    from typer.testing import CliRunner

    from civicdesk.cli import app
    from civicdesk.synth import city

    monkeypatch.setattr(city, "BLOCK_SCALE", 0.01)  # three blocks of 0.01 stand for a city of three districts
    result = CliRunner().invoke(app, ["demo", "--scale", "0.03", "--start", "2023-01-01", "--end", "2023-01-31",
                                      "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "3 blocks" in result.output
    engine = store.connect(sqlite_url)
    assert store.info(engine)["demo_scale"] == "0.03"
    with engine.connect() as conn:
        total, ids = conn.execute(sa.text("SELECT count(*), count(DISTINCT ticket_id) FROM tickets")).one()
    assert total == ids > 0
