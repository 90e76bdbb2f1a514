"""AppTest of the Overview view in both languages, on an empty store and with a bad store URL."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py")


def run_app(monkeypatch, url: str, lang: str | None = None) -> AppTest:
    monkeypatch.setenv("CIVICDESK_DB_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if lang:
        at.sidebar.radio(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_view(monkeypatch, url: str, view: str, lang: str | None = None, timeout: int = 180) -> AppTest:
    """The app switched to ``views/<view>.py``, with no exception on the page."""
    at = run_app(monkeypatch, url, lang)
    at.switch_page(f"views/{view}.py").run(timeout=timeout)
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [t.value for t in at.title] + [s.value for s in at.subheader])


def test_overview_in_chinese(monkeypatch, demo_store_url):
    at = run_app(monkeypatch, demo_store_url)
    assert at.title[0].value == "总览"
    labels = [m.label for m in at.metric]
    assert labels == ["受理工单", "响应率", "办结率", "按时办结率", "满意率"]
    assert "共受理工单" in texts(at) and "各镇街情况" in texts(at)
    # The as-of week is the data's last complete week, not today's.
    assert at.sidebar.selectbox(key="week").value.isoformat() == "2023-06-19"  # 2023-06-30 is a Friday
    received = int(at.metric[0].value.replace(",", ""))
    assert received > 0
    table = at.dataframe[0].value
    assert table["受理工单"].sum() == received


def test_overview_in_english(monkeypatch, demo_store_url):
    at = run_app(monkeypatch, demo_store_url, lang="en")
    assert at.title[0].value == "Overview"
    assert [m.label for m in at.metric][-1] == "Satisfaction rate"
    assert "the centre received" in texts(at)


def test_filters_narrow_the_figures(monkeypatch, demo_store_url):
    at = run_app(monkeypatch, demo_store_url)
    everything = int(at.metric[0].value.replace(",", ""))
    at.sidebar.multiselect(key="categories").set_value(["供暖"]).run()
    assert not at.exception
    heating = int(at.metric[0].value.replace(",", ""))
    assert 0 < heating < everything
    at.sidebar.selectbox(key="week").set_value(at.sidebar.selectbox(key="week").options[3]).run()
    assert not at.exception


def test_the_chosen_week_and_filters_survive_a_visit_to_another_view(monkeypatch, demo_store_url):
    at = run_app(monkeypatch, demo_store_url)
    week = at.sidebar.selectbox(key="week")
    newest = week.value
    week.set_value(week.options[5]).run()
    chosen = at.sidebar.selectbox(key="week").value
    assert chosen != newest
    at.sidebar.multiselect(key="categories").set_value(["供暖"]).run()
    figure = at.metric[0].value
    at.switch_page("views/key_problems.py").run(timeout=180)
    assert not at.exception
    at.switch_page("views/overview.py").run(timeout=180)
    assert not at.exception
    assert at.sidebar.selectbox(key="week").value == chosen
    assert at.sidebar.multiselect(key="categories").value == ["供暖"]
    assert at.metric[0].value == figure


def test_a_week_still_being_handled_says_so(monkeypatch, demo_store_url):
    """The newest week's closure rates are low because its tickets are still within their limits: the
    Overview says so there, and not for a week long settled."""
    at = run_app(monkeypatch, demo_store_url)
    assert any("仍在办理时限内" in c.value for c in at.caption)
    week = at.sidebar.selectbox(key="week")
    week.set_value(week.options[4]).run()
    assert not at.exception
    assert not any("仍在办理时限内" in c.value for c in at.caption)


def test_empty_store_says_how_to_fill_it(monkeypatch, sqlite_url):
    at = run_app(monkeypatch, sqlite_url)
    assert any("civicdesk demo" in i.value for i in at.info)


def test_bad_store_url_gives_one_clear_sentence(monkeypatch):
    monkeypatch.setenv("CIVICDESK_DB_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and "无法打开数据库" in at.error[0].value
