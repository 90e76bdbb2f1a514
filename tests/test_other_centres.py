"""Category-level features on stores of other centres: TipDM 智慧政务, LA 311 and a synthetic centre with
120 level-1 classes (tests/centres.py), each imported through the real importer."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import centres
from civicdesk import store
from civicdesk.drivers import (NoCallbacksError, fit_store, hot_topics, key_problems, modelling_table,
                               usable_formula)
from civicdesk.forecast.categories import OTHER, category_hierarchy, forecast_categories
from civicdesk.store.categories import split_tail
from civicdesk.forecast.hierarchy import is_coherent
from civicdesk.kpi import data_coverage
from civicdesk.overview import default_week
from civicdesk.store.categories import category_english, category_table
from civicdesk.store.schema import tickets

STORES = list(centres.STORES)


def _engine(name: str):
    try:
        return store.connect(centres.built_sqlite(name))
    except centres.RealDataMissing as exc:
        pytest.skip(str(exc))


def _categories(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(tickets.c.category).distinct()).scalars()) - {None}


def test_tipdm_keeps_its_seven_classes():
    engine = _engine("tipdm")
    assert _categories(engine) == centres.SMARTGOV_CLASSES
    assert centres.SMARTGOV_CLASSES <= set(category_table(engine)["level1"])


def test_la311_keeps_its_request_types():
    engine = _engine("la311")
    assert _categories(engine) == centres.LA311_TYPES


def test_other_centre_has_a_long_three_level_taxonomy():
    engine = _engine("other_zh")
    found = _categories(engine)
    assert len(found) >= 100 and not found & {"供暖", "物业管理", "其他/未映射"}
    table = category_table(engine)
    assert (table["level3"] != "").any() and set(table["level1"]) >= found
    english = category_english(engine)
    assert english["住房保障投诉"] == "Housing security: complaints"
    with engine.connect() as conn:
        counts = pd.Series(dict(conn.execute(sa.select(tickets.c.category, sa.func.count())
                                             .group_by(tickets.c.category)).all()))
        streets = set(conn.execute(sa.select(tickets.c.street).distinct()).scalars())
    assert 15_000 < counts.sum() < 25_000 and counts.max() > 20 * counts.median()  # a long tail
    assert streets == set(centres.OTHER_DISTRICTS)


def test_other_centre_imports_on_both_backends(store_url):
    engine = centres.other_centre_store(store_url, "en", seed=1, channel=False, callbacks=True, months=2)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()
        channels = set(conn.execute(sa.select(tickets.c.channel).distinct()).scalars())
    assert n > 1500 and channels == {"other"}
    assert len(_categories(engine)) >= 60
    coverage = data_coverage(engine)
    assert coverage.callbacks and not coverage.channels and not coverage.roster and not coverage.signing_times
    engine.dispose()


@pytest.mark.parametrize("name, expected", [
    ("tipdm", dict(signing_times=False, closing_times=True, callbacks=False, roster=False)),
    ("la311", dict(signing_times=False, closing_times=True, callbacks=False, roster=False)),
    ("other_zh", dict(signing_times=False, callbacks=False, channels=True, roster=False)),
    ("other_en", dict(signing_times=False, callbacks=True, channels=False, roster=False)),
])
def test_data_coverage(name, expected):
    coverage = data_coverage(_engine(name))
    assert {k: getattr(coverage, k) for k in expected} == expected
    assert coverage.measures("closure_rate") and not coverage.measures("response_rate")


def test_split_tail_keeps_the_large_and_merges_the_rest():
    volumes = pd.Series({"a": 500, "b": 300, "c": 100, **{f"t{i}": 1 for i in range(50)}})
    kept, lumped = split_tail(volumes, top=12, min_share=0.01)
    assert kept == ["a", "b", "c"] and len(lumped) == 50
    assert split_tail(pd.Series({"a": 10, "b": 1}), min_share=0.5) == (["a", "b"], [])  # no tail of one


def test_category_forecast_is_coherent(centre):
    name, engine = centre
    fc = forecast_categories(engine, h=14)
    values = fc.values
    assert values["mean"].notna().all() and (values["mean"] >= 0).all()
    assert values["ds"].nunique() == 14
    tree = category_hierarchy(engine, pd.Timestamp(fc.as_of) - pd.Timedelta(days=547), fc.as_of)
    assert is_coherent(values, tree.hierarchy.S, "mean", atol=1e-6)
    labels = fc.labels.set_index("unique_id")
    shown = set(labels.loc[labels["level"] == "category", "category"])
    assert set(fc.kept) <= shown and (OTHER in shown) == bool(fc.lumped)
    if name.startswith("other"):
        assert len(fc.lumped) > 50 and len(fc.kept) <= 12  # 120 classes: the tail is one series
    if name == "la311":
        assert "Metal/Household Appliances" in set(fc.kept) | set(fc.lumped)  # a '/' in the name is fine


def test_driver_fit_runs_or_says_why(centre):
    name, engine = centre
    week = default_week(engine)
    start = week - timedelta(days=90)
    if name != "other_en":
        with pytest.raises(NoCallbacksError):
            fit_store(engine, start, week + timedelta(days=6))
        return
    model = fit_store(engine, start, week + timedelta(days=6))
    assert "C(category)" in model.formula and "C(channel)" not in model.formula  # one channel: left out
    assert "days_to_sign" not in model.formula  # no signing times
    assert {"channel", "days_to_sign"} <= set(model.left_out)
    levels = set(model.data["category"].astype(object))
    assert "少见类别（合并）" in levels and len(levels) < 40  # 120 classes, rare ones merged (the reference level)
    assert np.isfinite(model.coefficients["estimate"]).all()
    change = model.what_if(model.data.head(50).assign(working_days_to_close=1.0))  # ids are the store's rows
    assert change.n_changed == 50


def test_usable_formula_names_what_it_leaves_out():
    table = pd.DataFrame({"satisfied": [1.0, 0.0, 1.0, np.nan], "closed_on_time": [np.nan] * 4,
                          "repeat_caller": [0.0, 1.0, 0.0, 0.0], "channel": ["other"] * 4,
                          "category": ["a", "b", "a", "b"]})
    formula, dropped = usable_formula(table, "satisfied ~ closed_on_time + repeat_caller + C(category) + C(channel)")
    assert formula == "satisfied ~ repeat_caller + C(category)" and dropped == ("closed_on_time", "channel")
    with pytest.raises(NoCallbacksError):
        usable_formula(table.assign(satisfied=np.nan), formula)


def test_key_problems_and_hot_topics_run(centre):
    name, engine = centre
    week = default_week(engine)
    kp = key_problems(engine, week + timedelta(days=6), history_days=31)
    assert list(kp.entries.columns)[:3] == ["entry_id", "rank", "kind"]
    if name.startswith("other"):
        assert len(kp.entries) > 0 and kp.entries["category"].notna().all()
    try:
        hot = hot_topics(engine, week)
    except ValueError as exc:  # LA 311 holds five days: no weeks before to compare with
        assert name == "la311" and "no tickets" in str(exc)
        return
    if name.startswith("other"):
        terms = hot.terms[hot.terms["group"] == centres.HOT_STREET]["term"].tolist()
        assert any(term in centres.HOT_TOPIC for term in terms[:3]), terms


def test_tickets_without_ids_are_keyed_by_their_row():
    """other_zh was imported without ticket ids: every ticket is keyed "#<row id>", the same key in the
    key-problem list and the modelling table, so entries are related only when they share a ticket (missing
    ids used to match one another, relating every entry to every other)."""
    engine = _engine("other_zh")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count(tickets.c.ticket_id))).scalar() == 0
    week = default_week(engine)
    kp = key_problems(engine, week + timedelta(days=6), history_days=31)
    entries = kp.entries
    assert len(entries) > 2 and kp.members["ticket_id"].str.startswith("#").all()
    assert entries["related"].map(len).max() < len(entries) - 1
    shared = dict(zip(entries["entry_id"], entries["ticket_ids"].map(set)))
    for entry, related in zip(entries["entry_id"], entries["related"]):
        assert all(shared[entry] & shared[other] for other in related)
    table = modelling_table(engine, week, week + timedelta(days=6))
    assert table["ticket_id"].is_unique and table["ticket_id"].str.startswith("#").all()
    in_week = kp.history.loc[pd.to_datetime(kp.history["created_at"]) >= pd.Timestamp(week), "ticket_id"]
    assert len(in_week) and set(in_week) <= set(table["ticket_id"])


def test_forecast_run_by_category_merges_a_long_tail(sqlite_url):
    """The Forecast view's category level on a 120-class taxonomy: 19 largest classes plus one merged series,
    the merged series holding every other ticket; a short taxonomy is left as it is."""
    from civicdesk.forecast.categories import OTHER
    from civicdesk.forecast.runs import MAX_CATEGORY_SERIES, lump_category_tail

    days = pd.date_range("2023-01-01", periods=10)
    series = pd.DataFrame({"unique_id": np.repeat([f"c{i:03d}" for i in range(120)], len(days)),
                           "ds": np.tile(days, 120), "y": np.tile(np.arange(10), 120)})
    series["y"] = series["y"] + series["unique_id"].str[1:].astype(int)
    lumped = lump_category_tail(series)
    assert lumped["unique_id"].nunique() == MAX_CATEGORY_SERIES and OTHER in set(lumped["unique_id"])
    assert lumped["y"].sum() == series["y"].sum()
    assert set(lumped["unique_id"]) - {OTHER} == {f"c{i:03d}" for i in range(101, 120)}
    short = series[series["unique_id"].isin([f"c{i:03d}" for i in range(13)])]
    assert lump_category_tail(short).equals(short)
