"""Page views served from their page model (`cached.page_model` in app/cached.py).

A second view of the same week, in the same session or in another one, reads nothing from the store and draws
exactly the same elements; a change made outside the app shows once the cache is cleared, which drops the
models with everything else.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import streamlit as st

from civicdesk import store
from civicdesk.forecast.models import SeasonalNaive
from civicdesk.forecast.runs import make_run
from civicdesk.store.rollup import rebuild_rollup
from civicdesk.store.schema import tickets
from tests.test_app import run_app


@contextmanager
def statements():
    """The SQL statements that any engine of this process executes inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def elements(at) -> list[tuple[str, bytes | str]]:
    """Every element of the page (the sidebar's filters apart), in order, as (kind, its message); a download
    button by its label (its file's id is new on every run)."""
    assert not at.exception, [e.value for e in at.exception]
    out = []

    def walk(node):
        children = getattr(node, "children", None)
        if children is not None:
            for child in children.values():
                walk(child)
        elif type(node).__name__ == "DownloadButton":
            out.append(("DownloadButton", node.proto.label))
        else:
            out.append((type(node).__name__, node.proto.SerializeToString(deterministic=True)))

    walk(at.main)
    return out


def received(at) -> int:
    return int(at.metric[0].value.replace(",", ""))


def test_a_second_overview_of_the_same_week_reads_nothing_and_draws_the_same(monkeypatch, demo_copy):
    st.cache_data.clear()
    first = run_app(monkeypatch, demo_copy)
    drawn = elements(first)
    assert len(first.metric) == 5 and len(first.get("vega_lite_chart")) == 5 and len(first.dataframe) == 1  # 4 + the map
    with statements() as sql:
        first.run()  # the same session again
        again = elements(first)
        second = run_app(monkeypatch, demo_copy)  # another session, on the same (default) week
    assert sql == []
    assert again == drawn and elements(second) == drawn

    # Another week is another model; going back to the first week reads nothing again.
    week = first.sidebar.selectbox(key="week")
    default = week.value
    week.set_value(week.options[3]).run()
    assert elements(first) != drawn
    with statements() as sql:
        first.sidebar.selectbox(key="week").set_value(default).run()
    assert sql == [] and elements(first) == drawn

    # A change made outside the app (three in ten tickets of the week gone) shows once the cache is cleared.
    before = received(first)
    engine = store.connect(demo_copy)
    with engine.begin() as conn:
        start = datetime.combine(default, datetime.min.time())
        in_week = (tickets.c.created_at >= start) & (tickets.c.created_at < start + timedelta(days=7))
        conn.execute(tickets.delete().where(in_week & (tickets.c.id % 10 < 3)))
        rebuild_rollup(conn)
    engine.dispose()
    first.run()
    assert received(first) == before  # still the cached page
    st.cache_data.clear()
    with statements() as sql:
        first.run()
    assert sql and 0 < received(first) < 0.8 * before
    assert elements(first) != drawn


def test_a_second_forecast_view_reads_nothing_and_draws_the_same(monkeypatch, demo_copy):
    make_run(store.connect(demo_copy), by=("street",), h=14, n_windows=1, models=[SeasonalNaive()])
    st.cache_data.clear()

    def open_by_street(series: int):
        at = run_app(monkeypatch, demo_copy)
        at.switch_page("views/forecast.py").run()
        at.radio(key="fc_level").set_value("level_street").run()
        at.selectbox(key="fc_series").set_value(at.selectbox(key="fc_series").options[series]).run()
        return at

    first = open_by_street(3)
    drawn = elements(first)
    assert len(first.metric) == 2 and len(first.get("vega_lite_chart")) == 2 and len(first.dataframe) == 1
    with statements() as sql:
        first.run()
        again = elements(first)
        second = open_by_street(3)
    assert sql == []
    assert again == drawn and elements(second) == drawn
    second.selectbox(key="fc_series").set_value(second.selectbox(key="fc_series").options[4]).run()
    assert elements(second) != drawn  # another series: its own figures and chart
