"""Every view on stores built only from a centre's own exports (TipDM 智慧政务, LA 311, a synthetic other
centre with and without a channel column) and on the demo, in both languages: no exception, no message in
the wrong language (tests/language_check.py), and where an input is missing the view says what and how to
load it instead of drawing empty charts."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import centres
from civicdesk import store
from civicdesk.overview import default_week
from civicdesk.staffing.calibration_file import calibration_path, calibration_state, save_calibration
from civicdesk.staffing.config import Calibration
from tests.conftest import make_tickets
from tests.language_check import DataValues, hot_terms, language_problems, store_values, wrong_language

APP = str(Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py")
VIEWS = ("overview", "forecast", "staffing", "satisfaction", "key_problems", "briefing", "data")
CENTRES = ("demo", "tipdm", "la311", "other_zh", "other_en")
_DATA: dict[str, DataValues] = {}


def centre_url(name: str, demo_url: str) -> str:
    """The (read-only) store of a centre, built once per run; skips when its real data are absent."""
    if name == "demo":
        return demo_url
    try:
        return centres.built_sqlite(name)
    except centres.RealDataMissing as exc:
        pytest.skip(str(exc))


def data_values(url: str) -> DataValues:
    """The store's data texts (streets, categories, ticket texts, hot-topic terms) the language check leaves
    alone."""
    if url not in _DATA:
        engine = store.connect(url)
        _DATA[url] = store_values(engine, hot_terms(engine))
        engine.dispose()
    return _DATA[url]


def open_view(monkeypatch, url: str, view: str, lang: str) -> AppTest:
    """The app on `url`, in `lang`, switched to `views/<view>.py` (exceptions are left for the caller)."""
    monkeypatch.setenv("CIVICDESK_DB_URL", url)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    if lang != "zh":
        at.sidebar.radio(key="lang").set_value(lang).run()
    return at.switch_page(f"views/{view}.py").run(timeout=300)


def said(at: AppTest, *kinds: str) -> str:
    kinds = kinds or ("info", "warning", "error", "success", "caption", "markdown")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


DATA = DataValues.of(["Bulky Items", "WEST VALLEY", "临江街道", "住房保障咨询",
                      "临江街道幸福小区：反映噪声（一般事项），请尽快处理", "3号楼2单元漏水",
                      "Caller reports a broken streetlight near the park"])


@pytest.mark.parametrize("text, lang, wrong", [
    ("所选时段没有接通的回访。（negative dimensions are not allowed）", "zh", ["negative dimensions are not allowed"]),
    ("There are no tickets in the 4 week(s) before 2017-W52.", "zh",
     ["There are no tickets in the", "week(s) before"]),
    ("本部分暂无法生成：no recent tickets to take the mix of categories。", "zh",
     ["no recent tickets to take the mix of categories"]),
    ("可下载Word、PDF、网页和Excel版本，导出 CSV 或 XLSX 文件。", "zh", []),   # product names, one at a time
    ("在服务器命令行运行 `civicdesk staffing calibrate --if-missing`。", "zh", []),  # a command is code
    ("<h2 style='text-align:center'>工作周报</h2>", "zh", []),                       # markup
    ("其中Bulky Items 4,432件、WEST VALLEY 662件。", "zh", []),                       # data values
    ("AUC 0.825，McFadden R² 0.246，+1.5 pt", "zh", []),                            # statistics and units
    ("1. 来电人#1", "en", ["来电人"]),
    ("枣园（4 / 0.0）", "en", ["枣园（"]),
    ("In the week 30 Dec 2019, 临江街道 received 12 tickets: 住房保障咨询 8.", "en", []),  # data values
    ("- `OC0-000001` 03-04 09:12 临江街道幸福小区：反映噪声（一般事项），请尽快处理", "en", []),  # a ticket's text
    ("- `OC0-000002` 03-04 10:30 3号楼2单元漏水", "en", []),  # a ticket's text, split at its digits
    ("In the week 30 Dec 2019, 临江街道、住房保障咨询", "en", ["临江街道、住房保障咨询"]),  # values, joined in Chinese
    ("Tickets by 街道", "en", ["街道"]),                            # part of a data value is not data
    ("请尽快处理 within 3 days.", "en", ["请尽快处理"]),             # nor is a phrase of some ticket's text
    ("反映：Caller reports a broken streetlight", "zh", ["Caller reports a broken streetlight"]),  # ditto
    ("语言 / Language", "en", []),                                                    # the language switch
    ("Week on week", "en", []),
])
def test_the_language_check_itself(text, lang, wrong):
    assert [w.strip() for w in wrong_language(text, lang, DATA)] == wrong


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("centre", CENTRES)
def test_every_view_speaks_one_language(monkeypatch, demo_store_url, centre, view, lang):
    url = centre_url(centre, demo_store_url)
    at = open_view(monkeypatch, url, view, lang)
    problems = language_problems(at, lang, data_values(url))
    assert not problems, "\n".join(problems)
    assert at.title, "the view drew nothing"


# ------------------------------------------------------------------------------- what is missing, and how


@pytest.mark.parametrize("lang, words", [("zh", ("人员名册", "civicdesk import-reference roster")),
                                         ("en", ("Staff roster", "civicdesk import-reference roster"))])
def test_staffing_without_a_roster_says_how_to_load_it(monkeypatch, demo_store_url, lang, words):
    at = open_view(monkeypatch, centre_url("tipdm", demo_store_url), "staffing", lang)
    assert not at.exception
    assert all(w in said(at, "info") for w in words), said(at)
    assert not [b for b in at.button if b.key in ("sf_run", "sf_make_plan")]  # nothing to simulate


@pytest.mark.parametrize("lang, words", [("zh", ("回访记录", "civicdesk import-reference callbacks")),
                                         ("en", ("Callback results", "civicdesk import-reference callbacks"))])
@pytest.mark.parametrize("centre", ["la311", "other_zh"])
def test_satisfaction_without_callbacks_draws_no_chart(monkeypatch, demo_store_url, centre, lang, words):
    at = open_view(monkeypatch, centre_url(centre, demo_store_url), "satisfaction", lang)
    assert not at.exception
    assert all(w in said(at, "info") for w in words), said(at)
    assert not at.get("vega_lite_chart") and not at.warning and not at.error
    assert "%" not in said(at)  # no "60.000000%" axis, no rate of nothing


def test_forecast_on_five_days_says_the_history_is_too_short(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, centre_url("la311", demo_store_url), "forecast", "zh")
    assert "数据只有 5 天" in said(at, "info")
    assert at.button(key="fc_run").disabled and at.button(key="fc_warn").disabled
    at = open_view(monkeypatch, centre_url("la311", demo_store_url), "forecast", "en")
    assert "only 5 days" in said(at, "info")


def test_hot_topics_without_earlier_weeks_say_so(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, centre_url("la311", demo_store_url), "key_problems", "zh")
    assert "之前的4周没有工单" in said(at, "info"), said(at)
    at = open_view(monkeypatch, centre_url("la311", demo_store_url), "key_problems", "en")
    assert "The 4 weeks before the chosen week hold no tickets" in said(at, "info"), said(at)


def test_overview_names_what_the_exports_do_not_record(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, centre_url("tipdm", demo_store_url), "overview", "zh")
    assert "本库的工单未记录：镇街、签收时间（响应率）、回访结果（满意率）" in said(at, "caption")
    shown = {m.label: m.value for m in at.metric}
    assert shown["响应率"] == "—" and shown["满意率"] == "—" and shown["办结率"] != "—"
    assert "没有镇街信息" in said(at, "info") and not at.dataframe  # no one-row table of 未注明
    at = open_view(monkeypatch, centre_url("other_en", demo_store_url), "overview", "en")
    assert "the channel" in said(at, "caption") and "no breakdown by channel" in said(at, "info")


def test_key_problem_callers_are_named_in_english(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "key_problems", "en")
    options = at.selectbox(key="kp_pick").options
    assert any("Caller #" in o for o in options), options  # the demo has repeat callers: they are listed
    assert all("Caller #" in o for o in options if "来电人" in o or "Caller" in o)
    assert not any("来电人" in o for o in options)
    at = open_view(monkeypatch, demo_store_url, "key_problems", "zh")
    options = at.selectbox(key="kp_pick").options
    assert any("来电人#" in o for o in options), options
    assert not any("Caller" in o for o in options)


# --------------------------------------------------------------------------------- the default week


def test_overview_opens_on_the_last_week_of_ordinary_work_not_a_straggler(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'straggler.db'}"
    engine = store.connect(url)
    monday = pd.Timestamp("2024-03-04")
    rows = [{"created_at": monday + pd.Timedelta(days=d, hours=9 + i % 8), "street": "临江街道",
             "category": "住房保障咨询"} for d in range(28) for i in range(10)]
    rows.append({"created_at": monday + pd.Timedelta(days=41, hours=10), "street": "临江街道",
                 "category": "住房保障咨询"})  # a lone ticket on the Sunday two weeks after
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    assert default_week(engine) == (monday + timedelta(weeks=3)).date()
    at = open_view(monkeypatch, url, "overview", "zh")
    assert not at.exception
    assert at.sidebar.selectbox(key="week").value == (monday + timedelta(weeks=3)).date()
    assert "共受理工单70件" in said(at, "markdown") and "共受理工单0件" not in said(at)
    week = at.sidebar.selectbox(key="week")  # the straggler weeks can still be chosen, and say they are empty
    at = week.set_value(week.options[1]).run()
    assert "所选周没有工单" in said(at, "markdown") and not at.get("vega_lite_chart")


# ------------------------------------------------------------------- a calibration names the store it fits


@pytest.fixture
def demo_copy(demo_store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(tmp_path / "models"))  # this test's own calibration file
    copy = tmp_path / "demo.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def test_another_stores_calibration_is_not_used_and_can_be_replaced(monkeypatch, demo_copy):
    save_calibration(Calibration(availability={"明水街道": 0.4}, period=("2023-07-01", "2023-09-30"),
                                 store_id="another-store"))
    at = open_view(monkeypatch, demo_copy, "staffing", "en")
    assert "Not calibrated for this store" in said(at, "warning")
    at = open_view(monkeypatch, demo_copy, "staffing", "zh")
    warning = said(at, "warning")
    assert "模拟尚未按本数据库校准" in warning and "2023-07-01 至 2023-09-30" in warning
    assert "已按 2023-07-01" not in said(at)  # never "calibrated on" another store's tickets
    at = at.button(key="sf_calibrate").click().run(timeout=600)
    assert not at.exception and not at.error, said(at)
    assert "已按" in said(at, "success") and "模拟参数已按" in said(at, "caption")
    assert not at.warning or "模拟尚未按本数据库校准" not in said(at, "warning")
    engine = store.connect(demo_copy)
    assert calibration_state(engine, calibration_path()).status == "current"


def test_satisfaction_of_a_period_without_callbacks_draws_no_chart(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'early-callbacks.db'}"
    engine = store.connect(url)
    start = pd.Timestamp("2023-01-02 09:00")
    rows = [{"created_at": start + pd.Timedelta(days=d), "closed_at": start + pd.Timedelta(days=d, hours=30),
             "callback_result": ("satisfied", "unsatisfied", None)[d % 3] if d < 60 else None} for d in range(365)]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    at = open_view(monkeypatch, url, "satisfaction", "zh")  # the last quarter: no callback in it
    assert not at.exception
    assert "所选时段没有接通的回访" in said(at, "info") and not at.get("vega_lite_chart") and not at.warning
    at = at.radio(key="sat_period_zh").set_value("sat_all").run(timeout=300)
    assert not at.exception and at.get("vega_lite_chart")
    assert not language_problems(at, "zh", store_values(engine))


def test_briefing_of_an_empty_week_says_so(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'gap.db'}"
    engine = store.connect(url)
    monday = pd.Timestamp("2024-03-04")
    rows = [{"created_at": monday + pd.Timedelta(days=d, hours=10)} for d in [*range(14), *range(21, 35)]]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    for lang, words in (("zh", "所选周没有工单"), ("en", "The chosen week holds no tickets")):
        at = open_view(monkeypatch, url, "briefing", lang)
        box = at.selectbox(key=f"br_week_{lang}")
        at = box.set_value((monday + timedelta(weeks=2)).date()).run(timeout=300)  # the week without tickets
        assert not at.exception and words in said(at, "info"), said(at)
        assert not language_problems(at, lang, store_values(engine))
