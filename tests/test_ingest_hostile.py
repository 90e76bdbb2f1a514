"""Hostile rows on each backend, and regressions the importer's property tests found."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import ingest, store
from civicdesk.store.schema import tickets
from tests.fuzz_support import (BASE_HEADERS, BASE_ROWS, NOW, PARSER_WARNINGS_FAIL, bad_cell, check_import, counts,
                                csv_text, damage_member, xlsx_bytes)

pytestmark = PARSER_WARNINGS_FAIL


# ---------------------------------------------------------------- PostgreSQL smoke test (not hypothesis)

HOSTILE_CELLS = ['=HYPERLINK("http://x","y")', "+1", "@SUM(A1)", "-2+3", "暖气\x01不热\x1f", "😀" * 1000,
                 "x" * (1 << 20)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_hostile_rows_on_each_backend(backend, request, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    engine = store.connect(url)
    rows = [[f"H{i}", "2023/3/1 9:00:00", "12345热线", "供暖", "明水街道", text] for i, text in enumerate(HOSTILE_CELLS)]
    rows.append(["H99", "昨天下午", "12345热线", "供暖", "明水街道", "=1+1"])
    path = tmp_path / "hostile.csv"
    path.write_bytes(csv_text(BASE_HEADERS, rows).encode("utf-8"))
    rep = check_import(engine, path)
    assert (rep.inserted, rep.quarantined) == (len(HOSTILE_CELLS), 1)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(tickets.c.source_id, tickets.c.description)).all())
    assert stored == {f"H{i}": text.strip() for i, text in enumerate(HOSTILE_CELLS)}  # cells are stripped
    engine.dispose()


# ---------------------------------------------------------------- regressions found by the properties above
# Each was a traceback (or, for the long first row, silently lost cells) before the fix it names.

def test_lone_surrogates_in_open311_json_become_replacement_characters(store_url, tmp_path):
    """`"\\ud800"` is valid JSON but no text: Arrow, hashing and both stores refused it (UnicodeEncodeError)."""
    engine = store.connect(store_url)
    path = tmp_path / "requests.json"
    path.write_text('[{"service_request_id": "S\\ud800", "requested_datetime": "2023-03-01T09:00:00+08:00", '
                    '"description": "\\udc00\\u6696", "x\\ud83d": "1"}]', encoding="ascii")
    rep = check_import(engine, path)
    assert (rep.inserted, rep.quarantined) == (1, 0)
    with engine.connect() as conn:
        assert conn.execute(sa.select(tickets.c.source_id, tickets.c.description)).one() == ("S\ufffd", "\ufffd暖")
    engine.dispose()


def test_nul_past_the_binary_probe_is_stored_as_a_replacement_character(store_url, tmp_path):
    """A NUL after the first 64 KB of a CSV, or `"\\u0000"` in JSON: PostgreSQL refused the text (DataError)."""
    engine = store.connect(store_url)
    rows = [["N1", "2023/3/1 9:00:00", "12345热线", "供暖", "明水街道", "长" * 30_000],
            ["N2", "2023/3/1 9:00:00", "12345热线", "供暖", "明水\x00街道", "暖气\x00不热"]]
    path = tmp_path / "nul.csv"
    path.write_bytes(csv_text(BASE_HEADERS, rows).encode("utf-8"))
    assert b"\x00" not in path.read_bytes()[:64 << 10]
    assert check_import(engine, path).inserted == 2
    json_path = tmp_path / "nul.json"
    json_path.write_text(json.dumps([{"service_request_id": "J\u0000", "requested_datetime": "2023-03-01T09:00:00Z",
                                      "description": "a\u0000b", "k\u0000": "v"}]), encoding="utf-8")
    assert check_import(engine, json_path).inserted == 1
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(tickets.c.source_id, tickets.c.description)).all())
        streets_ = set(conn.execute(sa.select(tickets.c.street)).scalars())
    assert stored["N2"] == "暖气\ufffd不热" and stored["J\ufffd"] == "a\ufffdb" and "明水\ufffd街道" in streets_
    engine.dispose()


def test_offset_timestamps_far_outside_the_accepted_years_are_bad_dates(sqlite_url, tmp_path):
    """"3082-02-13T20:00:55+08:00" overflowed nanoseconds (OutOfBoundsDatetime) instead of being a bad date."""
    from civicdesk.ingest.dates import parse_datetimes

    values = pd.Series(["3082-02-13T20:00:55+08:00", "1677-09-21T00:00:00Z", "9999-12-31T23:59:59-12:00",
                        "2023-02-10T08:05:00+08:00"], dtype=object)
    assert parse_datetimes(values).tolist() == [pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2023-02-10 08:05")]
    engine = store.connect(sqlite_url)
    rows = [["T1", "3082-02-13T20:00:55+08:00", "12345热线", "供暖", "明水街道", "x"],
            ["T2", "2023-02-10T08:05:00+08:00", "12345热线", "供暖", "明水街道", "y"]]
    path = tmp_path / "years.csv"
    path.write_bytes(csv_text(BASE_HEADERS, rows).encode("utf-8"))
    rep = check_import(engine, path)
    assert (rep.inserted, rep.quarantined, rep.reasons) == (1, 1, {"bad_date:created_at": 1})


@pytest.mark.parametrize("count", ["inf", "1e300", "2147483648", "-1", "2.5", "nan"])
def test_counts_that_are_no_storable_count_are_quarantined(count, store_url, tmp_path):
    """退单次数 "inf" crashed the cast to integers on any store, "2147483648" overflowed PostgreSQL's integer."""
    engine = store.connect(store_url)
    headers_ = [*BASE_HEADERS, "退单次数", "重办次数"]
    rows = [["C1", "2023/3/1 9:00:00", "12345热线", "供暖", "明水街道", "x", count, "0"],
            ["C2", "2023/3/1 9:00:00", "12345热线", "供暖", "明水街道", "y", "2147483647", "3"]]
    path = tmp_path / "counts.csv"
    path.write_bytes(csv_text(headers_, rows).encode("utf-8"))
    rep = check_import(engine, path)
    assert (rep.inserted, rep.quarantined, rep.reasons) == (1, 1, {"bad_value:returned_count": 1})
    with engine.connect() as conn:
        assert conn.execute(sa.select(tickets.c.returned_count, tickets.c.reopened_count)).one() == (2147483647, 3)
    engine.dispose()


def _damaged_sheet_xlsx(path: Path, rows: int = 30) -> None:
    data = xlsx_bytes(BASE_HEADERS, [[f"D{i}", "2023/3/1 9:00:00", "热线", "供暖", "明水街道", "x"] for i in range(rows)])
    path.write_bytes(damage_member(data, "xl/worksheets/sheet1.xml", 0.8, b"<", False))


@pytest.mark.parametrize("chunk_rows", [5, 50_000])
def test_damaged_sheet_xml_is_refused_and_nothing_is_written(chunk_rows, sqlite_url, tmp_path):
    """Broken XML inside a sound zip: openpyxl's ParseError came out of `chunks()` mid-import."""
    engine = store.connect(sqlite_url)
    path = tmp_path / "工单.xlsx"
    _damaged_sheet_xlsx(path)
    before = counts(engine)
    with pytest.raises(ingest.NotATableError, match=r"工单.xlsx: sheet 'Sheet' is damaged \(ParseError\)"):
        ingest.import_file(engine, path, now=NOW, chunk_rows=chunk_rows)
    assert counts(engine) == before
    broken = tmp_path / "cell.xlsx"
    broken.write_bytes(bad_cell(xlsx_bytes(BASE_HEADERS, BASE_ROWS), 0.5, b'<c r="B3" t="s"><v>99999</v></c>'))
    with pytest.raises(ingest.NotATableError, match=r"damaged \(IndexError\)"):
        ingest.import_file(engine, broken, now=NOW)
    assert counts(engine) == before


def test_long_first_data_row_is_refused_not_cut(tmp_path):
    """pandas dropped the extra fields of the first data row with only a ParserWarning (index_col=False)."""
    path = tmp_path / "long.csv"
    path.write_text("工单编号,受理时间\nA1,2023/3/1 9:00:00,extra,cells\nA2,2023/3/1 9:00:00\n", encoding="utf-8")
    with pytest.raises(ingest.NotATableError, match="line 2 has more fields than the 2 columns"):
        list(ingest.open_table(path).chunks())


def test_json_of_the_wrong_type_is_named_in_json_terms(tmp_path):
    path = tmp_path / "x.json"
    for text, kind in (("null", "null"), ('"abc"', "string"), ("12.5", "number"), ("true", "true/false")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ingest.NotATableError, match=f"holds a JSON {kind}, not a list"):
            ingest.open_table(path)
