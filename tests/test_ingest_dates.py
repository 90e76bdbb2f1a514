"""Tests for civicdesk.ingest.dates.parse_datetimes: every accepted form, rejects, time zones (speed: benchmarks/bench_hot_paths.py)."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from civicdesk.ingest.dates import FORMATS, MAX_YEAR, MIN_YEAR, parse_datetimes

NaT = pd.NaT
T = pd.Timestamp

CASES = [
    # Chinese exports, no zero padding (TipDM 智慧政务 data)
    ("2019/4/25 9:32:09", T("2019-04-25 09:32:09")),
    ("2019/04/25 09:32:09", T("2019-04-25 09:32:09")),
    ("2019/4/5 9:32", T("2019-04-05 09:32")),
    ("2019/4/5", T("2019-04-05")),
    ("2019.4.25 09:32", T("2019-04-25 09:32")),
    ("2019.04.25", T("2019-04-25")),
    # ISO without an offset: local time
    ("2023-02-10 08:05", T("2023-02-10 08:05")),
    ("2023-02-10 08:05:07", T("2023-02-10 08:05:07")),
    ("2023-2-1 8:05:07", T("2023-02-01 08:05:07")),
    ("2023-02-10 08:05:07.123", T("2023-02-10 08:05:07.123")),
    ("2023-02-10 08:05:07.123456789", T("2023-02-10 08:05:07.123456789")),
    ("2023-02-10T08:05:07", T("2023-02-10 08:05:07")),
    ("2023-02-10T08:05:07.5", T("2023-02-10 08:05:07.5")),
    ("2023-02-10T08:05", T("2023-02-10 08:05")),
    ("2023-02-10", T("2023-02-10")),
    ("2024-02-29", T("2024-02-29")),
    ("2023-02-10  08:05:07", T("2023-02-10 08:05:07")),  # two spaces
    # US month-first (LA 311)
    ("12/31/2017 11:59:58 PM", T("2017-12-31 23:59:58")),
    ("12/31/2017 12:05:00 AM", T("2017-12-31 00:05:00")),
    ("12/31/2017 12:05:00 PM", T("2017-12-31 12:05:00")),
    ("01/03/2018 01:05:00 am", T("2018-01-03 01:05:00")),
    ("1/3/2018 1:05 PM", T("2018-01-03 13:05")),
    ("12/31/2017 23:59:58", T("2017-12-31 23:59:58")),
    ("12/31/2017 23:59", T("2017-12-31 23:59")),
    ("04/05/2019", T("2019-04-05")),
    # Chinese characters
    ("2019年4月25日 9:32:09", T("2019-04-25 09:32:09")),
    ("2019年04月25日 09:32", T("2019-04-25 09:32")),
    ("2019年4月25日", T("2019-04-25")),
    ("2019年4月25日9时32分", T("2019-04-25 09:32")),
    ("２０１９年４月２５日　９：３２", T("2019-04-25 09:32")),  # full-width digits and space
    # compact
    ("20190425093209", T("2019-04-25 09:32:09")),
    ("20190425", T("2019-04-25")),
    # Excel serial numbers (origin 1899-12-30; fraction = time of day, rounded to the second)
    ("43580", T("2019-04-25")),
    ("43580.3972", T("2019-04-25 09:31:58")),
    ("43580.5", T("2019-04-25 12:00")),
    # ISO with an offset or Z: converted to Asia/Shanghai
    ("2023-02-10T08:05:00+08:00", T("2023-02-10 08:05:00")),
    ("2023-02-10T08:05:00-05:00", T("2023-02-10 21:05:00")),
    ("2023-02-10 08:05:00.123-05:00", T("2023-02-10 21:05:00.123")),
    ("2017-12-31T23:59:58Z", T("2018-01-01 07:59:58")),
    ("2023-02-10T08:05+0800", T("2023-02-10 08:05")),
    # surrounding whitespace is ignored
    ("  2019/4/25 9:32:09\t", T("2019-04-25 09:32:09")),
    # empty → NaT
    (None, NaT), (np.nan, NaT), ("", NaT), ("   ", NaT), ("\u3000", NaT),
    # garbage → NaT
    ("abc", NaT), ("2023-13-45", NaT), ("昨天", NaT), ("2023-02-30", NaT), ("2023-02-29", NaT),
    ("2019-04-25 24:00:00", NaT), ("2019-04-25 09:60", NaT), ("13/01/2019", NaT), ("12/31/2017 13:05 PM", NaT),
    ("12/31/2017 00:05 AM", NaT), ("2019-04-25 09:32:09 junk", NaT), ("2019/4/25 9:32:09:01", NaT),
    ("2019425", NaT), ("201904251", NaT), ("2019-04", NaT), ("2019", NaT), ("9:32:09", NaT),
    ("2019-04-25T09:32:09+25:00", NaT), ("1e5", NaT), ("-43580", NaT),
    # years outside MIN_YEAR..MAX_YEAR → NaT
    ("0203-01-01 10:00", NaT), ("1899-12-30", NaT), ("2101-01-01", NaT), ("12/31/1989", NaT),
    ("100", NaT), ("2958465", NaT),
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[repr(c[0]) for c in CASES])
def test_each_form(raw, expected):
    result = parse_datetimes(pd.Series([raw], dtype=object))
    assert result.dtype == "datetime64[ns]"
    got = result.iloc[0]
    if expected is NaT:
        assert got is NaT
    else:
        assert got == expected


def test_mixed_series_keeps_index_and_name():
    raw = [c[0] for c in CASES]
    index = pd.Index([f"r{i}" for i in range(len(raw))][::-1])
    result = parse_datetimes(pd.Series(raw, index=index, dtype=object, name="受理时间"))
    assert result.index.equals(index)
    assert result.name == "受理时间"
    assert result.dtype == "datetime64[ns]"
    expected = pd.Series([c[1] for c in CASES], index=index, dtype="datetime64[ns]")
    pd.testing.assert_series_equal(result, expected, check_names=False)


def test_every_format_agrees_with_strptime():
    rng = np.random.default_rng(7)
    base = pd.Timestamp("1995-01-01").value
    stamps = pd.to_datetime(base + rng.integers(0, 30 * 365 * 86400, 300) * 10**9 + rng.integers(0, 10**6, 300)
                            * 1000)
    for fmt in FORMATS:
        strings = [t.strftime(fmt) for t in stamps.to_pydatetime()]
        expected = [datetime.strptime(s, fmt) for s in strings]
        got = parse_datetimes(pd.Series(strings, dtype=object))
        assert got.tolist() == [pd.Timestamp(e) for e in expected], fmt


def test_other_time_zone_and_string_dtypes():
    raw = ["2017-12-31T23:59:58Z", "2017-12-31 15:59:58"]
    for dtype in (object, "str", "string"):
        result = parse_datetimes(pd.Series(raw, dtype=dtype), tz="America/Los_Angeles")
        assert result.tolist() == [T("2017-12-31 15:59:58")] * 2


def test_empty_and_all_missing():
    assert parse_datetimes(pd.Series([], dtype=object)).dtype == "datetime64[ns]"
    assert parse_datetimes(pd.Series([None, "", np.nan], dtype=object)).isna().all()


def test_non_string_objects_are_read_as_text():
    result = parse_datetimes(pd.Series([43580, 20190425, None, "2019/4/25"], dtype=object))
    assert result.tolist() == [T("2019-04-25"), T("2019-04-25"), NaT, T("2019-04-25")]


def test_year_bounds():
    assert MIN_YEAR == 1990 and MAX_YEAR == 2100
    result = parse_datetimes(pd.Series(["1990-01-01 00:00", "1989-12-31 23:59", "2100-12-31 23:59:59"]))
    assert result.tolist() == [T("1990-01-01"), NaT, T("2100-12-31 23:59:59")]


def _million(fmt_fn) -> pd.Series:
    rng = np.random.default_rng(0)
    base = pd.Timestamp("2017-01-01").value
    stamps = pd.DatetimeIndex(base + rng.integers(0, 3 * 365 * 86400, 1_000_000) * 10**9)
    return stamps, pd.Series(fmt_fn(stamps), dtype=object)


@pytest.mark.parametrize("form", ["cn", "us"])
def test_a_million_values_parse(form):  # speed: benchmarks/bench_hot_paths.py
    if form == "cn":
        stamps, raw = _million(lambda s: [f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}"
                                          for t in s.to_pydatetime()])
    else:
        stamps, raw = _million(lambda s: s.strftime("%m/%d/%Y %I:%M:%S %p"))
    result = parse_datetimes(raw)
    assert (result.to_numpy() == stamps.to_numpy()).all()
