"""`civicdesk.compare`: the compared figures equal the Overview's filtered the same way (SQLite and PostgreSQL),
the days to close are the working days of the tickets themselves, partial stores compare what they record, and
the workbook holds the figures."""
from __future__ import annotations

import io
import math
from datetime import date, timedelta

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import calendar, store
from civicdesk.compare import (QUANTILES, Side, close_quantiles, compare, comparison_workbook, two_periods,
                               two_streets, wilson_interval)
from civicdesk.kpi import data_coverage
from civicdesk.overview import default_week, overview
from civicdesk.store.schema import tickets
from tests.conftest import make_tickets
from tests.test_overview_rollup import FIRST, random_tickets

RATES = ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate")


def same(x: float, y: float) -> bool:
    """Equal, NaN equal to NaN."""
    return (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12)


def assert_matches_overview(engine, side, monday: date) -> None:
    """The side (one ISO week) has the Overview's received, category counts and rates for that week."""
    ov = overview(engine, monday, streets=list(side.streets) or None, categories=list(side.categories) or None)
    figures = compare(engine, side, side).a
    assert int(figures.totals["received"]) == int(ov.this_week["received"])
    expected = dict(zip(ov.by_category["category"], ov.by_category["received"]))
    assert dict(zip(figures.mix["category"], figures.mix["received"])) == {k: v for k, v in expected.items() if v}
    for rate in RATES:
        assert same(float(figures.totals[rate]), float(ov.this_week[rate])), rate
    assert figures.satisfaction.callbacks == int(ov.this_week["callbacks_reached"])
    assert same(figures.satisfaction.rate, float(ov.this_week["satisfaction_rate"]))
    assert same(figures.weekly["received"].sum(), float(ov.this_week["received"]))


@pytest.fixture
def random_store(store_url):
    """Varied tickets (missing streets, open tickets, callbacks) over 6 weeks on each backend."""
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, random_tickets(n=1500, seed=3, weeks=6))
    yield engine
    engine.dispose()


def test_a_week_of_a_street_agrees_with_the_filtered_overview(random_store):
    for week in (1, 4):
        monday = (FIRST + pd.Timedelta(weeks=week)).date()
        for street in ("明水街道", "双山街道"):
            assert_matches_overview(random_store, Side(street, (street,), monday, monday + timedelta(days=6)), monday)
        assert_matches_overview(random_store, Side("district", (), monday, monday + timedelta(days=6)), monday)
        both = Side("two", ("明水街道", "圣井街道"), monday, monday + timedelta(days=6), ("供暖", "物业管理"))
        assert_matches_overview(random_store, both, monday)


def test_weeks_share_an_index_and_equal_the_overview_trend(random_store):
    start = (FIRST + pd.Timedelta(weeks=3)).date()
    a, b = two_periods(("双山街道",), start, start + timedelta(weeks=3, days=-1))
    assert (b.start, b.end) == (start - timedelta(weeks=3), start - timedelta(days=1))
    cmp = compare(random_store, a, b)
    for figures in cmp.sides:
        assert figures.weekly["week_index"].tolist() == [0, 1, 2]
        ov = overview(random_store, figures.side.end, streets=["双山街道"], trend_weeks=3)
        assert figures.weekly["received"].tolist() == ov.trend["received"].tolist()
        for rate in RATES:
            assert all(same(x, y) for x, y in zip(figures.weekly[rate], ov.trend[rate])), rate
    assert cmp.weekly_frame()["side"].nunique() == 2


def test_a_period_cut_mid_week_sums_the_daily_rollup(random_store):
    """A period that is not whole ISO weeks is read from the daily rollup: its total is the tickets' count."""
    side = Side("x", ("圣井街道",), FIRST + pd.Timedelta(days=3), FIRST + pd.Timedelta(days=17))
    figures = compare(random_store, side, side).a
    t = tickets.c
    with random_store.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).where(
            t.street == "圣井街道", t.created_at >= pd.Timestamp(side.start).to_pydatetime(),
            t.created_at < pd.Timestamp(side.end + timedelta(days=1)).to_pydatetime())).scalar()
    assert int(figures.totals["received"]) == n == figures.weekly["received"].sum() == figures.mix["received"].sum()
    assert len(figures.weekly) == 3  # Thursday of week 0 to Thursday of week 2


def test_medians_equal_a_direct_computation_on_the_tickets(random_store):
    a, b = two_streets("明水街道", "双山街道", FIRST + pd.Timedelta(weeks=1), FIRST + pd.Timedelta(weeks=5, days=-1))
    cmp = compare(random_store, a, b)
    raw = pd.read_sql(sa.select(tickets.c.street, tickets.c.category, tickets.c.created_at, tickets.c.closed_at),
                      random_store)
    raw["created_at"], raw["closed_at"] = pd.to_datetime(raw["created_at"]), pd.to_datetime(raw["closed_at"])
    for figures in cmp.sides:
        s = figures.side
        created = raw["created_at"]
        mine = raw[(raw["street"] == s.streets[0]) & raw["closed_at"].notna()
                   & (created >= pd.Timestamp(s.start)) & (created < pd.Timestamp(s.end) + pd.Timedelta(days=1))]
        days = pd.Series(calendar.working_days_between(mine["created_at"], mine["closed_at"]).to_numpy())
        expected = days.groupby(mine["category"].fillna("").to_numpy()).agg(["median", "size"])
        got = figures.close_quantiles.set_index("category")
        assert sorted(got.index) == sorted(expected.index)
        for category, row in expected.iterrows():
            assert got.loc[category, "n"] == row["size"]
            assert math.isclose(got.loc[category, "median"], row["median"], rel_tol=1e-9)
        assert len(figures.close_days) == len(mine)


def test_working_days_to_close_skip_weekends_and_holidays(sqlite_url):
    engine = store.connect(sqlite_url)
    rows = [{"created_at": "2023-02-13 09:00", "closed_at": "2023-02-14 09:00"},   # Mon → Tue: 1
            {"created_at": "2023-02-13 09:00", "closed_at": "2023-02-15 09:00"},   # Mon → Wed: 2
            {"created_at": "2023-02-10 10:00", "closed_at": "2023-02-17 10:00"},   # Fri → next Fri: 5
            {"created_at": "2023-01-20 10:00", "closed_at": "2023-01-30 10:00"},   # Spring Festival: 3
            # (21–27 Jan off, Sat 28 and Sun 29 Jan make-up workdays)
            {"created_at": "2023-02-14 10:00"}]                                    # still open: left out
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    side = Side("s", ("明水街道",), "2023-01-16", "2023-02-19")
    figures = compare(engine, side, side).a
    assert sorted(np.round(figures.close_days["days"], 9)) == [1, 2, 3, 5]
    q = figures.close_quantiles.iloc[0]
    assert (q["category"], q["n"], q["median"]) == ("供暖", 4, 2.5)
    assert math.isnan(figures.satisfaction.rate) and figures.satisfaction.callbacks == 0
    engine.dispose()


def test_the_demo_district_agrees_with_its_overview(demo_store_url):
    engine = store.connect(demo_store_url)
    monday = default_week(engine)
    streets = store.dimension_values(engine, "street")[:2]
    for street in streets:
        assert_matches_overview(engine, Side(street, (street,), monday, monday + timedelta(days=6)), monday)
    a, b = two_streets(*streets, monday - timedelta(weeks=3), monday + timedelta(days=6))
    cmp = compare(engine, a, b)
    for figures in cmp.sides:
        sat = figures.satisfaction
        assert sat.callbacks > 100 and sat.low < sat.rate < sat.high and sat.high - sat.low < 0.1
        assert figures.mix["share"].sum() == pytest.approx(1.0)
        assert figures.mix["received"].is_monotonic_decreasing
        q = figures.close_quantiles
        assert (q["p10"] <= q["p25"]).all() and (q["p25"] <= q["median"]).all() and (q["p75"] <= q["p90"]).all()
        assert q["n"].sum() == len(figures.close_days)
    engine.dispose()


def test_wilson_interval_against_published_values():
    low, high = wilson_interval(8, 10)  # Newcombe (1998), Table I: 0.4902 to 0.9433
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    low, high = wilson_interval(0, 20)  # 0.0 to 0.1611
    assert (low, round(high, 4)) == (0.0, 0.1611)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_sides_check_their_period():
    with pytest.raises(ValueError, match="ends"):
        Side("x", (), "2023-02-10", "2023-02-01")
    side = Side("x", ["明水街道"], pd.Timestamp("2023-02-13"), "2023-02-26")
    assert side.streets == ("明水街道",) and side.days == 14
    assert (side.before("y").start, side.before("y").end) == (date(2023, 1, 30), date(2023, 2, 12))


def test_quantiles_of_nothing_are_an_empty_frame():
    empty = close_quantiles(pd.DataFrame({"category": pd.Series(dtype=str), "days": pd.Series(dtype=float)}))
    assert empty.empty and list(empty.columns) == ["category", "n", *QUANTILES]


@pytest.mark.parametrize("lang, sheet, header", [("zh", "类别构成", "受理工单"), ("en", "Category mix", "Tickets received")])
def test_the_workbook_holds_the_figures(demo_store_url, lang, sheet, header):
    engine = store.connect(demo_store_url)
    monday = default_week(engine)
    a, b = two_streets(*store.dimension_values(engine, "street")[:2], monday - timedelta(weeks=3),
                       monday + timedelta(days=6))
    cmp = compare(engine, a, b)
    book = openpyxl.load_workbook(io.BytesIO(comparison_workbook(cmp, lang)))
    assert len(book.sheetnames) == 6 and sheet in book.sheetnames
    rows = list(book[sheet].values)
    col = rows[0].index(header)
    assert sum(r[col] for r in rows[1:]) == sum(int(s.totals["received"]) for s in cmp.sides)
    assert len(rows) - 1 == len(cmp.mix_frame())
    engine.dispose()


# ------------------------------------------------------------------------------------------- partial stores


def test_every_other_centre_compares_what_it_records(centre):
    """The centres' own exports (tests/centres.py): no street → two periods of the district; no closing times →
    no distribution; no callbacks → no satisfaction rate; never an exception."""
    name, engine = centre
    coverage = data_coverage(engine)
    monday = default_week(engine)
    streets = store.dimension_values(engine, "street") if coverage.streets else []
    start, end = monday - timedelta(weeks=3), monday + timedelta(days=6)
    a, b = two_streets(*streets[:2], start, end) if len(streets) >= 2 else two_periods((), start, end)
    cmp = compare(engine, a, b)
    assert int(cmp.a.totals["received"]) > 0, name
    assert cmp.a.mix["received"].sum() == int(cmp.a.totals["received"])
    if not coverage.closing_times:
        assert cmp.close_days_frame().empty and cmp.close_quantiles_frame().empty
    else:
        assert not cmp.close_quantiles_frame().empty
    if not coverage.callbacks:
        assert cmp.satisfaction_frame()["rate"].isna().all() and (cmp.satisfaction_frame()["callbacks"] == 0).all()
    book = openpyxl.load_workbook(io.BytesIO(comparison_workbook(cmp, "en")))
    assert "Weekly" in book.sheetnames
