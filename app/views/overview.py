"""Overview: this week's KPIs with week-on-week change, the category breakdown, streets and the trend.

controls (the shared sidebar) → `civicdesk.overview.overview` (via cached) → render.
"""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from civicdesk import config
from civicdesk.excel import to_csv_bytes
from civicdesk.i18n import category_label, kpi_label, street_label, t
from civicdesk.kpi import FULL_COVERAGE, TARGETS, Coverage
from civicdesk.overview import Overview
from civicdesk.periods import week_label

import cached
import sidebar

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


def render_metrics(ov: Overview, lang: str, coverage: Coverage = FULL_COVERAGE) -> None:
    cols = st.columns(1 + len(HEADLINE))
    received = int(ov.this_week["received"])
    change = ov.change("received")
    cols[0].metric(t("received", lang), f"{received:,}",
                   None if math.isnan(change) else f"{change:+.1%} {t('wow', lang)}", delta_color="off")
    for col, kpi in zip(cols[1:], HEADLINE):
        if not coverage.measures(kpi):  # not recorded: "—", never 0%
            col.metric(kpi_label(kpi, lang), "—", help=t("pt_not_recorded", lang))
            continue
        delta = ov.change(kpi)
        col.metric(kpi_label(kpi, lang), _pct(ov.this_week[kpi]),
                   None if math.isnan(delta) else f"{delta * 100:+.1f} pt",
                   help=f"{t('target', lang)} {TARGETS[kpi]:.0%}")


def street_table(ov: Overview, lang: str, english: dict[str, str]) -> pd.DataFrame:
    """The street table as displayed, with translated headers."""
    cols = ["street", "received", "change", *HEADLINE]
    table = ov.by_street[cols].copy()
    table["street"] = table["street"].map(lambda s: street_label(s, lang, english))
    names = {"street": t("street", lang), "received": t("received", lang), "change": t("wow", lang),
             **{k: kpi_label(k, lang) for k in HEADLINE}}
    return table.rename(columns=names)


def render(ov: Overview, lang: str, english: dict[str, str], data_end=None,
           coverage: Coverage = FULL_COVERAGE) -> None:
    """The Overview; `data_end` (the store's last day) marks a week whose tickets are still being handled;
    `coverage` (`civicdesk.kpi.Coverage`) says what the store does not record."""
    st.markdown(f"**{summary_sentence(ov, lang, english)}**")
    render_metrics(ov, lang, coverage)
    note = missing_note(coverage, lang)
    if note:
        st.caption(note)
    if data_end is not None and (data_end - ov.week_end).days < 7 and coverage.closing_times:
        st.caption(t("overview_unsettled", lang))
    if not int(ov.this_week["received"]):
        return
    left, right = st.columns([3, 2])
    # the charts' specs come from the cache shared by all sessions (`cached.chart_spec`)
    left.vega_lite_chart(spec=cached.chart_spec("breakdown_bar_chart", ov.by_category, "category", lang, english),
                         width="stretch")
    if coverage.channels:
        right.vega_lite_chart(spec=cached.chart_spec("breakdown_bar_chart", ov.by_channel, "channel", lang),
                              width="stretch")
    else:
        right.info(t("pt_no_channel", lang))
    st.subheader(t("trend", lang))
    a, b = st.columns(2)
    a.vega_lite_chart(spec=cached.chart_spec("weekly_volume_chart", ov.trend, lang), width="stretch")
    measured = [k for k in HEADLINE if coverage.measures(k)]  # no line stuck at 0%
    if measured:
        b.vega_lite_chart(spec=cached.chart_spec("rates_trend_chart", ov.trend, lang, kpis=measured), width="stretch")
    st.subheader(t("by_street", lang))
    if not coverage.streets:
        st.info(t("pt_no_street", lang))
        return
    table = street_table(ov, lang, english)
    pct = {kpi_label(k, lang): st.column_config.ProgressColumn(kpi_label(k, lang), format="percent",
                                                               min_value=0.0, max_value=1.0) for k in HEADLINE}
    pct[t("wow", lang)] = st.column_config.NumberColumn(t("wow", lang), format="percent")
    st.dataframe(table, hide_index=True, width="stretch", column_config=pct)
    st.download_button(t("download_csv", lang), lambda: to_csv_bytes(table),  # made when clicked, not per rerun
                       file_name=f"overview-{ov.week_start}.csv", mime="text/csv")


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
    chosen; benchmarks/bench_concurrency.py calls it from many sessions at once)."""
    url = config.db_url()
    ov = cached.week_overview(engine, url, week, streets, categories)
    render(ov, lang, cached.english_names(engine, url), cached.data_span(engine, url)[1],
           coverage=cached.coverage(engine, url))


if __name__ == "__main__":  # run by Streamlit's router; imported (the benchmark), it draws nothing
    page()
