"""Overview: this week's KPIs with week-on-week change, the category breakdown, streets and the trend.

controls (the shared sidebar) → `civicdesk.overview.overview` (via cached) → `page_model` (the texts, chart specs
and table, built once per week, filters and language and shared by all sessions: `cached.page_model`) → render,
which only makes Streamlit's elements.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

from civicdesk import config
from civicdesk.excel import to_csv_bytes
from civicdesk.i18n import category_label, kpi_label, street_label, t
from civicdesk.kpi import FULL_COVERAGE, TARGETS, Coverage
from civicdesk.overview import Overview
from civicdesk.periods import week_label

import cached
import sidebar
from views.overview_map import MapModel, map_model, render_map

HEADLINE = ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate")


def _pct(value: float) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def summary_sentence(ov: Overview, lang: str, english: dict[str, str] | None = None) -> str:
    """The sentence a leader quotes: total received and the largest categories."""
    top = ov.by_category.head(5)
    unit = t("pieces", lang)
    sep = "、" if lang == "zh" else ", "
    parts = sep.join(f"{category_label(c, lang, english)}{' ' if lang == 'en' else ''}{n:,}{unit}"
                     for c, n in zip(top["category"], top["received"]))
    if not int(ov.this_week["received"]):
        return f"{week_label(ov.week_start, lang)}{'：' if lang == 'zh' else ': '}{t('pt_no_week_tickets', lang)}"
    return t("summary_sentence", lang).format(week=week_label(ov.week_start, lang),
                                              total=int(ov.this_week["received"]), parts=parts)


def missing_note(coverage: Coverage, lang: str) -> str | None:
    """One sentence naming what the store does not record (so a rate shows "—", not 0%), or None."""
    items = [key for key, held in (("pt_item_street", coverage.streets), ("pt_item_channel", coverage.channels),
                                   ("pt_item_signing", coverage.signing_times),
                                   ("pt_item_closing", coverage.closing_times),
                                   ("pt_item_callbacks", coverage.callbacks)) if not held]
    if not items:
        return None
    return t("pt_ov_missing", lang).format(items=t("list_sep", lang).join(t(k, lang) for k in items))


@dataclass(frozen=True, eq=False)
class OverviewPage:
    """Everything a rerun of the Overview draws for one week, filter and language (`page_model`), built once and
    shared by all sessions through `cached.page_model`; nothing in it is changed after it is built.

    Attributes:
        overview: the week's `civicdesk.overview.Overview`.
        summary: the sentence a leader quotes.
        metrics: the keyword arguments of each headline `st.metric` (received, then the four rates).
        captions: what the store does not record, and whether the week is still being handled.
        received: tickets received in the week (0: only the summary, metrics and captions are drawn).
        charts: each chart's Vega-Lite spec by name (`cached.chart_spec`), drawn with `st.vega_lite_chart`;
            a chart the store cannot fill is absent ("channel" without channels, "rates" without any rate).
        table: the street table as displayed (translated headers), None when no ticket names a street;
            `table_arrow` is the same as Arrow (what `st.dataframe` would make of it on every rerun).
        column_config: the table's columns (rates as progress bars, the change as a percentage).
        file_name: the CSV download's name.
        district_map: the district map (`overview_map.map_model`), None when no ticket names a street.
    """

    overview: Overview
    summary: str
    metrics: tuple[dict, ...]
    captions: tuple[str, ...]
    received: int
    charts: dict[str, dict]
    table: pd.DataFrame | None
    table_arrow: pa.Table | None
    column_config: dict
    file_name: str
    district_map: MapModel | None = None


def metric_args(ov: Overview, lang: str, coverage: Coverage = FULL_COVERAGE) -> tuple[dict, ...]:
    """The headline metrics as `st.metric` keyword arguments: tickets received, then the rates the store records."""
    change = ov.change("received")
    out = [dict(label=t("received", lang), value=f"{int(ov.this_week['received']):,}",
                delta=None if math.isnan(change) else f"{change:+.1%} {t('wow', lang)}", delta_color="off")]
    for kpi in HEADLINE:
        if not coverage.measures(kpi):  # not recorded: "—", never 0%
            out.append(dict(label=kpi_label(kpi, lang), value="—", help=t("pt_not_recorded", lang)))
            continue
        delta = ov.change(kpi)
        out.append(dict(label=kpi_label(kpi, lang), value=_pct(ov.this_week[kpi]),
                        delta=None if math.isnan(delta) else f"{delta * 100:+.1f} pt",
                        help=f"{t('target', lang)} {TARGETS[kpi]:.0%}"))
    return tuple(out)


def street_table(ov: Overview, lang: str, english: dict[str, str]) -> pd.DataFrame:
    """The street table as displayed, with translated headers."""
    cols = ["street", "received", "change", *HEADLINE]
    table = ov.by_street[cols].copy()
    table["street"] = table["street"].map(lambda s: street_label(s, lang, english))
    names = {"street": t("street", lang), "received": t("received", lang), "change": t("wow", lang),
             **{k: kpi_label(k, lang) for k in HEADLINE}}
    return table.rename(columns=names)


def page_model(ov: Overview, lang: str, english: dict[str, str], data_end=None,
               coverage: Coverage = FULL_COVERAGE, district_map: MapModel | None = None) -> OverviewPage:
    """What the Overview of `ov` draws in `lang`; `data_end` (the store's last day) marks a week whose tickets are
    still being handled; `coverage` (`civicdesk.kpi.Coverage`) says what the store does not record.

    A new chart is added here as one more entry of `charts` (its spec from `cached.chart_spec`) and drawn by
    `render` with `st.vega_lite_chart`, like the others."""
    captions = [note] if (note := missing_note(coverage, lang)) else []
    if data_end is not None and (data_end - ov.week_end).days < 7 and coverage.closing_times:
        captions.append(t("overview_unsettled", lang))
    received = int(ov.this_week["received"])
    charts, table, arrow, columns = {}, None, None, {}
    if received:
        # the charts' specs come from the cache shared by all sessions (`cached.chart_spec`)
        charts["category"] = cached.chart_spec("breakdown_bar_chart", ov.by_category, "category", lang, english)
        if coverage.channels:
            charts["channel"] = cached.chart_spec("breakdown_bar_chart", ov.by_channel, "channel", lang)
        charts["volume"] = cached.chart_spec("weekly_volume_chart", ov.trend, lang)
        measured = [k for k in HEADLINE if coverage.measures(k)]  # no line stuck at 0%
        if measured:
            charts["rates"] = cached.chart_spec("rates_trend_chart", ov.trend, lang, kpis=measured)
        if coverage.streets:
            table = street_table(ov, lang, english)
            arrow = dataframe_util.convert_pandas_df_to_arrow_table(table)  # as st.dataframe converts it
            columns = {kpi_label(k, lang): st.column_config.ProgressColumn(kpi_label(k, lang), format="percent",
                                                                           min_value=0.0, max_value=1.0)
                       for k in HEADLINE}
            columns[t("wow", lang)] = st.column_config.NumberColumn(t("wow", lang), format="percent")
    return OverviewPage(overview=ov, summary=summary_sentence(ov, lang, english),
                        metrics=metric_args(ov, lang, coverage), captions=tuple(captions), received=received,
                        charts=charts, table=table, table_arrow=arrow, column_config=columns,
                        file_name=f"overview-{ov.week_start}.csv", district_map=district_map)


def render(page: OverviewPage, lang: str) -> None:
    """Draw the Overview `page` (`page_model`): only Streamlit's elements are made here."""
    st.markdown(f"**{page.summary}**")
    for col, metric in zip(st.columns(len(page.metrics)), page.metrics):
        col.metric(**metric)
    for caption in page.captions:
        st.caption(caption)
    if not page.received:
        return
    render_map(page.district_map, lang)
    charts = page.charts
    left, right = st.columns([3, 2])
    left.vega_lite_chart(spec=charts["category"], width="stretch")
    if "channel" in charts:
        right.vega_lite_chart(spec=charts["channel"], width="stretch")
    else:
        right.info(t("pt_no_channel", lang))
    st.subheader(t("trend", lang))
    a, b = st.columns(2)
    a.vega_lite_chart(spec=charts["volume"], width="stretch")
    if "rates" in charts:
        b.vega_lite_chart(spec=charts["rates"], width="stretch")
    st.subheader(t("by_street", lang))
    if page.table is None:
        st.info(t("pt_no_street", lang))
        return
    st.dataframe(page.table_arrow, hide_index=True, width="stretch", column_config=page.column_config)
    st.download_button(t("download_csv", lang), lambda: to_csv_bytes(page.table),  # made when clicked, not per rerun
                       file_name=page.file_name, mime="text/csv")


def build_demo_with_progress(engine, lang: str) -> None:
    """Generate and load the demo district, showing a progress bar, then reload the page."""
    from civicdesk import store
    from civicdesk.synth import generate_district

    bar = st.progress(0.0, text=t("build_demo", lang))
    district = generate_district(progress=lambda f, m: bar.progress(min(0.5 * f, 0.5), text=m))
    store.load_district(engine, district, progress=lambda f, m: bar.progress(min(0.5 + 0.5 * f, 1.0), text=m))
    cached.clear()
    st.rerun()


def page() -> None:
    engine = cached.current_engine()
    lang = st.session_state.get("lang", "zh")
    params = sidebar.filters(engine, lang)
    st.title(t("overview", lang))
    if params.week is None:
        st.info(t("empty_store", lang))
        if st.button(t("build_demo", lang), type="primary"):
            build_demo_with_progress(engine, lang)
        return
    show(engine, lang, params.week, params.streets, params.categories)


def show(engine, lang: str, week, streets: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> None:
    """The Overview of `week` below the title (what a rerun of the page reads and draws once the sidebar has
    chosen; benchmarks/bench_concurrency.py calls it from many sessions at once): its model, shared by all
    sessions (`cached.page_model`), then its elements."""
    render(cached.page_model(build_overview, engine, config.db_url(), week, streets, categories, lang), lang)


def build_overview(engine, url: str, week, streets: tuple[str, ...], categories: tuple[str, ...],
               lang: str) -> OverviewPage:
    """The Overview's model from the app's cached reads (`cached.page_model` calls it once per key)."""
    ov = cached.week_overview(engine, url, week, streets, categories)
    english, coverage = cached.english_names(engine, url), cached.coverage(engine, url)
    district = cached.week_overview(engine, url, week, (), categories) if streets else ov  # the map shows every street
    return page_model(ov, lang, english, cached.data_span(engine, url)[1], coverage=coverage,
                      district_map=map_model(engine, url, district, lang, english, coverage, streets))


if __name__ == "__main__":  # run by Streamlit's router; imported (the benchmark), it draws nothing
    page()
