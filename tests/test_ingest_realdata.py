"""Real exports nobody here wrote (../shared/realdata): every row is stored or quarantined."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from civicdesk import config, ingest, store
from civicdesk.store.categories import category_table
from civicdesk.store.schema import tickets

SMARTGOV = config.REALDATA_DIR / "cn_taidi2020_smartgov"
LA311 = config.REALDATA_DIR / "us_la311_2017_subset" / "MyLA311_Service_Request_Data_2017_Subset.csv"

needs_realdata = pytest.mark.skipif(not config.REALDATA_DIR.is_dir(),
                                    reason=f"real data folder {config.REALDATA_DIR} is absent")


@needs_realdata
@pytest.mark.parametrize("name, rows", [
    ("fj2_sample_labeled_495.xlsx", 495),
    ("fj3_messages_with_likes_4326.xlsx", 4326),
    ("fj4_messages_with_replies_2816.xlsx", 2816),
])
def test_smartgov_workbooks(name, rows, store_url):
    engine = store.connect(store_url)
    rep = ingest.import_file(engine, SMARTGOV / name)
    assert rep.profile == "smartgov" and rep.format == "xlsx"
    assert rep.rows_read == rows and rep.balanced
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()
        users = conn.execute(sa.select(sa.func.count(sa.distinct(tickets.c.caller_key)))).scalar()
    assert stored == rep.inserted == rows - rep.quarantined
    assert users > 1
    if name.startswith("fj2"):
        assert rep.warnings.get("merged_category", 0) == 0
        with engine.connect() as conn:
            pairs = set(conn.execute(sa.select(tickets.c.category, tickets.c.category_raw)).all())
        # the seven classes are the centre's own taxonomy: kept as themselves, and in the categories table
        classes = {"城乡建设", "交通运输", "环境保护", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"}
        assert pairs == {(c, None) for c in classes}
        assert set(category_table(engine)["level1"]) == classes


@needs_realdata
def test_la311_csv(store_url):
    engine = store.connect(store_url)
    rep = ingest.import_file(engine, LA311)
    assert rep.profile == "la311" and rep.encoding in ("utf-8", "utf-8-sig")
    assert rep.rows_read == 9999 and rep.balanced
    assert rep.reasons.get("closed_before_created") == 12
    assert rep.inserted == 9999 - rep.quarantined
    with engine.connect() as conn:
        channels = dict(conn.execute(sa.select(tickets.c.channel, sa.func.count()).group_by(tickets.c.channel)).all())
        open_ = conn.execute(sa.select(sa.func.count()).where(tickets.c.status == "received")).scalar()
    assert channels["hotline"] > 4000 and channels["app"] > 3500 and channels["grid"] > 1900
    assert open_ == 5
    with engine.connect() as conn:
        types = set(conn.execute(sa.select(tickets.c.category).distinct()).scalars())
    # LA 311 keeps its own request types as categories
    assert {"Bulky Items", "Graffiti Removal", "Illegal Dumping Pickup"} <= types
    assert types == set(category_table(engine)["level1"])
    again = ingest.import_file(engine, LA311)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, rep.inserted)
