"""Shared pieces of the importer's property tests (hypothesis): settings, throw-away stores, checks, strategies.

Random bytes, random 12345-style CSVs (Chinese, emoji, control characters, NUL, fields up to ~1 MB,
formula-injection cells, dates in many forms and garbage), the same CSVs in wrong encodings, damaged
workbooks and random Open311 JSON. For every input the importer either

* returns a report that accounts for every row (`report.balanced`), with the store holding exactly the
  inserted tickets, one more batch and the quarantined rows more than before; or
* raises one of its documented, user-facing errors (`NotATableError`, `ProfileError`: one sentence for the
  user) and leaves the store exactly as it was (no partial batch).

Any other exception is a bug. The runs are derandomized (a fixed seed per test, no example database) so CI
sees the same inputs every time; `FUZZ_EXAMPLES` sets the example counts (the whole file runs in well
under a minute). Crashes found by these tests have a plain regression test at the end of the file.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
import shutil
import tempfile
import tomllib
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from civicdesk import ingest, store
from civicdesk.ingest.profiles import SHIPPED_DIR
from civicdesk.store.schema import import_batches, quarantine, tickets

# pandas warns (and drops data) where it should refuse a file: a warning here is a bug too
#: Every fuzz test module sets this: pandas' ParserWarning turned out to mean lost rows.
PARSER_WARNINGS_FAIL = pytest.mark.filterwarnings("error::pandas.errors.ParserWarning")

NOW = pd.Timestamp("2024-01-01")
#: Errors the importer documents for a file it cannot take; their messages are shown to users as they are.
USER_ERRORS = (ingest.NotATableError, ingest.ProfileError)
#: Example counts per property (bytes, CSV, encodings, xlsx, JSON, formulas).
FUZZ_EXAMPLES = {"bytes": 120, "csv": 80, "encoding": 60, "xlsx": 60, "json": 100, "formula": 25}
SETTINGS = dict(deadline=None, database=None, derandomize=True, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])

CN12345 = tomllib.loads((SHIPPED_DIR / "cn12345.toml").read_text(encoding="utf-8"))["columns"]
OPEN311 = tomllib.loads((SHIPPED_DIR / "open311.toml").read_text(encoding="utf-8"))["columns"]
FORMULAS = ['=HYPERLINK("http://x","y")', "=1+1", "+1", "-1", "@SUM(A1)", "=cmd|' /C calc'!A0",
            '=IMPORTXML(CONCAT("http://x/?",A1),"//a")', "-2+3+cmd|' /C calc'!A0", "\t=1+1", "=DDE(\"cmd\")"]
# Each fixture row: id, created, channel, category, street, description; imported once into the template
# store, so random files that reuse these ids exercise updates and unchanged rows as well as inserts.
BASE_ROWS = [[f"GD{i:03d}", f"2023/2/{10 + i % 5} 8:0{i % 10}:00", "12345热线", "供暖", "明水街道", f"暖气不热{i}"]
             for i in range(12)]
BASE_HEADERS = ["工单编号", "受理时间", "来源渠道", "一级分类", "所属街道", "诉求内容"]


# ---------------------------------------------------------------- stores

@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A SQLite store holding BASE_ROWS, copied fresh for every example."""
    folder = tmp_path_factory.mktemp("fuzz-template")
    csv_path = folder / "base.csv"
    pd.DataFrame(BASE_ROWS, columns=BASE_HEADERS).to_csv(csv_path, index=False)
    engine = store.connect(f"sqlite:///{folder / 'base.db'}")
    ingest.import_file(engine, csv_path, now=NOW)
    engine.dispose()  # the last connection closing checkpoints the WAL into base.db
    return folder / "base.db"


@contextmanager
def fresh_store(template_db: Path):
    """An engine on a copy of the template store, in a temporary folder that also holds the input file."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = Path(tmp)
        shutil.copyfile(template_db, folder / "store.db")
        engine = store.connect(f"sqlite:///{folder / 'store.db'}", upgrade=False)
        try:
            yield engine, folder
        finally:
            engine.dispose()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                for t in (tickets, import_batches, quarantine)}


def tally(what: str) -> None:
    """Count an outcome in hypothesis' statistics (`pytest --hypothesis-show-statistics`)."""
    try:
        event(what)
    except InvalidArgument:  # not inside a hypothesis test
        pass


def check_import(engine, path: Path, **kwargs) -> ingest.ImportReport | None:
    """Import `path` and check the properties; the report, or None when the file was refused."""
    before = counts(engine)
    try:
        rep = ingest.import_file(engine, path, now=NOW, **kwargs)
    except USER_ERRORS as exc:
        tally(f"refused: {type(exc).__name__}: {str(exc)[:60]}")
        message = str(exc)
        assert message and "\n" not in message.strip() and "Traceback" not in message
        assert counts(engine) == before, "a refused file changed the store"
        return None
    tally("imported" if rep.rows_read else "imported: no rows")
    assert rep.balanced, rep
    assert min(rep.rows_read, rep.inserted, rep.updated, rep.unchanged, rep.quarantined) >= 0
    assert sum(rep.reasons.values()) >= rep.quarantined
    after = counts(engine)
    assert after == {"tickets": before["tickets"] + rep.inserted,
                     "import_batches": before["import_batches"] + 1,
                     "quarantine": before["quarantine"] + rep.quarantined}, (rep, before, after)
    return rep


# ---------------------------------------------------------------- strategies: cells

def _date_text(parts) -> str:
    fmt, y, mo, d, h, mi, s = parts
    return fmt.format(y=y, mo=mo, d=d, h=h, mi=mi, s=s, h12=(h % 12) or 12, p="AM" if h < 12 else "PM")


DATE_FORMATS = ["{y}/{mo}/{d} {h}:{mi:02d}:{s:02d}", "{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}",
                "{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}+08:00", "{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}Z",
                "{mo}/{d}/{y} {h12}:{mi:02d}:{s:02d} {p}", "{y}年{mo}月{d}日 {h}:{mi:02d}", "{y}{mo:02d}{d:02d}",
                "{y}.{mo}.{d}", "{y}年{mo}月{d}日{h}时{mi}分", "{d}/{mo}/{y}", "{y}-{mo}-{d} {h}:{mi}:{s}.123456789"]
dates = st.one_of(
    st.tuples(st.sampled_from(DATE_FORMATS), st.integers(0, 99999), st.integers(0, 13), st.integers(0, 32),
              st.integers(0, 25), st.integers(0, 61), st.integers(0, 61)).map(_date_text),
    st.tuples(st.sampled_from(DATE_FORMATS[:6]), st.integers(2015, 2023), st.integers(1, 12),
              st.integers(1, 28), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)).map(_date_text),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.sampled_from(["43580.3972", "9999999.9", "0", "-1", "1e308", "nan", "NaT", "inf", "昨天下午",
                     "2023-02-30", "0000-00-00 00:00:00", "2023-02-10T08:05:00+99:99", "  ", "２０２３－０２－１０",
                     "12/31/2017 11:59:58 PM", "1900-01-01", "2262-04-12"]),
)
#: Any text but NUL (a NUL in the first 64 KB makes a binary file; `NUL` adds one now and then).
TEXT = st.characters(codec="utf-8", exclude_characters="\x00")
FORMULA = st.one_of(st.sampled_from(FORMULAS),
                    st.tuples(st.sampled_from("=+-@"), st.text(TEXT, max_size=20)).map("".join))
CONTROL = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x1f) | st.sampled_from("\x7f\x85\u2028\u2029\ufeff\ufffd"),
                  max_size=6)
CHINESE = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30)
EMOJI = st.sampled_from(["😀", "🚒🔥", "👨‍👩‍👧", "\u200b", "🀄️", "𠮷野家", "Ω≈ç√", "ｆｕｌｌ　ｗｉｄｔｈ"])
HUGE = st.tuples(st.sampled_from(["暖", "a", "😀", "\"", ",", "\n", "=1+", "13812345678 "]),
                 st.integers(1 << 10, 1 << 20)).map(lambda p: p[0] * (p[1] // len(p[0].encode())))
CELL = st.one_of(st.none(), st.just(""), CHINESE, EMOJI, CONTROL, FORMULA, dates, st.text(TEXT, max_size=40),
                 st.lists(st.one_of(CHINESE, EMOJI, CONTROL, FORMULA), max_size=4).map("".join),
                 st.sampled_from(["1", "true", "是", "否", "-3", "2.5", "inf", "1e300", "2147483648", "满意", "网格员上报",
                                  "紧急", "已办结"]))
NUL = st.sampled_from(["\x00", "暖气\x00不热", "2023/2/10 8:05:00\x00"])
SMALL_CELL = st.one_of(st.none(), CHINESE, EMOJI, FORMULA, dates, st.text(TEXT, max_size=20))


def rarely(draw, one_in: int) -> bool:
    """True about once in `one_in` draws (hypothesis favours the ends of a range, so a middle value counts)."""
    return draw(st.sampled_from(range(one_in))) == one_in // 2


#: header → field, and for some fields values of their kind, valid or nearly so.
FIELD_OF = {header: name for name, synonyms in CN12345.items() for header in synonyms}
_COUNTS = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(["inf", "-inf", "nan", "1e300", "2147483648",
                                                                    "2147483647", "3.0", "2.5", "１２", "0x10", "一次"]))
_CODES = {f: st.sampled_from(sorted(v) + ["未知", "UNKNOWN", " 满意 ", "Ａpp"])
          for f, v in tomllib.loads((SHIPPED_DIR / "cn12345.toml").read_text(encoding="utf-8"))["values"].items()}
TYPED = {
    **{f: dates for f in ("created_at", "signed_at", "first_response_at", "closed_at", "deadline_at")},
    "returned_count": _COUNTS, "reopened_count": _COUNTS,
    "escalated": st.sampled_from(["是", "否", "1", "0", "TRUE", "督办", "maybe", "已督办"]),
    "source_id": st.one_of(st.sampled_from([r[0] for r in BASE_ROWS]), st.text(TEXT, max_size=70)),
    "street": st.one_of(st.sampled_from(["明水街道", "双山街道", "圣井街道"]), st.text(TEXT, min_size=60, max_size=70)),
    "caller_phone": st.from_regex(r"1[3-9]\d{9}|0531-\d{8}", fullmatch=True),
    **_CODES,
}


@st.composite
def headers(draw) -> list[str]:
    """Some of the 12345 profile's real headers (usually with a creation-time column), maybe junk ones."""
    fields = draw(st.lists(st.sampled_from(sorted(CN12345)), unique=True, min_size=1, max_size=10))
    if "created_at" not in fields and not rarely(draw, 5):
        fields.insert(0, "created_at")
    names = [draw(st.sampled_from(CN12345[f])) for f in fields]
    names += draw(st.lists(st.one_of(st.just(""), st.sampled_from(["备注", "_row", "_sheet", "工单编号"]),
                                     st.text(TEXT, max_size=8)), max_size=2))
    return draw(st.permutations(names))


@st.composite
def tables(draw, cells=CELL, max_rows=25) -> tuple[list[str], list[list]]:
    """Headers and rows; rows are sometimes short or long.

    A cell is any text, or half the time a value of its column's kind (a date, a count, an id of the
    template store's tickets so that updates and unchanged rows come up, a code the profile knows...).

    Now and then one cell holds a NUL (a binary file if it comes in the first 64 KB) or ~1 MB of text.
    """
    names = draw(headers())
    n_rows = draw(st.integers(0, max_rows))
    ragged = rarely(draw, 5)  # some rows short or long (a long one refuses the file)
    rows = []
    for _ in range(n_rows):
        width = len(names) + (draw(st.sampled_from([0] * 8 + [-1, 1])) if ragged else 0)
        kinds = [TYPED.get(FIELD_OF.get(name), cells) for name in names] + [cells]  # + one for a long row
        row = [draw(st.one_of(cells, kinds[min(i, len(names))])) for i in range(max(width, 0))]
        rows.append(row)
    for rare in (HUGE, NUL):
        if rows and rarely(draw, 10):
            row = draw(st.sampled_from(rows))
            if row:
                row[draw(st.integers(0, len(row) - 1))] = draw(rare)
    return names, rows


def csv_text(names, rows, delimiter=",", newline="\r\n", quoting=csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(names)
    writer.writerows([["" if c is None else c for c in row] for row in rows])
    return out.getvalue()


CSV_DIALECTS = st.tuples(st.sampled_from([",", "\t", ";", "|"]), st.sampled_from(["\r\n", "\n", "\r"]),
                         st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))


def encode(text: str, how: str) -> bytes:
    """The CSV text as bytes, correctly or wrongly encoded."""
    if how == "mojibake":  # UTF-8 bytes read as latin-1 and saved as UTF-8 again
        return text.encode("utf-8", "surrogatepass").decode("latin-1").encode("utf-8")
    if how == "gbk-then-utf8":  # a file appended to by two programs
        half = len(text) // 2
        return text[:half].encode("gbk", "replace") + text[half:].encode("utf-8", "replace")
    if how == "truncated-utf8":  # ends in the middle of a multibyte character
        return text.encode("utf-8") + "暖".encode()[:2]
    return text.encode(how, "replace")


ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "latin-1", "cp1252", "big5",
             "shift_jis", "mojibake", "gbk-then-utf8", "truncated-utf8"]


def xlsx_bytes(names, rows) -> bytes:
    """A workbook of the table; text cells are stored as text (a "=..." cell stays a string, not a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    ws = wb.active
    for r, row in enumerate([names, *rows], start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
            cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, name: str, change) -> bytes:
    """The workbook with member `name` replaced by `change(body)`, re-zipped with good CRCs."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(body) if info.filename == name else body)
    return out.getvalue()


def damage_member(data: bytes, name: str, at: float, payload: bytes, cut: bool) -> bytes:
    """One member's XML overwritten at `at` (or cut there): no longer well-formed."""
    def change(body: bytes) -> bytes:
        pos = int(at * len(body))
        return body[:pos] if cut else body[:pos] + payload + body[pos + len(payload):]
    return rezip(data, name, change)


def bad_cell(data: bytes, at: float, cell: bytes) -> bytes:
    """One cell of the sheet replaced by a well-formed but wrong one (bad shared string, number, date...)."""
    def change(body: bytes) -> bytes:
        cells = list(re.finditer(rb"<c [^>]*>.*?</c>", body))
        if not cells:
            return body
        found = cells[int(at * (len(cells) - 1))]
        return body[:found.start()] + cell + body[found.end():]
    return rezip(data, "xl/worksheets/sheet1.xml", change)
