"""The Word look of the briefing: GB/T 9704-2012 (党政机关公文格式) page, fonts and styles for python-docx.

Chinese (``zh``): A4 with margins 37/35/28/26 mm; body 3号 (16 pt) 仿宋_GB2312, first line indented two
characters, fixed 28 pt lines; title 2号 (22 pt) 方正小标宋简体; headings 一、 黑体, （一） 楷体, 1. 仿宋 bold;
digits and Latin letters in Times New Roman; tables 小四 (12 pt) 宋体. English (``en``): Times New Roman at
ordinary sizes (Chinese names in it in 宋体). Every East Asian font is declared as ``w:eastAsia`` (with the Latin font as ``w:ascii``/
``w:hAnsi``), and the font table names an installed fallback for each (``w:altName``, GB2312 charset), so
Word and WPS on an office PC use the real fonts and a PC without them substitutes a Chinese face, never the
template's Japanese theme font.
"""
from __future__ import annotations

from dataclasses import dataclass

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

LATIN = "Times New Roman"
#: East Asian font -> the fallback Word/WPS are told to use when it is missing (w:altName in the font table).
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体", "黑体": "SimHei",
             "宋体": "SimSun"}

#: Paragraph style names the renderer uses (besides Normal and "Heading 1").
TITLE, SUBTITLE, TABLE_TITLE, TABLE_TEXT, TABLE_NOTE = (
    "Briefing Title", "Briefing Subtitle", "Table Title", "Table Text", "Table Note")
PICTURE, CAPTION, SIGNATURE, FOOTER = "Figure", "Figure Caption", "Signature Line", "Footer"


@dataclass(frozen=True)
class Look:
    """Fonts (East Asian, Latin), sizes (pt) and spacing of one language's briefing."""

    body: str
    title: str
    subtitle: str
    heading: str
    level2: str
    table: str
    body_pt: float
    title_pt: float
    heading_pt: float
    table_title_pt: float
    table_pt: float
    line_pt: float | None  # fixed line pitch, or None for 1.15 lines
    indent_chars: int  # first-line indent of the body
    title_bold: bool
    heading_bold: bool
    page_dashes: bool  # "— 1 —" page numbers


ZH = Look(body="仿宋_GB2312", title="方正小标宋简体", subtitle="楷体_GB2312", heading="黑体",
          level2="楷体_GB2312", table="宋体", body_pt=16, title_pt=22, heading_pt=16, table_title_pt=14,
          table_pt=12, line_pt=28, indent_chars=2, title_bold=True, heading_bold=False, page_dashes=True)
#: English: Times New Roman for all Latin text; Chinese names left in the text (streets, the issuer) in 宋体.
EN = Look(body="宋体", title="宋体", subtitle="宋体", heading="宋体", level2="宋体", table="宋体", body_pt=12,
          title_pt=18, heading_pt=14, table_title_pt=11, table_pt=10, line_pt=None, indent_chars=0,
          title_bold=True, heading_bold=True, page_dashes=False)


def look_for(lang: str) -> Look:
    """The look of a briefing in ``lang`` ("zh" or "en")."""
    return EN if lang == "en" else ZH


def set_fonts(rpr_parent, east_asia: str, latin: str = LATIN) -> None:
    """Declare the fonts of a style, run or docDefaults: ``w:eastAsia`` plus Latin ascii/hAnsi/cs, and drop
    the theme fonts (which would otherwise win over the names)."""
    rpr = rpr_parent.get_or_add_rPr() if hasattr(rpr_parent, "get_or_add_rPr") else rpr_parent
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        fonts.set(qn(attr), name)


def setup_page(section, look: Look) -> None:
    """A4 portrait with the GB/T 9704 margins (top 37, bottom 35, left 28, right 26 mm)."""
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(23)


def text_width(section):
    """The width between the margins (156 mm on A4 with GB/T 9704 margins)."""
    return section.page_width - section.left_margin - section.right_margin


def _defaults(document, look: Look) -> None:
    """docDefaults: the look's fonts instead of the template's theme fonts, Chinese as the East Asian
    language, no space after paragraphs."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, look.body)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN" if look is ZH else "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")


def _paragraph_style(document, name: str, font: str, size: float, *, bold=False, align=None,
                     line_pt=None, indent=False, look: Look = ZH):
    styles = document.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        style.base_style = styles["Normal"]
    set_fonts(style.element, font)
    style.font.size, style.font.bold, style.font.italic = Pt(size), bold, False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(0), Pt(0 if look.line_pt else 6)
    if line_pt:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(line_pt)
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    chars = look.indent_chars if indent else 0
    fmt.first_line_indent = Pt(chars * size)
    if look.indent_chars:  # in characters, which win over firstLine in Word and WPS (and are inherited)
        style.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(chars * 100))
    return style


def define_styles(document, look: Look) -> None:
    """Normal, Heading 1 and the briefing's own paragraph styles, all named in the document so a reader
    can restyle them in Word."""
    _defaults(document, look)
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    body = look.line_pt
    normal = _paragraph_style(document, "Normal", look.body, look.body_pt, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                              line_pt=body, indent=True, look=look)
    if not body:
        normal.paragraph_format.line_spacing = 1.15
    _paragraph_style(document, TITLE, look.title, look.title_pt, bold=look.title_bold, align=center,
                     line_pt=36 if body else None, look=look)
    _paragraph_style(document, SUBTITLE, look.subtitle, look.body_pt, align=center, line_pt=body,
                     look=look).paragraph_format.space_after = Pt(body or 12)  # a blank line before the text
    heading = _paragraph_style(document, "Heading 1", look.heading, look.heading_pt, bold=look.heading_bold,
                               line_pt=body, look=look)
    heading.paragraph_format.keep_with_next = True
    if not body:
        heading.paragraph_format.space_before = Pt(12)
    table_title = _paragraph_style(document, TABLE_TITLE, look.heading, look.table_title_pt, bold=look is EN,
                                   align=center, line_pt=body, look=look).paragraph_format
    table_title.keep_with_next, table_title.space_before = True, Pt(6)
    _paragraph_style(document, TABLE_TEXT, look.table, look.table_pt, look=look).paragraph_format.space_after = 0
    _paragraph_style(document, TABLE_NOTE, look.body, look.table_pt, line_pt=20 if body else None,
                     look=look).paragraph_format.space_after = Pt(6)
    _paragraph_style(document, PICTURE, look.body, look.body_pt, align=center,
                     look=look).paragraph_format.keep_with_next = True  # auto lines: a fixed pitch crops it
    _paragraph_style(document, CAPTION, look.heading, look.table_title_pt, bold=look is EN, align=center,
                     line_pt=body, look=look).paragraph_format.space_after = Pt(6)
    _paragraph_style(document, SIGNATURE, look.body, look.body_pt, align=right, line_pt=body, look=look)
    _paragraph_style(document, FOOTER, look.table, 14 if body else 10, align=center,
                     look=look)


def declare_fonts(document, look: Look) -> None:
    """Add the East Asian fonts to word/fontTable.xml with their fallback (w:altName) and the GB2312
    charset, so Word/WPS substitute a Chinese face when a font is missing."""
    part = next((p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = parse_xml(part.blob)
    known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, alt in FALLBACKS.items():
        if name not in known:
            root.append(parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                f'<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def add_field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A field (e.g. ``PAGE``) as begin/instr/separate/result/end runs, updated by Word when it lays out."""
    def char(kind):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def page_number_footer(section, look: Look) -> None:
    """Page numbers centred at the foot: "— 1 —" (GB/T 9704), or "1" in English."""
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = FOOTER
    if look.page_dashes:
        paragraph.add_run("— ")
    add_field(paragraph, "PAGE")
    if look.page_dashes:
        paragraph.add_run(" —")


def mark_row(row, header: bool = False) -> None:
    """Never split a table row across pages; a header row is also repeated at the top of every page."""
    tr_pr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader") if header else ("w:cantSplit",):
        tr_pr.append(OxmlElement(tag))


def drop_template_leftovers(document) -> None:
    """Drop python-docx template parts that would misdescribe the briefing: word/stylesWithEffects.xml
    (Word 2010's copy of the template's Calibri/theme styles) and the blank page's thumbnail."""
    for owner, suffix in ((document.part, "/stylesWithEffects"), (document.part.package, "/thumbnail")):
        for r_id, rel in list(owner.rels.items()):
            if rel.reltype.endswith(suffix):
                owner.rels.pop(r_id)
