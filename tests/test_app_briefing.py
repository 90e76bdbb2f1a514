"""AppTest of the Briefing view: pick a week, read the six sections, make the four files; English too; a format
that fails is named in the UI's language and the others are still offered."""
from __future__ import annotations

import logging
import re

import pytest

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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_formats_made_are_offered_and_the_failed_one_is_named(monkeypatch, demo_store_url, caplog, lang):
    """One format fails: the others are offered for download and the failure is said in the UI's language.

    The failure is the real PDF renderer's: the registry's PDF writer is wrapped to put a folder where the PDF
    goes first (the app renders into its own temporary folder, so the path cannot be blocked from outside)."""
    from civicdesk.briefing.render import WRITERS

    real_pdf = WRITERS["pdf"]

    def pdf_blocked_by_a_folder(briefing, path):
        path.mkdir()
        real_pdf(briefing, path)

    monkeypatch.setitem(WRITERS, "pdf", pdf_blocked_by_a_folder)
    at = open_view(monkeypatch, demo_store_url, "briefing", lang=lang)
    week = at.selectbox(key=f"br_week_{lang}")
    week.set_value(week.options[6]).run(timeout=180)  # a week no other test makes files of (they are shared)
    with caplog.at_level(logging.WARNING):
        at.button(key="br_make").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    warnings = [w.value for w in at.warning]
    if lang == "zh":
        assert labels == ["下载Word", "下载网页版", "下载Excel数据"]
        assert warnings == ["PDF版未能生成：服务器无法写入文件（磁盘可能已满，或没有写入权限）。"]
        assert "其余版本已生成，可在下方下载。" in [c.value for c in at.caption]
        assert not re.search(r"[A-Za-z]{4,}", warnings[0])  # no English word (PDF is the format's name)
    else:
        assert labels == ["Word (.docx)", "Web page (.html)", "Excel (.xlsx)"]
        assert warnings == ["The PDF version could not be made: the server could not write the file (the disk "
                            "may be full, or it may lack permission)."]
        assert "The other versions are ready to download below." in [c.value for c in at.caption]
        assert not re.search(r"[\u4e00-\u9fff]", warnings[0])
    # the library's own reason is in the log, not on the page
    logged = [r for r in caplog.records if "was not made" in r.getMessage()]
    assert logged and "Is a directory" in logged[0].getMessage()
    assert all("Is a directory" not in e.value for kind in (at.markdown, at.warning, at.caption) for e in kind)
