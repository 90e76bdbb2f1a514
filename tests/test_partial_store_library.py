"""The library side of a store built only from a centre's exports: the default week (skipping straggler
weeks), the store's identity, and a staffing calibration bound to the store it was fitted on."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import store
from civicdesk.overview import choose_week, default_week
from civicdesk.staffing.calibration_file import calibration_state, load_calibration, save_calibration
from civicdesk.staffing.config import Calibration
from civicdesk.store.engine import ensure_store_id, store_id
from tests.conftest import make_tickets

MON = date(2024, 3, 4)  # a Monday


def weeks(*counts: int, first: date = MON) -> pd.Series:
    """Weekly volumes of consecutive weeks starting `first`."""
    return pd.Series(list(counts), index=[first + timedelta(weeks=i) for i in range(len(counts))])


def sunday(k: int) -> date:
    """The Sunday ending week `k` (0 = the week of MON)."""
    return MON + timedelta(weeks=k, days=6)


@pytest.mark.parametrize("counts, last_day, expected", [
    # data ending on a Sunday: that week
    ((100, 110, 120, 90), sunday(3), 3),
    # data ending mid-week: the week before (the demo's case), the incomplete week is never the default
    ((100, 110, 120, 90), sunday(3) - timedelta(days=2), 2),
    # a straggler week with no tickets at all (a lone ticket weeks later): the last week of ordinary work
    ((100, 110, 120, 0, 0, 1), sunday(5), 2),
    # exactly a quarter of the median (median of 100, 100, 100, 25 is 100) qualifies ...
    ((100, 100, 100, 25), sunday(3), 3),
    # ... one ticket fewer does not
    ((100, 100, 100, 24), sunday(3), 2),
    # a short tail of small weeks is skipped as a whole
    ((100, 100, 100, 100, 10, 3), sunday(5), 3),
    # sparse early years (mostly empty weeks) do not drag the median to zero: weeks without tickets are left out
    ((0, 0, 2, 0, 0, 0, 1, 0, 20, 18, 22, 19, 4), sunday(12), 11),
    # years of a few tickets a week before the platform went live (the TipDM shape): the median is the last
    # year's, so the export's thin last weeks (1 and 2 tickets after 42) are stragglers
    ((*([3] * 300), *([90] * 52), 42, 1, 2), sunday(354), 352),
    # a single week (the LA 311 shape: five days ending on a Sunday)
    ((9987,), sunday(0), 0),
    # no complete week yet (data from a Monday to a Wednesday): the week holding the tickets
    ((40,), MON + timedelta(days=2), 0),
])
def test_choose_week(counts, last_day, expected):
    assert choose_week(weeks(*counts), last_day) == MON + timedelta(weeks=expected)


def test_choose_week_ignores_order_and_missing_weeks():
    weekly = weeks(100, 0, 90, 2).drop(MON + timedelta(weeks=1)).iloc[::-1]
    assert choose_week(weekly, sunday(3)) == MON + timedelta(weeks=2)


def test_choose_week_of_nothing():
    assert choose_week(pd.Series(dtype="int64"), MON) is None
    assert choose_week(weeks(0, 0), sunday(1)) is None


def test_default_week_on_a_store_skips_a_straggler(store_url):
    engine = store.connect(store_url)
    assert default_week(engine) is None
    rows = [{"created_at": pd.Timestamp(MON) + pd.Timedelta(days=d, hours=9 + i % 8)}
            for d in range(21) for i in range(12)]                       # three ordinary weeks
    rows.append({"created_at": pd.Timestamp(sunday(4)) + pd.Timedelta(hours=10)})  # a lone ticket two weeks on
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    assert store.data_span(engine)[1] == sunday(4)
    assert default_week(engine) == MON + timedelta(weeks=2)
    engine.dispose()


# ------------------------------------------------------------------------------------------ store identity


def test_a_store_gets_one_identity_kept_across_opens(store_url):
    engine = store.connect(store_url)
    first = store_id(engine)
    assert first and len(first) == 32
    assert ensure_store_id(engine) == first
    engine.dispose()
    again = store.connect(store_url)
    assert store_id(again) == first
    again.dispose()


def test_an_older_store_gets_its_identity_on_upgrade(sqlite_url):
    engine = store.connect(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM store_info WHERE key = 'store_id'"))
    assert store_id(engine) is None
    engine.dispose()
    reopened = store.connect(sqlite_url)
    assert store_id(reopened)
    reopened.dispose()


def test_two_stores_differ(tmp_path):
    a, b = (store.connect(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db"))
    assert store_id(a) != store_id(b)


# ---------------------------------------------------------------------------- a calibration names its store


def _calibration(engine, period=("2024-03-04", "2024-03-24")) -> Calibration:
    return Calibration(availability={"明水街道": 0.4}, period=period, store_id=store_id(engine))


def _store_with_tickets(url: str):
    engine = store.connect(url)
    rows = [{"created_at": pd.Timestamp(MON) + pd.Timedelta(days=d, hours=10)} for d in range(21)]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    return engine


def test_calibration_is_used_on_its_own_store_only(tmp_path):
    mine, other = (_store_with_tickets(f"sqlite:///{tmp_path / n}") for n in ("mine.db", "other.db"))
    path = tmp_path / "models" / "cal.json"
    assert calibration_state(mine, path).status == "missing"
    save_calibration(_calibration(mine), path)
    state = calibration_state(mine, path)
    assert state.status == "current" and state.calibration.availability == {"明水街道": 0.4}
    assert load_calibration(path, store=mine) is not None
    elsewhere = calibration_state(other, path)
    assert elsewhere.status == "other_store" and elsewhere.calibration is None
    assert elsewhere.fitted.period == ("2024-03-04", "2024-03-24")  # what it was fitted on, for the message
    assert load_calibration(path, store=other) is None
    assert load_calibration(path) is not None  # without a store: as before


def test_calibration_of_data_no_longer_in_the_store(tmp_path):
    engine = _store_with_tickets(f"sqlite:///{tmp_path / 's.db'}")
    path = tmp_path / "cal.json"
    save_calibration(_calibration(engine, period=("2023-07-01", "2023-09-30")), path)
    assert calibration_state(engine, path).status == "other_data"


def test_calibration_without_a_store_identity_is_another_stores(tmp_path):
    engine = _store_with_tickets(f"sqlite:///{tmp_path / 's.db'}")
    path = tmp_path / "cal.json"
    save_calibration(Calibration(availability={"明水街道": 0.4}, period=("2024-03-04", "2024-03-24")), path)
    assert calibration_state(engine, path).status == "other_store"
    path.write_text('{"availability": {}}', encoding="utf-8")  # edited by hand: its checksum no longer matches
    assert calibration_state(engine, path).status == "unreadable"


def test_a_store_without_a_roster_cannot_be_calibrated(tmp_path):
    from civicdesk.staffing.calibrate import calibrate_store

    engine = store.connect(f"sqlite:///{tmp_path / 's.db'}")
    rows = [{"created_at": pd.Timestamp(MON) + pd.Timedelta(days=d, hours=10),
             "closed_at": pd.Timestamp(MON) + pd.Timedelta(days=d, hours=30)} for d in range(60)]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    with pytest.raises(ValueError, match="roster"):
        calibrate_store(engine, MON + timedelta(days=28), MON + timedelta(days=59))
