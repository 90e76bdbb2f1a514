"""Forecast: a stored forecast per level with its fan chart, backtest, scenarios and early warnings.

controls → `civicdesk.forecast.runs` / `scenarios` / `early_warning` (via cached) → render. What a rerun draws for
a level (`ForecastPage`) and for one of its series (`SeriesPage`) is built once and shared by all sessions
(`cached.page_model`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

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


@dataclass(frozen=True, eq=False)
class Backtest:
    """The backtest section as drawn (`backtest_model`): an `info` sentence instead of everything else (a run
    stored before held-out scoring, or no series scored), or captions, the chart's spec, a note and the table."""

    info: str | None = None
    captions: tuple[str, ...] = ()
    spec: dict | None = None
    note: str = ""
    table: pa.Table | None = None


@dataclass(frozen=True, eq=False)
class ForecastPage:
    """What a rerun of the Forecast view draws for one level and language, built once and shared by all sessions
    (`cached.page_model`; `series_model` adds one series); nothing in it is changed after it is built.

    Attributes:
        run: the stored run of the level (`cached.latest_run`), None when there is none.
        ids: its series, sorted; `labels`: each series' name as shown.
        scenarios: the saved scenarios (`cached.scenarios`).
        run_info: the caption under the chart; backtest: the backtest section (`Backtest`).
        streets, categories: the values the scenario form offers, with their names as shown in `names`.
    """

    run: object | None
    ids: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    scenarios: tuple[Scenario, ...] = ()
    run_info: str = ""
    backtest: Backtest = field(default_factory=Backtest)
    streets: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    names: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class SeriesPage:
    """One series of a `ForecastPage` with a scenario or none (`series_model`): the two metrics' arguments, the
    fan chart's spec, whether the scenario does not fit the level, and the values the download holds."""

    metrics: tuple[dict, dict]
    spec: dict
    scenario_level: bool
    values: pd.DataFrame


def backtest_model(run, lang: str, english: dict[str, str] | None) -> Backtest:
    """The chosen method's error on held-out days next to seasonal naive's: a sentence, bars, then the table.

    A run stored before held-out scoring has only the in-sample figure, which cannot lose: say so instead."""
    if "backtest_mase" not in run.metrics.columns:  # stored before held-out scoring (`runs.load_run`)
        return Backtest(info=t("fc_backtest_old", lang))
    by = run.by
    rows = cached.backtest_rows(run.metrics, {u: series_label(u, by, lang, english) for u in run.metrics["unique_id"]})
    scored = rows[rows["outcome"] != UNSCORED]
    if scored.empty:
        return Backtest(info=t("fc_backtest_unscored", lang).format(n=len(rows)))
    counts = scored["outcome"].value_counts()
    captions = [t("fc_backtest_summary", lang).format(n=len(scored), beats=int(counts.get(BEATS, 0)),
                                                      loses=int(counts.get(LOSES, 0)), ties=int(counts.get(TIES, 0)))]
    if len(scored) < len(rows):
        captions.append(t("fc_backtest_unscored", lang).format(n=len(rows) - len(scored)))
    table = pd.DataFrame({t("series", lang): rows["series"],
                          t("model", lang): rows["model"].map(lambda m: model_label(m, lang)),
                          t("model_mase", lang): rows["backtest_mase"].round(2),
                          t("naive_mase", lang): rows["naive_mase"].round(2),
                          t("fc_result", lang): rows["outcome"].map(lambda k: t(k, lang))})
    return Backtest(captions=tuple(captions),
                    spec=cached.chart_spec("forecast_backtest.backtest_chart", rows, lang),
                    note=t("fc_backtest_note", lang).format(h=run.horizon),
                    table=dataframe_util.convert_pandas_df_to_arrow_table(table))  # as st.dataframe converts it


def render_backtest(backtest: Backtest, lang: str) -> None:
    """Draw the backtest section (`backtest_model`)."""
    st.markdown(f"**{t('backtest', lang)}**")
    if backtest.info is not None:
        st.info(backtest.info)
        return
    for caption in backtest.captions:
        st.caption(caption)
    st.vega_lite_chart(spec=backtest.spec, width="stretch")  # the spec from the cache shared by all sessions
    st.caption(backtest.note)
    st.dataframe(backtest.table, hide_index=True, width="stretch")


def build_forecast(engine, url: str, by: tuple[str, ...], lang: str) -> ForecastPage:
    """The Forecast view's model for level `by` from the app's cached reads (`cached.page_model` calls it once)."""
    run = cached.latest_run(engine, url, by)
    if run is None:
        return ForecastPage(run=None)
    english = cached.english_names(engine, url)
    ids = tuple(sorted(run.values["unique_id"].unique()))
    streets = tuple(cached.dimension_values(engine, url, "street"))
    categories = tuple(cached.dimension_values(engine, url, "category"))
    return ForecastPage(
        run=run, ids=ids, labels={u: series_label(u, by, lang, english) for u in ids},
        scenarios=tuple(cached.scenarios(engine, url)),
        run_info=t("run_info", lang).format(as_of=run.as_of.date(), n=len(ids), h=run.horizon, run=run.run_id),
        backtest=backtest_model(run, lang, english), streets=streets, categories=categories,
        names={"street": {s: street_label(s, lang, english) for s in streets},
               "category": {c: category_label(c, lang, english) for c in categories}})


def build_series(engine, url: str, page: ForecastPage, uid: str, scenario: Scenario | None, lang: str) -> SeriesPage:
    """Series `uid` of `page` with `scenario` applied (or none): its figures, chart and download values."""
    run, by = page.run, page.run.by
    fc = run.values[run.values["unique_id"] == uid]
    history = cached.history(engine, url, by, run.as_of - timedelta(days=90), run.as_of)
    history = history[history["unique_id"] == uid][["ds", "y"]]
    shown = None
    if scenario is not None:
        try:
            shown = apply_scenario(run.values, scenario, by=by)
        except ValueError:
            pass
    chart_scenario = None if shown is None else shown[shown["unique_id"] == uid][["ds", "mean"]]
    delta = None if chart_scenario is None else \
        f"{chart_scenario['mean'].sum() - fc['mean'].sum():+,.0f} {t('scenario', lang)}"
    metrics = (dict(label=t("next_7", lang), value=f"{fc['mean'].head(7).sum():,.0f}"),
               dict(label=t("next_h", lang), value=f"{fc['mean'].sum():,.0f}", delta=delta, delta_color="off"))
    return SeriesPage(metrics=metrics, scenario_level=scenario is not None and shown is None,
                      spec=cached.chart_spec("forecast_fan_chart", history, fc, lang, chart_scenario),
                      values=shown if shown is not None else run.values)


def render_forecast(engine, page: ForecastPage, lang: str, scenario: Scenario | None) -> None:
    run = page.run
    uid = st.selectbox(t("series", lang), list(page.ids), key="fc_series", format_func=page.labels.__getitem__)
    series = cached.page_model(build_series, engine, config.db_url(), page, uid, scenario, lang)
    if series.scenario_level:
        st.warning(t("scenario_level", lang))
    a, b = st.columns(2)
    a.metric(**series.metrics[0])
    b.metric(**series.metrics[1])
    st.vega_lite_chart(spec=series.spec, width="stretch")  # the spec from the cache shared by all sessions
    st.caption(page.run_info)
    render_backtest(page.backtest, lang)
    values = {t("forecast", lang): series.values}
    st.download_button(t("download_forecast", lang), lambda: to_excel_bytes(values),  # made when clicked
                       file_name=f"forecast-run{run.run_id}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="fc_dl")


def choose_scenario(page: ForecastPage, lang: str) -> Scenario | None:
    names = [None, *[s.name for s in page.scenarios]]
    choice = st.selectbox(t("apply_scenario", lang), names, key="fc_scenario",
                          format_func=lambda n: t("none", lang) if n is None else n)
    return next((s for s in page.scenarios if s.name == choice), None)


def scenario_form(engine, page: ForecastPage, lang: str) -> None:
    """Create a scenario: a percentage change over dates for chosen streets and categories."""
    run = page.run
    with st.expander(t("scenarios", lang)), st.form("new_scenario"):
        name = st.text_input(t("scenario_name", lang), placeholder=t("pt_scenario_example", lang))
        note = st.text_input(t("scenario_note", lang))
        c1, c2, c3 = st.columns(3)
        first = (run.as_of + timedelta(days=1)).date()
        start = c1.date_input(t("from_date", lang), value=first, key="sc_start")
        end = c2.date_input(t("to_date", lang), value=first + timedelta(days=9), key="sc_end")
        pct = c3.number_input(t("change_pct", lang), -100.0, 500.0, 40.0, step=5.0)
        streets = st.multiselect(t("streets", lang), list(page.streets), format_func=page.names["street"].__getitem__,
                                 placeholder=t("all", lang))
        categories = st.multiselect(t("categories", lang), list(page.categories),
                                    format_func=page.names["category"].__getitem__, placeholder=t("all", lang))
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
    page = cached.page_model(build_forecast, engine, config.db_url(), by, lang)  # shared by all sessions
    if page.run is None:
        if enough:
            st.info(t("no_run", lang))
    else:
        render_forecast(engine, page, lang, choose_scenario(page, lang))
        scenario_form(engine, page, lang)
    warnings_panel(engine, by, lang, last_day, enough)


if __name__ == "__main__":  # run by Streamlit's router; imported (the benchmark), it draws nothing
    page()
