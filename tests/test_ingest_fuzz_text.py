"""Property tests of the importer on text: random bytes, random 12345 CSVs, the same CSVs in any encoding."""
from __future__ import annotations

import codecs
import csv
import io

from hypothesis import given, settings, strategies as st

from tests.fuzz_support import (PARSER_WARNINGS_FAIL, CSV_DIALECTS, ENCODINGS, FUZZ_EXAMPLES, SETTINGS, SMALL_CELL,
                                check_import, csv_text, encode, fresh_store, tables, tally, template)

pytestmark = PARSER_WARNINGS_FAIL


# ---------------------------------------------------------------- (a) random bytes

PREFIXES = [b"", b"PK\x03\x04", codecs.BOM_UTF8, b"[", b"{", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            codecs.BOM_UTF16_LE, "工单编号,受理时间\n".encode("gbk"), "工单编号,受理时间\n".encode(),
            b'[{"requested_datetime": ', b"\x89PNG", b"%PDF-1.4"]


@settings(max_examples=FUZZ_EXAMPLES["bytes"], **SETTINGS)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=3000),
       suffix=st.sampled_from([".csv", ".xlsx", ".json", ".txt", ""]))
def test_random_bytes(template, prefix, body, suffix):
    with fresh_store(template) as (engine, folder):
        path = folder / f"input{suffix}"
        path.write_bytes(prefix + body)
        check_import(engine, path)


# ---------------------------------------------------------------- (b) random CSVs

@settings(max_examples=FUZZ_EXAMPLES["csv"], **SETTINGS)
@given(table=tables(), dialect=CSV_DIALECTS, chunk_rows=st.sampled_from([4, 50_000, 50_000]))
def test_random_csv(template, table, dialect, chunk_rows):
    names, rows = table
    with fresh_store(template) as (engine, folder):
        path = folder / "工单导出.csv"
        text = csv_text(names, rows, *dialect)
        path.write_bytes(text.encode("utf-8"))
        rep = check_import(engine, path, chunk_rows=chunk_rows)
    # Every row written that is not blank was read, none skipped, none invented; unless the file is not
    # what was meant (with "\r" line ends csv leaves a "\n" in a cell unquoted: a line break to any reader).
    as_written = [names, *[["" if c is None else c for c in row] for row in rows]]
    if rep is not None and _read_back(text, dialect[0]) == as_written:
        tally("rows counted against the file")
        assert rep.rows_read == sum(any((cell or "").strip() for cell in row) for row in rows)


def _read_back(text: str, delimiter: str) -> list[list[str]]:
    """The CSV as Python's csv module reads it, with fields up to the ~1 MB cells the strategy makes
    (the module's default limit is 128 KB)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 24)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    finally:
        csv.field_size_limit(limit)


# ---------------------------------------------------------------- (c) wrong encodings

@settings(max_examples=FUZZ_EXAMPLES["encoding"], **SETTINGS)
@given(table=tables(cells=SMALL_CELL, max_rows=8), encoding=st.sampled_from(ENCODINGS))
def test_csv_in_any_encoding(template, table, encoding):
    names, rows = table
    with fresh_store(template) as (engine, folder):
        path = folder / "工单导出.csv"
        path.write_bytes(encode(csv_text(names, rows), encoding))
        check_import(engine, path)
