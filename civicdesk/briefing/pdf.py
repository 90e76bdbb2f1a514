"""The briefing as an A4 PDF: the HTML of `civicdesk.briefing.html` with print CSS, laid out by WeasyPrint.

Print CSS: A4, the GB/T 9704 margins (top 37 mm, right 26 mm, bottom 35 mm, left 28 mm), "— 1 —" page
numbers centred at the foot, headings kept with what follows, short tables and figures never split, long
tables split between rows with the header repeated.

Fonts. WeasyPrint finds fonts through fontconfig and embeds subsets of whatever it picks, so the PDF shows
real Chinese glyphs wherever it is opened. The CSS asks for the office fonts first (仿宋_GB2312, 黑体,
方正小标宋, 楷体; Times New Roman for digits and Latin), so on an office PC with them those are embedded. On
Debian with ``fonts-noto-cjk`` (checked with ``pdffonts``) the PDF embeds:

- Noto Serif CJK SC and Noto-Serif-CJK-SC-Bold (NotoSerifCJK-*.ttc) for the body, the （一） lead-ins and
  the bold title (there is no 仿宋/楷体/小标宋 on Debian: Noto Serif is the nearest 宋体-like face);
- Noto Sans CJK SC for the 一、 headings, table headers and captions, and the charts' text (its Bold for the
  chart and axis titles);
- Liberation Serif and Liberation-Serif-Bold (fonts-liberation, fontconfig's metric twin of
  "Times New Roman") for digits, Latin letters and the page numbers.

All are subset and embedded (``pdffonts``: CID Type 0C / CID TrueType, emb yes, sub yes, uni yes), so
pdftotext extracts the Chinese text.

Without any CJK font (``fc-list :lang=zh`` finds nothing) WeasyPrint would silently draw empty boxes, so
`render_pdf` raises a RuntimeError instead, naming the package to install
(Debian/Ubuntu: ``apt-get install fonts-noto-cjk``; Fedora: ``google-noto-sans-cjk-fonts
google-noto-serif-cjk-fonts``; Alpine: ``font-noto-cjk``).
"""
from __future__ import annotations

import functools
import json
import logging
import re
import shutil
import subprocess
from pathlib import Path

from civicdesk.briefing.formatting import cell
from civicdesk.briefing.html import briefing_html
from civicdesk.briefing.model import Briefing

INSTALL_HINT = ("install a CJK font, e.g. `apt-get install fonts-noto-cjk` (Debian/Ubuntu), "
                "`dnf install google-noto-serif-cjk-fonts google-noto-sans-cjk-fonts` (Fedora) "
                "or `apk add font-noto-cjk` (Alpine)")

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@functools.lru_cache(maxsize=1)
def cjk_fonts() -> tuple[str, ...] | None:
    """Families fontconfig knows for Chinese (``fc-list :lang=zh family``); None when fc-list is absent."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return tuple(sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()}))


def _has_cjk(briefing: Briefing) -> bool:
    """Whether the briefing has any Chinese text to draw (an English one on a machine without CJK fonts is fine)."""
    texts = [briefing.title, briefing.subtitle, briefing.issuer, briefing.issued]
    for section in briefing.sections:
        texts += [section.heading, *section.paragraphs]
        for figure in section.figures:
            texts += [figure.title, json.dumps(figure.spec, ensure_ascii=False, default=str)]
        for table in section.tables:
            texts += [table.title, table.note, *map(str, table.frame.columns)]
            fmts = [table.formats.get(c, "text") for c in table.frame.columns]
            texts += [cell(v, f, briefing.lang) for row in table.frame.itertuples(index=False, name=None)
                      for v, f in zip(row, fmts) if f == "text"]
    return any(_CJK.search(t or "") for t in texts)


def _quiet() -> None:
    for name in ("weasyprint", "fontTools", "fontTools.subset", "fontTools.ttLib"):
        logging.getLogger(name).setLevel(logging.ERROR)


def render_pdf(briefing: Briefing, path) -> None:
    """Write the briefing as an A4 PDF with the machine's CJK font embedded.

    Raises:
        RuntimeError: the briefing has Chinese text and fontconfig knows no Chinese font (install one, e.g.
            ``apt-get install fonts-noto-cjk``) — rather than writing a PDF of empty boxes.
    """
    if _has_cjk(briefing) and cjk_fonts() == ():
        raise RuntimeError("no Chinese (CJK) font found by fontconfig (`fc-list :lang=zh` is empty), so the PDF "
                           f"would show empty boxes; {INSTALL_HINT}, then run `fc-cache -f`.")
    _quiet()
    from weasyprint import HTML  # heavy import, only when a PDF is written

    _quiet()
    HTML(string=briefing_html(briefing, for_print=True), base_url=None).write_pdf(str(Path(path)))
