"""Strings of the shared chart builders (`civicdesk.charts`), Chinese and English."""
from __future__ import annotations

CHART_STRINGS: dict[str, tuple[str, str]] = {
    "chart_other_bar": ("其余{n}项（合并）", "{n} others (merged)"),
    "sat_top_note": ("（前{top}项，其余{n}项合并）", " (top {top}; {n} pooled)"),
    "chart_top_note": ("（前{top}位，其余{n}类合并为“其他”）", " (top {top}; the other {n} merged)"),
}
