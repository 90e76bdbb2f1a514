"""Export and re-import: civicdesk's own format reproduces every ticket and the rollup exactly."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import ingest, store
from civicdesk.ingest.export import EXPORT_COLUMNS
from civicdesk.store.schema import daily_rollup, tickets


def frame(engine, table, columns, where=None) -> pd.DataFrame:
    query = sa.select(*[table.c[c] for c in columns])
    if where is not None:
        query = query.where(where)
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(query).all(), columns=list(columns))
    return df.sort_values(list(columns[:2]) if table is tickets else ["day", "street", "category", "channel"],
                          ignore_index=True)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_reproduces_every_ticket(demo_store_url, store_url, tmp_path, suffix):
    demo = store.connect(demo_store_url)
    # a month of the demo district keeps the xlsx case quick; the csv case takes every ticket
    where = None if suffix == ".csv" else tickets.c.created_at < pd.Timestamp("2023-02-01").to_pydatetime()
    cols = ("source", "source_id", *[c for c in EXPORT_COLUMNS if c not in ("source", "source_id")])
    original = frame(demo, tickets, cols, where)
    path = tmp_path / f"export{suffix}"
    if suffix == ".csv":
        written = ingest.export_tickets(demo, path)
    else:
        from civicdesk.ingest import export as export_module

        pages = (p[pd.to_datetime(p["created_at"]) < "2023-02-01"] for p in export_module._pages(demo, None, 20_000))
        written = export_module._write_xlsx(pages, path, lambda n: None)
    assert written == len(original) > 1000
    target = store.connect(store_url)
    rep = ingest.import_file(target, path)
    assert rep.profile == "civicdesk" and rep.source == "demo"
    assert (rep.rows_read, rep.inserted, rep.quarantined) == (len(original), len(original), 0), rep.reasons
    copied = frame(target, tickets, cols)
    pd.testing.assert_frame_equal(original, copied, check_dtype=False)
    if suffix == ".csv":
        keys = [c.name for c in daily_rollup.c]
        pd.testing.assert_frame_equal(frame(demo, daily_rollup, keys), frame(target, daily_rollup, keys),
                                      check_dtype=False)
        again = ingest.import_file(target, path)
        assert (again.unchanged, again.inserted, again.updated) == (len(original), 0, 0)


def test_export_rejects_other_suffixes(demo_store_url, tmp_path):
    with pytest.raises(ValueError, match=".csv or .xlsx"):
        ingest.export_tickets(store.connect(demo_store_url), tmp_path / "out.parquet")


def test_export_xlsx_splits_sheets(demo_store_url, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from civicdesk.ingest import export as export_module

    monkeypatch.setattr(export_module, "XLSX_SHEET_ROWS", 400)
    demo = store.connect(demo_store_url)
    pages = (p.head(1000) for p in export_module._pages(demo, None, 1000))
    path = tmp_path / "split.xlsx"
    export_module._write_xlsx((next(pages),), path, lambda n: None)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["工单1", "工单2", "工单3"]
    table = ingest.open_table(path)
    assert sum(len(c) for c in table.chunks()) == 1000
