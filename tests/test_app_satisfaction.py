"""AppTest of the Satisfaction view: rates against target, driver effects, what-if sliders, both languages."""
from __future__ import annotations

import pytest
import streamlit as st

from tests.test_app import open_view


def open_satisfaction(monkeypatch, url, lang=None):
    st.cache_resource.clear()
    return open_view(monkeypatch, url, "satisfaction", lang)


def projected(at) -> tuple[float, float]:
    metric = next(m for m in at.metric if m.label in ("按模型估计的满意率", "Satisfaction as the model estimates it"))
    return float(metric.value.rstrip("%")), float(metric.delta.split()[0])


def test_satisfaction_view_in_chinese(monkeypatch, demo_store_url):
    at = open_satisfaction(monkeypatch, demo_store_url)
    assert at.title[0].value == "满意度"
    assert [m.label for m in at.metric] == ["当前满意率（模型）", "按模型估计的满意率"]
    assert any("AUC" in c.value for c in at.caption)
    rate, change = projected(at)
    assert change == 0.0
    at.select_slider(key="sat_close_zh").set_value(2).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    faster_rate, faster = projected(at)
    assert faster > 0 and faster_rate > rate
    at.slider(key="sat_repeat").set_value(50).run(timeout=120)
    both_rate, both = projected(at)
    assert both > faster  # fewer repeat callers on top of faster closing
    at.toggle(key="sat_all_terms").set_value(True).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]


def test_satisfaction_view_in_english_for_all_data(monkeypatch, demo_store_url):
    at = open_satisfaction(monkeypatch, demo_store_url, lang="en")
    assert at.title[0].value == "Satisfaction"
    at.radio(key="sat_period_en").set_value("sat_all").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert [m.label for m in at.metric] == ["Current rate (model)", "Satisfaction as the model estimates it"]
    assert any("callbacks" in c.value for c in at.caption)


def test_satisfaction_view_without_callbacks(monkeypatch, tmp_path):
    from civicdesk import store
    from tests.conftest import make_tickets

    url = f"sqlite:///{tmp_path / 'nocallbacks.db'}"
    engine = store.connect(url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets([{"created_at": f"2023-03-0{d} 09:00"} for d in range(1, 8)]))
    engine.dispose()
    at = open_satisfaction(monkeypatch, url)
    # no callback results at all: say what is missing and how to load it, and draw nothing
    assert any("还没有回访结果" in i.value and "回访记录" in i.value for i in at.info)
    assert not at.metric and not at.warning and not at.get("vega_lite_chart")


def test_what_if_is_said_to_be_an_association(monkeypatch, demo_store_url):
    at = open_satisfaction(monkeypatch, demo_store_url)
    assert any("不代表因果" in c.value for c in at.caption)
    at = open_satisfaction(monkeypatch, demo_store_url, lang="en")
    assert any("not a proven cause" in c.value for c in at.caption)
