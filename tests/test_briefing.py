"""The weekly briefing end to end: its numbers equal the KPI queries in every format, and thin weeks read honestly."""
from __future__ import annotations

import math
import re
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest
from docx import Document
from typer.testing import CliRunner

from civicdesk import store
from civicdesk.briefing import build_briefing, render
from civicdesk.briefing.formatting import cell
from civicdesk.cli import app
from civicdesk.geo import street_shapes
from civicdesk.kpi import kpi_table, totals
from tests.conftest import make_tickets

WEEK = "2023-W20"  # 2023-05-15 … 05-21: 19 weeks into the half-year test store


@pytest.fixture(scope="module")
def engine(demo_store_url):
    e = store.connect(demo_store_url)
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def briefing(engine):
    return build_briefing(engine, WEEK)


@pytest.fixture(scope="module")
def files(briefing, tmp_path_factory):
    folder = tmp_path_factory.mktemp("briefing")
    return {fmt: render(briefing, fmt, folder / f"b.{fmt}") for fmt in ("docx", "pdf", "html", "xlsx")}


def week_kpis(engine, by=()):
    frame = kpi_table(engine, "W", by, "2023-05-15", "2023-05-21")
    return totals(frame, by)


def all_text(b) -> str:
    return "\n".join([b.title, b.subtitle, *(p for s in b.sections for p in (s.heading, *s.paragraphs))])


def test_six_sections_with_the_stores_numbers(engine, briefing):
    assert [s.heading[:2] for s in briefing.sections] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    k = week_kpis(engine).iloc[0]
    assert briefing.numbers["received"] == k["received"]
    for rate in ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
        assert briefing.numbers[rate] == pytest.approx(k[rate])
    by_cat = week_kpis(engine, ("category",)).set_index("category")["received"]
    for category, n in by_cat.items():
        assert briefing.numbers[f"category:{category}"] == n
    opening = briefing.sections[0].paragraphs[0]
    assert opening.startswith(f"5月15日至5月21日一周，区社会治理综合服务中心接收工单{int(k['received'])}件，环比")
    top = by_cat.sort_values(ascending=False)
    assert f"其中，{top.index[0]}{top.iloc[0]}件" in opening
    assert "nan" not in all_text(briefing).lower()


def test_docx_tables_show_exactly_the_kpis(engine, briefing, files):
    doc = Document(str(files["docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert briefing.title in text and briefing.sections[0].paragraphs[0] in text
    by_cat = week_kpis(engine, ("category",)).set_index("category")
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "类别")
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    for category, row in by_cat.iterrows():
        assert rows[category][1] == cell(row["received"], "int")
        assert rows[category][4] == cell(row["received"] / by_cat["received"].sum(), "pct")


def test_xlsx_holds_the_kpis_as_numbers(engine, files):
    book = openpyxl.load_workbook(files["xlsx"])
    sheet = book["rates"]
    values = {r[0]: r[1] for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]}
    k = week_kpis(engine).iloc[0]
    assert values["响应率"] == pytest.approx(k["response_rate"], abs=0)
    assert values["满意率"] == pytest.approx(k["satisfaction_rate"], abs=0)
    streets = book["by_street"]
    got = {r[0]: r[1] for r in streets.iter_rows(min_row=3, values_only=True) if r[0]}
    want = week_kpis(engine, ("street",)).set_index("street")["received"]
    assert {s: got[s] for s in want.index} == want.to_dict()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf_text_has_the_chinese_sentences(briefing, files):
    text = subprocess.run(["pdftotext", str(files["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for sentence in (briefing.sections[0].paragraphs[0][:40], briefing.sections[1].paragraphs[0][:30]):
        assert re.sub(r"\s+", "", sentence) in flat


def test_html_is_one_self_contained_file(briefing, files):
    html = files["html"].read_text(encoding="utf-8")
    assert briefing.sections[0].paragraphs[0] in html
    assert not re.search(r"""(src|href)\s*=\s*["']https?://""", html)
    assert "<svg" in html


def test_week_without_tickets_is_a_clear_error(engine):
    with pytest.raises(ValueError, match="2024-W10 .* has no tickets"):
        build_briefing(engine, "2024-W10")


def test_first_week_says_there_is_nothing_to_compare(engine):
    b = build_briefing(engine, "2023-W01")
    text = all_text(b)
    assert "上周无数据，暂无环比" in text and "去年同期无可比数据" in text
    assert "暂无法生成" in b.sections[2].paragraphs[0]  # too early to forecast
    assert "nan" not in text.lower() and b.numbers["received_wow"] is None


def test_week_without_callbacks(tmp_path):
    engine = store.connect(f"sqlite:///{tmp_path / 'quiet.db'}")
    rows = [{"created_at": f"2023-03-{d:02d} 09:{m:02d}", "street": s} for d in range(1, 29)
            for m, s in enumerate(("明水街道", "双山街道", "圣井街道"))]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    b = build_briefing(engine, "2023-W12")
    text = all_text(b)
    # a store without any callback results says so and how to load them (not "too few this week")
    assert "数据中没有回访结果，满意率无法统计" in text
    assert "导入回访记录" in b.sections[5].paragraphs[0]
    assert "nan" not in text.lower()
    for fmt in ("docx", "xlsx", "html"):
        render(b, fmt, tmp_path / f"quiet.{fmt}")


def test_english_briefing(engine):
    b = build_briefing(engine, WEEK, lang="en")
    assert b.sections[0].heading == "1. Overview"
    assert b.sections[0].paragraphs[0].startswith("In the week 15 May – 21 May 2023 the centre received")
    assert not re.search(r"[\u4e00-\u9fff]", b.sections[1].paragraphs[0])  # no Chinese in the rates text


def test_cli_writes_every_format_and_fails_on_an_empty_week(demo_store_url, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["briefing", "--week", WEEK, "--format", "docx,xlsx", "--out", str(tmp_path),
                             "--db", demo_store_url])
    assert ok.exit_code == 0, ok.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".docx", ".xlsx"]
    empty = runner.invoke(app, ["briefing", "--week", "2024-W10", "--db", demo_store_url, "--out", str(tmp_path)])
    assert empty.exit_code == 1 and "has no tickets" in empty.output
    wrong = runner.invoke(app, ["briefing", "--format", "doc", "--db", demo_store_url])
    assert wrong.exit_code == 2


def test_each_format_it_can_when_one_fails(briefing, tmp_path):
    """A real failure, no mock: a folder stands where the PDF goes, so the PDF renderer cannot write it."""
    from civicdesk.briefing import failure_kind, render_all, render_each

    (tmp_path / f"briefing-{WEEK}-zh.pdf").mkdir()
    done = []
    rendered = render_each(briefing, tmp_path, progress=lambda f, fmt: done.append((f, fmt)))
    assert list(rendered.written) == ["docx", "html", "xlsx"] and list(rendered.failed) == ["pdf"]
    assert not rendered.ok and failure_kind(rendered.failed["pdf"]) == "write"
    assert all(p.is_file() and p.stat().st_size > 1000 for p in rendered.written.values())
    assert sorted(fmt for _, fmt in done) == ["docx", "html", "pdf", "xlsx"] and done[-1][0] == 1.0
    (tmp_path / "again" / "x.pdf").mkdir(parents=True)
    with pytest.raises(OSError):  # render_all still raises, after writing the others
        render_all(briefing, tmp_path / "again", formats=("pdf", "xlsx"), stem="x")
    assert (tmp_path / "again" / "x.xlsx").is_file()


def test_cli_writes_the_other_formats_and_exits_1_when_one_fails(demo_store_url, tmp_path):
    (tmp_path / f"briefing-{WEEK}-zh.pdf").mkdir()  # a real failure: the PDF's path is taken by a folder
    result = CliRunner().invoke(app, ["briefing", "--week", WEEK, "--format", "docx,pdf,xlsx", "--out", str(tmp_path),
                                      "--db", demo_store_url])
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [f"briefing-{WEEK}-zh.docx",
                                                                         f"briefing-{WEEK}-zh.xlsx"]
    assert "pdf: not written:" in result.output


def test_numbers_are_finite_or_missing(briefing):
    for name, value in briefing.numbers.items():
        assert value is None or (isinstance(value, (int, float)) and not (isinstance(value, float)
                                                                          and math.isinf(value))), name
    assert isinstance(briefing.tables()[0].frame, pd.DataFrame)


def test_redacted_briefing_masks_residents_words(engine):
    from civicdesk.briefing.signals import _hot_lines
    from civicdesk.drivers import hot_topics
    from civicdesk.privacy import mask

    hot = hot_topics(engine, WEEK, min_score=0.5, min_count=2)  # low bars: the small store has few hot terms
    plain, hidden = _hot_lines(hot, "zh"), _hot_lines(hot, "zh", redact=True)
    assert len(plain) > 0
    assert hidden["example"].tolist() == [mask(text) for text in plain["example"]]
    assert all(len(text) <= 8 for text in hidden["example"]) and (plain["example"].str.len() > 8).any()
    assert build_briefing(engine, WEEK, redact=True).numbers == build_briefing(engine, WEEK).numbers


def test_forecast_parts_are_plausible_on_a_short_history(briefing):
    """Half a year of data: the forecasts use only days with data (not zero-filled ones) and stay near the week."""
    assert briefing.numbers["warnings"] <= 5
    assert abs(briefing.numbers["forecast_next_week"] / briefing.numbers["received"] - 1) < 0.3


def test_a_second_process_builds_the_same_briefing(engine, briefing):
    """Sections 5 and 6 built in a forked process (the command line's way) read and count exactly as in one
    process (the app's way): same text, tables and numbers."""
    alone = build_briefing(engine, WEEK, processes=False)
    forked = build_briefing(engine, WEEK, processes=True)
    assert forked.numbers.keys() == alone.numbers.keys()
    for key, value in alone.numbers.items():
        same = (forked.numbers[key] == value or (isinstance(value, float) and math.isnan(value)
                                                 and math.isnan(forked.numbers[key])))
        assert same, (key, value, forked.numbers[key])
    assert all_text(forked) == all_text(alone)
    for a, b in zip(alone.sections, forked.sections):
        for ta, tb in zip(a.tables, b.tables):
            pd.testing.assert_frame_equal(ta.frame, tb.frame)


def test_the_second_process_is_used_only_where_forking_is_safe(engine, monkeypatch):
    import os
    import threading

    from civicdesk.briefing.build import _second_process

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert _second_process(engine) is True
    assert _second_process(store.create_engine("sqlite://")) is False  # in-memory: a new connection sees nothing
    monkeypatch.setenv("CIVICDESK_BRIEFING_PROCESSES", "0")
    assert _second_process(engine) is False
    monkeypatch.delenv("CIVICDESK_BRIEFING_PROCESSES")
    monkeypatch.setattr(threading, "active_count", lambda: 3)  # the app's server, a notebook kernel
    assert _second_process(engine) is False


def test_what_ifs_are_worded_as_associations(engine, briefing):
    """The satisfaction section states its what-if as a model's estimate of an association, not a promise."""
    zh = " ".join(briefing.sections[5].paragraphs)
    assert "3个工作日内办结" in zh
    assert "按模型估计" in zh and "可能" in zh and "不代表因果" in zh and "预计可" not in zh
    en = " ".join(build_briefing(engine, WEEK, lang="en").sections[5].paragraphs)
    assert "By the model's estimate" in en and "might" in en and "not a proven cause" in en
    assert "would move" not in en


def _map_features(figure) -> dict[str, dict]:
    return {f["street"]: f for layer in figure.spec["layer"] for f in layer.get("data", {}).get("values", [])
            if f.get("type") == "Feature" and "value" in f}


def test_section_one_carries_the_district_map_coloured_by_the_kpi_tables_figures(engine, briefing):
    figures = briefing.sections[0].figures
    assert [f.key for f in figures] == ["weekly_volume", "street_map"]
    assert figures[1].title == "图2 本周各镇街受理量分布"
    assert [f.title[:2] for f in briefing.figures()] == ["图1", "图2", "图3"]  # the rates' chart moves to 图3
    assert "（见图2）" in briefing.sections[0].paragraphs[1]
    features = _map_features(figures[1])
    table = week_kpis(engine, ("street",)).set_index("street")
    assert set(features) == set(street_shapes(engine).streets["street"]) and len(features) == 18
    for street, row in table.iterrows():
        assert features[street]["value"] == row["received"] == features[street]["received"]
        for rate in ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
            assert features[street][rate] == pytest.approx(row[rate], nan_ok=True)


def test_every_format_shows_the_map_under_its_caption(briefing, files):
    caption = "图2 本周各镇街受理量分布"
    assert caption in "\n".join(p.text for p in Document(str(files["docx"])).paragraphs)
    html = files["html"].read_text(encoding="utf-8")
    assert f"<figcaption>{caption}</figcaption>" in html and html.count("<svg") >= 3
    book = openpyxl.load_workbook(files["xlsx"])
    figures = book["图表"]
    assert len(figures._images) == len(briefing.figures())
    assert [c.value for c in figures["A"] if c.value] == [f.title for f in briefing.figures()]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(files["pdf"]), "-"], capture_output=True, text=True).stdout
        assert caption.replace(" ", "") in text.replace(" ", "")


def test_without_street_boundaries_there_is_no_map_and_the_figures_stay_numbered(no_shapes_url):
    e = store.connect(no_shapes_url)
    b = build_briefing(e, WEEK)
    e.dispose()
    assert [f.key for f in b.figures()] == ["weekly_volume", "rates_trend"]
    assert [f.title[:2] for f in b.figures()] == ["图1", "图2"] and "见图" not in b.sections[0].paragraphs[1]
