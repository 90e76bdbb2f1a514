"""Forecast: a stored forecast per level with its fan chart, backtest, scenarios and early warnings.

controls → `civicdesk.forecast.runs` / `scenarios` / `early_warning` (via cached) → render.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import pandas as pd
import streamlit as st

from civicdesk import config, store
from civicdesk.charts.forecast_backtest import BEATS, LOSES, TIES, UNSCORED
from civicdesk.excel import to_excel_bytes
from civicdesk.forecast import MIN_HISTORY
from civicdesk.forecast.early_warning import early_warnings
from civicdesk.forecast.runs import make_run
from civicdesk.forecast.scenarios import Adjustment, Scenario, apply_scenario, save_scenario
from civicdesk.i18n import category_label, channel_label, street_label, t

from civicdesk.access import current_user

import cached

LOG = logging.getLogger(__name__)
LEVELS = {"level_total": (), "level_street": ("street",), "level_category": ("category",),
          "level_channel": ("channel",)}


def series_label(uid: str, by: tuple[str, ...], lang: str, english: dict[str, str] | None = None) -> str:
    if not by:
        return t("level_total", lang)
    if by == ("category",):
        return category_label(uid, lang, english)
    if by == ("channel",):
        return channel_label(uid, lang)
    if by == ("street",):
        return street_label(uid, lang, english)
    return uid


def controls(lang: str) -> tuple[tuple[str, ...], int]:
    left, right = st.columns([3, 2])
    level = left.radio(t("level", lang), list(LEVELS), format_func=lambda k: t(k, lang), horizontal=True,
                       key="fc_level")
    horizon = right.slider(t("horizon", lang), 7, 90, 28, step=7, key="fc_horizon")
    return LEVELS[level], horizon


def run_with_progress(engine, by, h, lang: str, as_of=None):
    """Make and store a forecast with a progress bar in the UI's language; None (after saying so) on failure."""
    bar = st.progress(0.0, text=t("run_forecast", lang))
    try:
        run = make_run(engine, by=by, h=h, as_of=as_of, n_jobs=2,  # the library's stage texts are Chinese
                       progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=t("run_forecast", lang)))
    except ValueError as exc:
        LOG.warning("forecast by %s failed: %s", by, exc)
        st.warning(t("pt_forecast_failed", lang))
        return None
    finally:
        bar.empty()
    cached.clear()
    return run


def model_label(alias: str, lang: str) -> str:
    """A model alias as shown (季节朴素法, 计数回归, …); an alias without a label is shown as it is."""
    key = f"model_{alias}"
    shown = t(key, lang)
    return alias if shown == key else shown


def render_backtest(run, lang: str, english: dict[str, str] | None) -> None:
    """The chosen method's error on held-out days next to seasonal naive's: a sentence, bars, then the table.

    A run stored before held-out scoring has only the in-sample figure, which cannot lose: say so instead."""
    st.markdown(f"**{t('backtest', lang)}**")
    if "backtest_mase" not in run.metrics.columns:  # stored before held-out scoring (`runs.load_run`)
        st.info(t("fc_backtest_old", lang))
        return
    by = run.by
    rows = cached.backtest_rows(run.metrics, {u: series_label(u, by, lang, english) for u in run.metrics["unique_id"]})
    scored = rows[rows["outcome"] != UNSCORED]
    if scored.empty:
        st.info(t("fc_backtest_unscored", lang).format(n=len(rows)))
        return
    counts = scored["outcome"].value_counts()
    st.caption(t("fc_backtest_summary", lang).format(n=len(scored), beats=int(counts.get(BEATS, 0)),
                                                     loses=int(counts.get(LOSES, 0)), ties=int(counts.get(TIES, 0))))
    if len(scored) < len(rows):
        st.caption(t("fc_backtest_unscored", lang).format(n=len(rows) - len(scored)))
    st.vega_lite_chart(spec=cached.chart_spec("forecast_backtest.backtest_chart", rows, lang), width="stretch")
    st.caption(t("fc_backtest_note", lang).format(h=run.horizon))
    table = pd.DataFrame({t("series", lang): rows["series"],
                          t("model", lang): rows["model"].map(lambda m: model_label(m, lang)),
                          t("model_mase", lang): rows["backtest_mase"].round(2),
                          t("naive_mase", lang): rows["naive_mase"].round(2),
                          t("fc_result", lang): rows["outcome"].map(lambda k: t(k, lang))})
    st.dataframe(table, hide_index=True, width="stretch")


def render_forecast(engine, run, lang: str, scenario: Scenario | None) -> None:
    by = run.by
    ids = sorted(run.values["unique_id"].unique())
    english = cached.english_names(engine, config.db_url())
    uid = st.selectbox(t("series", lang), ids, key="fc_series", format_func=lambda u: series_label(u, by, lang, english))
    fc = run.values[run.values["unique_id"] == uid]
    history = cached.history(engine, config.db_url(), by, run.as_of - timedelta(days=90), run.as_of)
    history = history[history["unique_id"] == uid][["ds", "y"]]
    shown = None
    if scenario is not None:
        try:
            shown = apply_scenario(run.values, scenario, by=by)
        except ValueError:
            st.warning(t("scenario_level", lang))
    chart_scenario = None if shown is None else shown[shown["unique_id"] == uid][["ds", "mean"]]
    a, b = st.columns(2)
    a.metric(t("next_7", lang), f"{fc['mean'].head(7).sum():,.0f}")
    b.metric(t("next_h", lang), f"{fc['mean'].sum():,.0f}",
             None if chart_scenario is None else f"{chart_scenario['mean'].sum() - fc['mean'].sum():+,.0f} "
                                                 f"{t('scenario', lang)}", delta_color="off")
    st.vega_lite_chart(spec=cached.chart_spec("forecast_fan_chart", history, fc, lang, chart_scenario),
                       width="stretch")  # the spec from the cache shared by all sessions
    st.caption(t("run_info", lang).format(as_of=run.as_of.date(), n=len(ids), h=run.horizon, run=run.run_id))
    render_backtest(run, lang, english)
    values = {t("forecast", lang): shown if shown is not None else run.values}
    st.download_button(t("download_forecast", lang), lambda: to_excel_bytes(values),  # made when clicked
                       file_name=f"forecast-run{run.run_id}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="fc_dl")


def choose_scenario(engine, lang: str) -> Scenario | None:
    saved = cached.scenarios(engine, config.db_url())
    names = [None, *[s.name for s in saved]]
    choice = st.selectbox(t("apply_scenario", lang), names, key="fc_scenario",
                          format_func=lambda n: t("none", lang) if n is None else n)
    return next((s for s in saved if s.name == choice), None)


def scenario_form(engine, run, lang: str) -> None:
    """Create a scenario: a percentage change over dates for chosen streets and categories."""
    with st.expander(t("scenarios", lang)), st.form("new_scenario"):
        name = st.text_input(t("scenario_name", lang), placeholder=t("pt_scenario_example", lang))
        note = st.text_input(t("scenario_note", lang))
        c1, c2, c3 = st.columns(3)
        first = (run.as_of + timedelta(days=1)).date()
        start = c1.date_input(t("from_date", lang), value=first, key="sc_start")
        end = c2.date_input(t("to_date", lang), value=first + timedelta(days=9), key="sc_end")
        pct = c3.number_input(t("change_pct", lang), -100.0, 500.0, 40.0, step=5.0)
        url = config.db_url()
        english = cached.english_names(engine, url)
        streets = st.multiselect(t("streets", lang), cached.dimension_values(engine, url, "street"),
                                 format_func=lambda s: street_label(s, lang, english),
                                 placeholder=t("all", lang))
        categories = st.multiselect(t("categories", lang), cached.dimension_values(engine, url, "category"),
                                    format_func=lambda c: category_label(c, lang, english),
                                    placeholder=t("all", lang))
        allowed = current_user().can("save_scenario")
        if st.form_submit_button(t("save_scenario", lang), disabled=not allowed,
                                 help=None if allowed else t("needs_role", lang).format(role=t("role_leader", lang))) \
                and name.strip():
            try:
                adj = Adjustment(str(start), str(end), "multiply", 1 + pct / 100, tuple(streets), tuple(categories))
                save_scenario(engine, Scenario(name.strip(), (adj,), note))
                cached.clear()
                st.success(t("scenario_saved", lang) + name)
            except ValueError as exc:  # the library's reason is English: log it, say it in the user's language
                LOG.info("scenario not saved: %s", exc)
                st.error(t("pt_scenario_invalid", lang))


def warnings_panel(engine, by, lang: str, last_day, enough: bool = True) -> None:
    st.subheader(t("warnings_title", lang))
    fit = current_user().can("fit_model")
    if st.button(t("check_warnings", lang), key="fc_warn", disabled=not fit or not enough,
                 help=None if fit else t("needs_role", lang).format(role=t("role_analyst", lang))):
        cutoff = pd.Timestamp(last_day) - pd.Timedelta(days=7)
        run = run_with_progress(engine, by, 7, lang, as_of=cutoff)
        if run is None:
            return
        actual = store.daily_counts(engine, by=by, start=cutoff + pd.Timedelta(days=1), end=last_day)
        st.session_state["fc_warnings"] = (by, early_warnings(actual, run.values))
    found = st.session_state.get("fc_warnings")
    if found is None or found[0] != by:
        return
    table = found[1]
    if table.empty:
        st.success(t("no_warnings", lang))
        return
    english = cached.english_names(engine, config.db_url())
    table = table.assign(unique_id=table["unique_id"].map(lambda u: series_label(u, by, lang, english)),
                         direction=table["direction"].map(lambda d: t(d, lang)),
                         period=table["period"].dt.strftime("%Y-%m-%d"))
    st.dataframe(table.rename(columns={"unique_id": t("series", lang), "period": t("date", lang),
                                       "y": t("actual", lang), "expected": t("expected", lang),
                                       "direction": t("direction", lang), "severity": t("severity", lang)}),
                 hide_index=True, width="stretch")


def page() -> None:
    engine = cached.current_engine()
    lang = st.session_state.get("lang", "zh")
    st.title(t("forecast", lang))
    span = cached.data_span(engine, config.db_url())
    if span is None:
        st.info(t("empty_store", lang))
        return
    days = (span[1] - span[0]).days + 1
    enough = days >= MIN_HISTORY  # the forecast library's own minimum (civicdesk.forecast)
    if not enough:  # too short a history: say so, and offer nothing that would fail
        st.info(t("pt_short_history", lang).format(days=days, need=MIN_HISTORY))
    by, horizon = controls(lang)
    fit = current_user().can("fit_model")
    if st.button(t("run_forecast", lang), type="primary", key="fc_run", disabled=not fit or not enough,
                 help=None if fit else t("needs_role", lang).format(role=t("role_analyst", lang))):
        run_with_progress(engine, by, horizon, lang)
    show(engine, lang, by, span[1], enough)


def show(engine, lang: str, by: tuple[str, ...], last_day, enough: bool = True) -> None:
    """Everything below the controls for level `by`: the stored run, scenarios and early warnings (what a
    rerun of the page reads and draws; benchmarks/bench_concurrency.py calls it from many sessions at once)."""
    run = cached.latest_run(engine, config.db_url(), by)
    if run is None:
        if enough:
            st.info(t("no_run", lang))
    else:
        render_forecast(engine, run, lang, choose_scenario(engine, lang))
        scenario_form(engine, run, lang)
    warnings_panel(engine, by, lang, last_day, enough)


if __name__ == "__main__":  # run by Streamlit's router; imported (the benchmark), it draws nothing
    page()
