"""The briefing as an A4 PDF: the HTML of `civicdesk.briefing.html` with print CSS, laid out by WeasyPrint.

Print CSS: A4, the GB/T 9704 margins (top 37 mm, right 26 mm, bottom 35 mm, left 28 mm), "— 1 —" page
numbers centred at the foot, headings kept with what follows, short tables and figures never split, long
tables split between rows with the header repeated.

Fonts. The CSS asks for the office fonts first (仿宋_GB2312, 黑体, 方正小标宋, 楷体; Times New Roman for
digits and Latin), then Noto Serif CJK SC / Noto Sans CJK SC, which ``@font-face`` rules load from the
package's own GB 2312 subsets (`civicdesk.fonts`, by ``file://`` URL), so a PDF always has real Chinese
glyphs, even on a machine whose fontconfig knows no font at all. WeasyPrint embeds subsets of whatever it
picks (``pdffonts``: CID Type 0C / CID TrueType, emb yes, sub yes, uni yes), so pdftotext extracts the
Chinese text. With an empty fontconfig the PDF embeds:

- NotoSerifCJKsc-Regular and NotoSerifCJKsc-Bold for the body, the （一） lead-ins, the bold title, digits,
  Latin letters and the page numbers (Noto CJK has Latin glyphs too);
- NotoSansCJKsc-Regular for the 一、 headings, table headers and captions, and the charts' text (its Bold for
  the chart and axis titles: WeasyPrint draws the charts' SVG text itself, with the same fonts).

On an office PC with 仿宋_GB2312 etc. those are embedded instead; on Debian with ``fonts-liberation`` the
digits and Latin letters come from Liberation Serif (fontconfig's metric twin of "Times New Roman"). A
character outside the bundled subsets (beyond GB 2312) falls back to any installed font that has it.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

from civicdesk.briefing.html import briefing_html
from civicdesk.briefing.model import Briefing


def _quiet() -> None:
    for name in ("weasyprint", "fontTools", "fontTools.subset", "fontTools.ttLib"):
        logging.getLogger(name).setLevel(logging.ERROR)


def load_weasyprint():
    """WeasyPrint's ``HTML`` class, imported quietly (a heavy import, only when a PDF is written; the
    briefing's build loads it while it waits for its second process)."""
    _quiet()
    with warnings.catch_warnings():  # an empty fontconfig is fine: the CSS brings its own fonts
        warnings.filterwarnings("ignore", message="No fonts configured in FontConfig")
        from weasyprint import HTML

    _quiet()
    return HTML


def render_pdf(briefing: Briefing, path) -> None:
    """Write the briefing as an A4 PDF with its fonts (the office fonts, else the bundled Noto CJK) embedded."""
    HTML = load_weasyprint()
    HTML(string=briefing_html(briefing, for_print=True), base_url=None).write_pdf(str(Path(path)))
