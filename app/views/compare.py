"""Compare (对比): two streets, or one street in two periods, side by side.

controls (the shared sidebar's week and categories, this page's mode, streets and period) →
`civicdesk.compare.compare` (via cached) → render.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

import streamlit as st

from civicdesk import config
from civicdesk.compare import Comparison, comparison_workbook
from civicdesk.charts.compare import top_categories
from civicdesk.i18n import kpi_label, street_label, t
from civicdesk.kpi import Coverage

import cached
import sidebar

#: Period choices: weeks ending with the sidebar's week (None: the user's own dates).
PERIODS = {"week": 1, "4w": 4, "13w": 13, "custom": None}
RATES = ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate")
WEEKLY_RATES = ("response_rate", "closure_rate", "satisfaction_rate")


def _dates(start: date, end: date, lang: str) -> str:
    dash = "—" if lang == "zh" else "–"
    tail = f"{end:%m-%d}" if end.year == start.year else f"{end:%Y-%m-%d}"
    return f"{start:%Y-%m-%d}{dash}{tail}"


def period_controls(lang: str, week: date, span: tuple[date, date]) -> tuple[date, date] | None:
    """The period: the sidebar's week, the last 4 or 13 weeks up to it, or the user's dates (None until both
    days are chosen)."""
    choice = st.radio(t("cmp_period", lang), list(PERIODS), index=1, horizontal=True, key=f"cmp_period_{lang}",
                      format_func=lambda p: t(f"cmp_period_{p}", lang))
    end = week + timedelta(days=6)
    if PERIODS[choice] is not None:
        return end - timedelta(weeks=PERIODS[choice]) + timedelta(days=1), end
    picked = st.date_input(t("cmp_dates", lang), (max(span[0], end - timedelta(days=27)), end), min_value=span[0],
                           max_value=max(span[1], end), key="cmp_dates")
    if not isinstance(picked, (tuple, list)) or len(picked) != 2:
        st.info(t("cmp_pick_dates", lang))
        return None
    return picked[0], picked[1]


def controls(engine, url: str, lang: str, params: sidebar.Filters, coverage: Coverage,
             english: dict[str, str]) -> tuple[tuple, tuple] | None:
    """The two sides as `civicdesk.compare.Side` fields, or None while a choice is incomplete."""
    streets = cached.dimension_values(engine, url, "street") if coverage.streets else []
    if not coverage.streets:
        st.info(t("cmp_no_streets", lang))
    elif len(streets) < 2:
        st.info(t("cmp_one_street", lang))
    modes = ["streets", "periods"] if len(streets) >= 2 else ["periods"]
    left, right = st.columns(2)
    with left:
        mode = st.radio(t("cmp_mode", lang), modes, horizontal=True, key=f"cmp_mode_{lang}",
                        format_func=lambda m: t(f"cmp_mode_{m}", lang))
    with right:
        period = period_controls(lang, params.week, cached.data_span(engine, url))
    label = lambda s: street_label(s, lang, english) if s else t("cmp_district", lang)  # noqa: E731
    chosen = [s for s in params.streets if s in streets]  # the sidebar's street first, e.g. after the map
    cats = tuple(params.categories)
    if mode == "streets":
        a_col, b_col = st.columns(2)
        first = chosen[0] if chosen else streets[0]
        a = a_col.selectbox(t("cmp_street_a", lang), streets, index=streets.index(first), format_func=label,
                            key=f"cmp_street_a_{lang}")
        others = [s for s in streets if s != a]
        b = b_col.selectbox(t("cmp_street_b", lang), streets, index=streets.index(others[0]), format_func=label,
                            key=f"cmp_street_b_{lang}")
        if a == b:
            st.warning(t("cmp_same_street", lang))
            return None
        if period is None:
            return None
        return (label(a), (a,), *period, cats), (label(b), (b,), *period, cats)
    options = ["", *streets]
    street = st.selectbox(t("street", lang), options, index=options.index(chosen[0]) if chosen else 0,
                          format_func=label, key=f"cmp_street_{lang}") if streets else ""
    if period is None:
        return None
    start, end = period
    before = (start - timedelta(days=(end - start).days + 1), start - timedelta(days=1))
    st.caption(t("cmp_periods_note", lang).format(dates=_dates(*before, lang)))
    picked = (street,) if street else ()
    return ((t("cmp_this_period", lang).format(dates=_dates(start, end, lang)), picked, start, end, cats),
            (t("cmp_prev_period", lang).format(dates=_dates(*before, lang)), picked, *before, cats))


def totals_table(cmp: Comparison, lang: str, coverage: Coverage):
    """Each side's tickets and rates over its whole period, as displayed (rates not recorded left out)."""
    kept = [k for k in RATES if coverage.measures(k)]
    table = cmp.totals_frame()[["side", "received", *kept]]
    names = {"side": t("cmp_side", lang), "received": t("received", lang), **{k: kpi_label(k, lang) for k in kept}}
    config_ = {kpi_label(k, lang): st.column_config.NumberColumn(kpi_label(k, lang), format="percent") for k in kept}
    return table.rename(columns=names), config_


def _pct(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1%}"


def render_satisfaction(cmp: Comparison, lang: str, coverage: Coverage) -> None:
    if not coverage.callbacks:
        st.info(t("cmp_no_callbacks", lang))
        return
    sat = cmp.satisfaction_frame()
    if sat["callbacks"].sum() > 0:
        st.vega_lite_chart(spec=cached.chart_spec("compare.satisfaction_compare_chart", sat, lang), width="stretch")
    for s in cmp.sides:
        v = s.satisfaction
        st.markdown(t("cmp_sat_line", lang).format(side=s.side.label, rate=_pct(v.rate), low=_pct(v.low),
                                                   high=_pct(v.high), n=v.callbacks) if v.callbacks else
                    t("cmp_sat_none", lang).format(side=s.side.label))


def render(cmp: Comparison, lang: str, english: dict[str, str], coverage: Coverage,
           data_end: date | None = None) -> None:
    """The compared figures: totals, category mix, days to close, weekly volume and rates, satisfaction;
    `data_end` (the store's last day) marks periods whose tickets are still being handled."""
    table, config_ = totals_table(cmp, lang, coverage)
    st.subheader(t("cmp_totals", lang))
    st.dataframe(table, hide_index=True, width="stretch", column_config=config_)
    if not sum(int(s.totals["received"]) for s in cmp.sides):
        st.info(t("cmp_no_tickets", lang))
        return
    mix = cmp.mix_frame()
    left, right = st.columns(2)
    left.vega_lite_chart(spec=cached.chart_spec("compare.category_share_chart", mix, lang, english), width="stretch")
    with right:
        quantiles = cmp.close_quantiles_frame()
        if not coverage.closing_times:
            st.info(t("cmp_no_closing", lang))
        elif quantiles.empty:
            st.info(t("cmp_no_closed", lang))
        else:
            st.vega_lite_chart(spec=cached.chart_spec("compare.close_days_chart", quantiles, lang, english,
                                                      order=top_categories(mix)), width="stretch")
            st.caption(t("cmp_close_note", lang))
    weekly = cmp.weekly_frame()
    left, right = st.columns(2)
    left.vega_lite_chart(spec=cached.chart_spec("compare.weekly_volume_compare_chart", weekly, lang), width="stretch")
    with right:
        render_satisfaction(cmp, lang, coverage)
    kpis = [k for k in WEEKLY_RATES if coverage.measures(k)]
    if kpis:
        st.vega_lite_chart(spec=cached.chart_spec("compare.rates_compare_chart", weekly, lang, kpis=kpis),
                           width="content")
        recent = data_end is not None and (data_end - max(s.side.end for s in cmp.sides)).days < 14
        if recent and coverage.closing_times:
            st.caption(t("cmp_unsettled", lang))
    st.download_button(t("cmp_download", lang), lambda: comparison_workbook(cmp, lang, english),  # made on click
                       file_name=f"compare-{cmp.a.side.start}-{cmp.a.side.end}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def page() -> None:
    engine = cached.current_engine()
    lang = st.session_state.get("lang", "zh")
    params = sidebar.filters(engine, lang)
    st.title(t("compare", lang))
    st.caption(t("cmp_intro", lang))
    if params.week is None:
        st.info(t("empty_store", lang))
        return
    url = config.db_url()
    coverage = cached.coverage(engine, url)
    english = cached.english_names(engine, url)
    sides = controls(engine, url, lang, params, coverage, english)
    if sides is None:
        return
    render(cached.comparison(engine, url, *sides), lang, english, coverage, cached.data_span(engine, url)[1])


if __name__ == "__main__":  # run by Streamlit's router
    page()
