"""Every view's URL opens that view (app/urls.py): the server's redirects, the router's switch to the view a
redirected deep link names, and `streamlit run` serving the routes. The browser side is in
tests/test_browser_views.py (`test_every_view_opens_at_its_own_url`)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import APP

sys.path.insert(0, str(Path(APP).parent))

import urls  # noqa: E402


def routed(monkeypatch, url: str, query: dict[str, str]) -> AppTest:
    monkeypatch.setenv("CIVICDESK_DB_URL", url)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("view", "title"), [("satisfaction", "满意度"), ("key-problems", "重点问题"),
                                             ("data", "数据导入")])
def test_a_redirected_deep_link_opens_its_view(monkeypatch, demo_store_url, view, title):
    at = routed(monkeypatch, demo_store_url, {urls.QUERY: view, "keep": "1"})
    assert at.title[0].value == title
    assert urls.QUERY not in at.query_params and at.query_params["keep"] == "1"


@pytest.mark.parametrize("view", ["overview", "no-such-view"])
def test_the_default_view_or_an_unknown_name_opens_the_overview(monkeypatch, demo_store_url, view):
    at = routed(monkeypatch, demo_store_url, {urls.QUERY: view})
    assert at.title[0].value == "总览"
    assert urls.QUERY not in at.query_params


def test_every_views_path_redirects_to_the_root():
    import asyncio

    import httpx
    from starlette.applications import Starlette

    async def locations(paths):
        transport = httpx.ASGITransport(app=Starlette(routes=urls.routes()))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            answers = [await client.get(p, follow_redirects=False) for p in paths]
        assert {a.status_code for a in answers} == {307}
        return [a.headers["location"] for a in answers]

    paths = [path for *_, path in urls.VIEWS]
    assert paths == ["overview", "compare", "forecast", "staffing", "satisfaction", "key-problems", "briefing", "data"]
    assert asyncio.run(locations([f"/{p}?week=2023-06-19" for p in paths] + ["/overview"])) == [
        "./?week=2023-06-19", *(f"./?view={p}&week=2023-06-19" for p in paths[1:]), "./"]


def test_streamlit_run_serves_the_routes():
    """`streamlit run app/streamlit_app.py` serves the file's st.App (so the redirects above) only when it
    finds one there."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(APP))
    assert found.is_asgi_app and found.import_string == "streamlit_app:app"
