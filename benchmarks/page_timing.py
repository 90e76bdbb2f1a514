"""Where a page view's time goes: timers wrapped around the app's cache, the store reads behind it, the page
models' builds, the chart builders, Streamlit's chart and table elements and the downloads (used by
bench_concurrency.py).

Each timed call records its own time less the timed calls inside it, per thread, so the parts of one page view
add up to its wall time ("other" is what no timer covers: the views' pandas work, metrics, widgets). The CPU
time of the page's thread is recorded too: wall minus CPU is time spent waiting (for the GIL, the database, a
lock or a pooled connection).
"""
from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict
from contextlib import contextmanager

import numpy as np

#: The parts of a page view, in the order they are printed.
PARTS = ("cache", "store", "pool_wait", "model", "chart_build", "chart_element", "table_element", "export", "other")
DESCRIPTIONS = {
    "cache": "st.cache_data lookups (the page models' own included): hashing the arguments, copying the value out",
    "store": "library reads on a cache miss (SQL and the library's pandas), and storing the result",
    "pool_wait": "waiting for a pooled database connection",
    "model": "building a page model on a miss (cached.page_model): texts, labels and tables, its reads apart",
    "chart_build": "building the Altair charts (civicdesk.charts)",
    "chart_element": "st.altair_chart / st.vega_lite_chart: the spec (Altair's to_dict) and its data",
    "table_element": "st.dataframe: the table serialised to Arrow",
    "export": "building download files (Excel, CSV) on the page",
    "other": "the rest: the views' own work, metrics, text and widgets",
}


class Recorder:
    """Collects per-part times of page views run by many threads."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.pages: dict[str, list[dict]] = defaultdict(list)
        self.misses: dict[str, int] = defaultdict(int)

    def timed(self, part: str, fn, miss: str | None = None):
        """`fn` wrapped so that its time (less timed calls inside it) counts towards `part` of the running
        page view; `miss` names a cache whose misses are counted."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            stack = getattr(self._local, "stack", None)
            if stack is None:  # not inside a page view
                return fn(*args, **kwargs)
            if miss:
                self._local.missed = True
                with self._lock:
                    self.misses[miss] += 1
            stack.append(0.0)
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - began
                inner = stack.pop()
                self._local.parts[part] += elapsed - inner
                stack[-1] += elapsed
        return wrapper

    @contextmanager
    def page(self, kind: str):
        """Time one page view of `kind` on this thread; kept only when it completes."""
        self._local.stack, self._local.parts, self._local.missed = [0.0], defaultdict(float), False
        began, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
            wall, cpu = time.perf_counter() - began, time.thread_time() - cpu
            parts = dict(self._local.parts)
            parts["other"] = wall - sum(parts.values())
            with self._lock:
                self.pages[kind].append({"wall": wall, "cpu": cpu, "missed": self._local.missed, **parts})
        finally:
            self._local.stack = None

    def clear(self) -> None:
        with self._lock:
            self.pages.clear()
            self.misses.clear()


def summary(records: list[dict], seconds: float) -> dict:
    """Latency percentiles of page views, throughput, and the mean of each part (ms)."""
    if not records:
        return {"count": 0}
    wall = np.array([r["wall"] for r in records]) * 1000.0
    out = {"count": len(records), "per_s": round(len(records) / seconds, 2),
           **{f"p{q}_ms": round(float(np.percentile(wall, q)), 1) for q in (50, 95, 99)},
           "max_ms": round(float(wall.max()), 1), "mean_ms": round(float(wall.mean()), 1),
           "mean_cpu_ms": round(1000.0 * float(np.mean([r["cpu"] for r in records])), 1)}
    out["mean_parts_ms"] = {p: round(1000.0 * float(np.mean([r.get(p, 0.0) for r in records])), 1) for p in PARTS}
    missed = np.array([r["wall"] for r in records if r["missed"]]) * 1000.0
    out["with_a_cache_miss"] = {"count": len(missed), **({"p50_ms": round(float(np.percentile(missed, 50)), 1),
                                                          "mean_cpu_ms": round(1000.0 * float(np.mean(
                                                              [r["cpu"] for r in records if r["missed"]])), 1)}
                                                         if len(missed) else {})}
    return out


def instrument(recorder: Recorder, cached, views: dict, engine) -> None:
    """Wrap the app's cache functions, their library reads, the views' page-model builders, the chart builders,
    Streamlit's chart and table elements, the views' downloads, and `engine`'s pool with `recorder`'s timers
    (once per process, the engine's pool once per engine)."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.runtime.caching.cache_utils import CachedFunc

    from civicdesk import charts
    from civicdesk.charts import forecast_backtest

    if not getattr(cached, "_timed", False):
        for name, value in list(vars(cached).items()):
            if isinstance(value, CachedFunc):  # the computation on a miss, then the whole call
                part = "chart_build" if name == "chart_spec" else "store"
                value._info.func = recorder.timed(part, value._info.func, miss=name)
                setattr(cached, name, recorder.timed("cache", value))
        for name in ("breakdown_bar_chart", "weekly_volume_chart", "rates_trend_chart", "forecast_fan_chart"):
            setattr(charts, name, recorder.timed("chart_build", getattr(charts, name)))
        forecast_backtest.backtest_chart = recorder.timed("chart_build", forecast_backtest.backtest_chart)
        elements = {"altair_chart": "chart_element", "vega_lite_chart": "chart_element", "dataframe": "table_element"}
        for name, part in elements.items():  # columns' methods, and st.<name> (bound to the main container)
            setattr(DeltaGenerator, name, recorder.timed(part, getattr(DeltaGenerator, name)))
            setattr(st, name, recorder.timed(part, getattr(st, name)))
        for view, module in views.items():
            for name in ("build_overview", "build_forecast", "build_series"):  # page models (cached.page_model)
                if hasattr(module, name):
                    setattr(module, name, recorder.timed("model", getattr(module, name), miss=f"{view}.{name}"))
            for name in ("backtest_chart",):
                if hasattr(module, name):
                    setattr(module, name, recorder.timed("chart_build", getattr(module, name)))
            for name in ("to_excel_bytes", "to_csv_bytes"):
                if hasattr(module, name):
                    setattr(module, name, recorder.timed("export", getattr(module, name)))
        cached._timed = True
    engine.pool.connect = recorder.timed("pool_wait", engine.pool.connect)
