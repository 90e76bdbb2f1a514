"""Draw a briefing figure (a Vega-Lite spec) as PNG or SVG, offline, with the machine's CJK fonts.

vl-convert bundles Vega and a renderer, so nothing is downloaded; Chinese text uses any installed CJK font
(Debian: fonts-noto-cjk).
"""
from __future__ import annotations

import vl_convert

from civicdesk.briefing.model import Figure

#: Fonts the charts ask for, first found wins (Windows/WPS offices, then Debian's Noto CJK).
CHART_FONT = "Microsoft YaHei, SimHei, Noto Sans CJK SC, Noto Sans SC, sans-serif"


def _spec(figure: Figure) -> dict:
    """The spec with the briefing's fonts, and without the chart's own title (the caption below names it)."""
    spec = {k: v for k, v in figure.spec.items() if k != "title"}
    config = dict(spec.get("config", {}))
    config["font"] = CHART_FONT
    spec["config"] = config
    return spec


def figure_png(figure: Figure, scale: float = 2.0) -> bytes:
    """The figure as PNG bytes (for Word)."""
    return vl_convert.vegalite_to_png(_spec(figure), scale=scale)


def figure_svg(figure: Figure) -> str:
    """The figure as an SVG document (for HTML and PDF)."""
    return vl_convert.vegalite_to_svg(_spec(figure))
