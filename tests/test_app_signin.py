"""The app beyond localhost: a sign-in form first, wrong passwords refused, and each role sees what it may do."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from civicdesk import store
from civicdesk.accounts import add_user
from tests.test_app import APP

PASSWORD = "correct horse battery"


@pytest.fixture
def served(demo_store_url, tmp_path, monkeypatch):
    import shutil
    copy = tmp_path / "store.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = store.connect(url)
    for role in ("viewer", "leader", "analyst", "admin"):
        add_user(engine, role, role, PASSWORD)
    engine.dispose()
    monkeypatch.setenv("CIVICDESK_DB_URL", url)
    monkeypatch.setenv("CIVICDESK_REQUIRE_SIGNIN", "1")
    return url


def signed_in(name: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert [b.label for b in at.button] == ["登录"] and not at.metric  # nothing shown before signing in
    at.text_input(key="si_name").set_value(name)
    at.text_input(key="si_password").set_value(password)
    at.button[0].click().run()
    return at


def test_wrong_password_is_refused(served):
    at = signed_in("viewer", "not the password")
    assert any("用户名或密码错误" in e.value for e in at.error)
    assert not at.metric


def test_viewer_reads_but_cannot_import_or_fit(served):
    at = signed_in("viewer")
    assert not at.exception, [e.value for e in at.exception]
    assert any("当前用户：viewer（查看）" in c.value for c in at.sidebar.caption)
    assert len(at.metric) == 5  # the Overview
    at.switch_page("views/data.py").run()
    assert "导入文件" not in at.radio(key="data_section").options
    assert any("分析员" in i.value for i in at.info)
    at.switch_page("views/forecast.py").run()
    assert at.button(key="fc_run").disabled


SECTIONS = ["导入文件", "参考数据与回访", "分类", "导入记录", "数据质量"]


@pytest.mark.parametrize("role, sections", [("analyst", SECTIONS), ("admin", [*SECTIONS, "操作记录"])])
def test_analyst_imports_and_admin_reads_the_audit_log(served, role, sections):
    at = signed_in(role)
    at.switch_page("views/data.py").run()
    assert at.radio(key="data_section").options == sections
    if role == "admin":
        at.radio(key="data_section").set_value("audit_tab").run()
        assert not at.exception, [e.value for e in at.exception]
        log = at.dataframe[0].value
        assert {"sign_in", "add_user"} <= set(log["action"])


def test_sign_out(served):
    at = signed_in("leader")
    at.sidebar.button(key="sign_out").click().run()
    assert [b.label for b in at.button] == ["登录"]
