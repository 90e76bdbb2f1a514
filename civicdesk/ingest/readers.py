"""Read a file of tickets (CSV, Excel .xlsx or Open311 JSON) in chunks of strings, never whole.

`open_table(path)` recognises the format by content, checks that the file is a table at all (not an image,
an empty file, a zip bomb...), and returns a `TableFile` whose `chunks()` yields DataFrames of stripped
strings (None for empty cells) with two meta columns: `_sheet` and `_row`, the row number a user sees in
Excel or a text editor. Anything that is not a readable table raises `NotATableError` with one sentence
naming the file, meant to be shown to the user as is.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

META_COLUMNS = ("_sheet", "_row")
#: Bytes sniffed at the start of a file (encoding, delimiter, header, line breaks).
SAMPLE_BYTES = 1 << 20
#: A NUL byte this early in a file that is not a zip makes it binary.
BINARY_PROBE_BYTES = 64 << 10
DELIMITERS = (",", "\t", ";", "|")
#: Open311 JSON is parsed whole (there is no streaming JSON parser), so it has a size limit.
MAX_JSON_BYTES = 512 << 20
#: Zip-bomb guard for .xlsx: total uncompressed size, and the compression ratio allowed for big members.
MAX_UNZIPPED_BYTES = 4 << 30
MAX_ZIP_RATIO = 200
ZIP_RATIO_MIN_BYTES = 100 << 20
#: Rows searched for an Excel sheet's header row (the first with at least two non-empty cells).
HEADER_SEARCH_ROWS = 50
_JSON_LIST_KEYS = ("service_requests", "requests", "records", "data", "items", "results")
_MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"), (b"BZh", "a bzip2 archive"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Characters no store can hold: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates (JSON escapes such
#: as "\\ud800"; text in no encoding). Cells and headers get U+FFFD instead, like undecodable CSV bytes.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class NotATableError(ValueError):
    """The file is not a table civicdesk can read; the message is one sentence for the user."""


@dataclass(frozen=True)
class TableFile:
    """A readable table file; `chunks()` reads it.

    Attributes:
        path: The file.
        format: "csv", "xlsx" or "open311".
        encoding: For csv, "utf-8", "utf-8-sig" or "gb18030"; None otherwise.
        headers: Column names, stripped and made unique the way pandas does ("备注", "备注.1"); for xlsx,
            those of the first data sheet.
        sheets: For xlsx, the sheets that will be read (header row with the same columns as the first
            data sheet, in any order), in workbook order; () otherwise.
    """

    path: Path
    format: str
    encoding: str | None
    headers: tuple[str, ...]
    sheets: tuple[str, ...] = ()
    _plan: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def chunks(self, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """Yield the data rows, at most `chunk_rows` per DataFrame (a chunk never spans two sheets).

        Columns are `headers` (object dtype: str or None, stripped, "" → None) then `_sheet` (sheet name
        for xlsx, "" otherwise) and `_row` (int: the line number in a text editor for csv, the sheet's row
        number for xlsx, the 1-based position in the list for open311). Fully empty rows are skipped.
        CSV bytes invalid in the detected encoding (past the sniffed sample) become U+FFFD, and so do
        characters no store can hold (NUL, lone surrogates from JSON escapes).

        Raises:
            NotATableError: A CSV line has more fields than the header row, or an Excel sheet is damaged
                (found while reading).
        """
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        readers = {"csv": _csv_chunks, "xlsx": _xlsx_chunks, "open311": _json_chunks}
        yield from readers[self.format](self, chunk_rows)


def open_table(path: str | Path) -> TableFile:
    """Recognise a ticket file by its content and prepare to read it.

    Args:
        path: A .csv/.txt/.tsv, .xlsx or Open311 .json file (the extension is only a hint).

    Returns:
        The file's format, encoding, headers and sheets.

    Raises:
        NotATableError: The file is empty, binary, an archive, a zip bomb, a one-column or one-line text,
            JSON that is not a list of objects, or otherwise not a table.
        FileNotFoundError: There is no such file.
    """
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        if size <= len(head):
            raise NotATableError(f"{path.name} is empty.")
        raise NotATableError(f"{path.name} starts with a megabyte of blank space; it is not a table.")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _open_xlsx(path)
    _refuse_binary(path, head)
    stripped = head.removeprefix(codecs.BOM_UTF8).lstrip()
    suffix = path.suffix.lower()
    if suffix == ".json" or (stripped[:1] in (b"[", b"{") and suffix not in (".csv", ".tsv", ".txt")):
        return _open_json(path, size)
    return _open_csv(path, head, size)


def _refuse_binary(path: Path, head: bytes) -> None:
    """Raise NotATableError for images, PDFs, archives, old .xls workbooks, UTF-16 and other binaries."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise NotATableError(f"{path.name} is {what}, not a table; export the tickets as CSV or .xlsx.")
    if head.startswith(_OLE2):
        raise NotATableError(f"{path.name} is an old Excel 97-2003 (.xls) or password-protected workbook; "
                             "save it as .xlsx without a password, or as CSV UTF-8.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotATableError(f"{path.name} is UTF-16 text; save it as CSV UTF-8 and import that file.")
    if b"\x00" in head[:BINARY_PROBE_BYTES]:
        raise NotATableError(f"{path.name} is a binary file, not a table; export the tickets as CSV or .xlsx.")


# ---------------------------------------------------------------- cell values

def _text(value: Any) -> str | None:
    """A cell value as civicdesk keeps it: a stripped string, None when empty (see `TableFile.chunks`)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")  # ".ffffff" only if there are microseconds
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip() or None


def _storable(text: str | None) -> str | None:
    """`text` with NUL and lone surrogates replaced by U+FFFD (see `_UNSTORABLE`)."""
    return _UNSTORABLE.sub("\ufffd", text) if text is not None and _UNSTORABLE.search(text) else text


def _number(value: float) -> str:
    """"123" for 123.0, else the shortest repr of the value rounded to Excel's 15 significant digits."""
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer():
        return str(int(value))
    return repr(float(f"{value:.15g}"))


def _unique(names: list[str], reserved: tuple[str, ...] = META_COLUMNS) -> tuple[str, ...]:
    """Strip names, name empty ones "Unnamed: i" and suffix duplicates ".1", ".2"... as pandas does."""
    seen = set(reserved)
    out = []
    for i, raw in enumerate(names):
        base = _storable(raw.strip()) or f"Unnamed: {i}"
        name, k = base, 0
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen.add(name)
        out.append(name)
    return tuple(out)


def _frame(headers: tuple[str, ...], rows: list[list[str | None]], sheet: str,
           numbers: list[int]) -> pd.DataFrame:
    """A chunk from a non-empty list of rows: the header columns (object dtype) then `_sheet` and `_row`."""
    frame = pd.DataFrame(rows, columns=list(headers), dtype=object)
    frame["_sheet"] = pd.Series([sheet] * len(rows), dtype=object)
    frame["_row"] = np.asarray(numbers, dtype=np.int64)
    return frame


# ---------------------------------------------------------------- CSV

def _open_csv(path: Path, head: bytes, size: int) -> TableFile:
    """Detect encoding, delimiter and header of a text table."""
    complete = size <= len(head)
    if not complete and b"\n" not in head and b"\r" not in head:
        raise NotATableError(f"{path.name} has no line break in its first megabyte; it is not a table.")
    encoding, text = _decode_sample(path, head, complete)
    skip, header_lines, fields, delimiter = _csv_header(path, text)
    if len(fields) < 2:
        raise NotATableError(f"{path.name} has only one column; is it a table? Save it with commas or tabs "
                             "between the columns.")
    plan = {"delimiter": delimiter, "skip": skip, "header_lines": header_lines}
    return TableFile(path, "csv", encoding, _unique(fields), (), plan)


def _decode_sample(path: Path, head: bytes, complete: bool) -> tuple[str, str]:
    """The encoding ("utf-8-sig", "utf-8" or "gb18030") and the decoded sample.

    Incremental decoders tolerate a multibyte character cut at the end of an incomplete sample.
    """
    candidates = ("utf-8-sig",) if head.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            return encoding, codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
    raise NotATableError(f"{path.name} is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8.")


def _csv_header(path: Path, text: str) -> tuple[int, int, list[str], str]:
    """Blank lines before the header, lines the header spans, its fields, and the delimiter.

    The delimiter is the candidate that splits the header into the most fields (ties: `DELIMITERS` order).
    """
    found = [(*_first_record(path, text, d), d) for d in DELIMITERS]
    return max(found, key=lambda f: (len(f[2]), -DELIMITERS.index(f[3])))


def _first_record(path: Path, text: str, delimiter: str) -> tuple[int, int, list[str]]:
    """Lines skipped before the first non-blank record, lines it spans, and its fields."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    skip = 0
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                return skip, reader.line_num - skip, fields
            skip = reader.line_num
    except csv.Error as exc:
        raise NotATableError(f"{path.name} could not be read as CSV ({exc}).") from None
    raise NotATableError(f"{path.name} is empty.")


def _csv_chunks(table: TableFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Chunks of a CSV file; `_row` counts physical lines, including those inside quoted fields."""
    plan = table._plan
    reader = pd.read_csv(
        table.path, sep=plan["delimiter"], encoding=table.encoding, encoding_errors="replace", dtype=object,
        keep_default_na=False, na_filter=False, skip_blank_lines=False, skiprows=plan["skip"], header=0,
        names=list(table.headers), index_col=False, chunksize=chunk_rows, engine="c")
    first = line = plan["skip"] + plan["header_lines"] + 1
    try:
        with reader:
            for raw in _strict_chunks(reader):
                spans = _line_spans(raw)
                starts = line + np.cumsum(spans) - spans
                line += int(spans.sum())
                frame = pd.DataFrame({h: _clean(raw[h].tolist()) for h in table.headers})
                frame["_sheet"] = pd.Series([""] * len(frame), dtype=object)
                frame["_row"] = starts
                blank = _blank_rows(frame, table.headers)
                if not blank.all():
                    yield frame[~blank].reset_index(drop=True) if blank.any() else frame
    except pd.errors.ParserWarning:
        raise NotATableError(f"{table.path.name}: line {first} has more fields than the {len(table.headers)} "
                             "columns of the header row; fix that line and import again.") from None
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+), saw (\d+)", str(exc))
        # pandas counts a quoted multi-line record as one line, so the number can be a little low
        where = f"line {found.group(1)} has {found.group(2)} fields" if found else str(exc)
        raise NotATableError(f"{table.path.name}: {where}, more than the {len(table.headers)} columns of the "
                             "header row; fix that line and import again.") from None


def _strict_chunks(reader) -> Iterator[pd.DataFrame]:
    """The reader's chunks, raising the ParserWarning about a first data row longer than the header.

    With `index_col=False` pandas drops that row's extra fields with only a warning (a later long row
    raises ParserError). The filter is set around each read only, never while the caller holds a chunk.
    """
    chunks = iter(reader)
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = next(chunks, None)
        if raw is None:
            return
        yield raw


def _clean(values: list) -> pd.Series:
    """Strip a column of parsed strings; empty → None (str.strip returns the same object when unchanged).

    A NUL past the binary probe is kept as U+FFFD (see `_UNSTORABLE`).
    """
    cells = [v.strip() or None if v.__class__ is str else None for v in values]
    if "\x00" in "".join([v for v in cells if v is not None]):  # one C-level scan; NULs are rare
        cells = [_storable(v) for v in cells]
    return pd.Series(cells, dtype=object)


def _blank_rows(frame: pd.DataFrame, headers: tuple[str, ...]) -> np.ndarray:
    """Rows whose cells are all None, checking each further column only on the rows still blank."""
    blank = np.ones(len(frame), bool)
    for name in headers:
        rows = np.flatnonzero(blank)
        if rows.size == 0:
            break
        blank[rows] = pd.isna(frame[name].to_numpy()[rows])
    return blank


def _line_spans(raw: pd.DataFrame) -> np.ndarray:
    """Physical lines each record spans: 1 plus the line breaks inside its (quoted) fields."""
    spans = np.ones(len(raw), np.int64)
    for name in raw.columns:
        values = [v if v.__class__ is str else "" for v in raw[name].tolist()]
        if "\n" in "".join(values):  # one C-level scan; most columns have no line breaks
            spans += np.fromiter((v.count("\n") for v in values), np.int64, len(values))
    return spans


# ---------------------------------------------------------------- Excel

def _open_xlsx(path: Path) -> TableFile:
    """Check the zip, find the data sheets and their header rows."""
    _check_zip(path)
    wb = _load_workbook(path)
    try:
        headers, layout = None, {}
        for ws in wb.worksheets:
            try:
                found = _sheet_header(ws)
            except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for damaged sheets
                raise _damaged_sheet(path, ws.title, exc) from None
            if found is None:
                continue
            row, names = found
            if headers is None:
                headers = names
            if set(names) == set(headers):
                layout[ws.title] = (row, [names.index(h) for h in headers])
    finally:
        wb.close()
    if headers is None:
        raise NotATableError(f"{path.name} has no sheet with a header row of at least two columns.")
    return TableFile(path, "xlsx", None, headers, tuple(layout), {"layout": layout})


def _check_zip(path: Path) -> None:
    """Refuse damaged zips, zip bombs and zips that are not Excel workbooks."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise NotATableError(f"{path.name} is a damaged zip or Excel file.") from None
    total = sum(i.file_size for i in infos)
    ratio = any(i.file_size > ZIP_RATIO_MIN_BYTES and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1)
                for i in infos)
    if total > MAX_UNZIPPED_BYTES or ratio:
        raise NotATableError(f"{path.name} looks like a zip bomb (it would unpack to {total / 2**20:,.0f} MB); "
                             "it was not opened.")
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise NotATableError(f"{path.name} is a binary Excel workbook (.xlsb); save it as .xlsx or CSV UTF-8.")
    if "xl/workbook.xml" not in names:
        raise NotATableError(f"{path.name} is a zip archive, not an Excel workbook; unzip it first.")


def _load_workbook(path: Path):
    """Open a workbook read-only with cached formula values."""
    import openpyxl  # slow to import; only needed for Excel files

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for damaged files
        raise NotATableError(f"{path.name} could not be opened as an Excel workbook ({type(exc).__name__}).") \
            from None


def _sheet_header(ws) -> tuple[int, tuple[str, ...]] | None:
    """The row number and column names of a sheet's header row, None for a sheet that is no table.

    The header row is the first with at least two non-empty cells (title rows above it are skipped);
    trailing empty header cells are dropped.
    """
    ws.reset_dimensions()  # a wrong <dimension> would otherwise cut rows off
    seen = 0
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [_text(v) for v in row] if row and row.count(None) < len(row) else []
        if not any(cells):
            continue
        if sum(c is not None for c in cells) >= 2:
            while cells[-1] is None:
                cells.pop()
            return number, _unique([c or "" for c in cells])
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            return None
    return None


def _xlsx_chunks(table: TableFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Chunks of the data sheets; `_row` is the sheet's row number."""
    wb = _load_workbook(table.path)
    try:
        for title, (header_row, positions) in table._plan["layout"].items():
            ws = wb[title]
            ws.reset_dimensions()
            try:
                yield from _sheet_chunks(ws, table.headers, header_row, positions, chunk_rows)
            except Exception as exc:  # noqa: BLE001 - as above, found only while reading the rows
                raise _damaged_sheet(table.path, title, exc) from None
    finally:
        wb.close()


def _damaged_sheet(path: Path, title: str, exc: Exception) -> NotATableError:
    """The error for a sheet openpyxl cannot parse (broken XML or cell values inside a sound zip)."""
    return NotATableError(f"{path.name}: sheet '{title}' is damaged ({type(exc).__name__}); open and save it "
                          "again in Excel or WPS, or save it as CSV UTF-8.")


def _sheet_chunks(ws, headers: tuple[str, ...], header_row: int, positions: list[int],
                  chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Chunks of one sheet below its header row, skipping empty (e.g. only formatted) rows cheaply."""
    rows, numbers = [], []
    for number, row in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
        if not row or row.count(None) == len(row):
            continue
        width = len(row)
        cells = [_text(row[i]) if i < width else None for i in positions]
        if cells.count(None) == len(cells):
            continue
        rows.append(cells)
        numbers.append(number)
        if len(rows) >= chunk_rows:
            yield _frame(headers, rows, ws.title, numbers)
            rows, numbers = [], []
    if rows:
        yield _frame(headers, rows, ws.title, numbers)


# ---------------------------------------------------------------- Open311 JSON

def _open_json(path: Path, size: int) -> TableFile:
    """Parse an Open311 GeoReport v2 file (a list of service requests, possibly wrapped in an object)."""
    if size > MAX_JSON_BYTES:
        raise NotATableError(f"{path.name} is a JSON file over {MAX_JSON_BYTES >> 20} MB, too large to read; "
                             "export the tickets as CSV instead.")
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        raise NotATableError(f"{path.name} is not valid JSON.") from None
    records = _json_records(path, data)
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    raw_keys = list(keys)
    headers = _unique([str(k) for k in raw_keys])
    return TableFile(path, "open311", None, headers, (), {"records": records, "keys": raw_keys})


def _json_records(path: Path, data: Any) -> list[dict]:
    """The list of request objects in parsed JSON, or NotATableError."""
    if isinstance(data, dict):
        lists = [data[k] for k in _JSON_LIST_KEYS if isinstance(data.get(k), list)]
        lists += [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if not lists:
            raise NotATableError(f"{path.name} is a JSON object without a list of records; expected a list "
                                 "of Open311 service requests.")
        data = lists[0]
    if not isinstance(data, list):
        kind = {str: "string", bool: "true/false", type(None): "null"}.get(type(data), "number")
        raise NotATableError(f"{path.name} holds a JSON {kind}, not a list of records.")
    if not data:
        raise NotATableError(f"{path.name} holds an empty list; there are no records to import.")
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise NotATableError(f"{path.name}: item {i} of the JSON list is not an object (a record).")
    return data


def _json_chunks(table: TableFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Chunks of the records; `_row` is the record's 1-based position in the list."""
    records, keys = table._plan["records"], table._plan["keys"]
    for first in range(0, len(records), chunk_rows):
        rows, numbers = [], []
        for number, record in enumerate(records[first: first + chunk_rows], start=first + 1):
            cells = [_storable(_text(record.get(k))) for k in keys]
            if cells.count(None) < len(cells):
                rows.append(cells)
                numbers.append(number)
        if rows:
            yield _frame(table.headers, rows, "", numbers)
