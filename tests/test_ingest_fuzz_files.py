"""Property tests of the importer on structured files: damaged workbooks, random Open311 JSON, formula cells."""
from __future__ import annotations

import codecs
import io
import json
import re
import zipfile

from hypothesis import given, settings, strategies as st
import pandas as pd
import sqlalchemy as sa

from civicdesk.store.schema import tickets
from tests.fuzz_support import (BASE_HEADERS, CHINESE, FORMULA, FUZZ_EXAMPLES, OPEN311, PARSER_WARNINGS_FAIL, SETTINGS,
                                SMALL_CELL, bad_cell, check_import, csv_text,
                                damage_member, dates, fresh_store, rarely, rezip,
                                tables, template, xlsx_bytes)

pytestmark = PARSER_WARNINGS_FAIL


# ---------------------------------------------------------------- damaged and random workbooks

MEMBERS = ["xl/worksheets/sheet1.xml"] * 4 + ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml",
                                               "xl/_rels/workbook.xml.rels"]
XML_NOISE = st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from([b"<", b"&", b"]]>", b"\xff\xfe",
                                                                         b"<row r=\"-1\">", b"</sheetData>"]))
BAD_CELLS = [b'<c r="B3" t="s"><v>99999</v></c>', b'<c r="B3" t="s"><v>-5</v></c>', b'<c r="B3" t="n"><v>x</v></c>',
             b'<c r="B3" t="d"><v>x</v></c>', b'<c r="B3" t="b"><v>x</v></c>', b'<c r="ZZZZ9999999"><v>1</v></c>',
             b'<c r="B3" t="e"><v>#REF!</v></c>', b'<c r="B3" t="n"><v>1e400</v></c>', b'<c r="A0"><v>1</v></c>',
             b'<c r="B3" t="n" s="999"><v>45000</v></c>', b'<c r="B3" t="str"><v>=1</v></c>',
             b'<c r="B3"><f>HYPERLINK("http://x","y")</f><v>y</v></c>', b'<c r="B3" t="n"><v>nan</v></c>']
XLSX_DAMAGE = st.one_of(
    st.none(),
    st.tuples(st.just("bytes"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),  # overwrite raw bytes
    st.tuples(st.just("cut"), st.floats(0.05, 1)),  # the file cut short
    st.tuples(st.just("member"), st.sampled_from(MEMBERS), st.floats(0, 1), XML_NOISE, st.booleans()),
    st.tuples(st.just("cell"), st.floats(0, 1), st.sampled_from(BAD_CELLS)),
)


@settings(max_examples=FUZZ_EXAMPLES["xlsx"], **SETTINGS)
@given(table=tables(cells=SMALL_CELL, max_rows=8), damage=XLSX_DAMAGE)
def test_random_and_damaged_xlsx(template, table, damage):
    data = xlsx_bytes(*table)
    if damage is not None and damage[0] == "bytes":
        at = int(damage[1] * (len(data) - 1))
        data = data[:at] + damage[2] + data[at + len(damage[2]):]
    elif damage is not None and damage[0] == "cut":
        data = data[:int(damage[1] * len(data))]
    elif damage is not None:
        data = (damage_member if damage[0] == "member" else bad_cell)(data, *damage[1:])
    with fresh_store(template) as (engine, folder):
        path = folder / "工单导出.xlsx"
        path.write_bytes(data)
        check_import(engine, path)


# ---------------------------------------------------------------- (d) Open311 JSON

JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                        st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=2),
                        dates, FORMULA, CHINESE)
JSON_VALUE = st.recursive(JSON_SCALAR, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
OPEN311_KEYS = sorted({k for v in OPEN311.values() for k in v} | {"lat", "long", "media_url", "address"})


@st.composite
def open311_records(draw) -> dict:
    """One service request: Open311 fields present or not, of the right type or not, plus unknown keys."""
    record = draw(st.dictionaries(st.text(max_size=12), JSON_VALUE, max_size=3))
    record.update(draw(st.fixed_dictionaries({}, optional={k: st.one_of(dates, JSON_SCALAR, JSON_VALUE)
                                                           for k in OPEN311_KEYS})))
    if not rarely(draw, 5):  # usually a creation time, often a plausible one
        record["requested_datetime"] = draw(st.one_of(dates, JSON_SCALAR))
    return record


@st.composite
def open311_documents(draw):
    """A parsed JSON document: mostly lists of service requests, sometimes wrapped, nested or not a list."""
    record = open311_records()
    records = draw(st.lists(record, max_size=20))
    shape = draw(st.sampled_from(["list", "wrapped", "other-key", "scalar", "mixed-list", "nested"]))
    if shape == "wrapped":
        return {draw(st.sampled_from(["service_requests", "requests", "records", "data"])): records}
    if shape == "other-key":
        return {"meta": {"count": len(records)}, "payload": records}
    if shape == "scalar":
        return draw(JSON_VALUE)
    if shape == "mixed-list":
        return records + [draw(JSON_SCALAR)]
    if shape == "nested":
        return {"data": {"service_requests": records}}
    return records


@settings(max_examples=FUZZ_EXAMPLES["json"], **SETTINGS)
@given(doc=open311_documents(), damage=st.sampled_from(["none"] * 6 + ["truncate", "bom", "trailing", "utf16"]),
       cut=st.floats(0, 1), ascii_only=st.booleans(), suffix=st.sampled_from([".json", ".json", ".txt"]))
def test_random_open311_json(template, doc, damage, cut, ascii_only, suffix):
    text = json.dumps(doc, ensure_ascii=ascii_only)  # "\\u6696" or UTF-8
    data = text.encode("utf-8", "surrogatepass")
    if damage == "truncate":
        data = data[:int(cut * len(data))]
    elif damage == "bom":
        data = codecs.BOM_UTF8 + data
    elif damage == "trailing":
        data += b"\n}garbage"
    elif damage == "utf16":
        data = text.encode("utf-16", "surrogatepass")
    with fresh_store(template) as (engine, folder):
        path = folder / f"requests{suffix}"
        path.write_bytes(data)
        check_import(engine, path, profile="open311" if cut < 0.3 else None)


# ---------------------------------------------------------------- formula injection is stored as text

@settings(max_examples=FUZZ_EXAMPLES["formula"], **SETTINGS)
@given(formulas=st.lists(FORMULA.map(str.strip).filter(bool), min_size=1, max_size=6),
       fmt=st.sampled_from(["csv", "xlsx"]))
def test_formula_cells_are_stored_verbatim_as_text(template, formulas, fmt):
    rows = [[f"F{i}", "2023/3/1 9:00:00", "12345热线", "供暖", "明水街道", text] for i, text in enumerate(formulas)]
    with fresh_store(template) as (engine, folder):
        path = folder / f"formulas.{fmt}"
        if fmt == "csv":
            path.write_bytes(csv_text(BASE_HEADERS, rows).encode("utf-8"))
        else:
            path.write_bytes(xlsx_bytes(BASE_HEADERS, rows))
        rep = check_import(engine, path)
        assert rep is not None and rep.inserted == len(rows)
        with engine.connect() as conn:
            stored = dict(conn.execute(sa.select(tickets.c.source_id, tickets.c.description)
                                       .where(tickets.c.source_id.like("F%"))).all())
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from civicdesk.ingest.callers import mask_phones

    written = pd.Series([ILLEGAL_CHARACTERS_RE.sub("", t).strip() or None if fmt == "xlsx" else t for t in formulas])
    # as written (phone-like digit runs masked, as in every description); never evaluated
    assert stored == {f"F{i}": text for i, text in enumerate(mask_phones(written))}
