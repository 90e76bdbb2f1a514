"""The `categories` table: a centre's own taxonomy as data, filled by imports, edited by the centre, and what
its handling attribute means for the staffing simulation."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import store
from civicdesk.staffing.inputs import load_history
from civicdesk.store.categories import (category_english, category_table, dispute_categories, handling_of,
                                        handling_table, write_categories)
from civicdesk.synth import generate_district
from civicdesk.synth.catalog import CATEGORY_EN
from tests.conftest import make_tickets

THREE_LEVELS = pd.DataFrame([
    {"level1": "社会治安", "level2": "", "name_en": "Public order", "handling": "ordinary"},
    {"level1": "社会治安", "level2": "邻里纠纷", "handling": "dispute"},
    {"level1": "社会治安", "level2": "邻里纠纷", "level3": "噪音扰邻"},
    {"level1": "住房保障", "level2": "公租房", "level3": "租金"},
    {"level1": "劳动纠纷", "name_en": "Labour disputes", "handling": "dispute"},
])


def test_write_read_and_register(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        assert write_categories(conn, THREE_LEVELS, origin="file") == 5
    tree = category_table(engine)
    paths = set(zip(tree["level1"], tree["level2"], tree["level3"]))
    # parents of deeper rows are registered too
    assert {("住房保障", "", ""), ("住房保障", "公租房", ""), ("住房保障", "公租房", "租金")} <= paths
    assert category_english(engine) == {"社会治安": "Public order", "劳动纠纷": "Labour disputes"}
    assert dispute_categories(engine) == {"劳动纠纷"}
    # tickets import into the same tree: new names are added as ordinary, the centre's rows are kept
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets([{"created_at": "2023-03-01 09:00", "category": "劳动纠纷",
                                                 "subcategory": "欠薪"},
                                                {"created_at": "2023-03-01 10:00", "category": "城市管理",
                                                 "subcategory": None}]))
    tree = category_table(engine).set_index(["level1", "level2", "level3"])
    assert tree.loc[("城市管理", "", ""), "handling"] == "ordinary"
    assert tree.loc[("城市管理", "", ""), "origin"] == "import"
    assert tree.loc[("劳动纠纷", "欠薪", ""), "handling"] == "dispute"  # follows its level-1 row
    assert tree.loc[("劳动纠纷", "", ""), "origin"] == "file"
    engine.dispose()


def test_level2_handling_set_by_the_centre_applies(sqlite_url):
    engine = store.connect(sqlite_url)
    with engine.begin() as conn:
        write_categories(conn, THREE_LEVELS, origin="user")
    tickets = pd.DataFrame({"category": ["社会治安", "社会治安", "劳动纠纷", "其他", None],
                            "subcategory": ["邻里纠纷", "盗窃", None, "邻里纠纷", None]})
    got = handling_of(tickets, handling_table(engine)).tolist()
    assert got == ["dispute", "ordinary", "dispute", "ordinary", "ordinary"]
    engine.dispose()


def test_unknown_handling_is_refused_and_nothing_written(sqlite_url):
    engine = store.connect(sqlite_url)
    with pytest.raises(ValueError, match="unknown category handling"):
        with engine.begin() as conn:
            write_categories(conn, pd.DataFrame([{"level1": "甲", "handling": "urgent"}]))
    assert category_table(engine).empty
    engine.dispose()


def test_disputes_follow_the_table_in_the_simulation_inputs(sqlite_url):
    engine = store.connect(sqlite_url)
    rows = [{"created_at": "2023-03-01 09:00", "category": "劳动纠纷", "subcategory": "欠薪"},
            {"created_at": "2023-03-01 09:30", "category": "社会治安", "subcategory": "邻里纠纷"},
            {"created_at": "2023-03-01 10:00", "category": "城市管理", "subcategory": "占道"}]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    assert not load_history(engine, "2023-03-01", "2023-03-01")["dispute"].any()
    with engine.begin() as conn:
        write_categories(conn, THREE_LEVELS, origin="user")
    hist = load_history(engine, "2023-03-01", "2023-03-01").sort_values("created_at")
    assert hist["dispute"].tolist() == [True, True, False]
    # a dispute's deadline is 30 calendar days, not 5 working days
    assert (hist["deadline_at"].iloc[0] - hist["created_at"].iloc[0]).days == 30
    engine.dispose()


def test_demo_rows_are_the_demos(sqlite_url):
    engine = store.connect(sqlite_url)
    district = generate_district(seed=0, scale=0.01, start="2023-01-02", end="2023-01-15")
    store.load_district(engine, district)
    tree = category_table(engine)
    top = tree[tree["level2"] == ""]
    assert list(top["level1"].sort_values()) == sorted(CATEGORY_EN)
    assert category_english(engine) == CATEGORY_EN
    assert dispute_categories(engine) == {"矛盾纠纷化解"}
    assert set(top.loc[top["handling"] == "key_patrol", "level1"]) == {"重点巡查事项"}
    assert set(tree["origin"]) == {"demo"}
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT DISTINCT category, subcategory FROM tickets")).all())
    assert stored <= set(zip(tree["level1"], tree["level2"]))
    engine.dispose()


def test_marking_a_dispute_category_changes_its_on_time_rate(store_url):
    """按时办结率: a dispute has 30 calendar days; the rollup follows the table when a centre edits it."""
    from civicdesk import kpi

    engine = store.connect(store_url)
    rows = [{"created_at": "2023-03-01 09:00", "category": "劳动纠纷", "closed_at": "2023-03-20 09:00"},
            {"created_at": "2023-03-01 09:00", "category": "城市管理", "closed_at": "2023-03-20 09:00"}]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    on_time = lambda: kpi.kpi_table(engine, "W", by=("category",)).set_index("category")["on_time_rate"]  # noqa: E731
    assert on_time().to_dict() == {"劳动纠纷": 0.0, "城市管理": 0.0}  # 19 days: late by the 5-working-day rule
    with engine.begin() as conn:
        write_categories(conn, pd.DataFrame([{"level1": "劳动纠纷", "handling": "dispute"}]), origin="user")
    assert on_time().to_dict() == {"劳动纠纷": 1.0, "城市管理": 0.0}
    with engine.begin() as conn:
        write_categories(conn, pd.DataFrame([{"level1": "劳动纠纷", "handling": "ordinary"}]), origin="user")
    assert on_time().to_dict() == {"劳动纠纷": 0.0, "城市管理": 0.0}
    engine.dispose()


def test_a_level2_dispute_counts_30_days_in_the_rollup_too(sqlite_url):
    """The rollup and the staffing inputs read one rule: a level-2 row set to dispute applies to its tickets."""
    from civicdesk import kpi

    engine = store.connect(sqlite_url)
    rows = [{"created_at": "2023-03-01 09:00", "category": "社会治安", "subcategory": "邻里纠纷",
             "closed_at": "2023-03-20 09:00"},
            {"created_at": "2023-03-01 09:00", "category": "社会治安", "subcategory": "盗窃",
             "closed_at": "2023-03-20 09:00"}]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
        write_categories(conn, THREE_LEVELS, origin="user")
    weekly = kpi.kpi_table(engine, "W", by=("category",)).set_index("category")
    assert weekly.at["社会治安", "on_time_rate"] == 0.5  # 邻里纠纷 on time (30 days), 盗窃 late (5 working days)
    assert load_history(engine, "2023-03-01", "2023-03-01")["dispute"].sum() == 1
    engine.dispose()
