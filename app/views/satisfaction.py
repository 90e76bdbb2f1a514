"""Satisfaction: 满意率 by week, street and category against the target; what drives it; what-if sliders.

controls → `civicdesk.kpi.kpi_table` and `civicdesk.drivers.fit_drivers` (via cached) → render.
"""
from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from civicdesk import config
from civicdesk.charts import satisfaction as sc
from civicdesk.drivers import NoCallbacksError
from civicdesk.drivers.table import DRIVERS
from civicdesk.drivers.whatif import Levers, lever_changes
from civicdesk.excel import to_excel_bytes
from civicdesk.i18n import category_label, driver_label, street_label, t
from civicdesk.kpi import TARGETS

import cached
import sidebar

LOG = logging.getLogger(__name__)
PERIODS = {"sat_last_quarter": 91, "sat_last_half": 182, "sat_last_year": 365, "sat_all": None}
TARGET = TARGETS["satisfaction_rate"]


def controls(lang: str, last_day) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    choice = st.radio(t("sat_period", lang), list(PERIODS), format_func=lambda k: t(k, lang), horizontal=True,
                      key=f"sat_period_{lang}")  # labels change with the language
    end = pd.Timestamp(last_day)
    days = PERIODS[choice]
    return (None if days is None else end - pd.Timedelta(days=days - 1)), end


def render_rates(engine, start, end, lang: str) -> None:
    url = config.db_url()
    weekly = cached.kpis(engine, url, "W", (), start, end)
    st.altair_chart(sc.satisfaction_trend_chart(weekly, TARGET, lang), width="stretch")
    english = cached.english_names(engine, url)
    left, right = st.columns(2)
    by_street = cached.kpi_totals(engine, url, ("street",), start, end)
    left.altair_chart(sc.rate_by_chart(by_street, "street", lambda s: street_label(s, lang, english), TARGET,
                                       t("sat_by_street", lang), lang), width="stretch")
    by_cat = cached.kpi_totals(engine, url, ("category",), start, end)
    right.altair_chart(sc.rate_by_chart(by_cat, "category", lambda c: category_label(c, lang, english), TARGET,
                                        t("sat_by_category", lang), lang), width="stretch")


def render_drivers(model, lang: str, english: dict[str, str] | None = None) -> None:
    d = model.diagnostics
    st.caption(t("sat_fit_info", lang).format(kind=model.kind, n=model.nobs, auc=d.auc, r2=d.mcfadden_r2))
    if model.warnings:
        st.info(t("sat_has_warnings", lang))
    left, right = st.columns([3, 2])
    everything = left.toggle(t("sat_all_terms", lang), key="sat_all_terms")
    effects = model.marginal_effects
    if not everything:
        effects = effects[effects["column"].isin(DRIVERS)]
    left.altair_chart(sc.effects_chart(effects, lang, english=english), width="stretch")
    left.caption(t("sat_effects_help", lang))
    right.altair_chart(sc.importance_chart(model.importance, lang), width="stretch")
    right.caption(t("sat_importance_help", lang))


def _levers(lang: str) -> Levers:
    same = t("sat_no_change", lang)
    c1, c2 = st.columns(2)
    close = c1.select_slider(t("sat_lever_close", lang), [same, 5, 4, 3, 2, 1], value=same, key=f"sat_close_{lang}")
    sign = c2.select_slider(t("sat_lever_sign", lang), [same, 24, 12, 8, 4, 2, 1], value=same, key=f"sat_sign_{lang}")
    c3, c4, c5 = st.columns(3)
    pct = dict(min_value=0, max_value=100, value=0, step=10, format="%d%%")
    repeat = c3.slider(t("sat_lever_repeat", lang), key="sat_repeat", **pct)
    returned = c4.slider(t("sat_lever_return", lang), key="sat_return", **pct)
    reopened = c5.slider(t("sat_lever_reopen", lang), key="sat_reopen", **pct)
    return Levers(None if close == same else float(close), None if sign == same else float(sign),
                  repeat / 100, returned / 100, reopened / 100)


def render_what_if(model, lang: str) -> None:
    st.subheader(t("sat_whatif", lang))
    st.caption(t("sat_whatif_help", lang))
    levers = _levers(lang)
    answer = model.what_if(lever_changes(model.data, levers))
    a, b = st.columns(2)
    a.metric(t("sat_today", lang), f"{answer.baseline_rate:.1%}", help=f"{t('target', lang)} {TARGET:.0%}")
    b.metric(t("sat_projected", lang), f"{answer.rate:.1%}", f"{answer.change * 100:+.1f} pt")
    b.caption(t("sat_interval", lang).format(lo=answer.ci_low, hi=answer.ci_high, n=answer.n_changed))


def model_excel(model, lang: str, english: dict[str, str] | None = None) -> bytes:
    coefs = model.coefficients.assign(label=model.coefficients["term"].map(lambda c: driver_label(c, lang, english)))
    return to_excel_bytes({"coefficients": coefs, "marginal_effects": model.marginal_effects,
                           "importance": model.importance, "calibration": model.diagnostics.calibration})


def warning_text(note, lang: str, english: dict[str, str] | None = None) -> str:
    """A model warning (`civicdesk.drivers.ModelWarning`) in the user's language; a `term` is labelled."""
    params = dict(note.params)
    if "term" in params:
        params["term"] = driver_label(params["term"], lang, english)
    return t(note.key, lang).format(**params)


def render_details(model, lang: str, english: dict[str, str] | None = None) -> None:
    with st.expander(t("sat_model_details", lang)):
        st.markdown(f"**{t('sat_coefficients', lang)}**")
        coefs = model.coefficients.assign(term=model.coefficients["term"].map(lambda c: driver_label(c, lang, english)))
        st.dataframe(coefs.round(4), hide_index=True, width="stretch")
        st.code(model.formula, language=None)
        for note in model.notes:
            st.warning(warning_text(note, lang, english))
        st.altair_chart(sc.calibration_chart(model.diagnostics.calibration, lang), width="stretch")
        st.download_button(t("sat_download", lang), model_excel(model, lang, english), file_name="satisfaction-drivers.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="sat_dl")


def fit_with_progress(engine, start, end, version, lang: str):
    bar = st.progress(0.0, text=t("sat_fit", lang))
    try:
        return cached.driver_model(engine, config.db_url(), start, end, version,
                                   progress=lambda f, stage: bar.progress(f, text=t(f"sat_stage_{stage}", lang)))
    finally:
        bar.empty()


def page() -> None:
    opened = sidebar.page_start("satisfaction", "sat_intro")
    if opened is None:
        return
    engine, lang, span = opened
    url = config.db_url()
    if not cached.coverage(engine, url).callbacks:  # no callback results at all: say how to load them, no charts
        st.info(t("pt_no_callbacks", lang))
        return
    start, end = controls(lang, span[1])
    reached = cached.kpi_totals(engine, url, (), start, end)["callbacks_reached"].sum()
    if not reached:  # callbacks elsewhere in the store, none in this period: no empty charts
        st.info(t("pt_no_callbacks_period", lang))
        return
    render_rates(engine, start, end, lang)
    try:
        model = fit_with_progress(engine, start, end, cached.data_version(engine, url), lang)
    except NoCallbacksError as exc:
        LOG.info("no driver model for %s..%s: %s", start, end, exc)
        st.info(t(exc.key, lang).format(**exc.params))
        return
    except ValueError as exc:  # the library's reason is English: log it, say it in the user's language
        LOG.warning("no driver model for %s..%s: %s", start, end, exc)
        st.warning(t("pt_sat_cannot_fit", lang))
        return
    english = cached.english_names(engine, url)
    st.subheader(t("sat_effects", lang))
    render_drivers(model, lang, english)
    render_what_if(model, lang)
    render_details(model, lang, english)


page()
