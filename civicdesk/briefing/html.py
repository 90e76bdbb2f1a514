"""The briefing as ONE self-contained HTML file in the official-document look (GB/T 9704-2012).

Everything is inline: the CSS, the charts (SVG drawn offline by vl-convert), the Chinese font (see Fonts), no
scripts, no links to load anything; a Content-Security-Policy meta tag tells the browser so too. On screen the text sits
in an A4-like page column; printing it (or `civicdesk.briefing.pdf`, which lays out the same HTML with
WeasyPrint) gives A4 pages with the 公文 margins.

Tables: caption above, numbers right-aligned, column widths planned from the content (short columns never
wrap, long text shares the rest), 小四/五号/小五 by the number of columns; short tables are kept on one page,
long ones split between rows with the header repeated. Figures: caption below, never split, a quarter larger
than Vega draws them but at most the text width and about 40% of its height.

Fonts: the office fonts first (方正小标宋 for the title, 仿宋_GB2312 for the body, 黑体 for 一、 headings,
楷体 for （一）), then Noto Serif/Sans CJK SC as the fallback. "Times New Roman" leads every stack: it has no
Chinese glyphs, so digits and Latin letters come from it (Debian: its metric twin Liberation Serif) and each
Chinese character falls through to the CJK font after it. The Noto families are always there: the package
bundles GB 2312 subsets of them (`civicdesk.fonts`). For the PDF (``for_print``) the ``@font-face`` rules
point at those files by ``file://`` URL and WeasyPrint loads them itself. The HTML file cannot link to
them, and inlining the bundled files would add about 10 MB of base64, so each face is cut again, at render
time, to the characters the page sets in it (all of the text for the serif body face; headings, table
headers, captions and chart text for the sans face; the title and bold lead-ins for the bold serif; the
chart text for the bold sans: usually 20–150 KB in all) and embedded as a ``data:`` URI, WOFF2 when brotli
is importable, else WOFF (`civicdesk.fonts.embedded_font_css`, cached per text). Each rule tries
``local()`` first, so a browser with Noto CJK SC installed uses it; the office fonts stay ahead of it in the
stacks anyway. A page without Chinese characters embeds no font.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from civicdesk import fonts
from civicdesk.briefing.figures import figure_svg
from civicdesk.briefing.formatting import cell
from civicdesk.briefing.model import Briefing, Figure, Section, Table

LATIN = '"Times New Roman", "Times", "Liberation Serif"'
TITLE_FONT = f'{LATIN}, "方正小标宋简体", "FZXiaoBiaoSong-B05S", "SimSun", "Songti SC", "Noto Serif CJK SC", serif'
BODY_FONT = f'{LATIN}, "仿宋_GB2312", "FangSong", "STFangsong", "Noto Serif CJK SC", serif'
HEADING_FONT = f'{LATIN}, "黑体", "SimHei", "Noto Sans CJK SC", sans-serif'
KAI_FONT = f'{LATIN}, "楷体_GB2312", "KaiTi", "STKaiti", "Noto Serif CJK SC", serif'

#: Body line spacing in pt (GB/T 9704: 22 lines in the 225 mm text block, about 29 pt).
LINE = 29

#: Tables with at most this many rows are kept on one page; longer ones split with the header repeated.
KEEP_TOGETHER_ROWS = 10

#: Charts are drawn a quarter larger than Vega's pixels (its 10–11 px labels read as 9–10 pt), but never
#: wider than the text block (156 mm = 589 CSS px) nor taller than about 40% of it (330 px = 248 pt).
#: The size is set explicitly: WeasyPrint does not derive an inline SVG's height from its viewBox.
CHART_SCALE = 1.25
CHART_MAX_WIDTH_PX = 589
CHART_MAX_HEIGHT_PX = 330

#: Table font by number of columns: 小四 (12 pt), 五号 (10.5 pt) from 7 columns, 小五 (9 pt) from 9.
TABLE_FONT_PT = ((9, 9.0, 13.0), (7, 10.5, 14.5), (0, 12.0, 16.0))

#: A text column whose every cell is at most this wide (em) never wraps (so "预警", "明水街道" or a date do
#: not break next to a long free-text column); headers up to HEADER_WRAP_EM stay on one line.
NOWRAP_CHARS = 6.0
HEADER_WRAP_EM = 4.0
CELL_PADDING_PT = 12.0  # 5 pt each side, the rules, and a little slack for our rough glyph widths
TEXT_WIDTH_PT = 442.2  # A4 210 mm − 28 − 26 mm = 156 mm

#: Chinese characters, CJK punctuation and full-width forms: a page with any of them embeds the font.
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
#: Elements set in the sans face (黑体 stack, the charts), the bold serif (title, bold lead-ins), the bold sans
#: (chart titles: Vega draws axis and legend titles bold).
_SANS_TEXT = re.compile(r"<(h2|caption|th|figcaption|text)\b[^>]*>(.*?)</\1>", re.S)
_SERIF_BOLD_TEXT = re.compile(r'<(h1|span) class="(?:title|h4)"[^>]*>(.*?)</\1>', re.S)
_SVG_TEXT = re.compile(r"<(text)\b[^>]*>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]*>")

#: A second-level heading run into a paragraph, "（一）受理总量。…", and a third-level one, "1. 便民服务。…".
_LEVEL2 = re.compile(r"^（[一二三四五六七八九十]+）")
_LEVEL3 = re.compile(r"^\d{1,2}[.．]")

_CSS = f"""
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; }}
body {{ margin: 0; color: #000; font-family: {BODY_FONT}; font-size: 16pt; line-height: {LINE}pt; }}
.page {{ background: #fff; }}
h1.title {{ font-family: {TITLE_FONT}; font-size: 22pt; line-height: 35pt; font-weight: bold; text-align: center;
  margin: 0; }}
p.subtitle {{ font-family: {KAI_FONT}; text-align: center; text-indent: 0; margin: 0 0 {LINE}pt 0; }}
h2 {{ font-family: {HEADING_FONT}; font-size: 16pt; line-height: {LINE}pt; font-weight: normal;
  text-indent: 2em; margin: 0; break-after: avoid; page-break-after: avoid; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; orphans: 2; widows: 2; }}
.lang-en section p {{ text-align: left; }}
.h3 {{ font-family: {KAI_FONT}; }}
.h4 {{ font-weight: bold; }}
.table-block {{ margin: 6pt 0 {LINE}pt 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 0; font-size: 12pt; line-height: 18pt;
  font-variant-numeric: tabular-nums; }}
div.keep {{ break-inside: avoid; page-break-inside: avoid; }}
caption {{ caption-side: top; font-family: {HEADING_FONT}; font-size: 14pt; line-height: 22pt; text-align: center;
  padding-bottom: 4pt; break-after: avoid; page-break-after: avoid; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
th, td {{ border: 0.75pt solid #000; padding: 1.5pt 5pt; vertical-align: middle; }}
th {{ font-family: {HEADING_FONT}; font-weight: normal; text-align: center; background: #f2f2f2; }}
td.num {{ text-align: right; white-space: nowrap; }}
td.text {{ text-align: left; }}
.nowrap {{ white-space: nowrap; }}
table.fixed {{ table-layout: fixed; }}
td {{ overflow-wrap: break-word; }}
p.table-note {{ text-indent: 0; font-size: 10.5pt; line-height: 15pt; margin-top: 3pt; text-align: left; }}
figure {{ margin: 6pt 0 {LINE}pt 0; text-align: center; break-inside: avoid; page-break-inside: avoid; }}
figure svg {{ display: block; margin: 0 auto; max-width: 100%; height: auto; }}
figcaption {{ font-family: {HEADING_FONT}; font-size: 14pt; line-height: 22pt; text-align: center;
  margin-top: 4pt; }}
.signoff {{ text-align: right; margin-top: {2 * LINE}pt; padding-right: 2em; break-inside: avoid;
  page-break-inside: avoid; }}
.signoff > span {{ display: inline-block; text-align: center; }}
.signoff span span {{ display: block; }}
"""

_SCREEN_CSS = """
@media screen {
  body { background: #e8e8e8; padding: 24px 0; }
  .page { width: 210mm; min-height: 297mm; margin: 0 auto; padding: 37mm 26mm 35mm 28mm;
    box-shadow: 0 1px 6px rgba(0, 0, 0, 0.25); }
}
@media screen and (max-width: 820px) {
  body { padding: 0; }
  .page { width: auto; min-height: 0; padding: 16px; box-shadow: none; }
  figure svg { height: auto !important; }
  table.fixed { table-layout: auto; }
}
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
@media print { body { background: #fff; } .page { box-shadow: none; } }
"""

_PRINT_CSS = f"""
@page {{
  size: A4;
  margin: 37mm 26mm 35mm 28mm;
  @bottom-center {{
    content: "— " counter(page) " —";
    font-family: {LATIN}, "宋体", "SimSun", "Noto Serif CJK SC", serif;
    font-size: 14pt;
    vertical-align: top;
    padding-top: 7mm;
  }}
}}
body {{ background: #fff; }}
/* WeasyPrint justifies by stretching spaces only: a Chinese line with one space would gape */
section p {{ text-align: left; }}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _paragraph(text: str) -> str:
    """A paragraph; a run-in second/third-level heading ("（一）…。", "1. …。") gets its 楷体/bold lead."""
    for pattern, cls in ((_LEVEL2, "h3"), (_LEVEL3, "h4")):
        if pattern.match(text):
            end = text.find("。")
            lead, rest = (text, "") if end < 0 else (text[: end + 1], text[end + 1:])
            return f'<p><span class="{cls}">{_e(lead)}</span>{_e(rest)}</p>'
    return f"<p>{_e(text)}</p>"


def _svg(figure: Figure, n: int) -> str:
    """The chart as inline SVG: no XML prolog/doctype, ids made unique per figure (clip paths would collide)."""
    svg = figure_svg(figure)
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"^\s*<!DOCTYPE[^>]*>\s*", "", svg)
    prefix = f"fig{n}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'(\bhref=")#([^"]+)"', lambda m: f'{m.group(1)}#{prefix}{m.group(2)}"', svg)
    title = _e(figure.title)
    head = svg[: svg.find(">")]
    width = re.search(r'\swidth="([\d.]+)"', head)
    height = re.search(r'\sheight="([\d.]+)"', head)
    style = ""
    if width and height:
        w, h = float(width.group(1)), float(height.group(1))
        scale = min(CHART_SCALE, CHART_MAX_WIDTH_PX / w, CHART_MAX_HEIGHT_PX / h) if w > 0 and h > 0 else 1.0
        style = f' style="width: {w * scale:.0f}px; height: {h * scale:.0f}px"'
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}"{style} ', 1)


def _figure(figure: Figure, n: int) -> str:
    return (f'<figure id="figure-{_e(figure.key)}">{_svg(figure, n)}'
            f"<figcaption>{_e(figure.title)}</figcaption></figure>")


def _width(text: str) -> float:
    """Display width in em, roughly: a Chinese character 1, a digit ½, a Latin letter a little more."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.5 if ch.isdigit() else 0.3 if ch in ".,:;-+ ·'" else
               0.85 if ch in "%MW@" else 0.6 for ch in text)


_WORD = re.compile(r"[^\s\u2e80-\uffff-]+-?")


def _word(text: str) -> float:
    """Width (em) of the longest piece a line cannot break inside: a Latin word or a number."""
    return max((_width(w) for w in _WORD.findall(text)), default=0.0)


def _column_plan(columns: list, rows: list[list[str]], fmts: list[str], size: float):
    """Per column: its class ("num", "text nowrap", "text") and its width in % of the text width, or None
    widths when the short columns alone do not fit (then the browser's automatic layout decides).

    Numbers and short text columns (every cell at most NOWRAP_CHARS em) get exactly what their longest cell
    and their header (up to 4 em; longer headers wrap) need; the long text columns share the rest by their
    length (capped at 12 em), never narrower than 3 em or their longest word; what is left over is spread
    over all columns. Both WeasyPrint and Chromium then
    lay the table out the same way (table-layout: fixed), instead of squeezing a long column to one
    character a line next to a roomy short one.
    """
    if not columns:
        return [], None
    total = TEXT_WIDTH_PT / size
    padding = CELL_PADDING_PT / size
    classes, need, least, flexible = [], [], [], []
    for i, column in enumerate(columns):
        content = max((_width(r[i]) for r in rows), default=0.0)
        word = max((_word(r[i]) for r in rows), default=0.0)
        header = _width(str(column))
        if header > HEADER_WRAP_EM:  # a long header wraps, in at most 3 lines, never inside a word
            header = max(header / 3, 3.0, _word(str(column)))
        if fmts[i] != "text":
            classes.append("num")
        elif content <= NOWRAP_CHARS:
            classes.append("text nowrap")
        else:
            classes.append("text")
            flexible.append(i)
            content = max(min(content, 12.0), word)
        need.append(max(content, header, 1.0) + padding)
        least.append(max(min(content, 3.0), word, header, 1.0) + padding)
    fixed = sum(w for i, w in enumerate(need) if i not in flexible)
    floor = sum(least[i] for i in flexible)
    if fixed + floor > total:
        return classes, None
    widths = list(need)
    wanted = sum(need[i] for i in flexible)
    if fixed + wanted > total:  # the long columns share what is left (each at least its floor) and wrap
        room = total - fixed - floor
        extra = sum(need[i] - least[i] for i in flexible) or 1.0
        for i in flexible:
            widths[i] = least[i] + (need[i] - least[i]) * room / extra
    spread = total / sum(widths)  # >= 1: the left-over space, spread in proportion
    return classes, [100.0 * w * spread / total for w in widths]


def _table(table: Table, lang: str) -> str:
    frame = table.frame
    columns = list(frame.columns)
    fmts = [table.formats.get(c, "text") for c in columns]
    rows = [[cell(v, f, lang) for v, f in zip(row, fmts)] for row in frame.itertuples(index=False, name=None)]
    size, line = next((pt, lh) for n, pt, lh in TABLE_FONT_PT if len(columns) >= n)
    classes, widths = _column_plan(columns, rows, fmts, size)
    head_classes = [' class="nowrap"' if _width(str(c)) <= HEADER_WRAP_EM else "" for c in columns]
    keep = " keep" if len(frame) <= KEEP_TOGETHER_ROWS else ""
    layout = " fixed" if widths else ""
    out = [f'<div class="table-block{keep}">',
           f'<table id="table-{_e(table.key)}" class="briefing-table{layout}" '
           f'style="font-size: {size:g}pt; line-height: {line:g}pt">',
           f"<caption>{_e(table.title)}</caption>"]
    if widths:
        out.append("<colgroup>" + "".join(f'<col style="width: {w:.2f}%">' for w in widths) + "</colgroup>")
    out.append("<thead><tr>" + "".join(f'<th scope="col"{k}>{_e(c)}</th>' for c, k in zip(columns, head_classes))
               + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="{k}">{_e(v)}</td>' for v, k in zip(row, classes)) + "</tr>")
    out.append("</tbody></table>")
    if table.note:
        out.append(f'<p class="table-note">{_e(table.note)}</p>')
    out.append("</div>")
    return "\n".join(out)


def _section(section: Section, lang: str, figure_no: list[int]) -> str:
    out = [f'<section id="section-{_e(section.key)}">', f"<h2>{_e(section.heading)}</h2>"]
    out += [_paragraph(p) for p in section.paragraphs]
    for figure in section.figures:
        figure_no[0] += 1
        out.append(_figure(figure, figure_no[0]))
    out += [_table(t, lang) for t in section.tables]
    out.append("</section>")
    return "\n".join(out)


def _texts(pattern: re.Pattern, page: str) -> str:
    return "".join(html.unescape(_TAG.sub("", m.group(2))) for m in pattern.finditer(page))


def _font_css(body: list[str], for_print: bool) -> str:
    """The bundled fonts' ``@font-face`` rules: files for WeasyPrint, cut-down ``data:`` URIs for the HTML."""
    if for_print:
        return fonts.file_font_css() + "\n"
    page = "\n".join(body)
    text = html.unescape(_TAG.sub("", page))
    if not _CJK.search(text):
        return ""
    return fonts.embedded_font_css({
        (fonts.SERIF, 400): text,
        (fonts.SERIF, 700): _texts(_SERIF_BOLD_TEXT, page),
        (fonts.SANS, 400): _texts(_SANS_TEXT, page),
        (fonts.SANS, 700): _texts(_SVG_TEXT, page),
    }) + "\n"


def briefing_html(briefing: Briefing, for_print: bool = False) -> str:
    """The briefing as one self-contained HTML document (UTF-8, no external resources, the Chinese font
    embedded as cut-down subsets).

    ``for_print`` swaps the on-screen page column for the print CSS WeasyPrint lays out: A4, the 公文
    margins (37/26/35/28 mm) and "— 1 —" page numbers centred at the foot, and loads the bundled fonts
    from their files instead of embedding them.
    """
    lang = "en" if briefing.lang == "en" else "zh"
    figure_no = [0]
    body = [f'<h1 class="title">{_e(briefing.title)}</h1>']
    if briefing.subtitle:
        body.append(f'<p class="subtitle">{_e(briefing.subtitle)}</p>')
    body += [_section(s, lang, figure_no) for s in briefing.sections]
    signoff = [x for x in (briefing.issuer, briefing.issued) if x]
    if signoff:
        body.append('<div class="signoff"><span>' + "".join(f"<span>{_e(x)}</span>" for x in signoff)
                    + "</span></div>")
    css = _font_css(body, for_print) + _CSS + (_PRINT_CSS if for_print else _SCREEN_CSS)
    head_title = " ".join(x for x in (briefing.title, briefing.subtitle) if x)
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{"en" if lang == "en" else "zh-CN"}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="civicdesk briefing {_e(briefing.week)}">',
        f"<title>{_e(head_title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        f'<body class="lang-{lang}">',
        '<main class="page">',
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def render_html(briefing: Briefing, path) -> None:
    """Write the briefing as a single self-contained HTML file (UTF-8)."""
    Path(path).write_text(briefing_html(briefing), encoding="utf-8")
