"""Import a centre's reference data (streets, grids, staff roster, categories) and callback results.

    report = import_reference(engine, "roster", "人员名册.xlsx")
    report.rows_read == report.inserted + report.updated + report.unchanged + report.quarantined

Like a ticket import: headers recognised by Chinese and English synonyms (`refspec`), every row upserted
on its key (street name, grid id, staff id, category path; callbacks onto the ticket they name) or
quarantined with its reasons (`refcheck`, `callbacks`); one transaction, logged in `import_batches` with
profile "reference:<kind>" and audited. Empty cells leave the stored value as it is, so a file may update
one column. Also: `preview_reference` (nothing written), `unknown_streets` (streets that tickets name but the
streets table lacks) and `save_category_edits` (the Data view's category editor).
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.access import require
from civicdesk.accounts import record
from civicdesk.ingest.callers import mask_phones
from civicdesk.ingest.callbacks import check_callbacks, match_tickets, store_callbacks
from civicdesk.ingest.importer import (COUNTS, ImportReport, begin_batch, check_size, file_sha256, finish_batch,
                                       quarantine_rows)
from civicdesk.ingest.readers import TableFile, open_table
from civicdesk.ingest.refcheck import CHECKS, META_COLUMNS, Checked, Known
from civicdesk.ingest.refspec import check_kind, match_headers
from civicdesk.store.categories import PATH, category_table, write_categories
from civicdesk.store.engine import lock_ticket_writes
from civicdesk.store.schema import daily_rollup, grids, staff, streets

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ReferencePreview:
    """The first rows of a reference file as read (phone numbers masked, outside the id columns), the mapping
    used, and the rows among them that would be quarantined."""

    table: TableFile
    kind: str
    mapping: dict[str, str]
    sample: pd.DataFrame
    quarantined: pd.DataFrame


def _py(value):
    """A value a database driver takes: None for missing, Python numbers and datetimes."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _read(table: TableFile, report: Progress) -> pd.DataFrame:
    parts = []
    for chunk in table.chunks(chunk_rows=50_000):
        parts.append(chunk)
        report(0.05, f"read {sum(map(len, parts)):,} rows")
    if not parts:
        return pd.DataFrame(columns=[*table.headers, *META_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def _upsert(conn: sa.Connection, table: sa.Table, key: str, good: pd.DataFrame,
            new_values: Callable[[dict], dict] | None = None) -> Counter:
    """Insert rows whose `key` is new, update the given (non-empty) columns of changed ones; counts them."""
    columns = [c for c in good.columns if c in table.c and c != key]
    frame = good[[key, *columns]]
    keys = frame[key].tolist()
    stored = {}
    for start in range(0, len(keys), 2_000):
        query = sa.select(table.c[key], *[table.c[c] for c in columns]).where(
            table.c[key].in_(keys[start:start + 2_000]))
        stored.update({row[0]: dict(zip(columns, row[1:])) for row in conn.execute(query).all()})
    counts = Counter(inserted=0, updated=0, unchanged=0)
    inserts = []
    for row in frame.to_dict("records"):
        given = {c: _py(row[c]) for c in columns if _py(row[c]) is not None}
        old = stored.get(row[key])
        if old is None:
            inserts.append({key: row[key], **given})
        elif any(old[c] != v for c, v in given.items()):
            conn.execute(table.update().where(table.c[key] == row[key]).values(**given))
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if inserts and new_values is not None:
        inserts = [new_values(row) for row in inserts]
    if inserts:  # one statement for all new rows: every row names every column (None where blank)
        names = list(dict.fromkeys(c for row in inserts for c in row))
        conn.execute(table.insert(), [{c: row.get(c) for c in names} for row in inserts])
    counts["inserted"] = len(inserts)
    return counts


def _write_streets(conn: sa.Connection, good: pd.DataFrame) -> Counter:
    """Streets on their name; a new street gets the next street_id and, without a code, "street-<id>"."""
    next_id = (conn.execute(sa.select(sa.func.max(streets.c.street_id))).scalar() or 0) + 1
    used = {str(c).casefold() for c in conn.execute(sa.select(streets.c.code)).scalars()}
    used |= {str(c).casefold() for c in good["code"].dropna()}

    def new_street(row: dict) -> dict:
        nonlocal next_id
        row = {**row, "street_id": next_id}
        next_id += 1
        if row.get("code") is None:
            code, n = f"street-{row['street_id']}", row["street_id"]
            while code.casefold() in used:
                n += 1000
                code = f"street-{n}"
            used.add(code.casefold())
            row["code"] = code
        return row

    return _upsert(conn, streets, "name", good, new_values=new_street)


def _write_categories(conn: sa.Connection, good: pd.DataFrame) -> Counter:
    """Category paths through `write_categories` (origin "file"); blank English name or handling keep the
    stored one (a new path is "ordinary")."""
    stored = category_table(conn).set_index(list(PATH))
    rows, counts = [], Counter(inserted=0, updated=0, unchanged=0)
    for row in good.to_dict("records"):
        path = tuple(row[c] for c in PATH)
        old = stored.loc[path] if path in stored.index else None
        english = row["name_en"] if row["name_en"] is not None else (None if old is None else _py(old["name_en"]))
        handling = row["handling"] or (old["handling"] if old is not None else "ordinary")
        if old is not None and english == _py(old["name_en"]) and handling == old["handling"]:
            counts["unchanged"] += 1
            continue
        counts["inserted" if old is None else "updated"] += 1
        rows.append({**dict(zip(PATH, path)), "name_en": english, "handling": handling})
    if rows:
        write_categories(conn, pd.DataFrame(rows), origin="file")
    return counts


WRITERS = {
    "streets": _write_streets,
    "grids": lambda conn, good: _upsert(conn, grids, "grid_id", good),
    "roster": lambda conn, good: _upsert(conn, staff, "staff_id", good),
    "categories": _write_categories,
}


def adopt_ticket_streets(conn: sa.Connection, raw: pd.DataFrame, mapping: dict, known: Known) -> int:
    """Add to the streets table the streets a grid or roster file names that the stored tickets name too
    (a centre's first roster usually comes before any streets file); returns how many were added.

    A street neither table knows stays unknown, and its rows are quarantined as before. `known` (what
    the store held before) gains the streets added.
    """
    header = mapping.get("street")
    if header is None or header not in raw:
        return 0
    named = {str(v).strip() for v in raw[header].dropna()} - {""}
    named = {s for s in named if known.street_id(s) is None}
    if not named:
        return 0
    r = daily_rollup.c
    seen = sorted(conn.execute(sa.select(r.street).where(r.street.in_(sorted(named))).distinct()).scalars())
    if seen:
        _write_streets(conn, pd.DataFrame({"name": seen, "code": None}))
        query = sa.select(streets.c.street_id, streets.c.name, streets.c.code).where(streets.c.name.in_(seen))
        for sid, name, code in conn.execute(query).all():
            known.street_by_name[name] = sid
            known.street_by_code.setdefault(str(code).casefold(), sid)
    return len(seen)


def _checked(conn: sa.Connection, kind: str, raw: pd.DataFrame, mapping: dict,
             source: str | None) -> tuple[Checked, int]:
    """The rows checked, and how many streets the stored tickets name were adopted first (grids, roster)."""
    if kind == "callbacks":
        return match_tickets(conn, check_callbacks(raw, mapping), raw, mapping, source), 0
    known = Known.load(conn)
    adopted = adopt_ticket_streets(conn, raw, mapping, known) if kind in ("grids", "roster") else 0
    return CHECKS[kind](raw, mapping, known), adopted


def preview_reference(engine: Engine, kind: str, path: str | Path, rows: int = 20,
                      source: str | None = None) -> ReferencePreview:
    """Read the first `rows` rows of a reference or callback file and check them; writes nothing.

    Raises:
        NotATableError: not a table. ReferenceFileError: unknown kind or a required column missing.
    """
    check_kind(kind)
    table = open_table(path)
    mapping = match_headers(kind, table.headers)
    sample = next(iter(table.chunks(chunk_rows=rows)), pd.DataFrame(columns=[*table.headers, *META_COLUMNS]))
    sample = sample.head(rows)
    with engine.connect() as conn:
        trans = conn.begin()  # streets the tickets name are added as the import would, then rolled back
        try:
            checked, _ = _checked(conn, kind, sample, mapping, source)
        finally:
            trans.rollback()
    ids = {mapping[f] for f in ("name", "code", "grid_id", "staff_id", "ticket_id") if f in mapping}
    shown = sample.drop(columns=list(META_COLUMNS))
    for header in shown.columns:
        if header not in ids:
            shown[header] = mask_phones(shown[header])
    return ReferencePreview(table, kind, mapping, shown, checked.quarantined)


def import_reference(engine: Engine, kind: str, path: str | Path, *, source: str | None = None,
                     progress: Progress | None = None) -> ImportReport:
    """Import a reference file (streets, grids, roster, categories) or callback results, atomically.

    Args:
        engine: the store.
        kind: "streets", "grids", "roster", "categories" or "callbacks".
        path: a CSV or XLSX file (headers in Chinese or English, see `civicdesk.ingest.templates`).
        source: callbacks only: match ids among this source's tickets (a `source` column overrides it).
        progress: optional `progress(fraction, message)` callback.

    Returns:
        An ImportReport (profile "reference:<kind>"); rejected rows are in `quarantine` under its batch.

    Raises:
        NotATableError: not a table. ReferenceFileError: unknown kind or a required column missing.
        AccessDenied: the acting user may not import.
    """
    require("import")
    check_kind(kind)
    began, report = time.perf_counter(), progress or (lambda f, m: None)
    path = Path(path)
    check_size(path)
    table = open_table(path)
    mapping = match_headers(kind, table.headers)
    raw = _read(table, report)
    sha = file_sha256(path)
    with engine.begin() as conn:
        if kind == "callbacks":
            lock_ticket_writes(conn)  # callbacks change tickets and the rollup
        report(0.3, "checking rows")
        checked, adopted = _checked(conn, kind, raw, mapping, source)
        batch_id = begin_batch(conn, path, sha, table, f"reference:{kind}", "reference", mapping)
        report(0.5, "writing")
        reasons = quarantine_rows(conn, batch_id, checked.quarantined)
        good = checked.good.drop(columns=list(META_COLUMNS))
        counts = store_callbacks(conn, good) if kind == "callbacks" else WRITERS[kind](conn, good)
        counts.update(rows_read=len(raw), quarantined=len(checked.quarantined))
        warnings = {"street_from_tickets": adopted} if adopted else {}
        finish_batch(conn, batch_id, counts, reasons, warnings)
        record(conn, "import_reference", path.name, {"kind": kind, "batch_id": batch_id,
                                                      **{k: counts[k] for k in COUNTS}})
        report(0.95, "finishing")
    report(1.0, "done")
    return ImportReport(batch_id=batch_id, file_name=path.name, sha256=sha, format=table.format,
                        encoding=table.encoding, profile=f"reference:{kind}", source="reference",
                        mapping=mapping, **{k: counts[k] for k in COUNTS}, reasons=dict(reasons),
                        warnings=warnings,
                        seconds=time.perf_counter() - began)


def unknown_streets(engine: Engine) -> pd.DataFrame:
    """Streets that tickets name but the streets table lacks: street, tickets, first_day, last_day
    (most tickets first); from the daily rollup."""
    r = daily_rollup.c
    query = (sa.select(r.street, sa.func.sum(r.received).label("tickets"), sa.func.min(r.day).label("first_day"),
                       sa.func.max(r.day).label("last_day"))
             .where(r.street != "", r.street.not_in(sa.select(streets.c.name)))
             .group_by(r.street).order_by(sa.desc("tickets"), r.street))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=["street", "tickets", "first_day", "last_day"])
    frame["tickets"] = frame["tickets"].astype("int64")
    for col in ("first_day", "last_day"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def save_category_edits(engine: Engine, edited: pd.DataFrame) -> int:
    """Write the rows of an edited category table whose English name or handling changed (origin "user").

    Args:
        edited: rows with level1, level2, level3 (as in `category_table`), name_en and handling codes.

    Returns:
        The number of rows written; the change is audited.

    Raises:
        AccessDenied: the acting user may not import. ValueError: an unknown handling code.
    """
    require("import")
    edited = edited.copy()
    edited["name_en"] = edited["name_en"].map(lambda v: None if v is None or pd.isna(v) or not str(v).strip()
                                              else str(v).strip())
    with engine.begin() as conn:
        stored = category_table(conn).set_index(list(PATH))
        changed = []
        for row in edited.to_dict("records"):
            path = tuple(row[c] for c in PATH)
            old = stored.loc[path] if path in stored.index else None
            if old is None or row["name_en"] != _py(old["name_en"]) or row["handling"] != old["handling"]:
                changed.append(row)
        if changed:
            write_categories(conn, pd.DataFrame(changed)[[*PATH, "name_en", "handling"]], origin="user")
            record(conn, "edit_categories", f"{len(changed)} categories",
                   {"paths": ["/".join(p for p in (r["level1"], r["level2"], r["level3"]) if p) for r in changed][:50]})
    return len(changed)
