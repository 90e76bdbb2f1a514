"""Spreadsheet-safe exports: text a spreadsheet will never evaluate, in Excel workbooks and CSV files.

A cell whose text begins with ``= + - @`` (or a tab or carriage return) is read by Excel, WPS and
LibreOffice as a formula, in an .xlsx written by openpyxl (which stores such a string as a formula) and in a
CSV opened by double-click alike: ``=HYPERLINK("http://evil","点我")`` in a resident's complaint becomes a
live link in a leader's spreadsheet (OWASP "CSV injection"). Every export in civicdesk goes through here:

- `safe_text(value)`: one value; `safe_frame(df)`: every text cell and column name of a DataFrame;
- `to_excel_bytes({sheet: df, ...})`: an .xlsx file as bytes, every sheet through `safe_frame`;
- `to_csv_bytes(df)`: a CSV (UTF-8 with BOM, so Excel reads the Chinese) through `safe_frame`.

Neutralising prefixes a literal apostrophe, so the text stays readable and is shown, not run. `defuse` is
the reversible part (no characters dropped; `defuse_frame` for a whole DataFrame) and `restore_text` /
`restore_frame` undo it: civicdesk's own
export uses them so that exporting and re-importing still reproduces every ticket exactly.
"""
from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

#: Control characters a workbook cannot hold (openpyxl's `ILLEGAL_CHARACTERS_RE`, copied so that importing
#: this module does not import openpyxl, half a second, on the importer's path).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: Characters that make Excel (or LibreOffice) read a cell as a formula (OWASP's CSV-injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Text `defuse` prefixes: a formula start, possibly behind apostrophes (so that `restore_text` is exact).
_DEFUSE = re.compile(r"'*[=+\-@\t\r]")
#: Text `restore_text` un-prefixes: what `defuse` produces.
_RESTORE = re.compile(r"'+[=+\-@\t\r]")
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
#: Excel's limit on a sheet name's length.
SHEET_NAME_LIMIT = 31


def defuse(value):
    """``value`` with a leading apostrophe if a spreadsheet would read it as a formula; nothing dropped.

    Text starting with ``= + - @``, tab or CR, or with apostrophes followed by one of those, gets one more
    apostrophe (so `restore_text` can undo it exactly). Anything that is not a string is returned unchanged.
    """
    if isinstance(value, str) and _DEFUSE.match(value):
        return "'" + value
    return value


def safe_text(value):
    """Text that a spreadsheet will never evaluate: characters a workbook cannot hold (control characters)
    are dropped, then `defuse` adds a literal leading apostrophe to text starting with ``= + - @``, tab or
    CR (the stored value starts with "'"). Anything that is not a string is returned unchanged."""
    if not isinstance(value, str):
        return value
    return defuse(ILLEGAL_CHARACTERS_RE.sub("", value))


def restore_text(value):
    """Undo `defuse`: ``"'=x"`` → ``"=x"``, ``"''=x"`` → ``"'=x"``; other values unchanged."""
    if isinstance(value, str) and _RESTORE.match(value):
        return value[1:]
    return value


def _is_text(dtype) -> bool:
    return dtype == object or isinstance(dtype, pd.StringDtype | pd.CategoricalDtype)


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with `safe_text` applied to every text cell and column name; numbers, dates,
    booleans and missing values are left as they are."""
    out = df.copy()
    for position, dtype in enumerate(df.dtypes):
        if _is_text(dtype):
            out.isetitem(position, out.iloc[:, position].astype(object).map(safe_text))
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.MultiIndex.from_tuples([tuple(safe_text(p) for p in c) for c in out.columns])
    else:
        out.columns = [safe_text(c) for c in out.columns]
    return out


def _map_marked(df: pd.DataFrame, first: frozenset[str], fn) -> pd.DataFrame:
    """``df`` with ``fn`` applied to the text cells whose first character is in ``first`` (a copy only
    when there are any); the vectorised first-character test keeps this fast on a million rows."""
    out = df
    for position, dtype in enumerate(df.dtypes):
        if not _is_text(dtype):
            continue
        series = df.iloc[:, position]
        try:  # pandas' vectorised test; a column of numbers in object dtype has no .str
            marked = series.str.startswith(tuple(first), na=False).to_numpy(dtype=bool)
        except (AttributeError, TypeError):
            marked = np.fromiter((v.__class__ is str and v[:1] in first for v in series), bool, len(series))
        if marked.any():
            out = df.copy() if out is df else out
            values = series.to_numpy(dtype=object, copy=True)
            values[marked] = [fn(v) for v in values[marked]]
            out.isetitem(position, values)
    return out


def defuse_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with `defuse` applied to every text cell (column names untouched; nothing dropped)."""
    return _map_marked(df, frozenset((*FORMULA_START, "'")), defuse)


def restore_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with `restore_text` applied to every text cell: what `defuse_frame` did, undone."""
    return _map_marked(df, frozenset("'"), restore_text)


def sheet_title(name, used=()) -> str:
    """``name`` as a valid Excel sheet name: no ``[]:*?/\\``, not starting or ending with an apostrophe,
    at most 31 characters, not empty, and different (ignoring case) from every name in ``used``."""
    base = BAD_SHEET_CHARS.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(name))).strip().strip("'")
    base = base[:SHEET_NAME_LIMIT].strip("'") or "Sheet"
    taken = {u.lower() for u in used}
    title, number = base, 2
    while title.lower() in taken or title.lower() == "history":  # "History" is reserved by Excel
        suffix = f"_{number}"
        title, number = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix, number + 1
    return title


def to_excel_bytes(sheets: dict[str, pd.DataFrame], index: bool = False) -> bytes:
    """An .xlsx workbook (bytes) with one sheet per entry of ``sheets``, every one through `safe_frame`.

    Sheet names are made valid and unique (see `sheet_title`); at least one sheet is written.
    """
    buffer = io.BytesIO()
    used: list[str] = []
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in (sheets or {"Sheet": pd.DataFrame()}).items():
            used.append(sheet_title(name, used))
            safe = safe_frame(frame)
            if index:
                safe.index = safe.index.map(safe_text)
            safe.to_excel(writer, sheet_name=used[-1], index=index)
    return buffer.getvalue()


def to_csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    """``df`` as CSV bytes (UTF-8 with a BOM by default, so Excel reads Chinese), through `safe_frame`."""
    return safe_frame(df).to_csv(index=False).encode(encoding)
