"""AppTest of the Briefing view: pick a week, read the six sections, make the four files; English too."""
from __future__ import annotations

from tests.test_app import open_view


def test_briefing_preview_and_files(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "briefing")
    assert at.title[0].value == "周报"
    headings = [h.value for h in at.subheader]
    assert [h for h in headings if h[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")] == [
        "一、总体情况", "二、三率完成情况", "三、预警与热点", "四、重点问题清单", "五、下周预测与力量建议", "六、满意度分析"]
    assert any("区社会治理综合服务中心接收工单" in m.value for m in at.markdown)
    at.selectbox(key="br_week_zh").set_value(at.selectbox(key="br_week_zh").options[3]).run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="br_make").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载Word", "下载PDF", "下载网页版", "下载Excel数据"]


def test_briefing_in_english(monkeypatch, demo_store_url):
    at = open_view(monkeypatch, demo_store_url, "briefing", lang="en")
    assert at.title[0].value == "Briefing"
    assert "1. Overview" in [h.value for h in at.subheader]
