"""The bundled Chinese fonts (civicdesk/fonts): a machine with no font at all still gets real Chinese glyphs.

The PDF and the PNG charts are drawn in a subprocess whose fontconfig lists only an empty folder (so
WeasyPrint, and vl-convert, which reads the same FONTCONFIG_FILE, find no installed font); the PDF checks
need poppler-utils (pdftotext, pdffonts) and skip with a message when it is absent, except in CI (CI=true),
where they fail.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from civicdesk import fonts
from civicdesk.briefing.html import briefing_html
from tests.test_briefing_html_pdf import SENTENCE, _embedded_fonts, _squash, make_briefing

ROOT = Path(__file__).resolve().parents[1]
OTF = sorted(f.file for f in fonts.FACES)


def _gb2312() -> set[str]:
    chars = set()
    for row in range(0xA1, 0xF8):
        for col in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, col)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} not installed (apt-get install poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI requires it")
        pytest.skip(message + "; PDF font checks skipped")


@pytest.fixture(scope="module")
def no_fonts_env(tmp_path_factory) -> dict[str, str]:
    """Environment whose fontconfig knows no font: FONTCONFIG_FILE lists one empty folder, caches in tmp."""
    base = tmp_path_factory.mktemp("nofonts")
    (base / "empty").mkdir()
    (base / "cache").mkdir()
    conf = base / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><dir>{base / 'empty'}</dir><cachedir>{base / 'cache'}</cachedir></fontconfig>\n",
                    encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FONTCONFIG", "XDG_"))}
    env.update(FONTCONFIG_FILE=str(conf), FONTCONFIG_PATH=str(base), XDG_CACHE_HOME=str(base / "cache"),
               XDG_DATA_HOME=str(base / "data"), XDG_CONFIG_HOME=str(base / "config"), PYTHONPATH=str(ROOT))
    if shutil.which("fc-list"):  # the premise: fontconfig really finds nothing
        listed = subprocess.run(["fc-list"], env=env, capture_output=True, text=True, check=True).stdout
        assert listed.strip() == "", listed
    return env


def _run(code: str, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


# --- the files ---------------------------------------------------------------------------------------------------

def test_bundled_fonts_are_found_and_cover_gb2312():
    folder = resources.files("civicdesk.fonts")
    names = {p.name for p in folder.iterdir()}
    assert set(OTF) | {"OFL.txt", "README.md"} <= names
    assert "SIL OPEN FONT LICENSE Version 1.1" in folder.joinpath("OFL.txt").read_text(encoding="utf-8")
    gb = _gb2312()
    assert len(gb) == 7445
    total = 0
    for face in fonts.FACES:
        total += face.path.stat().st_size
        font = TTFont(face.path, lazy=True)
        assert font["name"].getDebugName(1) == face.family and font["name"].getDebugName(6) == face.postscript
        assert font["OS/2"].usWeightClass == face.weight
        cmap = font.getBestCmap()
        missing = [c for c in gb if ord(c) not in cmap]
        assert not missing, "".join(missing[:40])
        assert all(ord(c) in cmap for c in "AZaz09，。、；：？！“”（）《》—…％０９")
    assert total < 10e6, total  # a few MB, not the 90 MB of the full collections


def test_font_files_are_package_data(tmp_path):
    """What `pip install` copies (setuptools' build_py, run by the wheel build) includes the fonts, and
    importlib.resources finds them in that copy."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "civicdesk", src / "civicdesk", ignore=shutil.ignore_patterns("__pycache__"))
    lib = tmp_path / "lib"
    out = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                          "--build-lib", str(lib)], cwd=src, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    code = ("import importlib.resources as r, civicdesk.fonts as f; "
            "print(f.__file__); print(sorted(p.name for p in r.files('civicdesk.fonts').iterdir()))")
    env = {**os.environ, "PYTHONPATH": str(lib)}
    found = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert found[0].startswith(str(lib)), found
    assert set(OTF) | {"OFL.txt", "README.md"} <= set(eval(found[1]))  # noqa: S307 - our own list literal


# --- PDF on a machine without fonts -------------------------------------------------------------------------------

def test_pdf_without_any_installed_font_embeds_the_bundled_cjk_font(no_fonts_env, tmp_path):
    needs("pdftotext")
    needs("pdffonts")
    path = tmp_path / "zh.pdf"
    _run("from tests.test_briefing_html_pdf import make_briefing\n"
         "from civicdesk.briefing.pdf import render_pdf\n"
         f"render_pdf(make_briefing('zh'), {str(path)!r})\n", no_fonts_env)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = _squash(text)
    zh = make_briefing("zh")
    assert _squash(SENTENCE) in flat
    for section in zh.sections:
        assert _squash(section.heading) in flat
        for paragraph in section.paragraphs:
            assert _squash(paragraph) in flat, paragraph
    assert "表1各街道受理情况" in flat and "图1近3周受理量" in flat and "—1—" in flat
    embedded = _embedded_fonts(path)
    # every font in the PDF is one of the bundled faces (nothing else exists for it)
    assert embedded and all(re.fullmatch(r"Noto-(Sans|Serif)-CJK-SC(-Bold)?", f) for f in embedded), embedded
    assert "Noto-Serif-CJK-SC" in embedded and "Noto-Sans-CJK-SC" in embedded
    # the chart's axis titles are bold sans: WeasyPrint drew the SVG text with the bundled font too
    assert "Noto-Sans-CJK-SC-Bold" in embedded, embedded
    assert "受理量" in text and "周" in text  # the chart's y and x axis titles


# --- PNG charts on a machine without fonts ------------------------------------------------------------------------

_PNG_CODE = r"""
import hashlib, json, vl_convert
from civicdesk.briefing import figures
from civicdesk.briefing.model import Figure

def spec(label):
    return {"data": {"values": [{"k": label, "v": 3}, {"k": "B", "v": 5}]}, "mark": "bar",
            "encoding": {"x": {"field": "k", "type": "nominal", "title": label},
                         "y": {"field": "v", "type": "quantitative", "title": label}},
            "width": 120, "height": 80}

labels = ("受理量", "办结率")
digest = lambda b: hashlib.sha256(b).hexdigest()
# before the bundled fonts are registered: vl-convert has no CJK font here, both labels draw the same
raw = [digest(vl_convert.vegalite_to_png({**spec(l), "config": {"font": figures.CHART_FONT}})) for l in labels]
bundled = [digest(figures.figure_png(Figure(l, l, spec(l)), scale=1.0)) for l in labels]
print(json.dumps({"raw": raw, "bundled": bundled}))
"""


def test_png_chart_draws_chinese_with_the_bundled_font(no_fonts_env):
    """Two charts that differ only in their Chinese labels: without a CJK font they come out identical
    (missing glyphs), with the bundled font registered they differ."""
    result = json.loads(_run(_PNG_CODE, no_fonts_env).strip().splitlines()[-1])
    assert result["raw"][0] == result["raw"][1], "the subprocess found a CJK font: the check would prove nothing"
    assert result["bundled"][0] != result["bundled"][1]


# --- HTML ---------------------------------------------------------------------------------------------------------

def _embedded(page: str) -> dict[str, TTFont]:
    faces = {}
    for rule in re.findall(r"@font-face \{[^}]*\}", page):
        family = re.search(r'font-family: "([^"]+)"', rule).group(1)
        weight = re.search(r"font-weight: (\d+)", rule).group(1)
        assert re.search(r'src: local\("[^"]+"\), local\("[^"]+"\), url\("data:font/woff2?;base64,', rule), rule
        data = re.search(r"base64,([A-Za-z0-9+/=]+)", rule).group(1)
        faces[f"{family} {weight}"] = TTFont(io.BytesIO(base64.b64decode(data)))
    return faces


def test_html_embeds_only_the_characters_it_uses():
    zh = make_briefing("zh")
    page = briefing_html(zh)
    faces = _embedded(page)
    assert set(faces) == {"Noto Serif CJK SC 400", "Noto Serif CJK SC 700", "Noto Sans CJK SC 400",
                          "Noto Sans CJK SC 700"}
    body = page[page.index("<body"):]
    text = re.sub(r"<[^>]*>", "", body)
    serif = faces["Noto Serif CJK SC 400"].getBestCmap()
    missing = {c for c in text if c.strip() and not c.isascii() and ord(c) not in serif}
    assert not missing, missing  # every character of the page (tags aside) is in the body face
    assert all(ord(c) in faces["Noto Sans CJK SC 400"].getBestCmap() for c in "一、总体情况表图受理量周")
    assert all(ord(c) in faces["Noto Serif CJK SC 700"].getBestCmap() for c in "社会治理综合服务中心工作周报")
    assert len(serif) < 400  # cut down, not the 8,115 characters of the bundled file
    fonts_bytes = sum(len(m) for m in re.findall(r"base64,[A-Za-z0-9+/=]+", page))
    assert fonts_bytes < 200_000, fonts_bytes


def test_english_html_embeds_no_font_and_pdf_css_points_at_the_files():
    assert "@font-face" not in briefing_html(make_briefing("en"))
    css = briefing_html(make_briefing("en"), for_print=True)
    urls = re.findall(r'url\("(file://[^"]+)"\)', css)
    assert len(urls) == 4
    for url in urls:
        assert Path(url.removeprefix("file://")).is_file(), url
