"""AppTest of the Staffing view: replay a month of history, plan the roster, save and compare scenarios,
in both languages, on a copy of the demo store (without a forecast by street and without a calibration)."""
from __future__ import annotations

import shutil
from datetime import date

import pytest
import streamlit as st

from tests.test_app import run_app

MONTH = (date(2023, 5, 1), date(2023, 5, 31))


@pytest.fixture
def demo_copy(demo_store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(tmp_path / "models"))  # no calibration: default parameters
    copy = tmp_path / "demo.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_staffing(monkeypatch, url, lang=None):
    at = run_app(monkeypatch, url, lang)
    return ok(at.switch_page("views/staffing.py").run())


def replay_month(at, pct: int = 0):
    """History as the source, one month, an optional volume change; then run the simulation."""
    at.radio(key="sf_source").set_value("history").run()
    at.date_input(key="sf_period").set_value(MONTH)
    at.slider(key="sf_pct").set_value(pct).run()
    return ok(at.button(key="sf_run").click().run())


def tables(at) -> list:
    """The tables shown, without the roster editor."""
    return [d.value for d in at.dataframe if "street" not in d.value.columns]


def charts(at) -> int:
    return len(at.get("vega_lite_chart"))


def test_renders_and_says_what_is_missing(monkeypatch, demo_copy):
    at = open_staffing(monkeypatch, demo_copy)
    assert at.title[0].value == "人员配置"
    infos = " ".join(i.value for i in at.info)
    assert "使用默认参数" in infos and "civicdesk staffing calibrate" in infos
    # no forecast by street: history is preselected, with the last full quarter of the data
    assert at.radio(key="sf_source").value == "history"
    assert at.date_input(key="sf_period").value == (date(2023, 4, 1), date(2023, 6, 30))
    assert "合计：网格员" in " ".join(c.value for c in at.caption)
    # choosing the forecast says there is none and how to make one, and nothing can be run
    ok(at.radio(key="sf_source").set_value("forecast").run())
    assert any("还没有按镇街的预测" in i.value for i in at.info)
    assert at.button(key="sf_run").disabled and at.button(key="sf_make_plan").disabled
    assert not at.error


@pytest.mark.parametrize("key", ["sf_tgt_close", "sf_tgt_sign", "sf_tgt_mediation"])
def test_targets_stop_short_of_100(monkeypatch, demo_store_url, key):
    at = open_staffing(monkeypatch, demo_store_url)
    slider = at.slider(key=key)
    assert (slider.value, slider.max) == (90, 99)
    assert "100%" in slider.help


def test_simulate_then_plan_and_copy_it_into_the_roster(monkeypatch, demo_copy):
    at = replay_month(open_staffing(monkeypatch, demo_copy))
    assert not at.error
    labels = [m.label for m in at.metric]
    assert labels == ["模拟工单", "一般件按时办结率", "一般件24小时签收率", "纠纷30日化解率", "网格员平均工作饱和度"]
    assert int(at.metric[0].value.replace(",", "")) > 1000
    assert at.metric[1].delta.endswith("个百分点")
    assert charts(at) == 3  # on time vs target, utilisation, backlog
    assert "模拟 2023-05-01 至 2023-05-31 受理的" in " ".join(c.value for c in at.caption)
    table = tables(at)[0]
    assert list(table.columns[:3]) == ["镇街", "工单总数", "按时办结率"] and len(table) == 18
    assert {b.label for b in at.get("download_button")} == {"下载模拟结果（CSV）", "下载模拟结果（Excel）"}
    ok(at.button(key="sf_make_plan").click().run())
    assert [m.label for m in at.metric][5:] == ["网格员合计（现有→需要）", "调解员合计（现有→需要）",
                                                "现有年人力成本", "方案年人力成本"]
    assert charts(at) == 6  # plus grid workers and mediators (now and needed) and the hotline acceptors
    now, needed = (int(v.replace(",", "")) for v in at.metric[5].value.split(" → "))
    assert at.success or at.warning  # either every target is reachable or the problems are listed
    ok(at.button(key="sf_copy_plan").click().run())
    totals = next(c.value for c in at.caption if "合计：网格员" in c.value)
    assert f"网格员 {needed:,} 人" in totals
    # the simulation ran on the old roster: it says so rather than pretending it is current
    assert any("设置已改动" in w.value for w in at.warning)
    ok(at.button(key="sf_reset_roster").click().run())
    assert f"网格员 {now:,} 人" in next(c.value for c in at.caption if "合计：网格员" in c.value)


def test_save_two_scenarios_and_compare(monkeypatch, demo_copy):
    at = replay_month(open_staffing(monkeypatch, demo_copy))
    at.text_input(key="sf_save_name").input("基线")
    ok(at.button(key="sf_save").click().run())
    assert any("情景已保存：基线" in s.value for s in at.success)
    at = replay_month(at, pct=50)
    at.text_input(key="sf_save_name").input("受理量+50%")
    ok(at.button(key="sf_save").click().run())
    ok(at.multiselect(key="sf_compare").set_value(["基线", "受理量+50%"]).run())
    table = tables(at)[-1]
    assert list(table.columns) == ["镇街", "基线", "受理量+50%", "Δ 受理量+50%"]
    assert len(table) == 18 and table["Δ 受理量+50%"].notna().all()
    assert any("Δ 列" in c.value for c in at.caption)
    # the default description records the settings
    saved = tables(at)[-2]
    assert list(saved.columns) == ["名称", "说明", "保存时间"]
    assert dict(zip(saved["名称"], saved["说明"])) == {"基线": "重演2023-05-01至2023-05-31",
                                                      "受理量+50%": "重演2023-05-01至2023-05-31，受理量+50%"}
    ok(at.selectbox(key="sf_compare_measure").set_value("utilisation").run())
    assert charts(at) == 4  # the three result charts and the comparison
    ok(at.selectbox(key="sf_delete_name").set_value("基线").run())
    ok(at.button(key="sf_delete").click().run())
    assert any("已删除情景：基线" in s.value for s in at.success)
    assert at.multiselect(key="sf_compare").options == ["受理量+50%"]
    assert at.multiselect(key="sf_compare").value == ["受理量+50%"]


def test_saving_needs_a_name(monkeypatch, demo_copy):
    at = replay_month(open_staffing(monkeypatch, demo_copy))
    ok(at.button(key="sf_save").click().run())
    assert any("请填写情景名称" in e.value for e in at.error)


def test_in_english_with_fixed_headcount(monkeypatch, demo_copy):
    at = open_staffing(monkeypatch, demo_copy, lang="en")
    assert at.title[0].value == "Staffing"
    ok(at.radio(key="sf_source").set_value("forecast").run())
    assert any("no forecast by street yet" in i.value for i in at.info)
    at = replay_month(at)
    assert [m.label for m in at.metric][:2] == ["Tickets simulated", "Closed on time"]
    assert tables(at)[0].columns[0] == "Street"
    at.checkbox(key="sf_fixed").check()
    ok(at.button(key="sf_make_plan").click().run())
    assert at.metric[-1].label == "Yearly cost of the plan"
    text = " ".join([m.value for m in at.markdown] + [i.value for i in at.info])
    assert "Suggested moves (grid workers)" in text
    assert not at.error


@pytest.mark.parametrize("lang, shown", [("zh", "无法完成：某街道缺少值班人员"), ("en", "Cannot do this: no duty staff")])
def test_library_errors_are_messages_not_tracebacks(monkeypatch, demo_copy, lang, shown):
    """A ValueError from the library (bilingual, "中文 / English") is shown in the chosen language."""
    import civicdesk.staffing

    def refuse(*args, **kwargs):
        raise ValueError("某街道缺少值班人员 / no duty staff")

    monkeypatch.setattr(civicdesk.staffing, "run_scenario", refuse)
    monkeypatch.setattr(civicdesk.staffing, "plan", refuse)
    at = replay_month(open_staffing(monkeypatch, demo_copy, lang))
    assert [e.value for e in at.error] == [shown]
    ok(at.button(key="sf_make_plan").click().run())
    assert [e.value for e in at.error] == [shown]
    assert not at.metric  # nothing half-drawn


def test_simulate_the_latest_forecast_at_p90(monkeypatch, demo_copy):
    from civicdesk import store
    from civicdesk.forecast.models import SeasonalNaive
    from civicdesk.forecast.runs import make_run

    make_run(store.connect(demo_copy), by=("street",), h=14, models=[SeasonalNaive()], n_windows=1)
    st.cache_data.clear()  # made outside the app, as a notebook would
    at = open_staffing(monkeypatch, demo_copy)
    assert at.radio(key="sf_source").value == "forecast"  # preselected once a forecast by street exists
    assert "预测覆盖 2023-07-01 至 2023-07-14，共 14 天" in " ".join(c.value for c in at.caption)
    # the volume change's dates follow the forecast's
    assert at.date_input(key="sf_vol_dates_2023-07-01_2023-07-14").value == (date(2023, 7, 1), date(2023, 7, 14))
    ok(at.button(key="sf_run").click().run())
    mean = int(at.metric[0].value.replace(",", ""))
    ok(at.radio(key="sf_quantile").set_value(0.9).run())
    assert any("设置已改动" in w.value for w in at.warning)
    ok(at.button(key="sf_run").click().run())
    assert not at.warning
    assert int(at.metric[0].value.replace(",", "")) > mean


def test_a_forecast_names_the_streets_carrying_a_backlog(monkeypatch, demo_copy):
    """A forecast is simulated from empty queues, so the view says which streets already hold far more open
    tickets than the others."""
    from civicdesk import store
    from civicdesk.forecast.models import SeasonalNaive
    from civicdesk.forecast.runs import make_run
    from tests.conftest import make_tickets

    engine = store.connect(demo_copy)
    waiting = [{"created_at": f"2023-06-{1 + k % 28:02d} 10:00", "street": "圣井街道"} for k in range(300)]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(waiting, source="backlog"))
    make_run(engine, by=("street",), h=14, models=[SeasonalNaive()], n_windows=1)
    st.cache_data.clear()
    at = open_staffing(monkeypatch, demo_copy)
    shown = [w.value for w in at.warning]
    assert any(w.startswith("积压提示：圣井街道（") and "只计预测期内的新增工单" in w for w in shown), shown
    assert not any("明水街道" in w for w in shown)
    at = open_staffing(monkeypatch, demo_copy, "en")
    assert any(w.startswith("Backlog: Shengjing") for w in (w.value for w in at.warning))


def test_an_unreadable_calibration_falls_back_to_defaults(monkeypatch, demo_copy, tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "staffing-calibration.json").write_text('{"availability": {}}', encoding="utf-8")
    at = replay_month(open_staffing(monkeypatch, demo_copy))
    said = [m.value for m in [*at.warning, *at.info]]  # the library may ignore an old file, or the view catch it
    assert any("默认参数" in m and "civicdesk staffing calibrate" in m for m in said)
    assert at.metric and not at.error
