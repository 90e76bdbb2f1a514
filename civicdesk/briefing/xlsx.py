"""`render_xlsx(briefing, path)`: the tables behind the briefing as an Excel workbook.

A first sheet (概要 / summary) holds the title, the period, every paragraph with its section heading, the
list of tables and the headline figures (`Briefing.numbers`); then one sheet per table, named by its key:
the title, the header (frozen, with a filter) and the rows with real numbers in Excel number formats that
match the briefing's cell formats (so 0.953 shows as 95.3% and stays 0.953 for a formula).

Text goes through `civicdesk.excel.safe_text` (formula injection neutralised), as in every export.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname

from civicdesk.briefing.model import Briefing, Table
from civicdesk.excel import FORMULA_START, safe_text  # noqa: F401 - re-exported for older imports

#: Excel number format of each briefing cell format ("pt" and "change" are fractions shown with a sign).
NUMBER_FORMATS = {"int": "#,##0", "pct": "0.0%", "pt": "+0.0%;-0.0%;0.0%", "change": "+0.0%;-0.0%;0.0%",
                  "float1": "0.0"}
SUMMARY = {"zh": "概要", "en": "summary"}
#: The sheet holding the briefing's figures (drawn as pictures, each under its caption).
FIGURES = {"zh": "图表", "en": "figures"}
#: Rows an inch of picture takes (Excel's default row is 20 pixels high at 96 dpi).
ROW_PX = 20
LABELS = {
    "zh": {"section": "部分", "text": "内容", "tables": "工作表", "title": "标题", "name": "指标", "value": "数值"},
    "en": {"section": "Section", "text": "Text", "tables": "Sheet", "title": "Title", "name": "Figure",
           "value": "Value"},
}
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
RULE = Border(bottom=Side(style="thin"))
WRAP = Alignment(wrap_text=True, vertical="top")


def cell_value(value, fmt: str = "text"):
    """A table value as Excel should hold it: numbers as numbers (whole floats as int), missing as None,
    text through `safe_text`."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if fmt == "int" and value.is_integer() else value
    if isinstance(value, bool | int | date):
        return value.replace(tzinfo=None) if isinstance(value, datetime) else value
    return safe_text(str(value))


def display_width(text: str) -> int:
    """Width in Excel's character units: a Chinese character (or full-width sign) counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_names(briefing: Briefing) -> list[str]:
    """The sheet of each table: its key, made valid (no []:*?/\\, ≤ 31 characters) and unique."""
    used = {SUMMARY.get(briefing.lang, SUMMARY["zh"]), FIGURES.get(briefing.lang, FIGURES["zh"])}
    names = []
    for table in briefing.tables():
        base = BAD_SHEET_CHARS.sub("_", table.key).strip("'")[:31] or "table"
        name, number = base, 2
        while name.lower() in {u.lower() for u in used}:
            name, number = f"{base[:28]}_{number}", number + 1
        used.add(name)
        names.append(name)
    return names


def render_xlsx(briefing: Briefing, path: str | Path) -> None:
    """Write the briefing's summary and tables as an .xlsx file at ``path``."""
    workbook = Workbook()
    names = sheet_names(briefing)
    _summary(workbook.active, briefing, names)
    if briefing.figures():
        _figures_sheet(workbook.create_sheet(FIGURES.get(briefing.lang, FIGURES["zh"]), 1), briefing)
    for table, name in zip(briefing.tables(), names):
        _table_sheet(workbook.create_sheet(name), table)
    workbook.properties.title = briefing.title
    workbook.properties.creator = briefing.issuer
    workbook.save(str(path))


def _figures_sheet(sheet, briefing: Briefing) -> None:
    """Every figure as a picture (the PNG the Word file carries), its caption in the row above it."""
    from io import BytesIO

    from openpyxl.drawing.image import Image

    from civicdesk.briefing.docx import png_scale  # the Word file's picture: drawn once for both
    from civicdesk.briefing.figures import figure_png, figure_size

    row = 1
    for figure in briefing.figures():
        sheet.cell(row, 1, safe_text(figure.title)).font = BOLD
        width, height = figure_size(figure)
        picture = Image(BytesIO(figure_png(figure, scale=png_scale(figure))))
        picture.width, picture.height = width, height
        sheet.add_image(picture, f"A{row + 1}")
        row += 3 + math.ceil(height / ROW_PX)
    sheet.column_dimensions["A"].width = 16


def _summary(sheet, briefing: Briefing, names: list[str]) -> None:
    """Title, period, issuer; every paragraph beside its heading; the tables; the headline figures."""
    labels = LABELS.get(briefing.lang, LABELS["zh"])
    sheet.title = SUMMARY.get(briefing.lang, SUMMARY["zh"])
    sheet.append([safe_text(briefing.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in (briefing.subtitle, f"{briefing.issuer} {briefing.issued}".strip()):
        sheet.append([safe_text(line)])
    _header(sheet, [labels["section"], labels["text"]])
    for section in briefing.sections:
        for text in section.paragraphs:
            sheet.append([safe_text(section.heading), safe_text(text)])
            sheet.cell(sheet.max_row, 2).alignment = WRAP
            sheet.row_dimensions[sheet.max_row].height = 15 * max(1, math.ceil(display_width(text) / 96))
    _header(sheet, [labels["tables"], labels["title"]])
    for table, name in zip(briefing.tables(), names):
        sheet.append([name, safe_text(table.title)])
        sheet.cell(sheet.max_row, 1).hyperlink = f"#{quote_sheetname(name)}!A1"
    _header(sheet, [labels["name"], labels["value"]])
    for name, value in briefing.numbers.items():
        sheet.append([safe_text(str(name)), cell_value(value, "float")])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100


def _header(sheet, labels: list[str]) -> None:
    """A blank row, then a bold header row."""
    sheet.append([])
    sheet.append(labels)
    for target in sheet[sheet.max_row]:
        target.font, target.fill, target.border = BOLD, HEADER_FILL, RULE


def _table_sheet(sheet, table: Table) -> None:
    """Title in A1, header in row 2 (frozen, filtered), the rows, the note under them."""
    columns = list(table.frame.columns)
    formats = [table.formats.get(c, "text") for c in columns]
    sheet.append([safe_text(table.title)])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([safe_text(str(c)) for c in columns])
    for target in sheet[2]:
        target.font, target.fill, target.border = BOLD, HEADER_FILL, RULE
        target.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    values = [table.frame[c].tolist() for c in columns]
    for row in zip(*values):
        sheet.append([cell_value(v, f) for v, f in zip(row, formats)])
    for index, fmt in enumerate(formats, start=1):
        if fmt in NUMBER_FORMATS:
            for (target,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                target.number_format = NUMBER_FORMATS[fmt]
    if columns:
        sheet.freeze_panes = "A3"
        sheet.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{max(sheet.max_row, 2)}"
    _widths(sheet, columns, values, formats)
    if table.note:
        sheet.append([])
        sheet.append([safe_text(table.note)])


def _widths(sheet, columns, values, formats) -> None:
    """Each column as wide as its longest header or cell (Chinese characters count two), 8 to 60."""
    for index, (column, cells, fmt) in enumerate(zip(columns, values, formats), start=1):
        texts = [str(column)] + ([str(v) for v in cells if isinstance(v, str)] if fmt == "text" else ["0,000,000"])
        width = max(display_width(t) for t in texts) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60)
