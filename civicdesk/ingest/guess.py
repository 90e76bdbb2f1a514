"""Propose a mapping for an export that no profile recognises: header synonyms first, then the columns' contents.

    proposal = propose(headers, sample)          # sample: the first rows as read (strings or None)
    proposal.mapping   {"created_at": "反映时间", "street": "所在区域", ...}
    proposal.basis     {"created_at": "synonym", "street": "content", ...}
    profile = proposed_profile(proposal, profiles)   # a Profile the importer uses like a shipped one

Headers are compared case-, space- and punctuation-insensitively (`header_key`): exactly against the
synonyms of `civicdesk.ingest.synonyms`, by containment for Chinese keywords ("诉求发生时间" holds "发生时间")
and by words for English ones ("Date Opened" holds the word "opened"). The longest keyword wins; a time
field found this way must hold dates in at least half of the sampled rows.

Columns no header explains are then judged by their contents (`sniff`): dates in >= 95% of the non-empty
rows make a time column (the earliest-looking one is the creation time), place names (…区/街道/镇/乡) in a
column of few distinct values make the street, values from the known channel/status/urgency/callback words
make those fields, a unique id-like column is the ticket id, the longest free text is the description, and
a low-cardinality text column nothing else claimed is the category.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from civicdesk import config
from civicdesk.ingest.dates import parse_datetimes
from civicdesk.ingest.normalize import CODE_TABLES, value_words
from civicdesk.ingest.profiles import TIME_FIELDS, Profile, ProfileError
from civicdesk.ingest.synonyms import EXACT, KEYWORDS_EN, KEYWORDS_ZH, WEIGHTS

#: Name and default source of a proposed profile.
PROPOSED = "proposed"
PROPOSED_SOURCE = "import"
#: Rows of the file the content rules look at.
SAMPLE_ROWS = 500
#: Share of a column's non-empty values that must parse as dates for it to be a time column by content.
DATE_SHARE = 0.95
#: Share a time column named by a synonym must reach (lower: a real export has some bad dates).
SYNONYM_DATE_SHARE = 0.5
#: Fields of civicdesk's own export that a proposal never maps (they only mean something in that format).
NOT_PROPOSED = frozenset({"source", "ticket_id", "caller_key", "category_raw", "id_derived"})
#: Weight of a header listed by a known profile (below `EXACT`, above any keyword).
PROFILE_WEIGHT = 50.0
#: Value tables a proposed profile borrows from the known profiles (never the category: a centre's own).
BORROWED_VALUES = ("channel", "urgency", "status", "callback_result")
PLACE_SUFFIXES_ZH = ("区", "街道", "镇", "乡", "社区", "街", "村", "县", "市", "办事处", "街道办", "园区", "管委会", "片区")
PLACE_SUFFIXES_EN = (" district", " ward", " neighborhood", " neighbourhood", " nc", " borough", " precinct",
                     " township", " county", " village", " town", " area", " council", " community")
#: Endings of the names of government bodies and companies (承办单位): a column of them is the department.
ORGANISATION_SUFFIXES = ("局", "委", "委员会", "办", "办公室", "中心", "公司", "所", "队", "站", "院", "厅", "处",
                         " department", " bureau", " agency", " office", " authority")
#: Cells of a count column, a boolean column or a plain number: never a category, street or description.
_NUMBER_RE = r"^[+-]?(\d+([.,]\d+)?|\d*\.\d+)$"
_BOOLEAN = {"y", "n", "yes", "no", "true", "false", "t", "f", "0", "1", "是", "否", "有", "无"}
_CJK_RE = r"[\u4e00-\u9fff]"
_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9\-_/.#:]{0,63}$"


class ProposalError(ProfileError):
    """No mapping could be proposed. `key` and `params` give the message in the UI's language:
    `civicdesk.i18n.t(error.key, lang).format(**error.params)`; `str(error)` is the English sentence."""

    def __init__(self, message: str, key: str, **params):
        super().__init__(message)
        self.key, self.params = key, params


@dataclass(frozen=True)
class Proposal:
    """A proposed field → header mapping and, per field, how it was found ("synonym" or "content")."""

    mapping: dict[str, str]
    basis: dict[str, str]


@dataclass(frozen=True)
class ProposedProfile(Profile):
    """A profile built from a proposal; `basis` says per field how its column was found."""

    basis: dict[str, str] = field(default_factory=dict)


def header_key(header: str) -> str:
    """A header compared case-, width-, space- and punctuation-insensitively ("Created Date" → "createddate")."""
    text = unicodedata.normalize("NFKC", str(header)).casefold()
    return re.sub(r"[\W_]+", "", text)


def header_words(header: str) -> set[str]:
    """The English words of a header, splitting camel case ("SRNumber" → {"sr", "number"})."""
    text = unicodedata.normalize("NFKC", str(header))
    return {w.casefold() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", text)}


def _profile_synonyms(profiles) -> dict[str, str]:
    """Normalised header → field from the known profiles' synonyms (the first profile wins a clash)."""
    found: dict[str, str] = {}
    for profile in profiles:
        for name, synonyms in profile.columns.items():
            if name not in NOT_PROPOSED:
                for synonym in synonyms:
                    found.setdefault(header_key(synonym), name)
    return found


def _header_hint(header: str, known: dict[str, str]) -> tuple[str | None, float]:
    """The field a header names (or "_ignore"/"_time") and how strongly; (None, 0) when it names none."""
    key = header_key(header)
    if not key:
        return None, 0.0
    if key in EXACT:
        return EXACT[key], 100.0
    if key in known:
        return known[key], PROFILE_WEIGHT
    best: tuple[str | None, float] = (None, 0.0)
    for name, words in KEYWORDS_ZH.items():
        for word in words:
            if word in key:
                weight = WEIGHTS.get(word, len(word))
                if weight > best[1]:
                    best = (name, weight)
    tokens = header_words(header)
    for name, phrases in KEYWORDS_EN.items():
        for phrase in phrases:
            if set(phrase) <= tokens:
                weight = WEIGHTS.get(" ".join(phrase), sum(len(w) for w in phrase))
                if weight > best[1]:
                    best = (name, weight)
    return best


def _values(sample: pd.DataFrame | None, header: str) -> pd.Series:
    """The non-empty values of one sampled column as stripped strings."""
    if sample is None or header not in sample:
        return pd.Series([], dtype=object)
    col = sample[header].dropna().astype(str).str.strip()
    return col[col != ""]


def _date_share(values: pd.Series, tz: str) -> float:
    return float(parse_datetimes(values.reset_index(drop=True), tz).notna().mean()) if len(values) else 0.0


def _fits_field(name: str, values: pd.Series, tz: str) -> bool:
    """Whether a column a synonym named holds values of the field's kind (dates, counts); empty fits."""
    if not len(values):
        return True
    if name in TIME_FIELDS:
        return _date_share(values, tz) >= SYNONYM_DATE_SHARE
    if name in ("returned_count", "reopened_count"):
        return float(values.str.fullmatch(r"\d{1,9}").mean()) >= SYNONYM_DATE_SHARE
    return True


def match_synonyms(headers, sample: pd.DataFrame | None = None, profiles=(), tz: str = "Asia/Shanghai"
                   ) -> tuple[dict[str, str], dict[str, str | None]]:
    """Fields named by the headers, and every header's hint.

    Args:
        headers: the file's column names.
        sample: the first rows as read; when given, a time field's column must hold dates.
        profiles: known profiles; their header synonyms count too.
        tz: the centre's time zone (for parsing offsets).

    Returns:
        (field → header for the best header of each field, header → hinted field or pseudo-field or None).
    """
    hints: dict[str, str | None] = {}
    best: dict[str, tuple[float, str]] = {}
    known = _profile_synonyms(profiles)
    for header in headers:
        name, weight = _header_hint(header, known)
        hints[header] = name
        if name is None or name.startswith("_"):
            continue
        if not _fits_field(name, _values(sample, header), tz):
            hints[header] = "_unfit"
            continue
        if name not in best or weight > best[name][0]:
            best[name] = (weight, header)
    return {name: header for name, (_, header) in best.items()}, hints


@dataclass
class _Column:
    """What the content rules know about one sampled column."""

    header: str
    values: pd.Series
    rows: int

    @property
    def n(self) -> int:
        return len(self.values)

    @cached_property
    def distinct(self) -> int:
        return int(self.values.nunique())

    def share(self, mask: pd.Series) -> float:
        return float(mask.mean()) if self.n else 0.0

    def low_cardinality(self) -> bool:
        return self.n > 0 and self.distinct <= min(300, max(self.n * 0.5, min(self.n, 10)))

    def numeric(self) -> bool:
        return self.share(self.values.str.fullmatch(_NUMBER_RE)) >= 0.9

    def boolean(self) -> bool:
        return self.share(self.values.str.casefold().isin(_BOOLEAN)) >= 0.9

    def mean_length(self) -> float:
        return float(self.values.str.len().mean()) if self.n else 0.0


def _time_columns(columns: list[_Column], hints: dict, tz: str) -> list[tuple[_Column, pd.Series]]:
    """Columns holding dates in >= DATE_SHARE of their rows; plain integers only under a time-like header."""
    found = []
    for col in columns:
        if not col.n:
            continue
        if col.share(col.values.str.fullmatch(r"\d+")) >= 0.5 and hints.get(col.header) != "_time":
            continue  # ids and counts parse as Excel serial numbers or yyyymmdd
        parsed = parse_datetimes(col.values.reset_index(drop=True), tz)
        if parsed.notna().mean() >= DATE_SHARE:
            found.append((col, pd.Series(parsed.to_numpy(), index=col.values.index)))
    return found


def _earliest(found: list[tuple[_Column, pd.Series]]) -> _Column:
    """The time column whose values come first within a row most often (the first column on a tie)."""
    if len(found) == 1:
        return found[0][0]
    frame = pd.DataFrame({i: parsed for i, (_, parsed) in enumerate(found)})
    ranks = frame.rank(axis=1, method="average").mean()
    return found[int(np.argmin(ranks.fillna(np.inf).to_numpy()))][0]


def _vocabulary(profiles) -> dict[str, set[str]]:
    """Casefolded words known for each coded field: the codes, their labels and the profiles' value tables."""
    vocab = {name: set(value_words(name, profiles)) for name in CODE_TABLES}
    vocab["channel"].discard("其他")  # "other" is every taxonomy's word too
    vocab["channel"].discard("other")
    return vocab


def _ends_with(col: _Column, suffixes: tuple[str, ...], share: float) -> bool:
    """A low-cardinality column of short names, at least `share` of them ending in one of `suffixes`."""
    return (col.low_cardinality() and col.mean_length() <= 30
            and col.share(col.values.str.casefold().str.endswith(suffixes)) >= share)


def _is_id(col: _Column) -> bool:
    """Unique (bar the odd duplicate) and filled in every row; one token with a digit; not a decimal."""
    if col.n < max(1, 0.95 * col.rows) or col.distinct < 0.99 * col.n:
        return False
    looks = col.values.str.fullmatch(_ID_RE) & col.values.str.contains(r"\d")
    fractions = col.values.str.fullmatch(r"[+-]?\d*\.\d+")
    return col.share(looks) == 1.0 and col.share(fractions) < 0.5


def _is_text(col: _Column) -> bool:
    """Free text: long values in CJK or with spaces, mostly different from each other."""
    worded = col.values.str.contains(_CJK_RE) | (col.values.str.contains(" ")
                                                 & col.values.str.count(r"[A-Za-z]").ge(3))
    return (col.n > 0 and col.mean_length() >= 10 and col.share(worded) >= 0.5
            and col.distinct >= 0.5 * col.n)


def _is_label(col: _Column) -> bool:
    """A category-like column: few distinct values, worded, neither numbers nor yes/no."""
    return (col.n >= 20 and 2 <= col.distinct <= 100 and col.low_cardinality() and not col.numeric()
            and not col.boolean() and col.share(col.values.str.contains(r"[^\W\d_]")) >= 0.9
            and col.mean_length() <= 40)


def sniff(sample: pd.DataFrame, headers, taken: dict[str, str], hints: dict, profiles=(),
          tz: str = "Asia/Shanghai") -> dict[str, str]:
    """Fields found from the contents of the columns no header explains.

    Args:
        sample: the first rows as read.
        headers: the file's column names.
        taken: fields already mapped (field → header); they are not proposed again.
        hints: header → hinted field (from `match_synonyms`); hinted headers are left to their hint,
            except those hinting only "a time" ("_time"), which join the time columns, and those whose
            contents did not fit their hint ("_unfit": "How Reported" holds channels, not dates).
        profiles: known profiles, whose value tables tell channel, status, urgency and callback words.
        tz: the centre's time zone.

    Returns:
        field → header for the fields found.
    """
    used = set(taken.values())
    free = [h for h in headers if h not in used and hints.get(h) in (None, "_time", "_unfit")]
    columns = [_Column(h, _values(sample, h), len(sample)) for h in free]
    found: dict[str, str] = {}

    def claim(name: str, col: _Column | None) -> None:
        if col is not None and name not in taken and name not in found and col.header not in found.values():
            found[name] = col.header

    times = _time_columns(columns, hints, tz)
    if times and "created_at" not in taken:
        claim("created_at", _earliest(times))
    rest = [c for c in columns if c.header not in {col.header for col, _ in times}]
    claim("street", next((c for c in rest if _ends_with(c, PLACE_SUFFIXES_ZH + PLACE_SUFFIXES_EN, 0.7)), None))
    claim("department", next((c for c in rest if c.header not in found.values()
                              and _ends_with(c, ORGANISATION_SUFFIXES, 0.8)), None))
    vocab = _vocabulary(profiles)
    for name in ("callback_result", "status", "urgency", "channel"):
        claim(name, next((c for c in rest if c.header not in found.values() and c.n and c.distinct <= 50
                          and c.share(c.values.str.casefold().isin(vocab[name])) >= 0.8), None))
    claim("source_id", next((c for c in rest if c.header not in found.values() and _is_id(c)), None))
    texts = [c for c in rest if c.header not in found.values() and _is_text(c)]
    claim("description", max(texts, key=lambda c: c.mean_length(), default=None))
    labels = [c for c in rest if c.header not in found.values() and _is_label(c)]
    claim("category", labels[0] if labels else None)  # exports put the level-1 class before finer ones
    return found


def propose(headers, sample: pd.DataFrame | None = None, profiles=(), tz: str = "Asia/Shanghai") -> Proposal:
    """Propose a field → header mapping from the headers' names, then the sampled rows' contents.

    Args:
        headers: the file's column names.
        sample: the first rows as read (see `SAMPLE_ROWS`); None proposes from the headers alone.
        profiles: known profiles (their value tables tell coded values apart).
        tz: the centre's time zone.

    Returns:
        A Proposal; it may lack a creation time (the caller decides what to do then).
    """
    headers = list(headers)
    mapping, hints = match_synonyms(headers, sample, profiles, tz)
    basis = {name: "synonym" for name in mapping}
    if sample is not None and len(sample):
        for name, header in sniff(sample, headers, mapping, hints, profiles, tz).items():
            mapping[name], basis[name] = header, "content"
    order = {h: i for i, h in enumerate(headers)}
    mapping = dict(sorted(mapping.items(), key=lambda kv: order[kv[1]]))
    return Proposal(mapping=mapping, basis={name: basis[name] for name in mapping})


def looks_headerless(headers) -> str | None:
    """A header that is a date (the first row was data, not column names), or None."""
    names = pd.Series([str(h) for h in headers], dtype=object)
    parsed = parse_datetimes(names[~names.str.fullmatch(r"\d{1,7}")].reset_index(drop=True))
    hit = parsed.notna().to_numpy()
    return str(names[~names.str.fullmatch(r"\d{1,7}")].iloc[int(np.argmax(hit))]) if hit.any() else None


def proposed_profile(proposal: Proposal, profiles=(), source: str = PROPOSED_SOURCE,
                     timezone: str | None = None) -> ProposedProfile:
    """A profile mapping exactly the proposed columns, with the cn12345 defaults.

    Channel, urgency, status and callback words are read through the known profiles' value tables
    (first profile wins on a clash); categories are kept as the file writes them.
    """
    values: dict[str, dict[str, str]] = {}
    for profile in profiles:
        for name in BORROWED_VALUES:
            table = values.setdefault(name, {})
            for raw, code in profile.values.get(name, {}).items():
                table.setdefault(raw, code)
    return ProposedProfile(
        name=PROPOSED, label="按表头和内容推测的映射", label_en="Mapping proposed from headers and contents",
        source=source, columns={name: (header,) for name, header in proposal.mapping.items()},
        defaults={"channel": "hotline", "urgency": "general"}, values={k: v for k, v in values.items() if v},
        timezone=timezone, basis=dict(proposal.basis))


def profile_for(headers, sample=None, profiles=(), tz: str = "Asia/Shanghai") -> ProposedProfile:
    """The proposed profile for a file no profile recognises (see `propose`).

    Args:
        headers: the file's column names.
        sample: its first rows as read, or a function returning them (read only when called); None
            proposes from the headers alone.
        profiles: known profiles (their synonyms and value tables help).
        tz: the centre's time zone.

    Raises:
        ProposalError: the first row is data (a header is a date), so the file has no column names.
    """
    data_like = looks_headerless(headers)
    if data_like is not None:
        raise ProposalError(f"The file's first row looks like data ('{data_like}' is a date), not column names; "
                            "add a header row naming the columns, or choose a profile and map them by hand.",
                            "guess_headerless", value=data_like)
    rows = sample() if callable(sample) else sample
    return proposed_profile(propose(headers, rows, profiles, tz), profiles)


def no_creation_time(headers) -> ProposalError:
    """The error for a proposal without a creation time: no header names one and no column holds dates."""
    shown = ", ".join(list(headers)[:12])
    return ProposalError(
        f"No mapping profile recognises these columns ({shown}), and none of them holds dates in at least "
        f"{DATE_SHARE:.0%} of its rows to be the time a ticket was created; choose a profile and map the "
        f"creation-time column by hand, or add a profile to {config.profiles_dir()}.",
        "guess_no_dates", columns=shown, share=f"{DATE_SHARE:.0%}")


def mapping_basis(profile: Profile, mapping: dict[str, str]) -> dict[str, str]:
    """How each mapped field of a proposed profile was found: "synonym", "content" or "user" (an override).

    Empty for a profile that is not a proposal.
    """
    if not isinstance(profile, ProposedProfile):
        return {}
    return {name: profile.basis.get(name, "user") if profile.columns.get(name) == (header,) else "user"
            for name, header in mapping.items()}


__all__ = ["ProposalError", "PROPOSED", "PROPOSED_SOURCE", "SAMPLE_ROWS", "Proposal", "ProposedProfile", "header_key",
           "header_words", "match_synonyms", "sniff", "propose", "proposed_profile", "looks_headerless",
           "profile_for", "no_creation_time", "mapping_basis"]
