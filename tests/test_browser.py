"""One real-browser smoke test: start the app, open it in headless Chromium, check the Overview renders."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(demo_store_url, tmp_path):
    """The app on a private copy of the demo store (tests here import into it)."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    port = free_port()
    env = {**os.environ, "CIVICDESK_DB_URL": f"sqlite:///{copy}"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
                             "--server.port", str(port), "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the app did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    proc.wait(10)


@contextmanager
def chromium_page(height: int = 900):
    """A headless Chromium page and the console errors it collects (skips without Chromium, fails in CI)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI")
        pytest.skip("Chromium not installed (apt-get install chromium fonts-noto-cjk)")
    playwright = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": height})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page, errors
        browser.close()


def test_overview_renders_in_chromium(server, tmp_path):
    with chromium_page() as (page, errors):
        page.goto(server)
        page.get_by_text("共受理工单").first.wait_for(timeout=60_000)
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=30_000)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stMetric']").count() == 5
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    assert not errors, errors


def test_data_view_uploads_and_imports_in_chromium(server, tmp_path):
    """Upload a GBK CSV through the browser, check the preview, import it and read the report."""
    from tests.test_ingest_import import cn_rows, write_csv

    upload = write_csv(tmp_path / "上周工单导出.csv", cn_rows())
    with chromium_page(height=1400) as (page, errors):
        page.goto(server)
        page.get_by_text("共受理工单").first.wait_for(timeout=60_000)
        page.get_by_role("link", name="数据导入").click()
        page.locator("input[type='file']").set_input_files(str(upload))
        page.get_by_text("识别结果").first.wait_for(timeout=60_000)
        page.get_by_text("导入后的样子").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="开始导入").click()
        page.get_by_text("新增 8，更新 0，未变 0，隔离 6").first.wait_for(timeout=60_000)  # the report, after the rerun
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "data.png"), full_page=True)
    assert not errors, errors
