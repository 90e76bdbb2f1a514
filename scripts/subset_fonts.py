"""Regenerate the bundled CJK fonts in civicdesk/fonts/ from Debian's fonts-noto-cjk.

Usage (not run at install time; the generated files are committed):

    apt-get install -y fonts-noto-cjk
    .venv/bin/python scripts/subset_fonts.py [--source /usr/share/fonts/opentype/noto] [--out civicdesk/fonts]

Takes the Simplified Chinese face (font number 2 in each .ttc: JP, KR, SC, TC, HK, mono ...) of Noto Sans CJK
and Noto Serif CJK, Regular and Bold, and keeps only the characters of `charset()`: every character of
GB 2312 (its 6763 hanzi and 682 symbols, letters and full-width forms), ASCII, Latin-1, general punctuation,
CJK symbols and punctuation, full-width and half-width forms, arrows, mathematical operators, letterlike symbols,
enclosed alphanumerics, box drawing and geometric shapes; the vertical and the localised (JP/KR/TC) glyph
variants are left out. The family names stay those of the source font
(OFL 1.1; Noto declares no Reserved Font Name), so CSS `local("Noto Sans CJK SC")` finds a complete
installed copy first. Hinting is dropped (the briefing is printed or shown at screen sizes where the
unhinted CFF outlines look the same) and timestamps are kept, so the output is byte-for-byte the same
for the same source. Also writes OFL.txt (the licence stanza of the package's copyright file).
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto")
COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")

#: (output file, source .ttc, font number of the SC face in it)
FACES = (
    ("NotoSansCJKsc-Regular-GB2312.otf", "NotoSansCJK-Regular.ttc", 2),
    ("NotoSansCJKsc-Bold-GB2312.otf", "NotoSansCJK-Bold.ttc", 2),
    ("NotoSerifCJKsc-Regular-GB2312.otf", "NotoSerifCJK-Regular.ttc", 2),
    ("NotoSerifCJKsc-Bold-GB2312.otf", "NotoSerifCJK-Bold.ttc", 2),
)

#: Unicode blocks kept besides GB 2312.
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (· × ÷ ° ± é ...)
    (0x2000, 0x206F),  # general punctuation (— ‘ ’ “ ” … ‰ and the spaces d3-format uses)
    (0x2100, 0x214F),  # letterlike symbols (℃ № ...)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (− ≤ ≥ ...)
    (0x2460, 0x24FF),  # enclosed alphanumerics (① ...)
    (0x2500, 0x25FF),  # box drawing, block elements, geometric shapes
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width and half-width forms
)


#: OpenType features left out (see subset_face).
DROPPED_FEATURES = ("locl", "vert", "vrt2", "vkrn", "valt", "vpal", "vhal")


def gb2312() -> set[str]:
    """Every character of GB 2312 (rows 0xA1-0xF7, cells 0xA1-0xFE, as Python's gb2312 codec maps them)."""
    chars = set()
    for row in range(0xA1, 0xF8):
        for col in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, col)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def charset() -> set[int]:
    """The code points of the bundled fonts: GB 2312 plus RANGES."""
    points = {ord(c) for c in gb2312()}
    for lo, hi in RANGES:
        points.update(range(lo, hi + 1))
    return points


def subset_face(src: Path, number: int, dest: Path, unicodes: set[int]) -> None:
    font = TTFont(src, fontNumber=number, recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    # fontTools' default features, less the vertical ones (the briefing is set horizontally) and "locl": the
    # SC face's locl lookups reach the JP/KR/TC glyph variants, which would double the glyph count
    options.layout_features = [f for f in options.layout_features if f not in DROPPED_FEATURES]
    options.drop_tables += ["vhea", "vmtx", "VORG", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(dest)


def licence(copyright_file: Path) -> str:
    """The SIL OFL 1.1 text from the Debian copyright file (its "License: SIL-1.1" stanza)."""
    text = copyright_file.read_text(encoding="utf-8")
    match = re.search(r"^License: SIL-1\.1\n((?: .*\n)+)", text, flags=re.M)
    if match is None:
        raise SystemExit(f"no SIL-1.1 licence text in {copyright_file}")
    lines = [line[1:] for line in match.group(1).splitlines()]
    return "\n".join("" if line == "." else line for line in lines).strip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="folder of the Noto CJK .ttc files")
    parser.add_argument("--copyright", type=Path, default=COPYRIGHT, help="Debian copyright file with the OFL")
    parser.add_argument("--out", type=Path, default=ROOT / "civicdesk" / "fonts")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    unicodes = charset()
    for name, ttc, number in FACES:
        dest = args.out / name
        subset_face(args.source / ttc, number, dest, unicodes)
        digest = hashlib.sha256(dest.read_bytes()).hexdigest()[:16]
        print(f"{dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}: "
              f"{dest.stat().st_size / 1e6:.2f} MB sha256 {digest}")
    (args.out / "OFL.txt").write_text(licence(args.copyright), encoding="utf-8")
    print(f"{len(unicodes)} code points requested")
    return 0


if __name__ == "__main__":
    sys.exit(main())
