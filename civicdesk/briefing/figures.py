"""Draw a briefing figure (a Vega-Lite spec) as PNG or SVG, offline, with Chinese text in real glyphs.

vl-convert bundles Vega and a renderer, so nothing is downloaded. Before the first chart the package's
bundled fonts (`civicdesk.fonts`: Noto Sans CJK SC subsets) are registered with vl-convert
(`vl_convert.register_font_directory`), so the PNG charts (for Word) draw Chinese text even on a machine
with no font installed; a Windows office's 微软雅黑/黑体 still come first in CHART_FONT. The SVG charts
(HTML, PDF) keep their text as text with the same font-family list: WeasyPrint sets it with the PDF's
``@font-face`` fonts (the bundled files), a browser with the HTML's embedded subsets (cut to include the
chart text), so no chart needs its text turned into paths.
"""
from __future__ import annotations

import json
import re
import threading

import vl_convert

from civicdesk import fonts
from civicdesk.briefing.model import Figure

#: Fonts the charts ask for, first found wins (Windows/WPS offices, then Noto Sans CJK SC: an installed copy
#: or the bundled subset, which is always registered).
CHART_FONT = f"Microsoft YaHei, SimHei, {fonts.SANS}, Noto Sans SC, sans-serif"

_FONTS_REGISTERED = False


def register_fonts() -> None:
    """Register the bundled font folder with vl-convert, once per process (before the first chart)."""
    global _FONTS_REGISTERED
    with _LOCK:
        if not _FONTS_REGISTERED:
            vl_convert.register_font_directory(str(fonts.FONT_DIR))
            _FONTS_REGISTERED = True


def _spec(figure: Figure) -> dict:
    """The spec with the briefing's fonts, and without the chart's own title (the caption below names it)."""
    spec = {k: v for k, v in figure.spec.items() if k != "title"}
    config = dict(spec.get("config", {}))
    config["font"] = CHART_FONT
    spec["config"] = config
    return spec


#: Drawn figures by (spec, format, scale): the four formats of one briefing draw each chart once per format
#: kind, not once per format (HTML and PDF share the SVG). Bounded: old briefings' charts are dropped.
_DRAWN: dict[tuple[str, str, float], bytes | str] = {}
_DRAWN_MAX = 64
_LOCK = threading.Lock()


def _drawn(figure: Figure, kind: str, scale: float, draw):
    key = (json.dumps(figure.spec, sort_keys=True, ensure_ascii=False, default=str), kind, scale)
    with _LOCK:
        if key in _DRAWN:
            return _DRAWN[key]
    register_fonts()
    value = draw(_spec(figure))
    with _LOCK:
        if len(_DRAWN) >= _DRAWN_MAX:
            _DRAWN.pop(next(iter(_DRAWN)))
        _DRAWN[key] = value
    return value


def forget_drawn() -> None:
    """Empty the cache of drawn charts."""
    with _LOCK:
        _DRAWN.clear()


def figure_png(figure: Figure, scale: float = 2.0) -> bytes:
    """The figure as PNG bytes (for Word)."""
    return _drawn(figure, "png", scale, lambda spec: vl_convert.vegalite_to_png(spec, scale=scale))


def figure_svg(figure: Figure) -> str:
    """The figure as an SVG document (for HTML and PDF)."""
    return _drawn(figure, "svg", 1.0, vl_convert.vegalite_to_svg)


def figure_size(figure: Figure) -> tuple[float, float]:
    """Width and height of the drawn figure in CSS pixels (from its SVG)."""
    head = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', figure_svg(figure))
    if head is None:
        raise ValueError(f"the chart {figure.key!r} was drawn without a size")
    return float(head.group(1)), float(head.group(2))
