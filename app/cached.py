"""All of the app's caching in one place: the engine as a resource, query results as data.

Arguments named with a leading underscore (`_engine`) are kept out of cache keys; the store URL is passed
alongside so two stores never share an entry.
"""
from __future__ import annotations

import hashlib
import pickle
import threading
import uuid

import pandas as pd
import streamlit as st

from civicdesk import config, store
from civicdesk.overview import default_week, overview

QUERY_TTL_S = 600


@st.cache_resource(show_spinner=False)
def engine(url: str):
    """The store's engine (created or upgraded on first use)."""
    return store.connect(url)


def current_engine():
    """Engine for the configured store URL (`CIVICDESK_DB_URL` or data/civicdesk.db)."""
    return engine(config.db_url())


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def data_span(_engine, url: str):
    return store.data_span(_engine)


@st.cache_data(ttl=30, show_spinner=False)
def data_version(_engine, url: str) -> tuple:
    """What identifies the store's contents for the hand-built caches (briefings, driver models): the data's
    span and the latest import batch, so an import inside the span is a new version too."""
    import sqlalchemy as sa

    from civicdesk.store.schema import import_batches

    with _engine.connect() as conn:
        batch = conn.execute(sa.select(sa.func.max(import_batches.c.batch_id))).scalar()
    return (store.data_span(_engine), batch)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def last_week(_engine, url: str):
    return default_week(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def dimension_values(_engine, url: str, column: str) -> list[str]:
    return store.dimension_values(_engine, column)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def english_names(_engine, url: str) -> dict[str, str]:
    """English names of the store's streets and categories (stored name → English name)."""
    from civicdesk.store.queries import english_names as names

    return names(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner="正在汇总 / Summarising…")
def week_overview(_engine, url: str, week, streets: tuple[str, ...], categories: tuple[str, ...]):
    return overview(_engine, week, streets=list(streets) or None, categories=list(categories) or None)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def profiles() -> dict[str, tuple[str, str]]:
    """Import mapping profiles: name → (Chinese label, English label)."""
    from civicdesk.ingest import load_profiles

    return {name: (p.label, p.label_en) for name, p in load_profiles().items()}


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def import_batches(_engine, url: str):
    from civicdesk.ingest import batches

    return batches(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner="正在检查数据质量 / Checking data quality…")
def quality_summary(_engine, url: str):
    from civicdesk.ingest import quality_summary as summary

    return summary(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def quarantine_excel(_engine, url: str, batch_id: int, lang: str) -> bytes:
    from civicdesk.ingest.history import quarantine_excel as build

    return build(_engine, batch_id, lang)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def latest_run(_engine, url: str, by: tuple[str, ...]):
    """The stored forecast for a level (made by a button, never refitted on page load)."""
    from civicdesk.forecast.runs import latest_run as load

    return load(_engine, by)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def history(_engine, url: str, by: tuple[str, ...], start, end):
    return store.daily_counts(_engine, by=by, start=start, end=end)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def scenarios(_engine, url: str):
    from civicdesk.forecast.scenarios import list_scenarios

    return list_scenarios(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def staff(_engine, url: str):
    """The staff table (who is on which street's roster, and when)."""
    from civicdesk.staffing import load_staff

    return load_staff(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def roster(_engine, url: str, day):
    """Headcount per street on `day` (grid workers, duty, mediators per tier)."""
    from civicdesk.staffing import roster_on

    return roster_on(staff(_engine, url), day)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner="正在准备工单 / Preparing the tickets…")
def staffing_demand(_engine, url: str, source: str, quantile: float, start, end, seed: int, version=None):
    """Tickets to simulate (`version`: the forecast run they come from, so a new forecast is a new entry)."""
    from civicdesk.staffing import staffing_demand as demand

    return demand(_engine, source=source, quantile=quantile, start=start, end=end, seed=seed)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def heavy_backlogs(_engine, url: str, day, version=None):
    """(streets carrying a backlog far above the usual at the end of `day`, the median street's working days
    of arrivals waiting); `version`: the forecast run, so new data is a new entry."""
    from civicdesk.staffing import heavy_backlogs as heavy, open_backlog

    return heavy(open_backlog(_engine, day))


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def staffing_saved(_engine, url: str):
    """Saved staffing scenarios: name, description, saved_at."""
    from civicdesk.staffing import list_staffing

    return list_staffing(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def calibration_state(_engine, url: str, path: str, modified: float | None):
    """The saved calibration checked against this store (`civicdesk.staffing.calibration_file.calibration_state`);
    `modified` (the file's time) keys a recalibration."""
    from pathlib import Path

    from civicdesk.staffing.calibration_file import calibration_state as state

    return state(_engine, Path(path))


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def coverage(_engine, url: str):
    """Which optional inputs the store holds (signing and closing times, callbacks, channel, roster)."""
    from civicdesk.kpi import data_coverage

    return data_coverage(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def category_table(_engine, url: str):
    """The store's category tree (the Data view's editor reruns on every edit)."""
    from civicdesk.store.categories import category_table as table

    return table(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def unknown_streets(_engine, url: str):
    """Streets the tickets name that the streets table lacks."""
    from civicdesk.ingest import unknown_streets as missing

    return missing(_engine)


def clear() -> None:
    """Forget cached query results (after the store changed); the page models go with them (`page_model`)."""
    st.cache_data.clear()


#: How long a page model lives (s). It is built from the cached reads above, so a change made outside the app
#: shows within QUERY_TTL_S + PAGE_MODEL_TTL_S; `clear()` (and `st.cache_data.clear()`) drops every model at once.
PAGE_MODEL_TTL_S = 60
#: At most this many page models are kept (each holds its charts' specs with their data, tens of kilobytes).
PAGE_MODELS_MAX = 256


@st.cache_data(ttl=PAGE_MODEL_TTL_S, show_spinner=False)
def _page_epoch() -> str:
    """A token that changes when `st.cache_data` is cleared or every PAGE_MODEL_TTL_S: the page models' age."""
    return uuid.uuid4().hex


@st.cache_resource(show_spinner=False, max_entries=2)
def _page_models(epoch: str) -> dict:
    """The page models of one epoch (`_page_epoch`), shared by all sessions, and the lock guarding them."""
    return {"lock": threading.Lock(), "models": {}}


def page_model(build, _engine, url: str, *args):
    """What a rerun of a page draws, `build(_engine, url, *args)`, built once and shared by all sessions.

    A page view would otherwise make a score of `st.cache_data` lookups, each hashing its arguments and
    unpickling a copy of its value under Streamlit's locks, then rebuild the same texts and tables: most of its
    CPU, and with many sessions under one GIL, most of their wait. The model (a frozen dataclass that no caller
    changes, never copied) is found with two cheap lookups and a dict. It is built from the cached reads, so a
    miss costs what the page cost before, and one session builds a key while the others wait for it. The key
    names `build` by its module and name (a page script runs as ``__main__``): give each builder its own name.
    """
    entry = _page_models(_page_epoch())
    key = (build.__module__, build.__qualname__, url, args)
    with entry["lock"]:
        slot = entry["models"].get(key)
        if slot is None:
            models = entry["models"]
            while len(models) >= PAGE_MODELS_MAX:
                models.pop(next(iter(models)))
            slot = models[key] = {"lock": threading.Lock()}
    if "model" not in slot:
        with slot["lock"]:
            if "model" not in slot:
                slot["model"] = build(_engine, url, *args)
    return slot["model"]


def _content_key(value) -> bytes:
    """A frame's or a dict's part of a cache key: a digest of its pickle, which changes with any value, column or
    dtype. Streamlit's own hashing (pandas' hash of every column, a dict item by item) cost more than drawing
    the chart."""
    return hashlib.blake2b(pickle.dumps(value, protocol=5)).digest()


#: Frames and dicts (names, labels) in a cache key: by their content (`_content_key`).
BY_CONTENT = {pd.DataFrame: _content_key, dict: _content_key}


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False, hash_funcs=BY_CONTENT)
def backtest_rows(metrics: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """A run's held-out errors beside seasonal naive's, each series named by `labels`
    (`civicdesk.charts.forecast_backtest.backtest_comparison`)."""
    from civicdesk.charts.forecast_backtest import backtest_comparison

    return backtest_comparison(metrics, labels.__getitem__)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False, max_entries=500, hash_funcs=BY_CONTENT)
def chart_spec(builder: str, *args, **kwargs) -> dict:
    """The Vega-Lite spec of the chart `civicdesk.charts.<builder>(*args, **kwargs)` ("forecast_backtest.
    backtest_chart" names one in a sub-module), for `st.vega_lite_chart`; every session drawing the same chart
    of the same data shares one spec (frames and dicts are keyed by their content, `_content_key`).

    `st.altair_chart` would build and validate the spec on every rerun of every session, tens of milliseconds
    each under a lock that all sessions share: with 50 sessions that was most of a page view's time. The spec is
    made as `st.altair_chart` makes it (Altair's globals switched under Streamlit's lock, no default theme
    sizes), its data already serialised to Arrow as Streamlit would at each draw.
    """
    import importlib
    from contextlib import nullcontext

    import altair as alt
    from streamlit import dataframe_util

    module, _, name = builder.rpartition(".")
    chart = getattr(importlib.import_module("civicdesk.charts" + (f".{module}" if module else "")), name)(
        *args, **kwargs)
    try:  # the lock Streamlit holds while it switches Altair's theme and data transformer, which are global
        from streamlit.elements.vega_charts import _altair_globals_lock as lock
    except ImportError:  # pragma: no cover - a Streamlit without it
        lock = nullcontext()
    with lock:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable("default", max_rows=None):
            spec = chart.to_dict()
    spec["datasets"] = {key: dataframe_util.convert_anything_to_arrow_bytes(values)
                        for key, values in spec.get("datasets", {}).items()}
    return spec


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def kpis(_engine, url: str, freq: str, by: tuple[str, ...], start, end):
    """KPIs per period × `by` from the rollup (`civicdesk.kpi.kpi_table`)."""
    from civicdesk.kpi import kpi_table

    return kpi_table(_engine, freq, by, start, end)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def kpi_totals(_engine, url: str, by: tuple[str, ...], start, end):
    """KPIs over the whole period per `by`."""
    from civicdesk.kpi import kpi_table, totals

    return totals(kpi_table(_engine, "W", by, start, end), by)


@st.cache_resource(show_spinner=False)
def _driver_models() -> dict:
    return {}


def driver_model(_engine, url: str, start, end, version, progress=None):
    """The satisfaction driver model of a period, fitted once per (store, period, data version) and shared.

    Kept as a resource (its patsy design cannot be pickled) in a small dict rather than through
    `st.cache_resource` itself, so that the fit can draw its progress bar. The last four are kept.
    """
    from civicdesk.drivers import fit_store

    models = _driver_models()
    key = (url, start, end, version)
    if key not in models:
        model = fit_store(_engine, start, end, progress=progress)
        while len(models) >= 4:
            models.pop(next(iter(models)))
        models[key] = model
    return models[key]


@st.cache_data(ttl=QUERY_TTL_S, show_spinner="正在整理重点问题 / Building the key-problem list…")
def key_problems(_engine, url: str, as_of, min_contacts: int):
    from civicdesk.drivers import key_problems as build

    return build(_engine, as_of, min_contacts=min_contacts)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner="正在分析热点 / Finding hot topics…")
def hot_topics(_engine, url: str, week: str):
    from civicdesk.drivers import hot_topics as build

    return build(_engine, week)


@st.cache_resource(show_spinner=False)
def _briefings() -> dict:
    return {}


def briefing(_engine, url: str, week: str, lang: str, version, progress=None):
    """The briefing of a week, built once per (store, week, language, data version) and shared; last 8 kept."""
    from civicdesk.briefing import build_briefing

    built = _briefings()
    key = (url, week, lang, version)
    if key not in built:
        value = build_briefing(_engine, week, lang=lang, progress=progress)
        while len(built) >= 8:
            built.pop(next(iter(built)))
        built[key] = {"briefing": value, "files": None}
    return built[key]["briefing"]


def briefing_files(b, progress=None) -> tuple[dict[str, bytes], dict[str, Exception]] | None:
    """The briefing rendered in every format it can be (`civicdesk.briefing.render_each`): the bytes by format
    and the exception of each format that failed; None until asked for with `progress(fraction, fmt)`."""
    import tempfile

    from civicdesk.briefing import FORMATS, render_each

    entry = next((v for v in _briefings().values() if v["briefing"] is b), None)
    if entry is not None and entry["files"] is not None:
        return entry["files"]
    if progress is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        rendered = render_each(b, folder, FORMATS, stem="briefing", progress=progress)
        files = ({fmt: path.read_bytes() for fmt, path in rendered.written.items()}, rendered.failed)
    if entry is not None:
        entry["files"] = files
    return files


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def street_shapes(_engine, url: str):
    """The store's street boundaries, grid centres and place points (`civicdesk.geo.street_shapes`)."""
    from civicdesk.geo import street_shapes as read

    return read(_engine)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner="正在对比 / Comparing…")
def comparison(_engine, url: str, a: tuple, b: tuple):
    """Two sides compared (`civicdesk.compare.compare`); each side as the fields of `civicdesk.compare.Side`
    (label, streets, start, end, categories)."""
    from civicdesk.compare import Side, compare

    return compare(_engine, Side(*a), Side(*b), coverage(_engine, url))
