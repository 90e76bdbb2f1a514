"""Streamlit caching never shows one user's filtered data to another.

All sessions of one Streamlit server share `st.cache_data`, so a cached function whose key missed an
argument that changes its result would hand session B what session A filtered. Two AppTest sessions run
in this process share that cache the same way. A static check of app/cached.py covers every function.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from civicdesk import store
from civicdesk.overview import overview
from tests.test_app import APP

APP_DIR = Path(APP).parent
CACHED = APP_DIR / "cached.py"
#: Leading-underscore arguments (kept out of cache keys) may only be these: never data, never a filter.
UNKEYED = {"_engine"}
#: Arguments a hand-made cache may leave out of its key: the engine (the URL stands for it) and callbacks.
NOT_IN_KEY = {"_engine", "progress"}
#: Inside a cached function these would change the result without changing the key.
HIDDEN_INPUTS = {"session_state", "config", "os", "environ", "current_engine", "today", "now", "getenv",
                 "query_params", "context", "current_user"}


def _session(monkeypatch, url: str, street: str | None = None) -> AppTest:
    monkeypatch.setenv("CIVICDESK_DB_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if street is not None:
        at.sidebar.multiselect(key="streets").set_value([street]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _received(at: AppTest) -> int:
    return int(at.metric[0].value.replace(",", ""))


@pytest.fixture(scope="module")
def truth(demo_store_url):
    """Unfiltered and one-street figures of the default week, straight from the library."""
    engine = store.connect(demo_store_url)
    everything = overview(engine)
    street = everything.by_street["street"].iloc[1]
    one = overview(engine, everything.week_start, streets=[street])
    engine.dispose()
    return {"street": street, "all": int(everything.this_week["received"]),
            "one": int(one.this_week["received"]), "streets_all": len(everything.by_street)}


@pytest.mark.parametrize("filtered_first", [True, False], ids=["filtered-first", "unfiltered-first"])
def test_two_sessions_see_their_own_overview(monkeypatch, demo_store_url, truth, filtered_first):
    st.cache_data.clear()
    if filtered_first:
        a = _session(monkeypatch, demo_store_url, truth["street"])
        b = _session(monkeypatch, demo_store_url)
    else:
        b = _session(monkeypatch, demo_store_url)
        a = _session(monkeypatch, demo_store_url, truth["street"])
    assert 0 < truth["one"] < truth["all"]
    assert _received(a) == truth["one"] and _received(b) == truth["all"]
    assert list(a.dataframe[0].value.iloc[:, 0]) != [] and len(a.dataframe[0].value) == 1
    assert len(b.dataframe[0].value) == truth["streets_all"]
    # Interleaved reruns: each keeps its own figures while the other changes its filters.
    a.run()
    b.sidebar.multiselect(key="streets").set_value([truth["street"]]).run()
    assert _received(b) == truth["one"]
    b.sidebar.multiselect(key="streets").set_value([]).run()
    a.run()
    assert _received(a) == truth["one"] and _received(b) == truth["all"]
    assert not a.exception and not b.exception


def _cached_functions() -> list[tuple[ast.FunctionDef, str | None]]:
    """(function, decorator) for every function in app/cached.py; decorator is "cache_data",
    "cache_resource" or None."""
    tree = ast.parse(CACHED.read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            kinds = [d.func.attr if isinstance(d, ast.Call) else getattr(d, "attr", None) for d in node.decorator_list]
            out.append((node, next((k for k in kinds if k in ("cache_data", "cache_resource")), None)))
    return out


def _params(fn: ast.FunctionDef) -> list[str]:
    """Every parameter's name, `*args` and `**kwargs` included (a hand-made cache must key on them too)."""
    rest = [a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None]
    return [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs] + rest


def test_every_cached_function_keys_on_what_changes_its_result():
    """Arguments starting with '_' (left out of the key) are only the engine, which always comes with its URL;
    hand-made caches key on every argument but the engine and callbacks; no cached body reads state that is
    not an argument (session state, the signed-in user, settings, the clock)."""
    decorated = 0
    for fn, kind in _cached_functions():
        params = _params(fn)
        names = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | \
                {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)}
        if kind is not None:
            decorated += 1
            hidden = [p for p in params if p.startswith("_")]
            assert set(hidden) <= UNKEYED, f"{fn.name}: unkeyed arguments {hidden}"
            assert not hidden or "url" in params, f"{fn.name} takes an engine but not the store URL"
            assert not names & HIDDEN_INPUTS, f"{fn.name} reads {names & HIDDEN_INPUTS}, which is not in its key"
        keys = [n for n in ast.walk(fn) if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "key" for t in n.targets)]
        if keys:  # a hand-made cache (a dict kept with st.cache_resource)
            keyed = {n.id for n in ast.walk(keys[0].value) if isinstance(n, ast.Name)}
            assert keyed == set(params) - NOT_IN_KEY, f"{fn.name}: key {keyed} vs arguments {params}"
            assert not names & HIDDEN_INPUTS, f"{fn.name} reads {names & HIDDEN_INPUTS}, which is not in its key"
    assert decorated >= 20


def test_caching_lives_in_cached_py_only():
    for path in APP_DIR.rglob("*.py"):
        if path != CACHED:
            text = path.read_text(encoding="utf-8")
            assert "cache_data" not in text.replace("cache_data.clear", "") and "cache_resource" not in text, path
