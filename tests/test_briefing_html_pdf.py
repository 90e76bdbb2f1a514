"""The briefing as HTML (self-contained, escaped, opens in Chromium) and as PDF (Chinese text, embedded CJK font).

Built on a hand-made Briefing, so these tests need no store; the PDF checks use poppler-utils (pdftotext,
pdffonts) and the browser check Debian's Chromium, each skipped with a message when absent. They use the
machine's fonts; tests/test_briefing_fonts.py checks the bundled ones on a machine with none.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from civicdesk.briefing import render
from civicdesk.briefing.formatting import cell
from civicdesk.briefing.html import briefing_html
from civicdesk.briefing.model import Briefing, Figure, Section, Table

CHROMIUM = "/usr/bin/chromium"
SCRIPT = "<script>alert(1)</script>"
SENTENCE = "2月13日至2月19日一周，区社会治理中心接收工单10471件，其中便民惠企服务3221件、安全隐患排查2570件。"
NAN = float("nan")


def _chart(title_field: str, clip: bool = False) -> dict:
    data = pd.DataFrame({"week": ["W05", "W06", "W07"], title_field: [9800, 10200, 10471]})
    return (alt.Chart(data).mark_line(point=True, clip=clip)
            .encode(x=alt.X("week:N", title="周" if title_field == "受理量" else "week"),
                    y=alt.Y(f"{title_field}:Q", scale=alt.Scale(domain=[0, 10000])))
            .properties(width=300, height=120).to_dict())


def _table(lang: str) -> Table:
    zh = lang == "zh"
    names = ["街道", "受理量", "办结率", "较目标", "环比", "平均时长"] if zh else \
        ["Street", "Received", "Closure rate", "vs target", "WoW", "Mean hours"]
    streets = ["明水街道", "文昌街道", SCRIPT] if zh else ["Mingshui", "Wenchang", SCRIPT]
    frame = pd.DataFrame({names[0]: streets, names[1]: [3221, 2570, NAN], names[2]: [0.9534, NAN, 0.88],
                          names[3]: [0.012, -0.034, NAN], names[4]: [0.045, NAN, -0.021],
                          names[5]: [12.34, 8.0, NAN]})
    formats = dict(zip(names[1:], ["int", "pct", "pt", "change", "float1"]))
    return Table("by_street", "表1 各街道受理情况" if zh else "Table 1 Tickets by street", frame, formats,
                 "注：办结率为到期工单中已办结的比例。" if zh else "Note: closure rate among tickets due.")


def make_briefing(lang: str = "zh") -> Briefing:
    if lang == "zh":
        s1 = Section("overview", "一、总体情况", (
            SENTENCE,
            "（一）受理总量。本周受理量环比上升2.7%，同比上升12.4%，增量主要来自供暖和物业管理类诉求。",
        ), figures=(Figure("trend", "图1 近3周受理量", _chart("受理量")),), tables=(_table("zh"),))
        s2 = Section("rates", "二、三率情况", (
            "本周响应率98.2%，办结率93.5%，满意率91.7%；文昌街道办结率低于目标2.3个百分点，需重点督办。",
            "居民反映“<b>暖气不热</b>”的诉求 & 物业问题仍然集中。",
        ))
        return Briefing("2023-W07", date(2023, 2, 13), date(2023, 2, 19), "zh", "社会治理综合服务中心工作周报",
                        "（2023年2月13日—2月19日）", "区社会治理综合服务中心", "2023年2月20日", (s1, s2),
                        {"received": 10471})
    s1 = Section("overview", "1. Overview", (
        "In the week of 13–19 February the district centre received 10471 tickets, 3221 of them for "
        "services to residents and businesses and 2570 for safety hazards.",
    ), figures=(Figure("trend", "Figure 1 Tickets, last 3 weeks", _chart("tickets", clip=True)),
                Figure("trend2", "Figure 2 Tickets again", _chart("tickets", clip=True))),
        tables=(_table("en"),))
    s2 = Section("rates", "2. The three rates", ("Response 98.2%, closure 93.5%, satisfaction 91.7%.",))
    return Briefing("2023-W07", date(2023, 2, 13), date(2023, 2, 19), "en", "Weekly briefing of the service centre",
                    "(13–19 February 2023)", "District social governance service centre", "20 February 2023",
                    (s1, s2), {"received": 10471})


@pytest.fixture(scope="module")
def zh() -> Briefing:
    return make_briefing("zh")


@pytest.fixture(scope="module")
def en() -> Briefing:
    return make_briefing("en")


@pytest.fixture(scope="module")
def zh_html(zh) -> str:
    return briefing_html(zh)


@pytest.fixture(scope="module")
def zh_pdf(zh, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "briefing.pdf"
    render(zh, "pdf", path)
    return path


class _Text(HTMLParser):
    """Text of each <p>, <td>, <th>, <caption>, <figcaption>, <h1>, <h2> (whole element, tags inside ignored)."""

    TAGS = {"p", "td", "th", "caption", "figcaption", "h1", "h2"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self._open.append((tag, []))

    def handle_endtag(self, tag):
        if tag in self.TAGS and self._open and self._open[-1][0] == tag:
            name, parts = self._open.pop()
            self.items.append((name, "".join(parts)))

    def handle_data(self, data):
        if self._open:
            self._open[-1][1].append(data)


def texts(page: str, tag: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return [text for name, text in parser.items if name == tag]


def expected_cells(table: Table, lang: str) -> list[list[str]]:
    fmts = [table.formats.get(c, "text") for c in table.frame.columns]
    return [[cell(v, f, lang) for v, f in zip(row, fmts)] for row in table.frame.itertuples(index=False, name=None)]


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed (apt-get install poppler-utils); PDF text/font checks skipped")


# --- HTML -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_has_every_paragraph_and_cell_as_formatted(lang, zh, en, zh_html):
    briefing = zh if lang == "zh" else en
    page = zh_html if lang == "zh" else briefing_html(en)
    assert page.startswith("<!DOCTYPE html>")
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page
    assert '<meta charset="utf-8">' in page
    paragraphs = texts(page, "p")
    for section in briefing.sections:
        assert section.heading in texts(page, "h2")
        for paragraph in section.paragraphs:
            assert paragraph in paragraphs
    table = briefing.tables()[0]
    cells = texts(page, "td")
    expected = expected_cells(table, lang)
    assert cells == [c for row in expected for c in row]
    assert texts(page, "th") == list(table.frame.columns)
    assert "—" in cells and "nan" not in " ".join(cells).lower()
    assert texts(page, "caption") == [table.title]
    assert texts(page, "figcaption") == [f.title for f in briefing.figures()]
    assert table.note in paragraphs and briefing.issuer in page and briefing.issued in page
    # numbers right-aligned, text left
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="(\w+)"', row) == ["text", "num", "num", "num", "num", "num"]


def test_html_escapes_text_and_loads_nothing(zh_html):
    page = zh_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
    assert "&lt;b&gt;暖气不热&lt;/b&gt;" in page and "&amp; 物业" in page
    for pattern in (r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", r"""url\(\s*["']?\s*(?:https?:)?//""",
                    r"@import", r"<link\b", r"<iframe\b", r"<img\b[^>]*src=[\"'](?!data:)"):
        assert not re.search(pattern, page, re.I), pattern


def test_html_inlines_the_chart_and_the_official_look(zh_html):
    page = zh_html
    assert page.count("<svg ") == 1 and "<?xml" not in page
    assert page.index("<svg ") < page.index("<figcaption>")  # figure caption below
    assert page.index("<caption>") < page.index("<thead>")  # table caption above
    assert '"仿宋_GB2312", "FangSong"' in page and '"Noto Serif CJK SC"' in page and '"Times New Roman"' in page
    assert "方正小标宋简体" in page and '"黑体", "SimHei", "Noto Sans CJK SC"' in page
    assert "text-indent: 2em" in page and "font-size: 16pt" in page and "line-height: 29pt" in page
    assert "@bottom-center" not in page and "@bottom-center" in briefing_html(make_briefing("zh"), for_print=True)


def test_html_table_columns_are_planned():
    """Short columns never wrap, long text ones share the rest, widths add up; many columns, smaller font."""
    long_text = "上侯家屯村底商饭店油烟直排，居民多次反映夜间噪声扰民"
    frame = pd.DataFrame({"类型": ["预警", "热点"], "范围": ["埠村街道", "文祖街道"], "说明": [long_text, "—"],
                          **{f"指标{i}": [0.5, 0.25] for i in range(6)}})
    table = Table("wide", "表9 宽表", frame, {f"指标{i}": "pct" for i in range(6)})
    page = briefing_html(Briefing("2023-W07", date(2023, 2, 13), date(2023, 2, 19), "zh", "周报", "", "", "",
                                  (Section("s", "一、宽表", (), tables=(table,)),), {}))
    assert 'class="briefing-table fixed" style="font-size: 9pt' in page  # 9 columns: 小五
    widths = [float(w) for w in re.findall(r'<col style="width: ([\d.]+)%">', page)]
    assert len(widths) == 9 and abs(sum(widths) - 100) < 0.1
    assert widths[2] == max(widths)  # the free text gets the room
    assert re.findall(r'<td class="([\w ]+)"', page)[:3] == ["text nowrap", "text nowrap", "text"]


def test_html_figure_ids_do_not_collide(en):
    page = briefing_html(en)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    clip_ids = [i for i in ids if "clip" in i]
    assert clip_ids, "the clipped charts draw clip paths"
    for ref in re.findall(r"url\(#([^)]+)\)", page):
        assert ref in ids


def test_render_html_writes_one_utf8_file(zh, tmp_path):
    path = render(zh, "html", tmp_path / "out" / "briefing.html")
    assert path.read_text(encoding="utf-8") == briefing_html(zh)
    assert list(path.parent.iterdir()) == [path]


@pytest.mark.browser
def test_html_opens_in_chromium_without_errors(zh, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium); browser check skipped")
    playwright = pytest.importorskip("playwright.sync_api")
    path = render(zh, "html", tmp_path / "briefing.html")
    errors: list[str] = []
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                          "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            box = page.locator("figure svg").first.bounding_box()
            marks = page.locator("figure svg path, figure svg text").count()
            cells = page.locator("td").all_inner_texts()
            indent = page.evaluate("getComputedStyle(document.querySelector('section p')).textIndent")
            scripts = page.evaluate("document.scripts.length")
            page.screenshot(path=str(tmp_path / "briefing.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert requests == [path.as_uri()], requests  # nothing else was fetched
    assert box and box["width"] > 300 and box["height"] > 100, box
    assert marks > 10
    assert [c.strip() for c in cells] == [c for row in expected_cells(zh.tables()[0], "zh") for c in row]
    assert indent == "42.6667px"  # 2em of 16pt
    assert scripts == 0


# --- PDF ------------------------------------------------------------------------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_text_has_the_chinese_sentences(zh, zh_pdf):
    needs("pdftotext")
    text = subprocess.run(["pdftotext", "-layout", str(zh_pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = _squash(text)
    for section in zh.sections:
        assert _squash(section.heading) in flat
        for paragraph in section.paragraphs:
            assert _squash(paragraph) in flat, paragraph
    assert _squash(SENTENCE) in flat
    assert _squash(zh.title) in flat and "表1各街道受理情况" in flat and "图1近3周受理量" in flat
    assert SCRIPT in text and "3,221" in text and "95.3%" in text and "+1.2" in text and "+4.5%" in text
    assert "—1—" in flat  # the page number at the foot


def _embedded_fonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: emb is the 5th field from the end
        if len(parts) >= 6 and parts[-5] == "yes":
            fonts.append(parts[0].split("+", 1)[-1])
    return fonts


def _is_cjk_font(name: str) -> bool:
    return bool(re.search(r"CJK|Song|Hei|Kai|Fang|Ming|WenQuanYi|SourceHan|Droid.*Fallback", name, re.I))


def test_pdf_embeds_a_cjk_font(zh_pdf):
    needs("pdffonts")
    assert zh_pdf.read_bytes().startswith(b"%PDF")
    fonts = _embedded_fonts(zh_pdf)
    assert any(_is_cjk_font(f) for f in fonts), fonts


def test_pdf_with_an_english_briefing_needs_no_system_font(en):
    """The print CSS always brings the bundled fonts (Noto CJK has Latin glyphs too), whatever the language."""
    assert briefing_html(en, for_print=True).count("@font-face") == 4
    assert "@font-face" not in briefing_html(en)


def test_pdf_english(en, tmp_path):
    path = render(en, "pdf", tmp_path / "en.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    needs("pdftotext")
    # reading order, not -layout: a cell that wraps (narrower fonts on a machine without Times New Roman)
    # would otherwise be interleaved with its neighbours
    flat = _squash(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout)
    assert _squash(en.sections[0].paragraphs[0]) in flat
    assert "Table1Ticketsbystreet" in flat and "Figure2Ticketsagain" in flat and SCRIPT in flat
