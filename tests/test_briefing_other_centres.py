"""The weekly briefing on other centres' stores (tests/centres.py): built for the default week in both
languages and rendered in all four formats, one language at a time and never "nan"."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import centres
from civicdesk import store
from civicdesk.briefing import build_briefing, render_all
from civicdesk.drivers import extract_site, hot_topics
from civicdesk.i18n import kpi_label
from civicdesk.kpi import data_coverage
from civicdesk.overview import default_week

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e\u3001\u3002]+")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’\-]*){2,}")
NAN = re.compile(r"(?<![A-Za-z])nan(?![A-Za-z])", re.IGNORECASE)
#: Latin words a Chinese briefing may hold (units, product names).
LATIN_OK = {"app", "p90", "pdf", "excel", "word"}


def _data_values(engine, week) -> set[str]:
    """Data values the briefing may quote in either language, each exactly: streets, categories and
    subcategories; the places read from descriptions (a key problem's label); the week's hot terms and the
    example tickets quoted with them."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT DISTINCT street, category, subcategory FROM tickets").all()
        words = pd.Series(conn.exec_driver_sql("SELECT DISTINCT description FROM tickets").scalars().all(),
                          dtype=object)
    values = {str(v) for row in rows for v in row if v}
    values |= set(extract_site(words).dropna())
    try:
        hot = hot_topics(engine, week)
    except ValueError:  # no weeks before it: the briefing quotes no hot term either
        return values
    return values | set(hot.terms["term"]) | set(hot.examples["description"].dropna())


def _texts(briefing) -> list[str]:
    """Every sentence, heading, caption, table header, note and text cell of the briefing."""
    out = [briefing.title, briefing.subtitle, briefing.issuer, briefing.issued]
    for section in briefing.sections:
        out += [section.heading, *section.paragraphs, *(f.title for f in section.figures)]
        for table in section.tables:
            out += [table.title, table.note, *map(str, table.frame.columns)]
            for col in table.frame.columns:
                if table.formats.get(col, "text") == "text":
                    out += [str(v) for v in table.frame[col] if isinstance(v, str)]
    return [t for t in out if t]


def wrong_language(text: str, lang: str, data: set[str]) -> list[str]:
    """Runs of `text` in the other language that are not, each as a whole, one of the data values."""
    if lang == "en":
        return [run for run in CJK.findall(text) if run not in data]
    runs = LATIN_RUN.findall(text)
    return [run for run in runs if run not in data and not {w.lower() for w in re.split(r"[ ,;:]+", run)} <= LATIN_OK]


@pytest.mark.parametrize("text, lang, wrong", [
    ("Hot topics: “地下车库” this week", "en", []),
    ("Hot topics: 地下车库积水 this week", "en", ["地下车库积水"]),  # a data word inside a sentence: not data
    ("本周热点：Bulky Items Pickup", "zh", []),
    ("本周热点：the bulky items pickup rose", "zh", ["the bulky items pickup rose"]),
])
def test_wrong_language_accepts_only_whole_data_values(text, lang, wrong):
    assert wrong_language(text, lang, {"地下车库", "Bulky Items Pickup"}) == wrong


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_briefing_builds_and_renders(centre, lang, tmp_path):
    name, engine = centre
    week = default_week(engine)
    briefing = build_briefing(engine, week, lang, processes=False)
    assert [s.key for s in briefing.sections] == ["overview", "rates", "signals", "key_problems", "outlook",
                                                  "satisfaction"]
    data = _data_values(engine, week)
    problems = [(text, wrong_language(text, lang, data)) for text in _texts(briefing)]
    assert [p for p in problems if p[1]] == []
    assert not [t for t in _texts(briefing) if NAN.search(t)]
    coverage = data_coverage(engine)
    streets = [t for t in briefing.tables() if t.key == "by_street"]
    assert len(streets) == int(coverage.streets)  # no street table when the export names no street
    if not coverage.streets:  # the targets are judged for the district, not for one "unspecified street"
        target_line = briefing.sections[1].paragraphs[1]
        assert ("个镇街" not in target_line) if lang == "zh" else ("street" not in target_line), target_line
    for table in streets:  # a rate the store cannot measure is "—" there, as in the text, never 0%
        for rate in ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
            if not coverage.measures(rate):
                assert table.frame[kpi_label(rate, lang)].isna().all(), rate
    formats = ("docx", "html", "xlsx", "pdf")  # the PDF's Chinese comes from the bundled font
    paths = render_all(briefing, tmp_path, formats=formats)
    assert all(paths[f].stat().st_size > 1000 for f in formats)
    html = paths["html"].read_text(encoding="utf-8")
    assert not NAN.search(re.sub(r"<[^>]+>|data:[^\"')]+", " ", html))


def test_long_taxonomy_is_shortened_and_said(tmp_path):
    engine = store.connect(centres.built_sqlite("other_zh"))
    briefing = build_briefing(engine, default_week(engine), "zh", processes=False)
    table = briefing.tables()[0]
    assert table.key == "by_category" and len(table.frame) == 13  # 12 categories and the merged rest
    assert table.frame.iloc[-1, 0].startswith("其余") and "合并为一行" in table.note
    rates = " ".join(briefing.sections[1].paragraphs)
    assert "响应率无法统计" in rates and "响应率0.0%" not in rates  # no signing times: said, not shown as 0%
    outlook = " ".join(briefing.sections[4].paragraphs)
    assert "人员名册" in outlook and "无需增配" not in outlook  # no roster: no staffing verdict
    hot = briefing.sections[2].paragraphs[1]
    assert "地下车库" in hot


def test_other_centre_without_channel_in_english():
    engine = store.connect(centres.built_sqlite("other_en"))
    briefing = build_briefing(engine, default_week(engine), "en", processes=False)
    first = briefing.sections[0].paragraphs[0]
    assert "do not record the channel" in first and "By channel" not in first
    assert briefing.tables()[0].frame.iloc[0, 0].isascii()  # English category names from the categories table
    sat = " ".join(briefing.sections[5].paragraphs)
    assert "callbacks this quarter" in sat and "left out" in sat
