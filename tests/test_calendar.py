"""Tests for civicdesk.calendar: official schedules, working-time arithmetic and deadlines."""
from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from civicdesk import calendar as cal


def _span(first: str, last: str) -> list[date]:
    return [d.date() for d in pd.date_range(first, last, freq="D")]


# Official schedules written out from the State Council notices (国办发明电〔2022〕16号 for 2023,
# 国办发明电〔2023〕7号 for 2024). Every day off of each holiday period, and every make-up workday.
OFFICIAL_2023_HOLIDAYS = {
    **{d: "元旦" for d in _span("2022-12-31", "2023-01-02")},
    **{d: "春节" for d in _span("2023-01-21", "2023-01-27")},
    date(2023, 4, 5): "清明节",
    **{d: "劳动节" for d in _span("2023-04-29", "2023-05-03")},
    **{d: "端午节" for d in _span("2023-06-22", "2023-06-24")},
    **{d: "中秋节、国庆节" for d in _span("2023-09-29", "2023-10-06")},
}
OFFICIAL_2023_MAKEUP = {
    date(2023, 1, 28): "春节", date(2023, 1, 29): "春节",
    date(2023, 4, 23): "劳动节", date(2023, 5, 6): "劳动节",
    date(2023, 6, 25): "端午节",
    date(2023, 10, 7): "中秋节、国庆节", date(2023, 10, 8): "中秋节、国庆节",
}
# 2024: "元旦：1月1日放假，与周末连休" / "端午节：6月10日放假，与周末连休" — the bridged weekends are
# days off of the holiday period.
OFFICIAL_2024_HOLIDAYS = {
    **{d: "元旦" for d in _span("2023-12-30", "2024-01-01")},
    **{d: "春节" for d in _span("2024-02-10", "2024-02-17")},
    **{d: "清明节" for d in _span("2024-04-04", "2024-04-06")},
    **{d: "劳动节" for d in _span("2024-05-01", "2024-05-05")},
    **{d: "端午节" for d in _span("2024-06-08", "2024-06-10")},
    **{d: "中秋节" for d in _span("2024-09-15", "2024-09-17")},
    **{d: "国庆节" for d in _span("2024-10-01", "2024-10-07")},
}
OFFICIAL_2024_MAKEUP = {
    date(2024, 2, 4): "春节", date(2024, 2, 18): "春节",
    date(2024, 4, 7): "清明节",
    date(2024, 4, 28): "劳动节", date(2024, 5, 11): "劳动节",
    date(2024, 9, 14): "中秋节",
    date(2024, 9, 29): "国庆节", date(2024, 10, 12): "国庆节",
}
OFFICIAL_HOLIDAYS = {**OFFICIAL_2023_HOLIDAYS, **OFFICIAL_2024_HOLIDAYS}
OFFICIAL_MAKEUP = {**OFFICIAL_2023_MAKEUP, **OFFICIAL_2024_MAKEUP}


@pytest.mark.parametrize("d,name", sorted(OFFICIAL_HOLIDAYS.items()))
def test_official_holiday_days(d, name):
    assert cal.holiday_name(d) == name
    assert not cal.is_workday(d)
    assert cal.day_kinds([d])[0] == "holiday"


@pytest.mark.parametrize("d,name", sorted(OFFICIAL_MAKEUP.items()))
def test_official_makeup_days(d, name):
    assert d.weekday() >= 5
    assert cal.MAKEUP_WORKDAYS_CN[d] == name
    assert cal.is_workday(d)
    assert cal.day_kinds([d])[0] == "makeup"


def test_2023_2024_tables_complete():
    span = set(_span("2022-12-31", "2024-12-31"))
    assert {d for d in cal.HOLIDAYS_CN if d in span} == set(OFFICIAL_HOLIDAYS)
    assert {d for d in cal.MAKEUP_WORKDAYS_CN if d in span} == set(OFFICIAL_MAKEUP)


@pytest.mark.parametrize("d,expected,kind", [
    (date(2023, 3, 4), False, "weekend"),     # plain Saturday
    (date(2023, 3, 5), False, "weekend"),     # plain Sunday
    (date(2023, 3, 6), True, "workday"),      # plain Monday
    (date(2023, 4, 6), True, "workday"),      # day after 1-day Qingming 2023
    (date(2023, 4, 8), False, "weekend"),
    (date(2024, 2, 9), True, "workday"),      # 除夕 2024 is not an official day off
    (date(2024, 2, 19), True, "workday"),
    (date(2024, 10, 13), False, "weekend"),
    (date(2024, 12, 31), True, "workday"),
])
def test_plain_days(d, expected, kind):
    assert cal.is_workday(d) is expected
    assert cal.holiday_name(d) is None
    assert cal.day_kinds([d])[0] == kind


@pytest.mark.parametrize("d,workday,name", [
    (date(2020, 1, 19), True, None),          # make-up Sunday kept
    (date(2020, 1, 24), False, "春节"),
    (date(2020, 1, 31), False, "春节"),        # extension (COVID-19)
    (date(2020, 2, 1), False, "春节"),         # make-up Saturday cancelled
    (date(2020, 2, 2), False, "春节"),
    (date(2020, 2, 3), True, None),
    (date(2025, 1, 28), False, "春节"),        # 除夕 is statutory from 2025
    (date(2025, 1, 26), True, None),
    (date(2025, 5, 5), False, "劳动节"),
    (date(2019, 1, 1), False, "元旦"),
    (date(2018, 12, 31), True, None),         # outside tables: plain Mon–Fri
    (date(2028, 1, 1), False, None),          # Saturday outside tables
    (datetime(2023, 1, 23, 15, 30), False, "春节"),
    ("2023-10-07", True, None),
])
def test_special_days(d, workday, name):
    assert cal.is_workday(d) is workday
    assert cal.holiday_name(d) == name
    assert date(2020, 2, 1) not in cal.MAKEUP_WORKDAYS_CN


def test_provisional_years():
    assert cal.PROVISIONAL_YEARS == {2027}
    assert cal.holiday_name(date(2027, 2, 6)) == "春节"
    for y in range(2019, 2028):
        assert any(d.year == y for d in cal.HOLIDAYS_CN)


def test_every_makeup_day_is_a_weekend_and_not_a_holiday():
    assert all(d.weekday() >= 5 for d in cal.MAKEUP_WORKDAYS_CN)
    assert not set(cal.MAKEUP_WORKDAYS_CN) & set(cal.HOLIDAYS_CN)
    assert all(2019 <= d.year <= 2027 for d in [*cal.HOLIDAYS_CN, *cal.MAKEUP_WORKDAYS_CN])


def test_vectorised_matches_scalar():
    days = pd.date_range("2019-01-01", "2027-12-31", freq="D")
    kinds = cal.day_kinds(days)
    mask = cal.workday_mask(days)
    scalar_work = np.array([cal.is_workday(d) for d in days.date])
    scalar_hol = np.array([cal.holiday_name(d) is not None for d in days.date])
    assert (mask == scalar_work).all()
    assert ((kinds == "holiday") == scalar_hol).all()
    assert ((kinds == "workday") | (kinds == "makeup") == mask).all()
    assert ((kinds == "weekend") == (~mask & ~scalar_hol)).all()
    # Same answers for other input kinds.
    assert (cal.day_kinds(pd.Series(days)) == kinds).all()
    assert (cal.day_kinds(days.to_numpy()) == kinds).all()
    assert (cal.day_kinds(list(days.date)) == kinds).all()
    assert (cal.workday_mask(days + pd.Timedelta(hours=23)) == mask).all()


def test_nat_classification():
    kinds = cal.day_kinds(pd.DatetimeIndex(["2023-01-23", pd.NaT]))
    assert list(kinds) == ["holiday", ""]
    assert list(cal.workday_mask([pd.NaT, "2023-01-28"])) == [False, True]


@pytest.mark.parametrize("year,expected", [
    (2019, date(2019, 2, 5)), (2020, date(2020, 1, 25)), (2023, date(2023, 1, 22)),
    (2024, date(2024, 2, 10)), (2027, date(2027, 2, 6)),
])
def test_spring_festival(year, expected):
    assert cal.spring_festival(year) == expected


@pytest.mark.parametrize("d,expected", [
    ("2023-01-21", 1), ("2023-01-22", 0), ("2023-01-23", -1),
    ("2023-08-01", -191), ("2023-12-01", 71), ("2024-02-10", 0), ("2019-01-01", 35),
])
def test_days_to_spring_festival(d, expected):
    assert cal.days_to_spring_festival([d])[0] == expected


@pytest.mark.parametrize("d,expected", [
    ("2023-11-14", False), ("2023-11-15", True), ("2024-01-01", True), ("2024-02-29", True),
    ("2024-03-15", True), ("2024-03-16", False), ("2024-07-01", False), ("2023-12-31", True),
])
def test_heating_season(d, expected):
    assert cal.heating_season([pd.Timestamp(d) + pd.Timedelta(hours=20)])[0] == expected


def test_heating_season_custom_window():
    res = cal.heating_season(["2023-05-31", "2023-06-01", "2023-08-31", "2023-09-01"],
                             start=(6, 1), end=(8, 31))
    assert list(res) == [False, True, True, False]


def test_calendar_features():
    idx = pd.date_range("2023-01-19", "2023-01-30", freq="D", name="day")
    feats = cal.calendar_features(idx)
    assert list(feats.columns) == ["dow", "is_holiday", "is_makeup_workday", "is_workday",
                                   "heating", "days_to_spring_festival"]
    assert feats.index.equals(idx)
    assert feats.loc["2023-01-19", "dow"] == 3
    assert feats.loc["2023-01-22", "is_holiday"]
    assert feats.loc["2023-01-28", "is_makeup_workday"] and feats.loc["2023-01-28", "is_workday"]
    assert feats["heating"].all()
    assert feats.loc["2023-01-19", "days_to_spring_festival"] == 3
    ser = pd.Series(pd.to_datetime(["2023-06-22", "2023-06-25", "2023-07-01"]), index=list("xyz"))
    f2 = cal.calendar_features(ser)
    assert list(f2.index) == list("xyz")
    assert list(f2["is_workday"]) == [False, True, False]


# ---------------------------------------------------------------- working-time arithmetic

T = pd.Timestamp


@pytest.mark.parametrize("start,n,expected", [
    ("2023-02-10 10:00", 5, "2023-02-17 10:00"),      # Fri + 5 = next Fri
    ("2023-02-11 15:00", 1, "2023-02-14 00:00"),      # Saturday counts from Monday 00:00
    ("2023-02-13 00:00", 0.5, "2023-02-13 12:00"),
    ("2023-01-20 10:00", 1, "2023-01-28 10:00"),      # Spring Festival 2023; Sat 28th make-up
    ("2023-01-20 10:00", 5, "2023-02-01 10:00"),
    ("2023-01-18 09:00", 5, "2023-01-30 09:00"),
    ("2023-01-24 12:00", 1, "2023-01-29 00:00"),      # created during the holiday
    ("2023-09-28 10:00", 5, "2023-10-11 10:00"),      # National Day 2023; Oct 7/8 make-up
    ("2023-09-28 10:00", 1, "2023-10-07 10:00"),
    ("2023-10-03 12:00", 1, "2023-10-08 00:00"),
    ("2023-10-11 10:00", -5, "2023-09-28 10:00"),
    ("2024-02-09 16:00", 1, "2024-02-18 16:00"),      # 除夕 2024 (workday) -> make-up Sunday
])
def test_add_working_days_examples(start, n, expected):
    assert cal.add_working_days(T(start), n) == T(expected)
    assert cal.working_days_between(T(start), T(expected)) == pytest.approx(n)


def test_add_working_days_return_kinds():
    ts = ["2023-02-10 10:00", "2023-09-28 10:00", None]
    out_idx = cal.add_working_days(pd.DatetimeIndex(ts), 5)
    assert isinstance(out_idx, pd.DatetimeIndex)
    assert list(out_idx[:2]) == [T("2023-02-17 10:00"), T("2023-10-11 10:00")]
    assert pd.isna(out_idx[2])
    ser = pd.Series(pd.to_datetime(ts), index=[10, 20, 30], name="created")
    out_ser = cal.add_working_days(ser, np.array([5, 1, 2]))
    assert isinstance(out_ser, pd.Series) and list(out_ser.index) == [10, 20, 30]
    assert out_ser.name == "created"
    assert out_ser[20] == T("2023-10-07 10:00")
    arr = pd.to_datetime(ts[:2]).to_numpy()
    out_arr = cal.add_working_days(arr, 5)
    assert isinstance(out_arr, np.ndarray) and out_arr.dtype == "datetime64[ns]"
    out_scalar = cal.add_working_days(datetime(2023, 2, 10, 10), 5)
    assert isinstance(out_scalar, pd.Timestamp) and out_scalar == T("2023-02-17 10:00")
    assert pd.isna(cal.add_working_days(T("2023-02-10"), np.nan))
    tz = cal.add_working_days(T("2023-02-10 10:00", tz="Asia/Shanghai"), 5)
    assert tz == T("2023-02-17 10:00", tz="Asia/Shanghai")


def test_working_days_between_nat_and_kinds():
    s = pd.Series(pd.to_datetime(["2023-02-10 10:00", None, "2023-02-11 08:00"]))
    e = pd.Series(pd.to_datetime(["2023-02-13 10:00", "2023-02-13 00:00", "2023-02-12 20:00"]))
    out = cal.working_days_between(s, e)
    assert isinstance(out, pd.Series)
    assert out[0] == pytest.approx(1.0) and np.isnan(out[1]) and out[2] == 0.0
    assert isinstance(cal.working_days_between(T("2023-02-10"), T("2023-02-17")), float)


def _random_timestamps(rng, n):
    lo = T("2019-01-01").value
    hi = T("2027-12-01").value
    return pd.DatetimeIndex(rng.integers(lo, hi, n).astype("datetime64[ns]"))


def test_round_trip_property():
    rng = np.random.default_rng(20230210)
    ts = _random_timestamps(rng, 200_000)
    n = rng.uniform(-15, 30, ts.size)
    n[:1000] = np.round(n[:1000])  # whole days too
    out = cal.add_working_days(ts, n)
    back = cal.working_days_between(ts, out)
    assert np.allclose(back, n, atol=1e-9)
    # Results never land on a non-working day (except exactly at a day boundary).
    assert cal.workday_mask(out).all()
    # Adding then subtracting returns to the start for timestamps on working days.
    on_work = cal.workday_mask(ts)
    again = cal.add_working_days(out, -n)
    assert (np.abs((again - ts)[on_work].asi8) <= 1).all()


def test_vectorised_agrees_with_scalar_arithmetic():
    rng = np.random.default_rng(7)
    ts = _random_timestamps(rng, 300)
    n = rng.uniform(0, 12, ts.size)
    vec = cal.add_working_days(ts, n)
    for t, k, v in zip(ts, n, vec):
        assert cal.add_working_days(t, k) == v
        assert cal.working_days_between(t, v) == pytest.approx(k, abs=1e-9)


def test_add_working_days_on_a_million_timestamps():  # speed: benchmarks/bench_hot_paths.py
    rng = np.random.default_rng(1)
    ts = _random_timestamps(rng, 1_000_000)
    out = cal.add_working_days(ts, 5)
    assert np.allclose(cal.working_days_between(ts, out), 5.0, atol=1e-9)


def test_out_of_range_raises():
    with pytest.raises(ValueError):
        cal.add_working_days(T("1990-01-01"), 1)


# ---------------------------------------------------------------- deadlines

CREATED = "2023-02-10 10:00"  # Friday


@pytest.mark.parametrize("urgency,expected", [
    ("general", "2023-02-17 10:00"),
    ("urgent", "2023-02-11 10:00"),
    ("very_urgent", "2023-02-10 12:00"),
    ("nonsense", "2023-02-17 10:00"),
    (None, "2023-02-17 10:00"),
])
def test_close_deadline(urgency, expected):
    assert cal.close_deadline(T(CREATED), urgency) == T(expected)


@pytest.mark.parametrize("urgency,expected", [
    ("general", "2023-02-11 10:00"),
    ("urgent", "2023-02-10 12:00"),
    ("very_urgent", "2023-02-10 10:30"),
    ("???", "2023-02-11 10:00"),
])
def test_sign_deadline(urgency, expected):
    assert cal.sign_deadline(T(CREATED), urgency) == T(expected)


def test_rule_constants():
    assert cal.CLOSE_LIMITS["general"] == (5, "working_days")
    assert cal.MEDIATION_DAYS == 30
    assert cal.EXTENSION_MAX_WORKING_DAYS == 10


def test_mediation_deadline():
    assert cal.close_deadline(T("2023-01-20 09:00"), "general", mediation=True) == \
        T("2023-01-20 09:00") + timedelta(days=30)


def test_deadlines_vectorised():
    created = pd.Series(pd.to_datetime([CREATED, CREATED, "2023-09-28 10:00", CREATED, None]),
                        index=list("abcde"))
    urg = pd.Series(["urgent", "very_urgent", "general", np.nan, "general"], index=created.index)
    med = [False, False, False, True, False]
    out = cal.close_deadline(created, urg, mediation=med)
    assert isinstance(out, pd.Series) and list(out.index) == list("abcde")
    assert list(out[:4]) == [T("2023-02-11 10:00"), T("2023-02-10 12:00"),
                             T("2023-10-11 10:00"), T(CREATED) + timedelta(days=30)]
    assert pd.isna(out["e"])
    for i in range(4):
        assert out.iloc[i] == cal.close_deadline(created.iloc[i], urg.iloc[i], med[i])
    signed = cal.sign_deadline(created.to_numpy(), urg.to_numpy())
    assert isinstance(signed, np.ndarray)
    assert signed[2] == np.datetime64("2023-09-29T10:00")


@pytest.mark.parametrize("deadline,expected", [
    ("2023-02-17 10:00", "2023-02-16 10:00"),
    ("2023-10-09 10:00", "2023-10-08 10:00"),     # make-up Sunday
    ("2023-10-07 10:00", "2023-09-28 10:00"),     # across National Day
    ("2023-02-13 10:00", "2023-02-10 10:00"),     # over a weekend
])
def test_yellow_card(deadline, expected):
    assert cal.yellow_card_at(T(deadline)) == T(expected)
    out = cal.yellow_card_at(pd.Series([T(deadline)]))
    assert out[0] == T(expected)


# ---------------------------------------------------------------- country hook

def test_holidays_for_cn_and_none():
    h = cal.holidays_for("CN", 2023)
    assert h[date(2023, 1, 22)] == "春节" and date(2022, 12, 31) not in h
    assert set(h) == {d for d in OFFICIAL_HOLIDAYS if d.year == 2023}
    assert cal.holidays_for("cn", [2022, 2023])[date(2022, 12, 31)] == "元旦"
    assert cal.holidays_for(None, 2023) == {}


def test_holidays_for_other_country_without_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "holidays", None)  # makes `import holidays` fail
    with pytest.raises(ValueError, match="install the 'holidays' package"):
        cal.holidays_for("US", 2023)
