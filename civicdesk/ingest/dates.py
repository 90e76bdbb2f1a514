"""Vectorised parsing of the timestamps found in ticket exports.

`parse_datetimes` turns a column of strings into naive local timestamps. It recognises, in this order:

1. Excel serial numbers ("43580.3972"): days since 1899-12-30, the fraction is the time of day (rounded to
   the second, the precision Excel shows).
2. ISO 8601 with an offset or "Z" ("2023-02-10T08:05:00+08:00"): converted to the centre's time zone.
3. The explicit formats of `FORMATS`, each tried on the values still unparsed. They are mutually exclusive
   (no string fits two of them), so the order only decides speed; day-first forms such as "25/04/2019" are
   deliberately absent, so "04/05/2019" is always 5 April (US month-first) and "2019/04/05" year-first.

The explicit formats are matched by a small byte scanner written with numpy instead of
`pd.to_datetime(format=...)`: pandas handles the ISO-ordered formats fast but falls back to a per-value
`strptime` for the others (1.5 s per million "12/31/2017 11:59:58 PM" strings). The scanner follows
`strptime` semantics: %m %d %H %I %M %S take one or two digits (exactly two when glued to another number,
as in "%Y%m%d"), %Y exactly four, %f one to nine, %p is AM/PM in any case, a space matches one or more
spaces, and the whole string must be consumed. Impossible dates (2023-02-30, 25:00) and years outside
`MIN_YEAR`..`MAX_YEAR` give NaT.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Explicit formats, year-first (Chinese/ISO) forms before the US month-first ones.
FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S.%f", "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%m/%d/%Y",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M:%S", "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日%H时%M分%S秒", "%Y年%m月%d日%H时%M分", "%Y年%m月%d日",
    "%Y%m%d%H%M%S", "%Y%m%d",
)
#: Parsed timestamps outside these years (inclusive) are NaT: typos such as 0203 or a stray number.
MIN_YEAR = 1990
MAX_YEAR = 2100

_NAT = np.iinfo(np.int64).min
_SECOND = 10**9
_MIN_NS = pd.Timestamp(year=MIN_YEAR, month=1, day=1).value
_MAX_NS = pd.Timestamp(year=MAX_YEAR + 1, month=1, day=1).value  # exclusive
_EXCEL_ORIGIN_NS = pd.Timestamp("1899-12-30").value
_EXCEL_RE = r"^\d{1,7}(\.\d+)?$"
_OFFSET_RE = r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)? ?(Z|[+-]\d{2}(:?\d{2})?)$"
_FULL_WIDTH_RE = "[\u3000\uff01-\uff5e]"  # ideographic space, full-width ASCII (ＡＢ１２：)
_SAMPLE = 200
_DIRECTIVES = {"Y": ("year", 4, 4), "m": ("month", 1, 2), "d": ("day", 1, 2), "H": ("hour", 1, 2),
               "I": ("hour12", 1, 2), "M": ("minute", 1, 2), "S": ("second", 1, 2), "f": ("fraction", 1, 9)}


def parse_datetimes(values: pd.Series, tz: str = "Asia/Shanghai") -> pd.Series:
    """Parse a column of timestamp strings into naive local times.

    Args:
        values: Strings as read from an export; None, NaN, "" and blank values are allowed.
        tz: The centre's time zone. Values with an offset are converted to it; the others are taken as
            already in it.

    Returns:
        A datetime64[ns] Series with the same index and name, NaT where a value is empty, not a timestamp
        in a known form, or outside `MIN_YEAR`..`MAX_YEAR`.
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    text = _Text.from_series(values)
    out = np.full(len(text), _NAT, dtype=np.int64)
    todo = text.lens > 0
    for step in (_excel_serials, _offset_isos):
        rows = np.flatnonzero(todo)
        if rows.size:
            hit_rows, ns = step(text, rows, tz)
            _store(out, todo, hit_rows, ns)
    for tokens in _formats_by_sample(text, np.flatnonzero(todo)):
        rows = np.flatnonzero(todo)
        if rows.size == 0:
            break
        state = _scan(text, rows, tokens)
        if len(state.rows) == 0:
            continue
        ns, ok = _compose(state.fields, len(state.rows))
        _store(out, todo, state.rows[ok], ns[ok])
    return pd.Series(out.view("datetime64[ns]"), index=values.index, name=values.name)


def _store(out: np.ndarray, todo: np.ndarray, rows: np.ndarray, ns: np.ndarray) -> None:
    """Keep the parsed values that fall in the accepted years; the others stay to be tried again."""
    keep = (ns >= _MIN_NS) & (ns < _MAX_NS)
    out[rows[keep]] = ns[keep]
    todo[rows[keep]] = False


@dataclass(frozen=True)
class _Text:
    """A column of stripped strings as one flat UTF-8 byte buffer, each value followed by a NUL byte.

    The NUL terminator lets the scanner read past the end of a value without a bounds check: no token
    matches it, so a row fails as soon as it runs out of characters.
    """

    arrow: pa.LargeStringArray  # stripped values, null where missing
    data: np.ndarray    # uint8, never empty
    starts: np.ndarray  # int64 byte offset of each value
    lens: np.ndarray    # int64 byte length of each value, 0 when missing

    def __len__(self) -> int:
        return len(self.starts)

    @classmethod
    def from_series(cls, values: pd.Series) -> _Text:
        """Strip the values and expose their bytes; NFKC-normalise them if any holds full-width characters."""
        arr = pc.utf8_trim_whitespace(_to_arrow(values))
        if len(arr) and not pc.all(pc.string_is_ascii(arr)).as_py() and pc.any(
                pc.match_substring_regex(arr, _FULL_WIDTH_RE)).as_py():
            arr = pc.utf8_trim_whitespace(pc.utf8_normalize(arr, form="NFKC"))
        empty = pa.scalar("", pa.large_string())
        nul = pa.scalar("\0", pa.large_string())
        joined = pc.binary_join_element_wise(pc.fill_null(arr, empty), nul, empty)
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
        offsets = offsets[joined.offset: joined.offset + len(arr) + 1]
        data_buf = joined.buffers()[2]
        data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None and data_buf.size else None
        lens = pc.fill_null(pc.binary_length(arr), 0).to_numpy().astype(np.int64)
        return cls(arr, data if data is not None else np.zeros(1, np.uint8), offsets[:-1].copy(), lens)

    def byte_at(self, at: np.ndarray) -> np.ndarray:
        """The bytes at absolute offsets `at` (clipped to the buffer)."""
        return self.data.take(at, mode="clip")


def _to_arrow(values: pd.Series) -> pa.LargeStringArray:
    """The values as an Arrow large_string array; non-strings (rare) are converted with `str`."""
    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        items = [None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else str(v)
                 for v in values.tolist()]
        arr = pa.array(items, type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _excel_serials(text: _Text, rows: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows holding an Excel serial day number, and their timestamps in ns."""
    head = _scan(text, rows, (_Token("num", "days", 1, 7),), whole=False)
    rows = head.rows[(head.byte() == 0) | (head.byte() == ord("."))]  # cheap pre-filter
    sub = text.arrow.take(pa.array(rows))
    match = pc.fill_null(pc.match_substring_regex(sub, _EXCEL_RE), False).to_numpy(zero_copy_only=False)
    if not match.any():
        return rows[:0], np.empty(0, np.int64)
    days = pc.cast(sub.filter(pa.array(match)), pa.float64()).to_numpy()
    seconds = np.rint(np.clip(days, 0, 100_000) * 86400).astype(np.int64)  # clip: no int64 overflow
    return rows[match], _EXCEL_ORIGIN_NS + seconds * _SECOND


def _offset_isos(text: _Text, rows: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows holding an ISO 8601 timestamp with an offset or Z, converted to naive local time in ns."""
    end = text.starts[rows] + text.lens[rows]
    sign = [np.isin(text.byte_at(end - k), (ord("+"), ord("-"))) for k in (3, 5, 6)]
    rows = rows[(text.lens[rows] >= 16) & ((text.byte_at(end - 1) == ord("Z")) | sign[0] | sign[1] | sign[2])]
    sub = text.arrow.take(pa.array(rows))
    match = pc.fill_null(pc.match_substring_regex(sub, _OFFSET_RE), False).to_numpy(zero_copy_only=False)
    if not match.any():
        return rows[:0], np.empty(0, np.int64)
    strings = pd.Series(sub.filter(pa.array(match)).to_numpy(zero_copy_only=False), dtype=object)
    parsed = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
    # far outside the accepted years (3082-02-13T20:00Z) a time does not fit in nanoseconds: NaT first
    parsed = parsed.where(parsed.dt.year.between(MIN_YEAR - 1, MAX_YEAR + 1))
    local = parsed.dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[ns]")
    ns = local.to_numpy().view(np.int64)
    ok = ns != _NAT
    return rows[match][ok], ns[ok]


@dataclass(frozen=True)
class _Token:
    """One element of a compiled format: a number, a literal, a run of spaces or an AM/PM marker."""

    kind: str  # "num", "lit", "space" or "ampm"
    field: str = ""
    lo: int = 0
    hi: int = 0
    text: bytes = b""


def _compile(fmt: str) -> tuple[_Token, ...]:
    """Turn a strptime-style format into scanner tokens (numbers glued together get a fixed width)."""
    tokens: list[_Token] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            code, i = fmt[i + 1], i + 2
            tokens.append(_Token("ampm") if code == "p" else _Token("num", *_DIRECTIVES[code]))
        elif fmt[i] == " ":
            tokens.append(_Token("space"))
            i += 1
        else:
            char, i = fmt[i].encode(), i + 1
            if tokens and tokens[-1].kind == "lit":
                tokens[-1] = replace(tokens[-1], text=tokens[-1].text + char)
            else:
                tokens.append(_Token("lit", text=char))
    for k, tok in enumerate(tokens):
        glued = any(0 <= j < len(tokens) and tokens[j].kind == "num" for j in (k - 1, k + 1))
        if tok.kind == "num" and glued:
            tokens[k] = replace(tok, lo=tok.hi)
    return tuple(tokens)


_COMPILED = tuple(_compile(fmt) for fmt in FORMATS)


class _ScanState:
    """The rows still matching a format, a cursor into each one's bytes, and the numbers read so far."""

    def __init__(self, text: _Text, rows: np.ndarray):
        self.text = text
        self.rows = rows
        self.cur = text.starts[rows]
        self.end = self.cur + text.lens[rows]
        self.fields: dict[str, np.ndarray] = {}

    def byte(self, offset: int = 0) -> np.ndarray:
        """The byte at `cur + offset` of each row (NUL at the end of its value)."""
        return self.text.byte_at(self.cur + offset)

    def keep(self, ok: np.ndarray) -> None:
        """Drop the rows that failed the last token."""
        if ok.all():
            return
        self.rows, self.cur, self.end = self.rows[ok], self.cur[ok], self.end[ok]
        self.fields = {k: v[ok] for k, v in self.fields.items()}


def _scan(text: _Text, rows: np.ndarray, tokens: tuple[_Token, ...], whole: bool = True) -> _ScanState:
    """Match `tokens` against the given rows; return the state holding only the rows that match.

    With `whole` the tokens must consume each value entirely, else they need only match its beginning.
    """
    state = _ScanState(text, rows)
    for tok in tokens:
        state.keep(_STEPS[tok.kind](state, tok))
        if len(state.rows) == 0:
            return state
    if whole:
        state.keep(state.cur == state.end)
    return state


def _step_num(state: _ScanState, tok: _Token) -> np.ndarray:
    """Read `lo`..`hi` ASCII digits."""
    value = np.zeros(len(state.rows), np.int64)
    count = np.zeros(len(state.rows), np.int64)
    active = np.ones(len(state.rows), bool)
    for i in range(tok.hi):
        digit = state.byte(i) - np.uint8(48)  # wraps around for bytes below "0"
        active &= digit < 10
        if not active.any():
            break
        value = np.where(active, value * 10 + digit, value)
        count += active
    state.cur = state.cur + count
    if tok.field == "fraction":
        value = value * 10 ** (9 - count)
    state.fields[tok.field] = value
    return count >= tok.lo


def _step_lit(state: _ScanState, tok: _Token) -> np.ndarray:
    """Match literal bytes exactly."""
    ok = np.ones(len(state.rows), bool)
    for i, char in enumerate(tok.text):
        ok &= state.byte(i) == char
    state.cur = state.cur + len(tok.text)
    return ok


def _step_space(state: _ScanState, tok: _Token) -> np.ndarray:
    """Match one or more spaces."""
    before = state.cur.copy()
    while True:
        space = state.byte() == 32
        if not space.any():
            break
        state.cur = state.cur + space
    return state.cur > before


def _step_ampm(state: _ScanState, tok: _Token) -> np.ndarray:
    """Match AM or PM in any case."""
    first, second = state.byte(0) | 0x20, state.byte(1) | 0x20
    state.fields["pm"] = (first == ord("p")).astype(np.int64)
    state.cur = state.cur + 2
    return ((first == ord("a")) | (first == ord("p"))) & (second == ord("m"))


_STEPS = {"num": _step_num, "lit": _step_lit, "space": _step_space, "ampm": _step_ampm}


def _compose(fields: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Build ns timestamps from the scanned numbers; `ok` is False for impossible dates and times."""
    zeros = np.zeros(n, np.int64)
    year, month, day = fields.get("year", zeros), fields.get("month", zeros), fields.get("day", zeros)
    hour = fields.get("hour", zeros)
    ok = np.ones(n, bool)
    if "hour12" in fields:
        hour12 = fields["hour12"]
        ok &= (hour12 >= 1) & (hour12 <= 12)
        hour = hour12 % 12 + 12 * fields["pm"]
    minute, second = fields.get("minute", zeros), fields.get("second", zeros)
    ok &= (year >= MIN_YEAR) & (year <= MAX_YEAR) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    days, days_in_month = _civil_days(year, np.clip(month, 1, 12), day)
    ok &= day <= days_in_month
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    return np.where(ok, seconds, 0) * _SECOND + fields.get("fraction", zeros), ok


_CUMULATIVE_DAYS = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], np.int64)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def _civil_days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 of each (year, month, day) and the length of each month (Gregorian)."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    m0 = month - 1
    y1 = year - 1
    leap_days = (y1 // 4 - 1969 // 4) - (y1 // 100 - 1969 // 100) + (y1 // 400 - 1969 // 400)
    days = (year - 1970) * 365 + leap_days + _CUMULATIVE_DAYS[m0] + (leap & (m0 >= 2)) + day - 1
    return days, _MONTH_DAYS[m0] + (leap & (m0 == 1))


def _formats_by_sample(text: _Text, rows: np.ndarray) -> list[tuple[_Token, ...]]:
    """All compiled formats, those matching most of a sample of `rows` first (the formats are exclusive)."""
    if rows.size == 0:
        return []
    sample = rows[:: max(1, rows.size // _SAMPLE)][:_SAMPLE]
    hits = [len(_scan(text, sample, tokens).rows) for tokens in _COMPILED]
    order = sorted(range(len(_COMPILED)), key=lambda i: -hits[i])
    return [_COMPILED[i] for i in order]
