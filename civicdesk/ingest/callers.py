"""Keep callers' identities out of the store: keyed hashes for phone numbers and names, masked free text.

`caller_key` is HMAC-SHA256 of the normalised phone number (or, without one, the name) under a
per-installation secret created on first use in `config.secret_path()`, outside the database. The same
caller always gets the same key on this installation, so repeat contacts can be counted, but a copy of the
database alone does not reveal who called. Phone numbers inside free text are masked (138****5678).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from civicdesk import config

KEY_HEX_CHARS = 32
_MOBILE = r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)"
_LANDLINE = r"(?<!\d)(0\d{2,3})[- ]?\d{7,8}(?!\d)"


def installation_secret(path: Path | None = None) -> bytes:
    """The installation's caller-hashing secret, created (readable by the owner only) on first use."""
    path = Path(path or config.secret_path())
    if not path.exists():
        _create_secret(path)
    text = path.read_text().strip()
    if len(text) < 32:
        raise ValueError(f"The caller-hashing secret in {path} is damaged (too short); restore it from backup.")
    return text.encode()


def _create_secret(path: Path) -> None:
    """Write a new secret to `path` whole or not at all: it is written to a private temporary file and
    linked into place, so two imports starting at once never read a half-written secret, and the one that
    comes second keeps the first one's secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".caller-key-", dir=path.parent)  # created readable by the owner only
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process or thread created it first
    finally:
        os.unlink(tmp)


def normalise_phone(values: pd.Series) -> pd.Series:
    """Digits only, without a +86/0086 country prefix; None where no digits remain."""
    digits = values.astype("string[pyarrow]").str.replace(r"\D", "", regex=True).fillna("")
    length = digits.str.len().to_numpy(dtype="int64")
    for prefix in ("86", "0086"):
        n = len(prefix)
        strip = ((length == n + 11) & (digits.str.startswith(prefix) & (digits.str.slice(n, n + 1) == "1"))
                 .to_numpy(dtype=bool))
        if strip.any():
            digits = digits.mask(strip, digits.str.slice(n))
    return digits.where(digits.str.len() > 0).astype(object).where(lambda s: s.notna(), None)


class CallerHasher:
    """Keyed hashes of callers, remembering the keys already computed during one import."""

    MAX_CACHED = 2_000_000

    def __init__(self, secret: bytes):
        self._keyed = {kind: hmac.new(secret, f"{kind}:".encode(), hashlib.sha256) for kind in ("tel", "name")}
        self._cache: dict[tuple[str, str], str] = {}

    def hash(self, values: pd.Series, kind: str) -> pd.Series:
        """HMAC-SHA256 (hex, truncated) of each non-missing value, prefixed with `kind` before hashing."""
        if len(self._cache) > self.MAX_CACHED:
            self._cache.clear()
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        keyed, cache = self._keyed[kind], self._cache
        keys = []
        for value in uniques:
            key = cache.get((kind, value))
            if key is None:
                digest = keyed.copy()
                digest.update(str(value).encode())
                key = cache[(kind, value)] = digest.hexdigest()[:KEY_HEX_CHARS]
            keys.append(key)
        mapped = np.array(keys + [None], dtype=object)
        return pd.Series(mapped[codes], index=values.index, dtype=object)

    def keys(self, phones: pd.Series | None, names: pd.Series | None) -> pd.Series | None:
        """One key per row: from the phone number where there is one, else from the name; None if neither."""
        if phones is None and names is None:
            return None
        index = (phones if phones is not None else names).index
        out = pd.Series(None, index=index, dtype=object)
        if phones is not None:
            out = self.hash(normalise_phone(phones), "tel")
        if names is not None:
            todo = out.isna()
            name = names[todo].astype("string").str.strip().replace("", pd.NA)
            out[todo] = self.hash(name.astype(object).where(name.notna(), None), "name")
        return out.astype(object).where(out.notna(), None)


def hash_values(values: pd.Series, secret: bytes, kind: str) -> pd.Series:
    """HMAC-SHA256 (hex, truncated) of each non-missing value, prefixed with `kind` before hashing."""
    return CallerHasher(secret).hash(values, kind)


def caller_keys(phones: pd.Series | None, names: pd.Series | None, secret: bytes) -> pd.Series | None:
    """One key per row: from the phone number where there is one, else from the name; None if neither."""
    return CallerHasher(secret).keys(phones, names)


def mask_phones(text: pd.Series) -> pd.Series:
    """Free text with mobile numbers shown as 138****5678 and landline numbers as 0531-********."""
    s = text.astype("string")
    digits = s.str.contains(r"\d{3}[- ]?\d{4}", regex=True).fillna(False).to_numpy(dtype=bool)
    if digits.any():
        part = s[digits]
        part = part.str.replace(_MOBILE, r"\1****\2", regex=True)
        s[digits] = part.str.replace(_LANDLINE, r"\1-********", regex=True)
    return s.astype(object).where(text.notna(), None)
