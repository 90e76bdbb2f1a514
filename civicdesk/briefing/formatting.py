"""How the briefing writes numbers, shared by every renderer and by the text (Chinese conventions)."""
from __future__ import annotations

import math

DASH = "—"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(value, unit: str = "件") -> str:
    """10471 → "10471件" (Chinese official documents write counts without thousands separators)."""
    return DASH if _missing(value) else f"{int(round(value))}{unit}"


def pct(value, digits: int = 1) -> str:
    """0.9534 → "95.3%"."""
    return DASH if _missing(value) else f"{value * 100:.{digits}f}%"


def change(value, lang: str = "zh") -> str:
    """A relative change 0.045 → "上升4.5%" / "下降4.5%" / "持平" (en: "up 4.5%")."""
    if _missing(value):
        return DASH
    if abs(value) < 0.0005:
        return "持平" if lang == "zh" else "unchanged"
    word = ("上升" if value > 0 else "下降") if lang == "zh" else ("up " if value > 0 else "down ")
    return f"{word}{abs(value) * 100:.1f}%"


def points(value, lang: str = "zh") -> str:
    """A difference of rates 0.012 → "提高1.2个百分点" / "降低1.2个百分点" (en: "up 1.2 points")."""
    if _missing(value):
        return DASH
    if abs(value) < 0.0005:
        return "持平" if lang == "zh" else "unchanged"
    if lang == "zh":
        return f"{'提高' if value > 0 else '降低'}{abs(value) * 100:.1f}个百分点"
    return f"{'up' if value > 0 else 'down'} {abs(value) * 100:.1f} points"


def cell(value, fmt: str = "text", lang: str = "zh") -> str:
    """A table cell as text, by the column's format (see `civicdesk.briefing.model.FORMATS`)."""
    if _missing(value):
        return DASH
    if fmt == "int":
        return f"{int(round(value)):,}"
    if fmt == "pct":
        return pct(value)
    if fmt == "pt":
        return f"{value * 100:+.1f}"
    if fmt == "float1":
        return f"{value:.1f}"
    if fmt == "change":
        return f"{value * 100:+.1f}%"
    return str(value)


def chinese_date(d, with_year: bool = True) -> str:
    """date(2023, 2, 17) → "2023年2月17日" (or "2月17日")."""
    return f"{d.year}年{d.month}月{d.day}日" if with_year else f"{d.month}月{d.day}日"
