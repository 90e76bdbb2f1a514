"""AppTest of the Data view: import a file from a server path, read the report, past imports, quality;
reference data and callbacks (templates, preview, import, report), the category editor, unknown streets."""
from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from civicdesk import ingest, store
from civicdesk.i18n import t
from civicdesk.store.categories import category_table
from tests.language_check import language_problems, store_values
from tests.test_app import run_app
from tests.test_ingest_import import NOW, cn_rows, write_csv

def open_data_view(monkeypatch, url: str, lang: str | None = None) -> AppTest:
    at = run_app(monkeypatch, url, lang)
    at.switch_page("views/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_import_from_server_path_with_report(monkeypatch, sqlite_url, tmp_path):
    path = write_csv(tmp_path / "工单导出.csv", cn_rows())
    at = open_data_view(monkeypatch, sqlite_url)
    assert at.title[0].value == "数据导入"
    # the localhost app acts as the machine's own user, an admin: the audit log is the fourth section
    assert at.radio(key="data_section").options == ["导入文件", "参考数据与回访", "分类", "导入记录", "数据质量",
                                                    "操作记录"]
    at.text_input(key="server_path").set_value(str(path)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "CSV · gb18030" in at.info[0].value and "12345" in at.info[0].value
    assert at.text_input(key="source").value == "12345"
    assert len(at.dataframe) >= 3  # raw rows, mapped rows, rows the sample would quarantine
    frames = [d.value for d in at.dataframe]
    raw = next(f for f in frames if "来电号码" in f.columns)
    mapped = next(f for f in frames if "渠道" in f.columns and "工单字段" not in f.columns)
    assert raw["来电号码"].iloc[0] == "138****5678" and raw["来电人"].iloc[0] == "张*"
    assert mapped["渠道"].iloc[0] == "12345热线" and mapped["回访结果"].iloc[0] == "满意"
    at.button(key="start_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "读取 14 行，新增 8，更新 0，未变 0，隔离 6" in at.success[0].value
    assert [m.label for m in at.metric] == ["读取行数", "新增", "更新", "未变", "隔离"]
    assert len(at.get("download_button")) == 1
    # the batch log and the quality summary of the store
    at.radio(key="data_section").set_value("batches_tab").run()
    batches = at.dataframe[0].value
    assert batches["文件名"].tolist() == [path.name] and batches["隔离"].tolist() == [6]
    at.radio(key="data_section").set_value("quality_tab").run()
    assert not at.exception, [e.value for e in at.exception]
    quality = at.dataframe[0].value
    assert quality["行数"].sum() == 8 and quality["缺来电人"].sum() == 4


def test_data_view_in_english_and_bad_files(monkeypatch, sqlite_url, tmp_path):
    at = open_data_view(monkeypatch, sqlite_url, lang="en")
    assert at.title[0].value == "Data"
    at.radio(key="data_section").set_value("batches_tab").run()
    assert any("No imports yet" in i.value for i in at.info)
    at.radio(key="data_section").set_value("import_tab").run()
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    at.text_input(key="server_path").set_value(str(image)).run()
    assert not at.exception
    assert at.error and "Cannot import" in at.error[0].value
    at.text_input(key="server_path").set_value(str(tmp_path / "missing.csv")).run()
    assert at.error and "No such file" in at.error[0].value


def test_upload_limit_is_set_and_stated(monkeypatch, sqlite_url):
    import tomllib

    from civicdesk.config import PROJECT_ROOT

    limit = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert limit == 200
    for lang, words in (("zh", f"不超过 {limit} MB"), ("en", f"Files up to {limit} MB")):
        uploader = open_data_view(monkeypatch, sqlite_url, lang).get("file_uploader")[0]
        assert words in uploader.proto.help and "civicdesk import" in uploader.proto.help
        assert uploader.proto.max_upload_size_mb == limit


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reference_data_templates_imports_and_quality(monkeypatch, sqlite_url, tmp_path, lang):
    engine = store.connect(sqlite_url)
    ingest.import_file(engine, write_csv(tmp_path / "工单.csv", cn_rows()), now=NOW)
    at = open_data_view(monkeypatch, sqlite_url, lang)
    at.radio(key="data_section").set_value("reference_tab").run()
    assert at.radio(key="ref_kind").options == [t(f"ref_kind_{k}", lang) for k in ingest.REFERENCE_KINDS]
    for kind in ("streets", "grids", "roster", "categories"):
        at.radio(key="ref_kind").set_value(kind).run()
        buttons = at.get("download_button")
        assert [b.proto.label for b in buttons] == [t("ref_template_xlsx", lang), t("ref_template_csv", lang)]
        path = tmp_path / ingest.template_name(kind, lang, "xlsx")
        path.write_bytes(ingest.template(kind, lang, "xlsx"))
        at.text_input(key=f"ref-path-{kind}").set_value(str(path)).run()
        assert not at.exception, [e.value for e in at.exception]
        columns = at.dataframe[0].value
        assert columns.columns.tolist() == [t("ref_field", lang), t("ref_column", lang)]
        at.button(key=f"ref-import-{kind}").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.success and t("import_done", lang).format(rows_read=1, inserted=1, updated=0, unchanged=0,
                                                            quarantined=0) == at.success[0].value, kind
        assert not language_problems(at, lang, store_values(engine))
    # a callbacks file without the columns it needs: said in the UI's language
    at.radio(key="ref_kind").set_value("callbacks").run()
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"a": ["1"], "b": ["2"]}).to_csv(bad, index=False)
    at.text_input(key="ref-path-callbacks").set_value(str(bad)).run()
    assert at.error and at.error[0].value.startswith(t("ref_missing_columns", lang).split("{")[0])
    assert not language_problems(at, lang, store_values(engine))
    # data quality: the streets the tickets name that the streets table lacks
    at.radio(key="data_section").set_value("quality_tab").run()
    assert not at.exception, [e.value for e in at.exception]
    unknown = next(d.value for d in at.dataframe if t("us_street", lang) in d.value.columns)
    expected = {"双山街道", "圣井街道", "埠村街道"} | (set() if lang == "zh" else {"明水街道"})
    assert set(unknown[t("us_street", lang)]) == expected
    assert at.warning and at.warning[0].value == t("unknown_streets_hint", lang)
    assert not language_problems(at, lang, store_values(engine))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_category_editor(monkeypatch, sqlite_url, tmp_path, lang):
    engine = store.connect(sqlite_url)
    at = open_data_view(monkeypatch, sqlite_url, lang)
    at.radio(key="data_section").set_value("categories_tab").run()
    assert at.info and at.info[0].value == t("cat_empty", lang)
    ingest.import_file(engine, write_csv(tmp_path / "工单.csv", cn_rows()), now=NOW)
    st.cache_data.clear()  # imported outside the app (the Data view's own imports clear the cache)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tree = category_table(engine)
    count = t("cat_count", lang).format(n=len(tree), top=int((tree["level2"] == "").sum()))
    assert any(c.value == count for c in at.caption), count
    assert at.button(key="cat-save").label == t("cat_save", lang)
    at.button(key="cat-save").click().run()  # nothing edited: nothing written
    assert at.success and at.success[0].value == t("cat_unchanged", lang)
    assert not language_problems(at, lang, store_values(engine))
