"""Turn one chunk of an export (strings, headers as in the file) into ticket rows and quarantined rows.

Every row comes out exactly once: in `Normalized.tickets` (ready for the store) or in
`Normalized.quarantined` with every reason that kept it out. Reasons are short codes (see `REASONS`);
warnings count values that were stored but not as written (e.g. an unknown channel stored as "other").
Categories are the centre's own: a value is stored as written (trimmed) unless the profile's
`[values.category]` merges it into another name, and the import adds new names to the `categories` table.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civicdesk import codes
from civicdesk.excel import restore_frame
from civicdesk.ingest.callers import CallerHasher, mask_phones
from civicdesk.ingest.dates import parse_datetimes
from civicdesk.ingest.profiles import TIME_FIELDS, Profile
from civicdesk.store.schema import tickets

META_COLUMNS = ("_sheet", "_row")
#: Reason codes (a suffix ":field" names the column) with their Chinese and English labels.
REASONS = {
    "missing": ("缺少必填字段", "missing required field"),
    "bad_date": ("日期无法识别", "unparseable date"),
    "bad_value": ("取值无法识别", "unparseable value"),
    "too_long": ("内容超长", "value too long"),
    "closed_before_created": ("办结早于受理", "closed before created"),
    "signed_before_created": ("签收早于受理", "signed before created"),
    "created_in_future": ("受理时间在未来", "created in the future"),
    "duplicate_id_in_file": ("文件内编号重复", "duplicate id within the file"),
    # reference and callback files (civicdesk.ingest.reference)
    "unknown_street": ("镇街不在区划表中", "street not in the streets table"),
    "unknown_grid": ("网格不在网格表中", "grid not in the grids table"),
    "grid_not_in_street": ("网格不属于所填镇街", "grid belongs to another street"),
    "code_taken": ("编码已被其他镇街使用", "code already used by another street"),
    "active_to_before_from": ("离岗日期早于到岗日期", "active_to before active_from"),
    "bad_geojson": ("边界不是有效的GeoJSON", "boundary is not valid GeoJSON"),
    "no_such_ticket": ("找不到对应工单", "no stored ticket has this id"),
    "ambiguous_ticket": ("编号对应多个来源的工单", "the id matches tickets of several sources"),
    "superseded_callback": ("同一工单有更晚的回访记录", "a later callback of the same ticket is in the file"),
    "callback_before_created": ("回访早于受理", "callback before the ticket was created"),
    "level3_without_level2": ("有三级分类但缺二级分类", "level 3 given without level 2"),
}
WARNINGS = {
    "merged_category": ("分类按映射表合并", "category merged by the profile's value table"),
    "unknown_channel": ("渠道未识别，记为“其他”", "channel not recognised, stored as other"),
    "unknown_urgency": ("紧急程度未识别，记为“一般”", "urgency not recognised, stored as general"),
    "unknown_callback": ("回访结果未识别，留空", "callback result not recognised, left empty"),
    "unknown_status": ("状态未识别，按时间推断", "status not recognised, inferred from the times"),
    "unknown_street": ("镇街不在区划表中", "street not in the streets table"),
    "derived_id": ("无工单编号，按内容生成", "no ticket id, derived from the content"),
    # grid and roster files (civicdesk.ingest.reference)
    "street_from_tickets": ("镇街取自已导入的工单，已补入区划表",
                            "street named by the stored tickets, added to the streets table"),
}
#: The largest count the store's Integer columns hold everywhere (PostgreSQL's 32-bit integer).
_MAX_COUNT = 2**31 - 1
_TRUE = {"1", "true", "t", "yes", "y", "是", "已督办"}
_FALSE = {"0", "false", "f", "no", "n", "否", "未督办"}
_IDENTITY_FIELDS = ("created_at", "caller_phone", "caller_name", "title", "description", "street", "category",
                    "subcategory", "grid_id")
#: The coded ticket fields and their code → (Chinese, English) label tables.
CODE_TABLES = {"channel": codes.CHANNELS, "urgency": codes.URGENCIES, "status": codes.STATUSES,
               "callback_result": codes.CALLBACK_RESULTS}
_FALLBACK = {"channel": ("other", "unknown_channel"), "urgency": ("general", "unknown_urgency"),
             "callback_result": (None, "unknown_callback"), "status": (None, "unknown_status")}


@dataclass
class Context:
    """What normalisation needs beyond the chunk: where the tickets come from and how to treat them."""

    profile: Profile
    mapping: dict[str, str]
    source: str
    timezone: str
    now: pd.Timestamp
    secret: bytes
    batch_id: int | None = None
    known_streets: frozenset[str] = frozenset()
    hasher: CallerHasher | None = None

    def __post_init__(self):
        if self.hasher is None:
            self.hasher = CallerHasher(self.secret)


@dataclass
class Normalized:
    """One chunk's outcome: stored-to-be rows, quarantined rows and warning counts."""

    tickets: pd.DataFrame
    quarantined: pd.DataFrame
    warnings: Counter = field(default_factory=Counter)


def value_words(field_name: str, profiles) -> dict[str, str]:
    """casefolded raw value → code of a coded field: the codes and their labels, then each profile's
    `[values.<field>]` table in turn (a later profile overrides an earlier one)."""
    table: dict[str, str] = {}
    for code, labels in CODE_TABLES.get(field_name, {}).items():
        for word in (code, *labels):
            table[word.casefold()] = code
    for profile in profiles:
        table.update({raw.strip().casefold(): code for raw, code in profile.values.get(field_name, {}).items()})
    return table


def _lookup(field_name: str, profile: Profile) -> dict[str, str]:
    """casefolded raw value → code: the codes and their labels, then the profile's own table."""
    return value_words(field_name, [profile])


class _Chunk:
    """Working state for one chunk: the raw frame, the output frame and the reasons found so far."""

    def __init__(self, raw: pd.DataFrame, ctx: Context):
        self.raw, self.ctx = raw, ctx
        self.out = pd.DataFrame(index=raw.index)
        self.reasons: dict[str, np.ndarray] = {}
        self.warnings: Counter = Counter()

    def col(self, name: str) -> pd.Series | None:
        header = self.ctx.mapping.get(name)
        return None if header is None or header not in self.raw else self.raw[header]

    def flag(self, reason: str, mask) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.reasons[reason] = self.reasons.get(reason, np.zeros(len(self.raw), bool)) | mask

    def warn(self, warning: str, mask) -> None:
        count = int(np.asarray(mask, dtype=bool).sum())
        if count:
            self.warnings[warning] += count


def _times(ch: _Chunk) -> None:
    for name in TIME_FIELDS:
        raw = ch.col(name)
        if raw is None:
            ch.out[name] = pd.Series(pd.NaT, index=ch.raw.index, dtype="datetime64[ns]")
            continue
        parsed = parse_datetimes(raw, ch.ctx.timezone)
        ch.flag(f"bad_date:{name}", raw.notna() & parsed.isna())
        ch.out[name] = parsed
    created = ch.out["created_at"]
    raw_created = ch.col("created_at")
    ch.flag("missing:created_at", raw_created.isna() if raw_created is not None else np.ones(len(ch.raw), bool))
    ch.flag("closed_before_created", ch.out["closed_at"] < created)
    ch.flag("signed_before_created", ch.out["signed_at"] < created)
    ch.flag("created_in_future", created > ch.ctx.now)


def _derived_ids(ch: _Chunk) -> pd.Series:
    parts = [ch.col(f) for f in _IDENTITY_FIELDS]
    parts = [p.fillna("") for p in parts if p is not None]
    joined = parts[0].str.cat(parts[1:], sep="\x1f") if parts else pd.Series("", index=ch.raw.index)
    return joined.map(lambda s: "h-" + hashlib.sha1(s.encode()).hexdigest()[:24])


def _ids(ch: _Chunk) -> None:
    source = ch.col("source")
    ch.out["source"] = source.fillna(ch.ctx.source) if source is not None else ch.ctx.source
    sid = ch.col("source_id")
    missing = sid.isna() if sid is not None else pd.Series(True, index=ch.raw.index)
    ids = sid.copy() if sid is not None else pd.Series(None, index=ch.raw.index, dtype=object)
    if missing.any():
        ids[missing] = _derived_ids(ch)[missing]
        ch.warn("derived_id", missing)
    ch.out["source_id"] = ids
    flagged = ch.col("id_derived")
    ch.out["id_derived"] = missing.to_numpy() | (flagged.fillna("").str.casefold().isin(_TRUE).to_numpy()
                                                 if flagged is not None else False)
    ticket_id = ch.col("ticket_id")
    if ticket_id is not None:
        ch.out["ticket_id"] = ticket_id


def map_distinct(values: pd.Series, fn) -> pd.Series:
    """`fn` applied to each distinct non-missing value once (None stays None); object Series, same index.

    Export columns such as channel or category hold a handful of distinct values in millions of rows.
    """
    codes_, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes_], index=values.index, dtype=object)


def _coded(ch: _Chunk, name: str) -> None:
    raw = ch.col(name)
    default = ch.ctx.profile.defaults.get(name)
    if raw is None:
        if default is not None or name in ("channel", "urgency"):
            ch.out[name] = default or _FALLBACK[name][0]
        return
    table = _lookup(name, ch.ctx.profile)
    codes_ = map_distinct(raw, lambda v: table.get(v.strip().casefold()))
    present = raw.notna().to_numpy()
    unknown = present & codes_.isna().to_numpy()
    fallback, warning = _FALLBACK[name]
    ch.warn(warning, unknown)
    codes_[~present] = default
    ch.out[name] = codes_.where(codes_.notna(), fallback if name != "status" else None)


def _category(ch: _Chunk) -> None:
    raw = ch.col("category")
    if raw is None:
        if ch.col("category_raw") is not None:
            ch.out["category_raw"] = ch.col("category_raw")
        return
    table = {k.strip(): v for k, v in ch.ctx.profile.values.get("category", {}).items()}
    value = map_distinct(raw, lambda v: v.strip() or None)
    mapped = map_distinct(raw, lambda v: table.get(v.strip(), v.strip()) or None)
    merged = (value.notna() & (mapped != value)).to_numpy(dtype=bool)
    ch.warn("merged_category", merged)
    ch.out["category"] = mapped
    explicit = ch.col("category_raw")
    ch.out["category_raw"] = explicit if explicit is not None else value.where(merged, None)


def _status(ch: _Chunk) -> None:
    _coded(ch, "status")
    inferred = np.where(ch.out["closed_at"].notna(), "closed",
                        np.where(ch.out["signed_at"].notna(), "signed", "received"))
    given = ch.out["status"] if "status" in ch.out else pd.Series(None, index=ch.raw.index, dtype=object)
    ch.out["status"] = given.where(given.notna(), pd.Series(inferred, index=ch.raw.index))


def _numbers(ch: _Chunk) -> None:
    for name in ("returned_count", "reopened_count"):
        raw = ch.col(name)
        if raw is None:
            ch.out[name] = 0
            continue
        num = pd.to_numeric(raw, errors="coerce")
        fits = num.between(0, _MAX_COUNT)  # False for NaN, inf, negative and too big ("1e300")
        ch.flag(f"bad_value:{name}", raw.notna() & ~(fits & (num % 1 == 0)))
        ch.out[name] = num.where(fits, 0).astype("int64")
    raw = ch.col("escalated")
    if raw is None:
        ch.out["escalated"] = False
        return
    folded = raw.fillna("").str.casefold()
    ch.flag("bad_value:escalated", raw.notna() & ~folded.isin(_TRUE | _FALSE))
    ch.out["escalated"] = folded.isin(_TRUE)


def _text(ch: _Chunk) -> None:
    for name in ("street", "grid_id", "subcategory", "department"):
        raw = ch.col(name)
        if raw is not None:
            ch.out[name] = raw
    title, body = ch.col("title"), ch.col("description")
    if title is not None and body is not None:
        text = title.fillna("").str.cat(body.fillna(""), sep="\n").str.strip().replace("", None)
    else:
        text = title if title is not None else body
    if text is not None:
        ch.out["description"] = mask_phones(text)
    key = ch.col("caller_key")
    keys = key if key is not None else ch.ctx.hasher.keys(ch.col("caller_phone"), ch.col("caller_name"))
    if keys is not None:
        ch.out["caller_key"] = keys
    if ch.ctx.known_streets and "street" in ch.out:
        ch.warn("unknown_street", ch.out["street"].notna() & ~ch.out["street"].isin(ch.ctx.known_streets))


#: Columns filled from the file whose width the table limits (codes civicdesk writes itself are short).
_LIMITED = ("source", "source_id", "ticket_id", "street", "grid_id", "category", "subcategory", "department")


def _lengths(ch: _Chunk) -> None:
    for name in _LIMITED:
        if name not in ch.out or ch.out[name].dtype != object:
            continue
        values = ch.out[name].to_numpy()
        lengths = np.fromiter((len(v) if v.__class__ is str else 0 for v in values), np.int64, len(values))
        ch.flag(f"too_long:{name}", lengths > tickets.c[name].type.length)


def redacted_raw(raw: pd.DataFrame, ctx: Context) -> pd.Series:
    """Each raw row as JSON for the quarantine, callers replaced by their key and phones masked."""
    frame = raw.drop(columns=[c for c in META_COLUMNS if c in raw])
    private = [ctx.mapping[f] for f in ("caller_phone", "caller_name") if f in ctx.mapping]
    if private:
        keys = ctx.hasher.keys(raw.get(ctx.mapping.get("caller_phone")), raw.get(ctx.mapping.get("caller_name")))
        for header in private:
            frame[header] = keys.map(lambda k: None if k is None else f"[caller_key {k}]")
    for header in frame.columns:
        if header not in private:
            frame[header] = mask_phones(frame[header])
    return pd.Series([json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False)
                      for row in frame.to_dict("records")], index=raw.index, dtype=object)


def normalize(raw: pd.DataFrame, ctx: Context) -> Normalized:
    """Map one chunk of raw rows (strings, plus `_sheet`/`_row`) to ticket rows and quarantined rows."""
    if ctx.profile.name == "civicdesk":  # our own export: take off the formula-guard apostrophes it added
        raw = restore_frame(raw)
    ch = _Chunk(raw, ctx)
    _times(ch)
    _ids(ch)
    for name in ("channel", "urgency", "callback_result"):
        _coded(ch, name)
    _status(ch)
    _category(ch)
    _numbers(ch)
    _text(ch)
    _lengths(ch)
    ch.out["batch_id"] = ctx.batch_id
    bad = np.zeros(len(raw), bool)
    for mask in ch.reasons.values():
        bad |= mask
    good = ch.out[~bad].copy()
    for meta in META_COLUMNS:
        good[meta] = raw.loc[~bad, meta].to_numpy()
    reasons = [";".join(r for r, m in ch.reasons.items() if m[i]) for i in np.flatnonzero(bad)]
    quarantined = pd.DataFrame({"sheet": raw.loc[bad, "_sheet"].to_numpy(),
                                "row_number": raw.loc[bad, "_row"].to_numpy(),
                                "reasons": reasons,
                                "raw": redacted_raw(raw[bad], ctx).to_numpy()})
    return Normalized(good, quarantined, ch.warnings)
