"""The briefing as Word and Excel: a hand-made Briefing rendered, read back, every cell checked."""
from __future__ import annotations

import math
import zipfile
from datetime import date

import altair as alt
import docx
import openpyxl
import pandas as pd
import pytest

from civicdesk.briefing import Briefing, Figure, Section, Table, render
from civicdesk.briefing.formatting import cell
from civicdesk.briefing.xlsx import safe_text, sheet_names

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
INJECTION = "=HYPERLINK(\"http://evil.example\",\"点击查看\")"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "街道": ["城关街道", "东城街道", INJECTION, "-西城街道"],
        "受理量": [1234, 987, float("nan"), 0],
        "满意率": [0.9534, 0.91, float("nan"), 1.0],
        "同比": [0.045, -0.1234, 0.0, float("nan")],
        "较上周": [0.012, -0.003, float("nan"), 0.0],
        "平均时长": [12.34, 3.0, float("nan"), 7.25],
    })


FORMATS = {"受理量": "int", "满意率": "pct", "较上周": "pt", "同比": "change", "平均时长": "float1"}


def _briefing(lang: str = "zh") -> Briefing:
    chart = alt.Chart(pd.DataFrame({"周": ["W05", "W06", "W07"], "件": [9800, 10120, 10471]})).mark_bar().encode(
        x="周:N", y="件:Q").properties(width=240, height=120)
    figure = Figure("weekly", "图1 近3周受理量" if lang == "zh" else "Figure 1 Tickets, last 3 weeks", chart.to_dict())
    table = Table("by_street", "表1 各街道受理情况" if lang == "zh" else "Table 1 By street", _frame(), FORMATS,
                  note="注：满意率=回访满意件数/回访件数。")
    one = Section("overview", "一、总体情况" if lang == "zh" else "1. Overview",
                  ("2月13日至2月19日一周，区社会治理中心接收工单10471件，同比上升4.5%。",
                   "（一）受理情况。便民惠企服务3221件，安全隐患排查2570件。"), figures=(figure,))
    two = Section("rates", "二、三率情况" if lang == "zh" else "2. Rates",
                  ("满意率95.3%，较上周提高1.2个百分点。", "=1+1 should stay text"), tables=(table,))
    return Briefing(week="2023-W07", start=date(2023, 2, 13), end=date(2023, 2, 19), lang=lang,
                    title="社会治理综合服务中心工作周报" if lang == "zh" else "Weekly briefing",
                    subtitle="（2023年2月13日—2月19日）", issuer="区社会治理综合服务中心", issued="2023年2月20日",
                    sections=(one, two), numbers={"received": 10471, "received_yoy": 0.045, "callbacks": None})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("briefing")
    briefing = _briefing()
    return briefing, render(briefing, "docx", folder / "b.docx"), render(briefing, "xlsx", folder / "b.xlsx")


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_docx_text_headings_and_every_cell(rendered):
    briefing, path, _ = rendered
    document = docx.Document(str(path))
    texts = _texts(document)
    assert texts[:2] == [briefing.title, briefing.subtitle]
    for section in briefing.sections:
        assert section.heading in texts
        assert document.paragraphs[texts.index(section.heading)].style.name == "Heading 1"
        assert all(p in texts for p in section.paragraphs)
    assert texts[-2:] == [briefing.issuer, briefing.issued]
    assert "表1 各街道受理情况" in texts and "图1 近3周受理量" in texts and "注：满意率=回访满意件数/回访件数。" in texts
    (grid,) = document.tables
    frame = _frame()
    assert [c.text for c in grid.rows[0].cells] == list(frame.columns)
    assert all(r.bold for c in grid.rows[0].cells for r in c.paragraphs[0].runs)
    for i, row in enumerate(grid.rows[1:]):
        for column, target in zip(frame.columns, row.cells):
            assert target.text == cell(frame[column].iloc[i], FORMATS.get(column, "text"), "zh")
    assert grid.rows[1].cells[1].text == "1,234" and grid.rows[3].cells[1].text == "—"
    assert grid.rows[3].cells[0].text == INJECTION  # Word shows text as it is
    assert grid.rows[1].cells[1].paragraphs[0].alignment == 2  # numbers right-aligned
    assert grid.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None


def test_docx_fonts_page_picture_footer(rendered):
    briefing, path, _ = rendered
    document = docx.Document(str(path))
    normal = document.styles["Normal"].element
    fonts = normal.find(f"{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "仿宋_GB2312" and fonts.get(f"{W}ascii") == "Times New Roman"
    assert normal.find(f"{W}pPr/{W}spacing").get(f"{W}lineRule") == "exact"
    assert document.styles["Normal"].font.size.pt == 16
    assert document.styles["Normal"].paragraph_format.line_spacing.pt == 28
    assert normal.find(f"{W}pPr/{W}ind").get(f"{W}firstLineChars") == "200"
    heading = document.styles["Heading 1"].element
    assert heading.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "黑体"
    assert heading.find(f"{W}pPr/{W}ind").get(f"{W}firstLineChars") == "0"  # else inherited from Normal
    title = document.styles["Briefing Title"]
    assert title.font.size.pt == 22 and title.element.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "方正小标宋简体"
    page = document.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (page.top_margin, page.bottom_margin, page.left_margin, page.right_margin)] == [
        37, 35, 28, 26]
    footer = page.footer.paragraphs[0]
    assert "PAGE" in "".join(t.text for t in footer._p.iter(f"{W}instrText"))
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert document.inline_shapes[0].width == page.page_width - page.left_margin - page.right_margin
    assert document.core_properties.title == briefing.title and document.core_properties.created.year >= 2024
    with zipfile.ZipFile(path) as archive:
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in archive.namelist())
        assert 'w:altName w:val="仿宋"' in archive.read("word/fontTable.xml").decode()
        assert "word/stylesWithEffects.xml" not in archive.namelist()


def test_xlsx_numbers_sheets_and_injection(rendered):
    briefing, _, path = rendered
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["概要", "图表", "by_street"]  # the figures as pictures, under their captions
    assert book["图表"]["A1"].value == briefing.figures()[0].title and len(book["图表"]._images) == 1
    sheet = book["by_street"]
    assert sheet["A1"].value == "表1 各街道受理情况" and sheet.freeze_panes == "A3"
    frame = _frame()
    assert [c.value for c in sheet[2]] == list(frame.columns)
    for i in range(len(frame)):
        for j, column in enumerate(frame.columns, start=1):
            value, target = frame[column].iloc[i], sheet.cell(3 + i, j)
            if column not in FORMATS:
                assert target.value == safe_text(value)
            elif isinstance(value, float) and math.isnan(value):
                assert target.value is None
            else:
                assert target.value == value and isinstance(target.value, int | float)
    assert sheet.cell(3, 2).number_format == "#,##0" and sheet.cell(3, 3).number_format == "0.0%"
    assert sheet.cell(3, 4).number_format == "+0.0%;-0.0%;0.0%" and sheet.cell(3, 6).number_format == "0.0"
    assert sheet.cell(5, 1).value == "'" + INJECTION and sheet.cell(6, 1).value == "'-西城街道"
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for target in row:
                assert target.data_type != "f"
                assert not (isinstance(target.value, str) and target.value.startswith("="))


def test_xlsx_summary(rendered):
    briefing, _, path = rendered
    rows = list(openpyxl.load_workbook(path)["概要"].iter_rows(values_only=True))
    assert rows[0][0] == briefing.title and rows[1][0] == briefing.subtitle
    paragraphs = [(s.heading, safe_text(p)) for s in briefing.sections for p in s.paragraphs]
    assert all(tuple(p) in {r[:2] for r in rows} for p in paragraphs)
    assert "'=1+1 should stay text" in {r[1] for r in rows}
    assert ("by_street", "表1 各街道受理情况") in {r[:2] for r in rows}
    assert {("received", 10471), ("received_yoy", 0.045), ("callbacks", None)} <= {r[:2] for r in rows}


def test_safe_text_and_sheet_names():
    assert safe_text("=SUM(A1)") == "'=SUM(A1)" and safe_text("@x") == "'@x" and safe_text("\tx") == "'\tx"
    assert safe_text("城关街道") == "城关街道" and safe_text(3.5) == 3.5 and safe_text("a\x00b") == "ab"
    frame = pd.DataFrame({"a": [1]})
    tables = tuple(Table(k, k, frame) for k in ("x" * 40, "a/b", "A/B"))
    briefing = Briefing("2023-W07", date(2023, 2, 13), date(2023, 2, 19), "zh", "t", "", "", "",
                        (Section("s", "一、", (), tables=tables),), {})
    names = sheet_names(briefing)
    assert names[0] == "x" * 31 and names[1] == "a_b" and names[2] == "A_B_2"


def test_english(tmp_path):
    briefing = _briefing("en")
    path = render(briefing, "docx", tmp_path / "b.docx")
    document = docx.Document(str(path))
    fonts = document.styles["Normal"].element.find(f"{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}ascii") == fonts.get(f"{W}hAnsi") == "Times New Roman" and fonts.get(f"{W}eastAsia") == "宋体"
    assert document.styles["Normal"].font.size.pt == 12
    assert "1. Overview" in _texts(document)
    grid = document.tables[0]
    assert grid.rows[1].cells[3].text == cell(0.045, "change", "en") == "+4.5%"
    footer = document.sections[0].footer.paragraphs[0]
    assert "PAGE" in "".join(t.text for t in footer._p.iter(f"{W}instrText")) and "—" not in footer.text
    book = openpyxl.load_workbook(render(briefing, "xlsx", tmp_path / "b.xlsx"))
    assert book.sheetnames == ["summary", "figures", "by_street"]
