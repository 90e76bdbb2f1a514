"""Masking residents' words for exports that circulate widely (`--redact`).

Phone numbers and caller names are never stored (the importer keeps only a keyed hash of them); the
descriptions are the residents' own words and may name people, doors and numbers. `mask` keeps the first
few characters, enough to recognise the kind of problem, and drops the rest and every long number.
"""
from __future__ import annotations

import re

KEEP = 6
_NUMBER = re.compile(r"\d{4,}")


def mask(text: str | None, keep: int = KEEP) -> str | None:
    """"翡翠华庭3号楼暖气不热，电话13912345678" → "翡翠华庭3号……" (None stays None)."""
    if text is None:
        return None
    text = _NUMBER.sub("*", str(text))
    return text if len(text) <= keep else text[:keep] + "……"
