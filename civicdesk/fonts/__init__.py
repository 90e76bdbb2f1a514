"""The bundled Chinese fonts: subsets of Noto Sans CJK SC and Noto Serif CJK SC (SIL OFL 1.1).

Four faces (Sans/Serif × Regular/Bold), each cut to GB 2312 plus ASCII, Latin-1, punctuation, CJK symbols and
full-width forms by ``scripts/subset_fonts.py`` (see README.md here). They keep the family names of the
source fonts, so the briefing's font stacks name them as before ("Noto Serif CJK SC", "Noto Sans CJK SC"),
after the office fonts (仿宋_GB2312, 黑体 …); a machine with neither still draws real Chinese glyphs.

- `file_font_css` — ``@font-face`` rules with ``file://`` URLs into this folder, for WeasyPrint (the PDF),
  which loads them itself, so it works with an empty fontconfig.
- `embedded_font_css` — ``@font-face`` rules with ``data:`` URIs of subsets cut to the given characters,
  for the self-contained HTML (its CSP allows ``font-src data:``); ``local()`` comes first there.
- `FONT_DIR` — this folder, for vl-convert (`vl_convert.register_font_directory`) that draws the charts.
"""
from __future__ import annotations

import base64
import functools
import io
import logging
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: This folder, holding the .otf files (importlib.resources: also right for an installed wheel).
FONT_DIR = Path(str(resources.files(__name__)))


@dataclass(frozen=True)
class Face:
    family: str
    weight: int
    file: str
    postscript: str  # for CSS local(): a browser matches a full name or a PostScript name
    full_name: str

    @property
    def path(self) -> Path:
        return FONT_DIR / self.file


FACES = (
    Face("Noto Serif CJK SC", 400, "NotoSerifCJKsc-Regular-GB2312.otf", "NotoSerifCJKsc-Regular",
         "Noto Serif CJK SC"),
    Face("Noto Serif CJK SC", 700, "NotoSerifCJKsc-Bold-GB2312.otf", "NotoSerifCJKsc-Bold",
         "Noto Serif CJK SC Bold"),
    Face("Noto Sans CJK SC", 400, "NotoSansCJKsc-Regular-GB2312.otf", "NotoSansCJKsc-Regular",
         "Noto Sans CJK SC"),
    Face("Noto Sans CJK SC", 700, "NotoSansCJKsc-Bold-GB2312.otf", "NotoSansCJKsc-Bold", "Noto Sans CJK SC Bold"),
)

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"


def face(family: str, weight: int) -> Face:
    return next(f for f in FACES if f.family == family and f.weight == weight)


def _rule(f: Face, src: str) -> str:
    return (f'@font-face {{ font-family: "{f.family}"; font-style: normal; font-weight: {f.weight}; '
            f"src: {src}; }}")


def file_font_css() -> str:
    """``@font-face`` rules loading the bundled files by ``file://`` URL (for WeasyPrint).

    No ``local()`` here: WeasyPrint resolves ``local()`` to the font *file* and registers every face of it,
    and Debian's Noto CJK files are collections (JP, KR, SC, TC, HK faces in one .ttc), so the Japanese face
    could answer for "Noto Serif CJK SC". The bundled subset is the same design (SC glyphs), and a character
    outside it still falls back, per character, to any installed font that has it.
    """
    return "\n".join(_rule(f, f'url("{f.path.as_uri()}") format("opentype")') for f in FACES)


def _flavor() -> tuple[str | None, str, str]:
    """(fontTools flavor, CSS format, MIME type) of the embedded subsets: WOFF2 when brotli is importable,
    else WOFF (zlib, always there)."""
    try:
        import brotli  # noqa: F401
    except ImportError:
        return "woff", "woff", "font/woff"
    return "woff2", "woff2", "font/woff2"


_SUBSET_LOCK = threading.Lock()
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "BASE")


@functools.lru_cache(maxsize=64)
def subset_bytes(file: str, text: str, flavor: str | None) -> bytes:
    """The bundled face `file` cut to the characters of `text` (sorted, unique: the cache key), as
    `flavor` ("woff2", "woff" or None for plain OpenType). Cached: a briefing rendered again, or the same
    headings in next week's briefing, costs nothing."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    for name in ("fontTools", "fontTools.subset", "fontTools.ttLib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    font = TTFont(FONT_DIR / file, recalcTimestamp=False, recalcBBoxes=False)
    # No OpenType layout in the cut-down copy: Chinese text uses none of it by default, and decompiling the
    # GSUB/GPOS tables was half the time. Deleted before subsetting (the subsetter reads them otherwise).
    for tag in LAYOUT_TABLES:
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.notdef_outline = True
    options.layout_features = []
    options.desubroutinize = True  # faster here, and smaller once compressed
    options.flavor = flavor
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    with _SUBSET_LOCK:  # fontTools' subsetter is not documented as thread-safe; it is quick enough to serialise
        subsetter.subset(font)
        out = io.BytesIO()
        font.flavor = flavor
        font.save(out)
    return out.getvalue()


def embedded_font_css(texts: dict[tuple[str, int], str]) -> str:
    """``@font-face`` rules embedding each face as a ``data:`` URI cut to the characters it draws.

    `texts` maps (family, weight) to the text set in that face; a face with no text is left out. Each rule
    tries ``local()`` first (full name, then PostScript name), so a browser with the complete Noto CJK SC
    installed uses it and never decodes the subset; otherwise the embedded subset draws the text.
    """
    flavor, fmt, mime = _flavor()
    rules = []
    for f in FACES:
        chars = "".join(sorted(set(texts.get((f.family, f.weight), "")) - {"\n", "\r", "\t"}))
        if not chars.strip():
            continue
        data = base64.b64encode(subset_bytes(f.file, chars, flavor)).decode("ascii")
        rules.append(_rule(f, f'local("{f.full_name}"), local("{f.postscript}"), '
                              f'url("data:{mime};base64,{data}") format("{fmt}")'))
    return "\n".join(rules)
