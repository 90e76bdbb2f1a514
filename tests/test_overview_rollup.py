"""The weekly rollup and its margins give the Overview the same figures as computing them straight from tickets,
and stay in step on every write path (write, upsert that moves days, import, rebuild, upgrade), on SQLite and
PostgreSQL.

Counts and every rate between counts must be equal; sums of hours (and the mean time to close) may differ only
in the last bits of a float, since the sums are added up in another order.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import ingest, store
from civicdesk.kpi import KPI_LABELS, add_rates, kpi_table, period_start
from civicdesk.overview import choose_week, default_week, overview
from civicdesk.store.categories import handling_table
from civicdesk.store.queries import read_frame, week_margins, weekly_frame
from civicdesk.store.rollup import _COLUMNS, aggregate, rebuild_rollup, repeat_flags
from civicdesk.store.schema import (ROLLUP_COUNTS, ROLLUP_SUMS, tickets, weekly_margins, weekly_rollup)
from tests.conftest import make_tickets

MEASURES = [*ROLLUP_COUNTS, *ROLLUP_SUMS]
KEYS = ("street", "category", "channel")
FIRST = pd.Timestamp("2023-01-02")  # a Monday
STREETS = ["明水街道", "双山街道", "圣井街道", None]
CATEGORIES = ["供暖", "环境卫生", "物业管理", "矛盾纠纷化解", None]
CHANNELS = ["hotline", "grid", "app", "visit"]
CALLBACKS = ["satisfied", "basically_satisfied", "unsatisfied", "not_reached", None]


def random_tickets(n: int = 2500, seed: int = 0, weeks: int = 16) -> pd.DataFrame:
    """`n` tickets over `weeks` weeks from FIRST, every field varied (missing streets, open tickets, repeats)."""
    rng = np.random.default_rng(seed)
    created = FIRST + pd.to_timedelta(rng.integers(0, weeks * 7 * 86400, n), unit="s")
    signed = created + pd.to_timedelta(rng.integers(60, 40 * 3600, n), unit="s")
    closed = created + pd.to_timedelta(rng.integers(3600, 12 * 86400, n), unit="s")
    rows = [{"created_at": created[i], "street": STREETS[rng.integers(4)], "category": CATEGORIES[rng.integers(5)],
             "channel": CHANNELS[rng.integers(4)], "urgency": ("general", "urgent")[int(rng.random() < 0.1)],
             "caller_key": f"k{rng.integers(400)}" if rng.random() < 0.7 else None,
             "signed_at": signed[i] if rng.random() < 0.9 else None,
             "first_response_at": signed[i] if rng.random() < 0.8 else None,
             "closed_at": closed[i] if rng.random() < 0.85 else None,
             "returned_count": int(rng.random() < 0.05), "reopened_count": int(rng.random() < 0.04),
             "escalated": bool(rng.random() < 0.03), "callback_result": CALLBACKS[rng.integers(5)]}
            for i in range(n)]
    return make_tickets(rows)


def daily_from_tickets(engine) -> pd.DataFrame:
    """The daily rollup's rows computed straight from `tickets` (the rollup's own definition)."""
    with engine.connect() as conn:
        df = read_frame(conn, sa.select(*[tickets.c[c] for c in (*_COLUMNS, "subcategory")])
                        .order_by(tickets.c.created_at))
        handling = handling_table(conn)
    df["repeat"] = repeat_flags(df["created_at"], df["caller_key"])
    daily = aggregate(df, handling)
    daily["week"] = period_start(daily["day"], "W")
    return daily


def stored(engine, table: sa.Table) -> pd.DataFrame:
    with engine.connect() as conn:
        df = read_frame(conn, sa.select(table))
    df["week"] = pd.to_datetime(df["week"])
    return df


def assert_same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str], what: str) -> None:
    """Same rows (by `keys`), counts and count rates equal, float sums equal to 1e-12 relative."""
    got = got.sort_values(keys, ignore_index=True)
    want = want.sort_values(keys, ignore_index=True)
    assert len(got) == len(want), what
    for key in keys:
        assert list(got[key]) == list(want[key]), (what, key)
    for col in [c for c in want.columns if c not in keys]:
        g, w = got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float)
        if col in ROLLUP_COUNTS or col in ("callbacks_reached", "last_week") or (
                col in KPI_LABELS and col != "mean_hours_to_close"):
            np.testing.assert_array_equal(g, w, err_msg=f"{what}: {col}")
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-9, err_msg=f"{what}: {col}")


def assert_weekly_in_step(engine) -> None:
    """`weekly_rollup` and `weekly_margins` hold exactly what the tickets give."""
    daily = daily_from_tickets(engine)
    want = daily.groupby(["week", *KEYS], as_index=False)[MEASURES].sum()
    assert_same(stored(engine, weekly_rollup)[["week", *KEYS, *MEASURES]], want, ["week", *KEYS], "weekly_rollup")
    margins = [want.groupby("week", as_index=False)[MEASURES].sum().assign(dimension="total", value="")]
    margins += [want.groupby(["week", key], as_index=False)[MEASURES].sum()
                .rename(columns={key: "value"}).assign(dimension=key) for key in KEYS]
    assert_same(stored(engine, weekly_margins)[["week", "dimension", "value", *MEASURES]],
                pd.concat(margins, ignore_index=True), ["week", "dimension", "value"], "weekly_margins")


def reference_overview(daily: pd.DataFrame, monday: date, streets=None, categories=None, trend_weeks: int = 26):
    """The Overview's figures computed from ticket-level daily rows with plain pandas."""
    d = daily
    if streets:
        d = d[d["street"].isin(streets)]
    if categories:
        d = d[d["category"].isin(categories)]
    now, prev = pd.Timestamp(monday), pd.Timestamp(monday) - pd.Timedelta(days=7)
    this, last = d[d["week"] == now], d[d["week"] == prev]
    out = {"this_week": add_rates(this[MEASURES].sum().to_frame().T.astype(float)).iloc[0],
           "last_week": add_rates(last[MEASURES].sum().to_frame().T.astype(float)).iloc[0]}
    for key in KEYS:
        table = add_rates(this.groupby(key, as_index=False)[MEASURES].sum())
        before = last.groupby(key)["received"].sum()
        table["last_week"] = table[key].map(before).fillna(0).astype("int64")
        table["share"] = table["received"] / max(int(table["received"].sum()), 1)
        table["change"] = table["received"] / table["last_week"].where(table["last_week"] > 0) - 1.0
        out[f"by_{key}"] = table
    window = d[(d["week"] >= now - pd.Timedelta(weeks=trend_weeks - 1)) & (d["week"] <= now)]
    out["trend"] = add_rates(window.groupby("week", as_index=False)[MEASURES].sum().rename(
        columns={"week": "period"}))
    return out


def assert_overview_matches(engine, daily: pd.DataFrame, monday: date, **filters) -> None:
    got = overview(engine, monday, **filters)
    want = reference_overview(daily, monday, **filters)
    assert (got.week_start, got.week_end) == (monday, monday + timedelta(days=6))
    for name in ("this_week", "last_week"):
        series = getattr(got, name)
        assert list(series.index) == list(want[name].index)
        assert_same(series.to_frame().T.assign(k=0), want[name].to_frame().T.assign(k=0), ["k"], name)
    for key in KEYS:
        table = getattr(got, f"by_{key}")
        assert_same(table, want[f"by_{key}"], [key], f"{monday} by_{key} {filters}")
        order = list(zip(-table["received"], table[key]))
        assert order == sorted(order), "largest first, ties by name"
    assert_same(got.trend, want["trend"], ["period"], f"{monday} trend {filters}")
    assert list(got.trend["period"]) == sorted(got.trend["period"])


@pytest.fixture
def filled(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, random_tickets())
    yield engine
    engine.dispose()


MONDAYS = [FIRST.date() - timedelta(weeks=1), FIRST.date(), FIRST.date() + timedelta(weeks=7),
           FIRST.date() + timedelta(weeks=15), FIRST.date() + timedelta(weeks=30)]


def test_overview_matches_tickets_field_by_field(filled):
    daily = daily_from_tickets(filled)
    assert_weekly_in_step(filled)
    for monday in MONDAYS:
        assert_overview_matches(filled, daily, monday)
        assert_overview_matches(filled, daily, monday, streets=["明水街道"])
        assert_overview_matches(filled, daily, monday, categories=["供暖", "环境卫生"])
        assert_overview_matches(filled, daily, monday, streets=["双山街道", "圣井街道"], categories=["物业管理"])


def test_other_overview_reads_match_tickets(filled):
    daily = daily_from_tickets(filled)
    volume = daily.groupby("week")["received"].sum()
    assert default_week(filled) == choose_week(volume, daily["day"].max().date())
    assert store.data_span(filled) == (daily["day"].min().date(), daily["day"].max().date())
    for key in ("street", "category", "channel"):
        totals = daily[daily[key] != ""].groupby(key)["received"].sum()
        want = sorted(totals.index, key=lambda name: (-totals[name], name))
        assert store.dimension_values(filled, key) == want
    # weekly KPI tables over whole weeks come from the weekly rollup, with the daily rollup's figures
    for by in ((), ("street",), ("category", "channel")):
        for start, end in ((None, None), (FIRST + pd.Timedelta(weeks=2), FIRST + pd.Timedelta(days=48))):
            got = kpi_table(filled, "W", by, start, end)
            rows = daily if start is None else daily[(daily["day"] >= start) & (daily["day"] <= end)]
            want = add_rates(rows.groupby(["week", *by], as_index=False)[MEASURES].sum()
                             .rename(columns={"week": "period"}))
            assert list(got.columns) == list(want.columns)
            assert_same(got, want, ["period", *by], f"kpi_table {by} {start}")
    # a range that does not cover whole weeks still comes from the daily rollup
    part = kpi_table(filled, "W", (), FIRST + pd.Timedelta(days=2), FIRST + pd.Timedelta(days=9))
    assert part["received"].sum() == daily[(daily["day"] >= FIRST + pd.Timedelta(days=2))
                                           & (daily["day"] <= FIRST + pd.Timedelta(days=9))]["received"].sum()
    margins = week_margins(filled, FIRST, FIRST + pd.Timedelta(weeks=3), dimensions=["total"])
    assert list(margins["received"]) == list(volume.iloc[:4])
    assert weekly_frame(filled, (), FIRST, FIRST)["received"].tolist() == [volume.iloc[0]]


def test_upserts_moving_days_across_weeks_keep_weekly_tables_in_step(filled):
    moved = random_tickets().iloc[::7].copy()
    moved["created_at"] = moved["created_at"] + pd.Timedelta(days=10)  # into the next week or the one after
    moved["closed_at"] = moved["closed_at"] + pd.Timedelta(days=10)
    moved["signed_at"] = moved["signed_at"] + pd.Timedelta(days=10)
    moved["street"] = "埠村街道"
    with filled.begin() as conn:
        store.write_tickets(conn, moved)
    assert_weekly_in_step(filled)
    daily = daily_from_tickets(filled)
    assert_overview_matches(filled, daily, FIRST.date() + timedelta(weeks=2))


def test_rebuild_after_a_delete_keeps_weekly_tables_in_step(filled):
    with filled.begin() as conn:
        conn.execute(tickets.delete().where(tickets.c.created_at < (FIRST + pd.Timedelta(days=20)).to_pydatetime()))
        rebuild_rollup(conn)
    assert_weekly_in_step(filled)
    assert week_margins(filled, FIRST, FIRST + pd.Timedelta(weeks=1)).empty


def test_import_keeps_weekly_tables_in_step(store_url, tmp_path):
    from tests.test_ingest_import import HEADERS, NOW, write_csv

    engine = store.connect(store_url)
    frame = random_tickets(600, seed=3, weeks=6)
    channel = {"hotline": "12345热线", "grid": "网格员上报", "app": "小程序", "visit": "来访"}
    callback = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意", "not_reached": "未接通"}

    def rows(df):
        text = lambda s: s.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")  # noqa: E731
        return pd.DataFrame({
            "工单编号": [f"GD{i:05d}" for i in df.index], "受理时间": text(df["created_at"]),
            "来源渠道": df["channel"].map(channel), "一级分类": df["category"].fillna(""), "二级分类": "",
            "所属街道": df["street"].fillna(""), "来电号码": [f"138{i % 97:08d}" for i in df.index], "来电人": "",
            "诉求内容": "反映问题", "签收时间": text(df["signed_at"]), "办结时间": text(df["closed_at"]),
            "回访结果": df["callback_result"].map(callback).fillna("")}, columns=HEADERS).values.tolist()

    first = ingest.import_file(engine, write_csv(tmp_path / "a.csv", rows(frame)), now=NOW)  # an empty store
    assert first.inserted == 600
    assert_weekly_in_step(engine)
    later = frame.iloc[::3].copy()
    later["created_at"] = later["created_at"] + pd.Timedelta(days=8)
    later["signed_at"] = later["signed_at"] + pd.Timedelta(days=8)
    later["closed_at"] = later["closed_at"] + pd.Timedelta(days=8)
    assert ingest.import_file(engine, write_csv(tmp_path / "b.csv", rows(later)), now=NOW).updated > 0
    assert_weekly_in_step(engine)
    engine.dispose()


def test_upgrade_builds_the_weekly_tables_from_the_daily_rollup(filled, store_url):
    before = stored(filled, weekly_margins)
    with filled.begin() as conn:  # back to revision 0008, which had only the daily rollup
        conn.execute(sa.text("DROP TABLE weekly_rollup"))
        conn.execute(sa.text("DROP TABLE weekly_margins"))
        conn.execute(sa.text("DROP TABLE places"))  # and what 0010 added after it
        conn.execute(sa.text("ALTER TABLE grids DROP COLUMN lon"))
        conn.execute(sa.text("ALTER TABLE grids DROP COLUMN lat"))
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0008'"))
    filled.dispose()
    upgraded = store.connect(store_url)
    assert store.current_revision(upgraded) == store.head_revision()
    assert_weekly_in_step(upgraded)
    assert_same(stored(upgraded, weekly_margins), before, ["week", "dimension", "value"], "margins after upgrade")
    upgraded.dispose()


def test_demo_district_store_keeps_weekly_tables_in_step(demo_store_url):
    engine = store.connect(demo_store_url)
    assert_weekly_in_step(engine)
    daily = daily_from_tickets(engine)
    monday = default_week(engine)
    assert_overview_matches(engine, daily, monday)
    assert_overview_matches(engine, daily, monday - timedelta(weeks=5), streets=store.dimension_values(engine,
                                                                                                        "street")[:2])
    engine.dispose()


def coverage_from_tickets(engine) -> dict:
    """`data_coverage`'s answers found by scanning tickets (what it answered before it read the margins)."""
    with engine.connect() as conn:
        df = read_frame(conn, sa.select(tickets.c.signed_at, tickets.c.closed_at, tickets.c.callback_result,
                                        tickets.c.channel, tickets.c.street))
    return {"signing_times": bool(df["signed_at"].notna().any()), "closing_times": bool(df["closed_at"].notna().any()),
            "callbacks": bool(df["callback_result"].isin(["satisfied", "basically_satisfied", "unsatisfied"]).any()),
            "channels": bool((df["channel"] != "other").any()),
            "streets": bool((df["street"].notna() & (df["street"] != "")).any())}


def test_data_coverage_from_the_margins_matches_the_tickets(store_url):
    from civicdesk.kpi import data_coverage

    engine = store.connect(store_url)
    bare = random_tickets(200, seed=5).assign(signed_at=pd.NaT, first_response_at=pd.NaT, closed_at=pd.NaT,
                                              channel="other", street=None, status="received",
                                              callback_result=lambda d: np.where(d.index % 2, "not_reached", None))
    with engine.begin() as conn:
        store.write_tickets(conn, bare)
    found = data_coverage(engine)
    assert {k: getattr(found, k) for k in coverage_from_tickets(engine)} == coverage_from_tickets(engine)
    assert not (found.signing_times or found.closing_times or found.callbacks or found.channels or found.streets)
    with engine.begin() as conn:
        store.write_tickets(conn, random_tickets(300, seed=6).assign(source="other"))
    found = data_coverage(engine)
    assert {k: getattr(found, k) for k in coverage_from_tickets(engine)} == coverage_from_tickets(engine)
    assert found.signing_times and found.closing_times and found.callbacks and found.channels and found.streets
    engine.dispose()
