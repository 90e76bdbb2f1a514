"""Import an export file into the store: preview the mapping, then import atomically with a report.

    report = import_file(engine, "工单导出.xlsx")          # profile chosen from the headers
    report.rows_read == report.inserted + report.updated + report.unchanged + report.quarantined

An import runs in two phases. First the file is read, normalised and checked for duplicate ids chunk by
chunk into a scratch folder (Arrow files), holding no lock: other writers (sign-ins, scenario saves, another
import) go on meanwhile; reading a big workbook is most of an import's time. Then one transaction, under the
store's ticket-write lock, writes the staged rows: if anything fails part-way the store is exactly as before.
Tickets are upserted on (source, source_id); rows identical to the stored ticket count as unchanged and
are not written. Quarantined rows are kept with their row number, reasons and (redacted) raw values.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk import config
from civicdesk.ingest.callers import installation_secret
from civicdesk.ingest.normalize import META_COLUMNS, Context, Normalized, normalize, redacted_raw
from civicdesk.ingest.guess import (PROPOSED, SAMPLE_ROWS, ProposedProfile, mapping_basis, no_creation_time,
                                    profile_for)
from civicdesk.ingest.profiles import REQUIRED_FIELDS, Profile, ProfileError, get_profile, load_profiles, score
from civicdesk.ingest.readers import NotATableError, TableFile, open_table
from civicdesk.store.bulk import bulk_insert
from civicdesk.store.categories import register_categories
from civicdesk.store.engine import lock_ticket_writes
from civicdesk.store.rollup import (REPEAT_WINDOW_DAYS, insert_rollup_of, refresh_days, rollup_columns,
                                     ticket_day_range)
from civicdesk.store.schema import TICKET_TIME_COLUMNS, import_batches, quarantine, streets, tickets
from civicdesk.store.write import upsert_rows
from civicdesk.access import require
from civicdesk.accounts import record

Progress = Callable[[float, str], None]
CHUNK_ROWS = 50_000
LOOKUP_BATCH = 5_000
#: On SQLite, an import of at least this many rows that also outnumbers the stored tickets builds the
#: secondary indexes once at the end instead of row by row (2-3 times faster on random caller keys).
DEFER_INDEXES_MIN_ROWS = 100_000
#: The row counts of an import, as `import_batches` logs them.
COUNTS = ("rows_read", "inserted", "updated", "unchanged", "quarantined")


@dataclass(frozen=True)
class ImportReport:
    """What one import did. `rows_read` always equals inserted + updated + unchanged + quarantined."""

    batch_id: int
    file_name: str
    sha256: str
    format: str
    encoding: str | None
    profile: str
    source: str
    mapping: dict[str, str]
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: True when no profile recognised the headers and the mapping was proposed from synonyms and contents.
    proposed: bool = False
    #: For a proposed mapping, field → "synonym", "content" or "user" (an override); empty otherwise.
    basis: dict[str, str] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.inserted + self.updated + self.unchanged + self.quarantined


@dataclass(frozen=True)
class Preview:
    """The first rows of a file as read and as they would be stored, with the mapping that would be used."""

    table: TableFile
    profile: Profile
    mapping: dict[str, str]
    candidates: list[tuple[str, float]]
    sample: pd.DataFrame
    mapped: pd.DataFrame
    quarantined: pd.DataFrame
    #: True when no profile recognised the headers and the mapping was proposed (check it before importing).
    proposed: bool = False
    #: For a proposed mapping, field → "synonym", "content" or "user" (an override); empty otherwise.
    basis: dict[str, str] = field(default_factory=dict)


Sample = pd.DataFrame | Callable[[], pd.DataFrame] | None


def resolve_mapping(headers, profile: str | Profile | None = None,
                    mapping: dict[str, str | None] | None = None,
                    sample: Sample = None) -> tuple[Profile, dict[str, str], list]:
    """The profile and field → header mapping an import of a file with `headers` would use.

    When no profile recognises the headers (or `profile` is "proposed"), a mapping is proposed from header
    synonyms and the columns' contents (`civicdesk.ingest.guess`); the profile returned is then a
    `ProposedProfile` whose `basis` says how each field was found.

    Args:
        headers: the file's column names.
        profile: a profile name or object; None picks the best match for the headers.
        mapping: overrides, field → header (None or "" unmaps the field).
        sample: the file's first rows as read, or a function returning them, for the content rules of a
            proposal; None proposes from the headers alone.

    Raises:
        ProfileError: unknown profile, a mapped header missing from the file, no creation-time column,
            or a proposal asked of a file whose first row is data rather than column names.
    """
    profiles = load_profiles()
    if profile is None:
        ranked = sorted(((p.name, score(p, headers)) for p in profiles.values()), key=lambda x: -x[1])
        if ranked and ranked[0][1] > 0:
            chosen = profiles[ranked[0][0]]
        else:
            chosen = profile_for(headers, sample, list(profiles.values()), config.TIMEZONE)
            ranked = [(PROPOSED, 0.0), *ranked]
    elif profile == PROPOSED and PROPOSED not in profiles:
        chosen = profile_for(headers, sample, list(profiles.values()), config.TIMEZONE)
        ranked = [(PROPOSED, 0.0)]
    else:
        chosen = profile if isinstance(profile, Profile) else get_profile(profile, profiles)
        ranked = [(chosen.name, 1.0)]
    resolved = chosen.match(headers)
    for name, header in (mapping or {}).items():
        if header:
            if header not in headers:
                raise ProfileError(f"The file has no column '{header}' to map to {name}.")
            resolved[name] = header
        else:
            resolved.pop(name, None)
    missing = [f for f in REQUIRED_FIELDS if f not in resolved]
    shown = ", ".join(list(headers)[:12])
    if missing and isinstance(chosen, ProposedProfile):
        raise no_creation_time(headers)
    if missing:
        raise ProfileError(f"No column is mapped to {', '.join(missing)} (the time a ticket was created); "
                           f"map one of the file's columns ({shown}).")
    return chosen, resolved, ranked


def _sampler(table: TableFile) -> Callable[[], pd.DataFrame]:
    """A function reading the first `SAMPLE_ROWS` rows of `table` once, when first called."""
    kept: list[pd.DataFrame] = []

    def sample() -> pd.DataFrame:
        if not kept:
            empty = pd.DataFrame(columns=[*table.headers, *META_COLUMNS])
            kept.append(next(iter(table.chunks(chunk_rows=SAMPLE_ROWS)), empty).head(SAMPLE_ROWS))
        return kept[0]
    return sample


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _context(profile: Profile, mapping: dict, source: str | None, now, known_streets=frozenset(),
             batch_id=None) -> Context:
    tz = profile.timezone or config.TIMEZONE
    stamp = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz=tz).tz_localize(None)
    return Context(profile=profile, mapping=mapping, source=source or profile.source, timezone=tz, now=stamp,
                   secret=installation_secret(), batch_id=batch_id, known_streets=frozenset(known_streets))


def preview(path: str | Path, profile: str | Profile | None = None, mapping: dict | None = None,
            rows: int = 20, source: str | None = None) -> Preview:
    """Read the first `rows` rows of `path` and show how they would be mapped; writes nothing."""
    table = open_table(path)
    sampler = _sampler(table)
    chosen, resolved, ranked = resolve_mapping(table.headers, profile, mapping, sample=sampler)
    if isinstance(chosen, ProposedProfile) and rows <= SAMPLE_ROWS:  # the proposal has read these rows
        sample = sampler().head(rows)
    else:
        sample = next(iter(table.chunks(chunk_rows=rows)), pd.DataFrame(columns=[*table.headers, *META_COLUMNS]))
        sample = sample.head(rows)
    result = normalize(sample, _context(chosen, resolved, source, None))
    return Preview(table, chosen, resolved, ranked, sample, result.tickets, result.quarantined,
                   proposed=isinstance(chosen, ProposedProfile), basis=mapping_basis(chosen, resolved))


class _Staged:
    """Phase one of an import, outside the store's write lock: each chunk read and normalised, duplicate ids
    within the file found, and the rows to store and to quarantine kept as Arrow files in `folder`."""

    def __init__(self, folder: Path, ctx: Context):
        self.folder, self.ctx = folder, ctx
        self.rows_read = self.good_rows = 0
        self.warnings: Counter = Counter()
        self.seen: dict[str, set] = {}
        self.parts: list[tuple[Path, list[str]]] = []
        self.quarantined: list[tuple[Path, list[str]]] = []

    def add(self, raw: pd.DataFrame, result: Normalized) -> None:
        self.rows_read += len(raw)
        self.warnings.update(result.warnings)
        rejected = [result.quarantined]
        good = result.tickets
        dup = self._duplicates(good)
        if dup.any():
            dups = good[dup]
            rejected.append(pd.DataFrame({
                "sheet": dups["_sheet"].to_numpy(), "row_number": dups["_row"].to_numpy(),
                "reasons": "duplicate_id_in_file", "raw": redacted_raw(raw.loc[dups.index], self.ctx).to_numpy()}))
            good = good[~dup]
        good = good.drop(columns=list(META_COLUMNS))
        self.good_rows += len(good)
        self.parts.append(self._save(good, f"tickets-{len(self.parts)}"))
        rejected = [r for r in rejected if len(r)]
        if rejected:
            self.quarantined.append(self._save(pd.concat(rejected, ignore_index=True),
                                               f"quarantine-{len(self.quarantined)}"))

    def _duplicates(self, good: pd.DataFrame) -> np.ndarray:
        """True for rows whose (source, source_id) came earlier in the file; remembers the rest."""
        dup = np.zeros(len(good), bool)
        for source, ids in good.groupby("source", sort=False)["source_id"]:
            seen = self.seen.setdefault(source, set())
            positions = good.index.get_indexer(ids.index)
            for pos, sid in zip(positions, ids.tolist()):
                if sid in seen:
                    dup[pos] = True
                else:
                    seen.add(sid)
        return dup

    def _save(self, frame: pd.DataFrame, name: str) -> tuple[Path, list[str]]:
        path = self.folder / f"{name}.arrow"
        frame.reset_index(drop=True).to_feather(path)
        return path, [c for c in frame.columns if frame[c].dtype == object]

    @staticmethod
    def _load(part: tuple[Path, list[str]]) -> pd.DataFrame:
        """A staged frame as it was saved: text columns that were objects come back as objects with None."""
        path, objects = part
        frame = pd.read_feather(path)
        for col in objects:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
        return frame

    def tickets(self) -> Iterator[pd.DataFrame]:
        for part in self.parts:
            yield self._load(part)

    def rejected(self) -> Iterator[pd.DataFrame]:
        for part in self.quarantined:
            yield self._load(part)


class _Importer:
    """Phase two of an import: the staged rows written inside its transaction."""

    def __init__(self, conn: sa.Connection, ctx: Context):
        self.conn, self.ctx = conn, ctx
        self.counts = Counter()
        self.reasons: Counter = Counter()
        self.source_had_rows: dict[str, bool] = {}
        self.touched: set = set()
        # Rollup inputs kept in memory while the import only adds tickets to days far from stored ones.
        self.span_before = ticket_day_range(conn)
        self.rollup_parts: list[pd.DataFrame] | None = []

    def _has_rows(self, source: str) -> bool:
        if source not in self.source_had_rows:
            query = sa.select(tickets.c.id).where(tickets.c.source == source).limit(1)
            self.source_had_rows[source] = self.conn.execute(query).first() is not None
        return self.source_had_rows[source]

    def _existing(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        found = []
        for source, ids in frame.groupby("source", sort=False)["source_id"]:
            if not self._has_rows(source):
                continue
            ids = ids.tolist()
            for start in range(0, len(ids), LOOKUP_BATCH):
                query = sa.select(*[tickets.c[c] for c in ("source", "source_id", *columns)]).where(
                    tickets.c.source == source, tickets.c.source_id.in_(ids[start:start + LOOKUP_BATCH]))
                found.extend(self.conn.execute(query).all())
        return pd.DataFrame(found, columns=["source", "source_id", *columns])

    def quarantine_rows(self, rows: pd.DataFrame) -> None:
        self.reasons.update(quarantine_rows(self.conn, self.ctx.batch_id, rows))
        self.counts["quarantined"] += len(rows)

    def _store(self, good: pd.DataFrame) -> None:
        compare = [c for c in good.columns if c not in ("source", "source_id", "batch_id")]
        existing = self._existing(good, compare)
        if existing.empty:
            new, changed, same = good, good.iloc[:0], 0
        else:
            merged = good.reset_index().merge(existing, on=["source", "source_id"], how="left",
                                              suffixes=("", "__old"), indicator=True).set_index("index")
            known = (merged["_merge"] == "both").to_numpy()
            equal = known & _rows_equal(merged, compare)
            new, changed, same = good[~known], good[known & ~equal], int(equal.sum())
            self.touched.update(pd.to_datetime(merged.loc[known & ~equal, "created_at__old"]).dt.date)
        bulk_insert(self.conn, tickets, _without_empty_columns(new))
        upsert_rows(self.conn, changed)
        register_categories(self.conn, pd.concat([new, changed]))
        for frame in (new, changed):
            self.touched.update(frame["created_at"].dt.date.unique())
        if len(changed):
            self.rollup_parts = None
        elif self.rollup_parts is not None and len(new):
            self.rollup_parts.append(rollup_columns(new))
        self.counts.update(inserted=len(new), updated=len(changed), unchanged=same)

    def refresh_rollup(self) -> None:
        """Bring the rollup in step: from memory when the imported days are new ground, else from the store."""
        if not self.touched:
            return
        lo, hi = min(self.touched), max(self.touched)
        margin = pd.Timedelta(days=REPEAT_WINDOW_DAYS)
        fresh = self.span_before is None or (pd.Timestamp(hi) + margin < pd.Timestamp(self.span_before[0])
                                             or pd.Timestamp(lo) - margin > pd.Timestamp(self.span_before[1]))
        if fresh and self.rollup_parts is not None:
            insert_rollup_of(self.conn, pd.concat(self.rollup_parts, ignore_index=True))
        else:
            refresh_days(self.conn, self.touched)


def _without_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop nullable columns that are empty in every row (NULL is what the table stores anyway)."""
    empty = [c for c in frame.columns if tickets.c[c].nullable and tickets.c[c].server_default is None
             and not frame[c].notna().any()]
    return frame.drop(columns=empty)


def _rows_equal(merged: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Per row: every column in `columns` equals its `__old` twin (missing equals missing)."""
    equal = np.ones(len(merged), bool)
    for col in columns:
        new, old = merged[col], merged[f"{col}__old"]
        if col in TICKET_TIME_COLUMNS:
            new, old = pd.to_datetime(new), pd.to_datetime(old)
        elif new.dtype == bool or col == "escalated" or col == "id_derived":
            new, old = new.astype("boolean"), old.astype("boolean")
        elif col in ("returned_count", "reopened_count"):
            new, old = pd.to_numeric(new), pd.to_numeric(old)
        else:
            new, old = new.astype(object).where(new.notna(), None), old.astype(object).where(old.notna(), None)
            new, old = new.map(lambda v: None if v is None else str(v)), old.map(lambda v: None if v is None else str(v))
        both_missing = (new.isna() & old.isna()).to_numpy()
        same = (new == old).fillna(False).to_numpy(dtype=bool)
        equal &= same | both_missing
    return equal


def _estimate_rows(table: TableFile) -> int | None:
    if table.format != "csv":
        return None
    with open(table.path, "rb") as fh:
        sample = fh.read(1 << 20)
    lines = max(sample.count(b"\n"), 1)
    return max(int(table.path.stat().st_size / (len(sample) / lines)) - 1, 1)


def _defer_indexes(conn: sa.Connection, expected_rows: int | None) -> list[sa.Index]:
    """Drop the tickets' secondary indexes for a big load on SQLite (inside the transaction); returns them.

    The unique (source, source_id) index stays: lookups and the upsert need it. Dropping indexes in
    PostgreSQL would lock readers out for the whole import, so it is left alone there.
    """
    if conn.dialect.name != "sqlite" or not expected_rows or expected_rows < DEFER_INDEXES_MIN_ROWS:
        return []
    stored = conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()
    if expected_rows < stored:
        return []
    indexes = sorted(tickets.indexes, key=lambda ix: ix.name)
    for index in indexes:
        index.drop(conn)
    return indexes


def begin_batch(conn: sa.Connection, path: Path, sha: str, table: TableFile, profile_name: str, source: str,
                mapping: dict) -> int:
    """Log the start of an import in `import_batches` (counts zero until `finish_batch`); returns its id."""
    now = pd.Timestamp.now().to_pydatetime()
    row = dict(file_name=path.name, sha256=sha, size_bytes=path.stat().st_size, format=table.format,
               encoding=table.encoding, profile=profile_name, source=source,
               mapping=json.dumps(mapping, ensure_ascii=False), started_at=now, finished_at=now,
               rows_read=0, inserted=0, updated=0, unchanged=0, quarantined=0, reasons="{}", warnings="{}")
    return conn.execute(import_batches.insert().values(**row)).inserted_primary_key[0]


def quarantine_rows(conn: sa.Connection, batch_id: int, rows: pd.DataFrame) -> Counter:
    """Store rejected rows (sheet, row_number, reasons, raw) under `batch_id`; returns their reason counts."""
    reasons: Counter = Counter()
    if len(rows):
        for cell in rows["reasons"]:
            reasons.update(cell.split(";"))
        bulk_insert(conn, quarantine, rows.assign(batch_id=batch_id))
    return reasons


def finish_batch(conn: sa.Connection, batch_id: int, counts, reasons, warnings, **columns) -> None:
    """Log the end of an import: its `COUNTS`, reason and warning counts, and any further `columns`."""
    conn.execute(import_batches.update().where(import_batches.c.batch_id == batch_id).values(
        finished_at=pd.Timestamp.now().to_pydatetime(), **{k: counts[k] for k in COUNTS},
        reasons=json.dumps(dict(reasons), ensure_ascii=False),
        warnings=json.dumps(dict(warnings), ensure_ascii=False), **columns))


def check_size(path: Path) -> None:
    """Refuse a file over `config.max_import_mb()` (every way in: the CLI, the app's server path, notebooks)."""
    limit = config.max_import_mb()
    size = path.stat().st_size / 2**20 if path.is_file() else 0.0
    if size > limit:
        raise NotATableError(f"{path.name} is {size:,.0f} MB, over the import limit of {limit:,.0f} MB "
                             "(CIVICDESK_MAX_IMPORT_MB); split the export, e.g. by month, or raise the limit.")


def _stage(table: TableFile, ctx: Context, folder: Path, chunk_rows: int, expected: int | None,
           report: Progress) -> _Staged:
    """Phase one: read and normalise the whole file into `folder`, holding no lock on the store."""
    staged = _Staged(folder, ctx)
    for raw in table.chunks(chunk_rows=chunk_rows):
        staged.add(raw, normalize(raw, ctx))
        done = staged.rows_read
        share = done / expected if expected else done / (done + chunk_rows)
        report(min(0.6 * share, 0.6), f"已读取 {done:,} 行")
    return staged


def import_file(engine: Engine, path: str | Path, profile: str | Profile | None = None,
                source: str | None = None, mapping: dict | None = None, *, progress: Progress | None = None,
                now=None, chunk_rows: int = CHUNK_ROWS) -> ImportReport:
    """Import one export file (CSV, XLSX or Open311 JSON) into the store, atomically.

    Args:
        engine: the store (from `civicdesk.store.connect`).
        path: the file.
        profile: mapping profile name; None picks the one whose header synonyms fit best.
        source: the system the tickets come from (default: the profile's source); ids are unique per source.
        mapping: field → header overrides of the profile's mapping.
        progress: optional `progress(fraction, message)` callback.
        now: the time that counts as "now" for the created-in-the-future check (default: the clock).
        chunk_rows: rows read and written at a time.

    Returns:
        An ImportReport; the batch is logged in `import_batches`, its rejected rows in `quarantine`.

    Raises:
        NotATableError: the file is not a table. ProfileError: the mapping cannot be resolved.
    """
    require("import")
    began = time.perf_counter()
    report = progress or (lambda f, m: None)
    path = Path(path)
    check_size(path)
    table = open_table(path)
    chosen, resolved, _ = resolve_mapping(table.headers, profile, mapping, sample=_sampler(table))
    report(0.0, "计算文件校验值")
    sha = file_sha256(path)
    expected = _estimate_rows(table)
    with engine.connect() as conn:
        known = frozenset(conn.execute(sa.select(streets.c.name)).scalars())
    ctx = _context(chosen, resolved, source, now, known)
    with tempfile.TemporaryDirectory(prefix="civicdesk-import-") as folder:
        staged = _stage(table, ctx, Path(folder), chunk_rows, expected, report)
        with engine.begin() as conn:  # phase two: one transaction
            lock_ticket_writes(conn)  # one import at a time: each reads the days and rollup the last one left
            ctx.batch_id = begin_batch(conn, path, sha, table, chosen.name, ctx.source, resolved)
            job = _Importer(conn, ctx)
            for rows in staged.rejected():
                job.quarantine_rows(rows)
            deferred = _defer_indexes(conn, staged.good_rows)
            written = 0
            for good in staged.tickets():
                job._store(good.assign(batch_id=ctx.batch_id))
                written += len(good)
                report(0.6 + 0.28 * written / max(staged.good_rows, 1), f"已写入 {written:,} 行")
            if deferred:
                report(0.88, "重建索引")
                for index in deferred:
                    index.create(conn)
            report(0.9, "更新日汇总表")
            job.refresh_rollup()
            c = job.counts
            c["rows_read"] = staged.rows_read
            # with a source column (civicdesk's own export) the rows name their sources themselves
            sources = ", ".join(sorted(staged.seen)) if "source" in resolved and staged.seen else ctx.source
            finish_batch(conn, ctx.batch_id, c, job.reasons, staged.warnings, source=sources[:64])
            record(conn, "import", path.name, {"batch_id": ctx.batch_id, "rows_read": c["rows_read"],
                                               "inserted": c["inserted"], "quarantined": c["quarantined"]})
    report(1.0, "导入完成")
    return ImportReport(batch_id=ctx.batch_id, file_name=path.name, sha256=sha, format=table.format,
                        encoding=table.encoding, profile=chosen.name, source=sources, mapping=resolved,
                        rows_read=c["rows_read"], inserted=c["inserted"], updated=c["updated"],
                        unchanged=c["unchanged"], quarantined=c["quarantined"], reasons=dict(job.reasons),
                        warnings=dict(staged.warnings), seconds=time.perf_counter() - began,
                        proposed=isinstance(chosen, ProposedProfile), basis=mapping_basis(chosen, resolved))
