"""Check the rows of a reference file (streets, grids, roster, categories) against its kind and the store.

Every row comes out once: in `Checked.good`, normalised to the target table's columns, or in
`Checked.quarantined` with every reason that kept it out (codes of `civicdesk.ingest.refspec`).
Empty cells are None in `good`: a writer leaves the stored value as it is for them.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from civicdesk import config
from civicdesk.ingest.callers import mask_phones
from civicdesk.ingest.dates import parse_datetimes
from civicdesk.ingest.guess import header_key
from civicdesk.ingest.refspec import HANDLING_WORDS, KIND_WORDS, ROLE_WORDS, TIER_WORDS
from civicdesk.store.schema import categories, grids, staff, streets

META_COLUMNS = ("_sheet", "_row")
_MAX_COUNT = 2**31 - 1
_GEOMETRIES = ("Polygon", "MultiPolygon")


@dataclass
class Known:
    """What the store holds that rows refer to: streets by name and code, grids and their streets."""

    street_by_name: dict[str, int] = field(default_factory=dict)
    street_by_code: dict[str, int] = field(default_factory=dict)
    grid_street: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: sa.Connection) -> Known:
        """Read the streets and grids tables (inside the caller's transaction)."""
        rows = conn.execute(sa.select(streets.c.street_id, streets.c.name, streets.c.code)).all()
        return cls(street_by_name={name: sid for sid, name, _ in rows},
                   street_by_code={str(code).casefold(): sid for sid, _, code in rows},
                   grid_street=dict(conn.execute(sa.select(grids.c.grid_id, grids.c.street_id)).all()))

    def street_id(self, value: str | None) -> int | None:
        """A street's id from its name or code; None when unknown."""
        if value is None:
            return None
        found = self.street_by_name.get(value)
        return found if found is not None else self.street_by_code.get(value.casefold())


@dataclass
class Checked:
    """One file's outcome: rows to write (with `_sheet`/`_row`) and quarantined rows."""

    good: pd.DataFrame
    quarantined: pd.DataFrame


class Rows:
    """Working state of a check: the raw rows, the normalised columns and the reasons found so far."""

    def __init__(self, raw: pd.DataFrame, mapping: dict[str, str], keys: tuple[str, ...] = ()):
        self.raw, self.mapping, self.keys = raw, mapping, keys
        self.out = pd.DataFrame(index=raw.index)
        self.reasons: dict[str, np.ndarray] = {}

    def col(self, name: str) -> pd.Series | None:
        """The raw column mapped to field `name` (stripped strings, None when empty), or None."""
        header = self.mapping.get(name)
        return None if header is None else self.raw[header]

    def flag(self, reason: str, mask) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.reasons[reason] = self.reasons.get(reason, np.zeros(len(self.raw), bool)) | mask

    def bad(self) -> np.ndarray:
        out = np.zeros(len(self.raw), bool)
        for mask in self.reasons.values():
            out |= mask
        return out

    def text(self, name: str, width: int | None = None, required: bool = False) -> pd.Series:
        """Field `name` as text (None when empty); flags `missing:` and `too_long:` reasons."""
        raw = self.col(name)
        values = pd.Series(None, index=self.raw.index, dtype=object) if raw is None else raw.astype(object)
        values = values.where(values.notna(), None)
        if required:
            self.flag(f"missing:{name}", values.isna().to_numpy())
        if width is not None:
            self.flag(f"too_long:{name}", values.map(lambda v: v is not None and len(v) > width).to_numpy(bool))
        self.out[name] = values
        return values

    def coded(self, name: str, words: dict[str, str], required: bool = False) -> pd.Series:
        """Field `name` looked up in `words` (casefolded, without punctuation); flags `bad_value:`."""
        raw = self.text(name, required=required)
        coded = raw.map(lambda v: None if v is None else words.get(header_key(v)))
        self.flag(f"bad_value:{name}", (raw.notna() & coded.isna()).to_numpy())
        self.out[name] = coded
        return coded

    def integer(self, name: str) -> pd.Series:
        """Field `name` as a whole number ≥ 0 ("1,200" and "1200.0" allowed); flags `bad_value:`."""
        raw = self.text(name)
        num = pd.to_numeric(raw.map(lambda v: None if v is None else v.replace(",", "").replace("，", "")),
                            errors="coerce")
        fits = num.between(0, _MAX_COUNT) & (num % 1 == 0)
        self.flag(f"bad_value:{name}", (raw.notna() & ~fits).to_numpy())
        self.out[name] = pd.Series([int(v) if ok else None for v, ok in zip(num, fits)], index=raw.index,
                                   dtype=object)
        return self.out[name]

    def day(self, name: str) -> pd.Series:
        """Field `name` as a date; flags `bad_date:`."""
        raw = self.text(name)
        stamps = parse_datetimes(raw, tz=config.TIMEZONE)
        self.flag(f"bad_date:{name}", (raw.notna() & stamps.isna()).to_numpy())
        self.out[name] = pd.Series([None if pd.isna(s) else s.date() for s in stamps], index=raw.index,
                                   dtype=object)
        return stamps

    def duplicates(self, columns: list[str], reason: str = "duplicate_id_in_file") -> None:
        """Flag rows, among those still good, whose `columns` came earlier in the file."""
        ok = ~self.bad()
        keys = self.out.loc[ok, columns].fillna("")
        dup = np.zeros(len(self.raw), bool)
        dup[np.flatnonzero(ok)[keys.duplicated(keep="first").to_numpy()]] = True
        self.flag(reason, dup)

    def finish(self) -> Checked:
        """Split into good rows and quarantined rows with their reasons and raw values."""
        bad = self.bad()
        good = self.out[~bad].copy()
        for meta in META_COLUMNS:
            good[meta] = self.raw.loc[~bad, meta].to_numpy()
        reasons = [";".join(r for r, m in self.reasons.items() if m[i]) for i in np.flatnonzero(bad)]
        quarantined = pd.DataFrame({"sheet": self.raw.loc[bad, "_sheet"].to_numpy(),
                                    "row_number": self.raw.loc[bad, "_row"].to_numpy(), "reasons": reasons,
                                    "raw": raw_json(self.raw[bad], [self.mapping[k] for k in self.keys
                                                                    if k in self.mapping]).to_numpy()})
        return Checked(good, quarantined)


def raw_json(raw: pd.DataFrame, keep: list[str]) -> pd.Series:
    """Each raw row as JSON for the quarantine, phone numbers masked except in the `keep` (id) columns."""
    frame = raw.drop(columns=[c for c in META_COLUMNS if c in raw])
    for header in frame.columns:
        if header not in keep:
            frame[header] = mask_phones(frame[header])
    return pd.Series([json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False)
                      for row in frame.to_dict("records")], index=raw.index, dtype=object)


def _width(table: sa.Table, column: str) -> int:
    return table.c[column].type.length


def geojson_text(text: str | None) -> str | None:
    """`text` as compact GeoJSON if it is a polygon boundary (Polygon, MultiPolygon, or a Feature or
    FeatureCollection of them, longitude and latitude in range, rings closed); None otherwise."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return None
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) if _boundary(data) else None


def _boundary(data) -> bool:
    if not isinstance(data, dict):
        return False
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        return isinstance(features, list) and bool(features) and all(_boundary(f) for f in features)
    if kind == "Feature":
        return _boundary(data.get("geometry"))
    coords = data.get("coordinates")
    if kind == "Polygon":
        return _polygon(coords)
    return kind == "MultiPolygon" and isinstance(coords, list) and bool(coords) and all(map(_polygon, coords))


def _polygon(rings) -> bool:
    return isinstance(rings, list) and bool(rings) and all(_ring(r) for r in rings)


def _ring(ring) -> bool:
    if not isinstance(ring, list) or len(ring) < 4 or not all(_position(p) for p in ring):
        return False
    return list(ring[0][:2]) == list(ring[-1][:2])


def _position(p) -> bool:
    if not isinstance(p, list) or len(p) not in (2, 3):
        return False
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in p):
        return False
    return -180 <= p[0] <= 180 and -90 <= p[1] <= 90


def check_streets(raw: pd.DataFrame, mapping: dict[str, str], known: Known) -> Checked:
    """Streets: name required; code unique across streets; kind 街道/镇/乡; households; GeoJSON boundary."""
    rows = Rows(raw, mapping, keys=("name", "code"))
    name = rows.text("name", _width(streets, "name"), required=True)
    code = rows.text("code", _width(streets, "code"))
    rows.text("name_en", _width(streets, "name_en"))
    rows.coded("kind", KIND_WORDS)
    rows.integer("households")
    shape = rows.text("boundary")
    rows.out["boundary"] = shape.map(lambda v: None if v is None else geojson_text(v))
    rows.flag("bad_geojson", (shape.notna() & rows.out["boundary"].isna()).to_numpy())
    owner = code.map(lambda c: None if c is None else known.street_by_code.get(c.casefold()))
    mine = name.map(lambda n: None if n is None else known.street_by_name.get(n))
    rows.flag("code_taken", (owner.notna() & (owner != mine)).to_numpy())
    rows.duplicates(["name"])
    ok = ~rows.bad()
    folded = code[ok].map(lambda c: c.casefold() if c else None)
    again = folded.notna() & folded.duplicated(keep="first")
    taken = np.zeros(len(raw), bool)
    taken[np.flatnonzero(ok)[again.to_numpy()]] = True
    rows.flag("code_taken", taken)
    return rows.finish()


def _street_ids(rows: Rows, known: Known, required: bool) -> pd.Series:
    street = rows.text("street", required=required)
    ids = street.map(known.street_id)
    rows.flag("unknown_street", (street.notna() & ids.isna()).to_numpy())
    return ids


def check_grids(raw: pd.DataFrame, mapping: dict[str, str], known: Known) -> Checked:
    """Grids: grid id and a known street (name or code) required; name, community, households."""
    rows = Rows(raw, mapping, keys=("grid_id",))
    rows.text("grid_id", _width(grids, "grid_id"), required=True)
    rows.out["street_id"] = _street_ids(rows, known, required=True)
    rows.text("name", _width(grids, "name"))
    rows.text("community", _width(grids, "community"))
    rows.integer("households")
    rows.duplicates(["grid_id"])
    return rows.finish()


def check_roster(raw: pd.DataFrame, mapping: dict[str, str], known: Known) -> Checked:
    """Staff: id and role required; street and grid must be known (a grid's street fills a blank street);
    tier; active dates in order."""
    rows = Rows(raw, mapping, keys=("staff_id", "grid_id"))
    rows.text("staff_id", _width(staff, "staff_id"), required=True)
    rows.text("name", _width(staff, "name"))
    rows.coded("role", ROLE_WORDS, required=True)
    street_id = _street_ids(rows, known, required=False)
    grid = rows.text("grid_id", _width(staff, "grid_id"))
    grid_street = grid.map(lambda g: None if g is None else known.grid_street.get(g))
    rows.flag("unknown_grid", (grid.notna() & grid_street.isna()).to_numpy())
    rows.flag("grid_not_in_street", (street_id.notna() & grid_street.notna()
                                     & (street_id != grid_street)).to_numpy())
    rows.out["street_id"] = street_id.where(street_id.notna(), grid_street)
    rows.coded("tier", TIER_WORDS)
    start, end = rows.day("active_from"), rows.day("active_to")
    rows.flag("active_to_before_from", (end < start).to_numpy())
    rows.out = rows.out.drop(columns=["street"])
    rows.duplicates(["staff_id"])
    return rows.finish()


def check_categories(raw: pd.DataFrame, mapping: dict[str, str], known: Known) -> Checked:
    """Categories: level 1 required, a level 3 needs a level 2; English name; handling code or label."""
    rows = Rows(raw, mapping, keys=())
    width = _width(categories, "level1")
    rows.text("level1", width, required=True)
    level2, level3 = rows.text("level2", width), rows.text("level3", width)
    rows.flag("level3_without_level2", (level3.notna() & level2.isna()).to_numpy())
    rows.out["level2"], rows.out["level3"] = level2.fillna(""), level3.fillna("")
    rows.text("name_en", _width(categories, "name_en"))
    rows.coded("handling", HANDLING_WORDS)
    rows.duplicates(["level1", "level2", "level3"])
    return rows.finish()


CHECKS = {"streets": check_streets, "grids": check_grids, "roster": check_roster,
          "categories": check_categories}
