"""KPI definitions on small hand-made fixtures, worked out by hand."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from civicdesk import kpi, store
from civicdesk.periods import iso_week_name, last_complete_week, week_label, week_monday
from tests.conftest import make_tickets

# Week of Mon 2023-02-13. Ten tickets: 8 closed (6 on time), 9 signed within limit, callbacks:
# 4 满意, 2 基本满意, 1 不满意, 1 未接通 -> 满意率 6/7. One returned, one reopened; caller "r" calls 3 times.
WEEK = [
    dict(created_at="2023-02-13 09:00", signed_at="2023-02-13 09:30", closed_at="2023-02-13 12:00",
         callback_result="satisfied", caller_key="r"),
    dict(created_at="2023-02-13 10:00", signed_at="2023-02-13 11:00", closed_at="2023-02-14 10:00",
         callback_result="satisfied", caller_key="r"),
    dict(created_at="2023-02-14 10:00", signed_at="2023-02-14 11:00", closed_at="2023-02-15 10:00",
         callback_result="satisfied", caller_key="r"),
    dict(created_at="2023-02-14 11:00", signed_at="2023-02-14 12:00", closed_at="2023-02-16 11:00",
         callback_result="satisfied"),
    dict(created_at="2023-02-15 09:00", signed_at="2023-02-15 10:00", closed_at="2023-02-17 09:00",
         callback_result="basically_satisfied"),
    dict(created_at="2023-02-15 09:00", signed_at="2023-02-15 10:00", closed_at="2023-02-20 09:00",
         callback_result="basically_satisfied", returned_count=1),
    # deadline 5 working days: 2023-02-22 09:00; closed later -> late
    dict(created_at="2023-02-15 09:00", signed_at="2023-02-15 10:00", closed_at="2023-02-24 09:00",
         callback_result="unsatisfied", reopened_count=1),
    dict(created_at="2023-02-16 09:00", signed_at="2023-02-16 10:00", closed_at="2023-03-01 09:00",
         callback_result="not_reached"),
    dict(created_at="2023-02-17 09:00", signed_at="2023-02-17 10:00"),
    dict(created_at="2023-02-18 09:00", signed_at="2023-02-20 12:00"),  # signed after 51 h: late
]


@pytest.fixture
def engine(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(WEEK))
    return engine


def test_weekly_kpis_by_hand(engine):
    table = kpi.kpi_table(engine, "W")
    assert len(table) == 1
    row = table.iloc[0]
    assert row["period"] == pd.Timestamp("2023-02-13")
    assert row["received"] == 10
    assert row["response_rate"] == pytest.approx(9 / 10)
    assert row["closure_rate"] == pytest.approx(8 / 10)
    assert row["on_time_rate"] == pytest.approx(6 / 8)
    assert row["satisfaction_rate"] == pytest.approx(6 / 7)
    assert row["repeat_rate"] == pytest.approx(2 / 10)
    assert row["return_rate"] == pytest.approx(1 / 10)
    assert row["reopen_rate"] == pytest.approx(1 / 8)
    hours = [3, 24, 24, 48, 48, 120, 216, 312]
    assert row["mean_hours_to_close"] == pytest.approx(sum(hours) / 8)


def test_rates_are_nan_not_zero_without_denominator():
    counts = pd.DataFrame([{c: 0 for c in ("received", "signed", "signed_on_time", "responded", "closed",
                                           "closed_on_time", "returned", "reopened", "escalated",
                                           "repeat_contacts", "cb_satisfied", "cb_basically_satisfied",
                                           "cb_unsatisfied", "cb_not_reached", "hours_to_sign_sum",
                                           "hours_to_close_sum")}])
    row = kpi.add_rates(counts).iloc[0]
    assert all(math.isnan(row[k]) for k in kpi.KPI_LABELS)


def test_totals_resum_counts_instead_of_averaging_rates(engine):
    daily = kpi.kpi_table(engine, "D")
    total = kpi.totals(daily).iloc[0]
    assert total["satisfaction_rate"] == pytest.approx(6 / 7)
    assert daily["satisfaction_rate"].mean() != pytest.approx(6 / 7)


@pytest.mark.parametrize("freq, periods", [("D", 6), ("W", 1), ("M", 1), ("Q", 1)])
def test_frequencies(engine, freq, periods):
    assert len(kpi.kpi_table(engine, freq)) == periods


@pytest.mark.parametrize("given, monday", [
    ("2023-W07", date(2023, 2, 13)), ("2023-w07", date(2023, 2, 13)), ("2023-02-17", date(2023, 2, 13)),
    (date(2023, 2, 19), date(2023, 2, 13)), ("2021-W01", date(2021, 1, 4)),
])
def test_week_monday(given, monday):
    assert week_monday(given) == monday


@pytest.mark.parametrize("bad", ["2023-W60", "last week", ""])
def test_week_monday_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        week_monday(bad)


@pytest.mark.parametrize("last_day, monday", [
    (date(2023, 12, 31), date(2023, 12, 25)),  # a Sunday closes its own week
    (date(2023, 12, 30), date(2023, 12, 18)),  # a Saturday: that week is incomplete
])
def test_last_complete_week(last_day, monday):
    assert last_complete_week(last_day) == monday


def test_week_names_and_labels():
    assert iso_week_name(date(2023, 2, 13)) == "2023-W07"
    assert week_label(date(2023, 2, 13)) == "2023年2月13日—2月19日"
    assert week_label(date(2023, 12, 25)) == "2023年12月25日—12月31日"
    assert week_label(date(2023, 2, 13), "en") == "13 Feb 2023 – 19 Feb 2023"
