"""`render_docx(briefing, path)`: the briefing as a Word document in the GB/T 9704 look.

The page, fonts and named styles come from `civicdesk.briefing.docx_style`; this module lays out the
content: title and period, each section's heading (一、…), paragraphs, figures (PNG at the text width, the
caption below) and tables (the title above, a real Word table with a repeated header row, every cell written
by `formatting.cell` so the numbers read exactly as in the other formats, the note below), then the issuer
and the date, right-aligned. Page numbers ("— 1 —") are a PAGE field centred in the footer.
"""
from __future__ import annotations

import io
import math
import re
import struct
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import docx
import pandas as pd
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Emu, Mm, Pt

from civicdesk.briefing import docx_style as ds
from civicdesk.briefing.figures import figure_png, figure_size
from civicdesk.briefing.formatting import cell
from civicdesk.briefing.model import Briefing, Figure, Section, Table

#: A paragraph opening with a level-2 heading "（一）…" or a level-3 heading "1. …", up to its first "。".
LEVEL2 = re.compile(r"（[一二三四五六七八九十]+）[^。]{0,24}(?:。|$)")
LEVEL3 = re.compile(r"\d{1,2}[.．](?!\d)[^。]{0,24}(?:。|$)")
#: Tallest a figure may be drawn (it is otherwise as wide as the text).
MAX_FIGURE_HEIGHT = Mm(140)
#: Fewest pixels across a figure (≈ 200 dpi at the 156 mm text width).
MIN_FIGURE_PX = 1200
#: Left plus right cell margin in Word's default table (2 × 5.4 pt), with a little slack.
CELL_PADDING_PT = 13
#: Right indent of the date line, in characters (GB/T 9704: 成文日期右空四字).
DATE_RIGHT_CHARS = 4


def render_docx(briefing: Briefing, path: str | Path) -> None:
    """Write ``briefing`` as a .docx file at ``path``."""
    document = docx.Document()
    look = ds.look_for(briefing.lang)
    page = document.sections[0]
    ds.setup_page(page, look)
    ds.define_styles(document, look)
    ds.declare_fonts(document, look)
    ds.page_number_footer(page, look)
    ds.drop_template_leftovers(document)
    _core_properties(document, briefing)
    document.add_paragraph(briefing.title, style=ds.TITLE)
    if briefing.subtitle:
        document.add_paragraph(briefing.subtitle, style=ds.SUBTITLE)
    width = ds.text_width(page)
    for section in briefing.sections:
        _section(document, section, briefing.lang, look, width)
    _signature(document, briefing, look)
    document.save(str(path))


def _core_properties(document, briefing: Briefing) -> None:
    """Title, subject, author and dates of the file (not the template's "python-docx" ones)."""
    props = document.core_properties
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    props.title, props.subject = briefing.title, briefing.subtitle.strip("（）()")
    props.author = props.last_modified_by = briefing.issuer
    props.created = props.modified = now
    props.keywords, props.identifier = briefing.week, briefing.week
    props.category = "周报" if briefing.lang == "zh" else "weekly briefing"
    props.language = "zh-CN" if briefing.lang == "zh" else "en-US"
    props.comments, props.revision = "", 1


def _section(document, section: Section, lang: str, look: ds.Look, width) -> None:
    """A numbered part: heading, paragraphs, then figures and tables."""
    document.add_paragraph(section.heading, style="Heading 1")
    for text in section.paragraphs:
        _paragraph(document, text, look)
    for figure in section.figures:
        _figure(document, figure, width)
    for table in section.tables:
        _table(document, table, lang, width)


def _paragraph(document, text: str, look: ds.Look) -> None:
    """Body text; an opening "（一）…。" is set in 楷体 and "1. …。" in bold, as GB/T 9704 heads levels 2 and 3."""
    paragraph = document.add_paragraph()
    if look is ds.ZH:
        for pattern, font, bold in ((LEVEL2, look.level2, False), (LEVEL3, look.body, True)):
            match = pattern.match(text)
            if match:
                run = paragraph.add_run(match.group(0))
                ds.set_fonts(run._r, font)
                run.bold = bold or None
                text = text[match.end():]
                break
    if text:
        paragraph.add_run(text)


def _figure(document, figure: Figure, width) -> None:
    """The chart as PNG, as wide as the text (lower if that would be too tall), the caption below."""
    png = figure_png(figure, scale=png_scale(figure))
    px_width, px_height = _png_size(png)
    run = document.add_paragraph(style=ds.PICTURE).add_run()
    if width * px_height / px_width > MAX_FIGURE_HEIGHT:
        run.add_picture(io.BytesIO(png), height=MAX_FIGURE_HEIGHT)
    else:
        run.add_picture(io.BytesIO(png), width=width)
    document.add_paragraph(figure.title, style=ds.CAPTION)


def png_scale(figure: Figure) -> float:
    """The scale Word's PNG of a chart is drawn at: at least MIN_FIGURE_PX wide, so that a small chart
    stretched to the text width stays sharp in print."""
    css_width, _ = figure_size(figure)
    return min(6.0, max(2.0, MIN_FIGURE_PX / css_width))


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the IHDR chunk of a PNG."""
    return struct.unpack(">II", png[16:24])


def _scalar(value):
    """A frame value as a plain Python value; pandas' NA and NaT as None."""
    if value is pd.NA or value is pd.NaT:
        return None
    return value.item() if hasattr(value, "item") and not isinstance(value, str) else value


def table_texts(table: Table, lang: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of ``table`` as the text every renderer shows (``formatting.cell``)."""
    columns = list(table.frame.columns)
    formats = [table.formats.get(c, "text") for c in columns]
    values = [[_scalar(v) for v in table.frame[c].tolist()] for c in columns] if columns else []
    rows = [[cell(v, f, lang) for v, f in zip(row, formats)] for row in zip(*values)]
    return [str(c) for c in columns], rows


def _table(document, table: Table, lang: str, width) -> None:
    """Title above, the table (header row bold and repeated on every page), the note below."""
    document.add_paragraph(table.title, style=ds.TABLE_TITLE)
    header, rows = table_texts(table, lang)
    if not header:
        return
    formats = [table.formats.get(c, "text") for c in table.frame.columns]
    left, right, center = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    style = document.styles[ds.TABLE_TEXT]
    _fill_row(grid.rows[0], header, [center] * len(header), style, bold=True)
    ds.mark_row(grid.rows[0], header=True)
    aligns = [left if f == "text" else right for f in formats]
    for texts in rows:
        row = grid.add_row()
        _fill_row(row, texts, aligns, style)
        ds.mark_row(row)
    _column_widths(grid, [header, *rows], width, style.font.size.pt)
    if table.note:
        document.add_paragraph(table.note, style=ds.TABLE_NOTE)


def _fill_row(row, texts: list[str], aligns, style, bold: bool = False) -> None:
    style_id = style.style_id if hasattr(style, "style_id") else row.part.document.styles[style].style_id
    for target, text, align in zip(row.cells, texts, aligns):
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = target.paragraphs[0]
        paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = style_id  # noqa: SLF001 - python-docx looks
        paragraph.alignment = align  # the style up by name on every assignment, a second per table
        run = paragraph.add_run(text)
        if bold:
            run.bold = True


def display_width(text: str) -> int:
    """Width in half-width characters: a Chinese character (or full-width sign) counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(grid, texts: list[list[str]], width, size_pt: float) -> None:
    """Each column as wide as its longest text, the spare width shared evenly; when the text width is too
    narrow only the widest columns are capped (they wrap), never the numbers. Fixed layout, so Word keeps
    them."""
    natural = [Pt(max(display_width(t) for t in column) * size_pt / 2 + CELL_PADDING_PT) for column in zip(*texts)]
    if sum(natural) <= width:
        spare = (width - sum(natural)) / len(natural)
        widths = [Emu(int(n + spare)) for n in natural]
    else:
        cap = _cap(natural, width)
        widths = [Emu(int(min(n, cap))) for n in natural]
    grid.autofit = False
    for column, column_width in zip(grid.columns, widths):
        column.width = column_width
    for row in grid.rows:
        for target, column_width in zip(row.cells, widths):
            target.width = column_width


def _cap(natural: list[int], width) -> float:
    """The largest c with sum(min(n, c)) <= width ("water filling")."""
    ordered = sorted(natural)
    for index, n in enumerate(ordered):
        rest = len(ordered) - index
        if n * rest > width - sum(ordered[:index]):
            return (width - sum(ordered[:index])) / rest
    return float(ordered[-1])


def _signature(document, briefing: Briefing, look: ds.Look) -> None:
    """The issuer and the date at the end, right-aligned; in Chinese the date stands four characters from
    the margin and the issuer is centred over it (GB/T 9704)."""
    lines = [t for t in (briefing.issuer, briefing.issued) if t]
    half = look.body_pt / 2  # a half-width character
    base = DATE_RIGHT_CHARS * 2 if look is ds.ZH else 0
    centre = base + max((display_width(t) for t in lines), default=0) / 2
    for number, text in enumerate(lines):
        paragraph = document.add_paragraph(text, style=ds.SIGNATURE)
        if look is ds.ZH:
            paragraph.paragraph_format.right_indent = Pt(math.floor(centre - display_width(text) / 2) * half)
        if number == 0:
            paragraph.paragraph_format.space_before = Pt(2 * (look.line_pt or 12))
