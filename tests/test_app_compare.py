"""AppTest of the Compare view (对比): both languages, both modes, one language at a time, the figures the
library gives, and stores without streets or without tickets."""
from __future__ import annotations

from datetime import timedelta

import pytest

from civicdesk import store
from civicdesk.compare import compare, two_streets
from civicdesk.overview import default_week
from tests.language_check import language_problems
from tests.test_app_partial_store import centre_url, data_values, open_view, said


def charts(at) -> int:
    return len(at.get("vega_lite_chart"))


@pytest.mark.parametrize("lang, title, table", [("zh", "对比", "受理工单"), ("en", "Compare", "Tickets received")])
def test_two_streets_in_both_languages(monkeypatch, demo_store_url, lang, title, table):
    at = open_view(monkeypatch, demo_store_url, "compare", lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == title
    problems = language_problems(at, lang, data_values(demo_store_url))
    assert not problems, "\n".join(problems)
    assert charts(at) == 5  # shares, days to close, weekly volume, satisfaction, weekly rates
    engine = store.connect(demo_store_url)
    monday = default_week(engine)
    largest = store.dimension_values(engine, "street")[:2]
    expected = compare(engine, *two_streets(*largest, monday - timedelta(weeks=3), monday + timedelta(days=6)))
    engine.dispose()
    shown = at.dataframe[0].value
    assert shown[table].tolist() == [int(s.totals["received"]) for s in expected.sides]  # the two largest
    assert at.selectbox(key=f"cmp_street_a_{lang}").value == largest[0]
    assert len(at.get("download_button")) == 1


def test_one_street_in_two_periods(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "compare", "zh")
    at.radio(key="cmp_mode_zh").set_value("periods").run(timeout=300)
    at.radio(key="cmp_period_zh").set_value("week").run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    sides = at.dataframe[0].value["对比对象"].tolist()
    assert sides[0].startswith("本期（") and sides[1].startswith("上期（")
    assert "上期为本期之前相同天数的时段" in said(at, "caption")
    street = at.selectbox(key="cmp_street_zh")
    at = street.set_value(street.options[1]).run(timeout=300)
    assert not at.exception and charts(at) == 5
    assert not language_problems(at, "zh", data_values(demo_store_url))


def test_the_same_street_twice_is_refused(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "compare", "en")
    first = at.selectbox(key="cmp_street_a_en").value
    at.selectbox(key="cmp_street_b_en").set_value(first).run(timeout=300)
    assert "Choose two different streets." in said(at, "warning") and not at.dataframe


@pytest.mark.parametrize("lang, words", [("zh", ("只能对比全区的两个时段", "没有办结时间", "没有回访结果")),
                                         ("en", ("only two periods of the whole district", "no closing times",
                                                 "no callback results"))])
def test_a_store_without_streets_compares_two_periods(monkeypatch, demo_store_url, lang, words):
    url = centre_url("tipdm", demo_store_url)  # TipDM 智慧政务: no street, no callbacks
    at = open_view(monkeypatch, url, "compare", lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key=f"cmp_mode_{lang}").options == (["同一镇街两个时段"] if lang == "zh"
                                                        else ["One street in two periods"])
    assert words[0] in said(at, "info") and words[2] in said(at, "info")
    assert not language_problems(at, lang, data_values(url))


@pytest.mark.parametrize("centre", ["la311", "other_en"])
def test_other_centres_in_english(monkeypatch, demo_store_url, centre):
    url = centre_url(centre, demo_store_url)
    at = open_view(monkeypatch, url, "compare", "en")
    problems = language_problems(at, "en", data_values(url))
    assert not problems, "\n".join(problems)
    assert at.dataframe


def test_own_dates_on_five_days_of_data(monkeypatch, demo_store_url):
    url = centre_url("la311", demo_store_url)  # LA 311: five days, so four weeks reach before the data
    at = open_view(monkeypatch, url, "compare", "en")
    at.radio(key="cmp_period_en").set_value("custom").run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    first, last = at.date_input(key="cmp_dates").value
    assert (last - first).days <= 5 and at.dataframe


def test_an_empty_store_says_how_to_fill_it(monkeypatch, tmp_path):
    at = open_view(monkeypatch, f"sqlite:///{tmp_path / 'empty.db'}", "compare", "zh")
    assert not at.exception
    assert "数据库中还没有工单" in said(at, "info") and not at.dataframe
