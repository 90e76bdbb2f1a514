"""civicdesk's own export: every stored ticket column, as CSV (UTF-8 with BOM, opens in Excel) or XLSX.

The `civicdesk` mapping profile reads these files back; exporting and importing into an empty store
reproduces every ticket exactly. XLSX files are split into sheets of at most `XLSX_SHEET_ROWS` rows
(Excel's limit is 1,048,576).

Text that a spreadsheet would read as a formula (starting with = + - @, tab or CR) gets a leading
apostrophe (`civicdesk.excel.defuse_frame`) in both formats; the `civicdesk` profile takes it off again on import
(`civicdesk.excel.restore_frame`), so the round trip stays exact. XLSX cells also lose the control
characters a workbook cannot hold (`safe_text`).
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.excel import defuse_frame, safe_text
from civicdesk.privacy import mask
from civicdesk.store.schema import TICKET_COLUMNS, TICKET_TIME_COLUMNS, tickets

EXPORT_COLUMNS = tuple(c for c in TICKET_COLUMNS if c != "batch_id")
XLSX_SHEET_ROWS = 1_000_000
PAGE_ROWS = 50_000


def _pages(engine: Engine, source: str | None, page_rows: int) -> Iterator[pd.DataFrame]:
    """Tickets in id order, a page at a time (keyset pagination, constant memory)."""
    last = 0
    cols = [tickets.c.id, *[tickets.c[c] for c in EXPORT_COLUMNS]]
    while True:
        query = sa.select(*cols).where(tickets.c.id > last).order_by(tickets.c.id).limit(page_rows)
        if source:
            query = query.where(tickets.c.source == source)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        frame = pd.DataFrame(rows, columns=["id", *EXPORT_COLUMNS])
        last = int(frame["id"].iloc[-1])
        yield frame.drop(columns="id")


def _time_text(values: pd.Series) -> pd.Series:
    ts = pd.to_datetime(values)
    text = ts.dt.strftime("%Y-%m-%d %H:%M:%S.%f").str.removesuffix(".000000")
    return text.where(ts.notna(), None)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in TICKET_TIME_COLUMNS:
        out[col] = _time_text(out[col])
    for col in ("escalated", "id_derived"):
        out[col] = out[col].map(lambda v: None if v is None or pd.isna(v) else ("true" if v else "false"))
    return out


def _write_csv(pages, path: Path, step) -> int:
    total = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        for page in pages:
            text = defuse_frame(_as_text(page).astype(object))
            writer.writerows(text.where(text.notna(), "").itertuples(index=False, name=None))
            total += len(page)
            step(total)
    return total


def _write_xlsx(pages, path: Path, step) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet, in_sheet, total = None, XLSX_SHEET_ROWS, 0
    for page in pages:
        text = _as_text(page).astype(object)
        for row in text.itertuples(index=False, name=None):
            if in_sheet >= XLSX_SHEET_ROWS:
                sheet = book.create_sheet(f"工单{len(book.worksheets) + 1}")
                sheet.append(list(EXPORT_COLUMNS))
                in_sheet = 0
            sheet.append([None if v is None or (isinstance(v, float) and pd.isna(v)) else safe_text(v) for v in row])
            in_sheet += 1
        total += len(page)
        step(total)
    if sheet is None:
        book.create_sheet("工单1").append(list(EXPORT_COLUMNS))
    book.save(path)
    return total


def _redacted(pages: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Pages with the residents' words masked and the caller key left out (for wider circulation)."""
    for page in pages:
        yield page.assign(description=page["description"].map(mask), caller_key=None)


def export_tickets(engine: Engine, path: str | Path, source: str | None = None,
                   progress: Callable[[float, str], None] | None = None, page_rows: int = PAGE_ROWS,
                   redact: bool = False) -> int:
    """Write the store's tickets (or one source's) to `path` (.csv or .xlsx); returns the rows written.

    Timestamps are written as text "YYYY-MM-DD HH:MM:SS[.ffffff]" so nothing is rounded, ids as text.
    ``redact`` masks the descriptions (`civicdesk.privacy.mask`) and leaves the caller key out: the file is
    then for reading, not for re-importing over the store.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"Cannot export to '{path.name}': use a .csv or .xlsx file name.")
    query = sa.select(sa.func.count()).select_from(tickets)
    if source:
        query = query.where(tickets.c.source == source)
    with engine.connect() as conn:
        expected = max(conn.execute(query).scalar() or 0, 1)
    report = progress or (lambda f, m: None)
    step = lambda done: report(done / expected, f"已导出 {done:,} 条")  # noqa: E731
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = _write_csv if suffix == ".csv" else _write_xlsx
    pages = _pages(engine, source, page_rows)
    written = writer(_redacted(pages) if redact else pages, path, step)
    report(1.0, "导出完成")
    return written
