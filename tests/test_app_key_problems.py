"""AppTest of the Key-problems view: the ranked list, an entry's history, the week's hot topics, both languages."""
from __future__ import annotations

import datetime as dt

from tests.test_app import open_view


def test_key_problem_list_and_history(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "key_problems")
    assert at.title[0].value == "重点问题"
    assert any("达到列入条件" in m.value for m in at.markdown)
    listed = at.dataframe[0].value
    assert list(listed.columns)[:3] == ["排序", "类型", "条目"]
    assert listed["排序"].tolist() == sorted(listed["排序"].tolist())
    assert not listed["条目"].str.contains("[0-9a-f]{16}", regex=True).any()  # never a caller key
    history = at.dataframe[1].value
    assert "相关工单" in history.columns and len(history) >= 3
    assert (history["在清单中"] == "★").sum() >= 1  # the ticket that put the entry on the list is marked
    second = at.selectbox(key="kp_pick").options[1]
    at.selectbox(key="kp_pick").set_value(at.selectbox(key="kp_pick").options[1]).run(timeout=120)
    assert not at.exception and second


def test_stricter_list_is_shorter(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "key_problems")
    first = at.markdown[0].value
    at.number_input(key="kp_min").set_value(6).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    n = lambda text: int(text.split("共有")[1].split("个")[0])  # noqa: E731
    assert n(at.markdown[0].value) < n(first)


def test_hot_topics_in_english(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "key_problems", lang="en")
    assert at.title[0].value == "Key problems"
    weeks = at.selectbox(key="kp_week_en").options
    assert len(weeks) == 12
    at.radio(key="kp_level_en").set_value("street").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]


def test_date_before_the_data_is_explained(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "key_problems")
    at.date_input(key="kp_as_of").set_value(dt.date(2020, 1, 1)).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert at.warning or at.info


def _maps(at) -> list[dict]:
    import json

    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    return [s for s in specs if "projection" in s]


def test_repeated_places_are_points_on_the_district_map(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "key_problems")
    (district,) = _maps(at)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in district["layer"]]
    assert marks[0] == "geoshape" and "circle" in marks
    assert any("圆点为重复诉求地点" in c.value for c in at.caption)


def test_without_boundaries_the_map_is_omitted_with_a_note(monkeypatch, no_shapes_url):
    for lang, note in (("zh", "尚未载入镇街边界"), ("en", "No street boundaries are loaded")):
        at = open_view(monkeypatch, no_shapes_url, "key_problems", lang=lang)
        assert not at.exception and not _maps(at)
        assert any(note in c.value for c in at.caption)
