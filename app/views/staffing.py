"""Staffing: simulate a roster on forecast or past tickets, find the smallest roster meeting the targets,
save what-ifs and compare them.

controls → `civicdesk.staffing` (run_scenario / plan; tickets and roster via cached) → render (staffing_parts).
"""
from __future__ import annotations

import logging
from datetime import date

import pandas as pd
import streamlit as st

from civicdesk import config
from civicdesk.forecast.scenarios import Adjustment
from civicdesk.i18n import category_label, street_label, t
from civicdesk.staffing import SimConfig, StaffingScenario, Targets, apply_volume, plan, run_scenario
from civicdesk.access import current_user
from civicdesk.staffing.calibrate import calibrate_store, default_period
from civicdesk.staffing.calibration_file import calibration_path, save_calibration

import cached
from views import staffing_parts as parts

LOG = logging.getLogger(__name__)
QUANTILES = (0.5, 0.9, 0.975)


def last_full_quarter(span: tuple[date, date]) -> tuple[date, date]:
    """The last quarter wholly inside the data (the data's own span when it holds none)."""
    q = (pd.Timestamp(span[1]) + pd.Timedelta(days=1)).to_period("Q") - 1
    start, end = q.start_time.date(), q.end_time.date()
    return (start, end) if start >= span[0] else span


def calibrate_now(engine, url: str, span, lang: str, english: dict[str, str]) -> None:
    """Calibrate on this store's tickets with a progress bar, save the result, and show the page again."""
    start, end = default_period(span)  # as `civicdesk staffing calibrate` does
    bar = st.progress(0.0, text=t("pt_calibrating", lang))
    try:
        calib = calibrate_store(engine, start, end, progress=lambda share, street: bar.progress(
            min(max(share, 0.0), 1.0), text=f"{t('pt_calibrating', lang)}{'：' if lang == 'zh' else ': '}"
                                             f"{street_label(street, lang, english)}"))
    except ValueError as exc:  # the library's reason is English: log it, say it in the user's language
        LOG.warning("calibration on %s..%s failed: %s", start, end, exc)
        st.error(t("pt_calib_failed", lang))
        return
    finally:
        bar.empty()
    save_calibration(calib)
    cached.calibration_state.clear()
    st.session_state["sf_calibrated_now"] = calib.period
    st.rerun()


def sim_config(engine, url: str, span, lang: str, english: dict[str, str]) -> SimConfig:
    """The simulation's settings with this store's calibration, saying when there is none for this store
    (and offering to make one)."""
    path = calibration_path()
    state = cached.calibration_state(engine, url, str(path), path.stat().st_mtime if path.exists() else None)
    done = st.session_state.pop("sf_calibrated_now", None)
    if done:
        st.success(t("pt_calibrated_now", lang).format(start=done[0], end=done[1]))
    if state.status == "current":
        if state.calibration.period:
            st.caption(t("sf_calibrated", lang).format(start=state.calibration.period[0],
                                                       end=state.calibration.period[1]))
        return SimConfig(calibration=state.calibration)
    period = state.fitted.period if state.fitted is not None and state.fitted.period else ("?", "?")
    if state.status == "missing":
        st.info(t("sf_uncalibrated", lang))
    elif state.status == "unreadable":
        st.warning(t("sf_bad_calibration", lang).format(path=path))
    else:  # fitted on another store, or on data this store no longer holds
        st.warning(t(f"pt_calib_{state.status}", lang).format(start=period[0], end=period[1]))
    allowed = current_user().can("fit_model")
    if st.button(t("pt_calibrate", lang), key="sf_calibrate", disabled=not allowed,
                 help=None if allowed else t("pt_calib_needs_role", lang)):
        calibrate_now(engine, url, span, lang, english)
    return SimConfig()


def backlog_warning(engine, url: str, run, lang: str) -> None:
    """A forecast is simulated from empty queues: name the streets whose open tickets far exceed the usual."""
    heavy, usual = cached.heavy_backlogs(engine, url, run.as_of.date(), run.run_id)
    if heavy.empty:
        return
    english = cached.english_names(engine, url)
    items = [t("sf_backlog_item", lang).format(street=street_label(r.street, lang, english), open=int(r.open),
                                               days=r.days) for r in heavy.itertuples()]
    st.warning(t("sf_backlog", lang).format(streets=t("list_sep", lang).join(items), usual=usual))


def demand_controls(engine, url: str, span, lang: str):
    """Forecast (at a quantile) or a past period; None when nothing can be simulated yet."""
    st.markdown(f"**{t('sf_demand', lang)}**")
    run = cached.latest_run(engine, url, ("street",))
    st.session_state.setdefault("sf_source", "forecast" if run is not None else "history")
    source = st.radio(t("sf_source", lang), ["forecast", "history"], format_func=lambda k: t(f"src_{k}", lang),
                      horizontal=True, key="sf_source", label_visibility="collapsed")
    if source == "forecast":
        if run is None:
            st.info(t("sf_no_forecast", lang))
            return None
        quantile = st.radio(t("sf_quantile", lang), QUANTILES, format_func=lambda q: t(f"q_{q:g}", lang),
                            horizontal=True, key="sf_quantile", help=t("sf_quantile_help", lang))
        start, end = run.values["ds"].min().date(), run.values["ds"].max().date()
        st.caption(t("sf_forecast_period", lang).format(start=start, end=end, n=(end - start).days + 1,
                                                        as_of=run.as_of.date()))
        backlog_warning(engine, url, run, lang)
        return "forecast", quantile, start, end, run.run_id
    period = st.date_input(t("sf_period", lang), value=last_full_quarter(span), min_value=span[0],
                           max_value=span[1], key="sf_period", help=t("sf_period_help", lang))
    if len(period) != 2:
        st.info(t("sf_pick_dates", lang))
        return None
    return "history", 0.5, period[0], period[1], None


def volume_controls(engine, url: str, start: date, end: date, lang: str) -> tuple[Adjustment, ...]:
    st.markdown(f"**{t('sf_volume', lang)}**")
    pct = st.slider(t("sf_volume_pct", lang), -50, 100, 0, step=5, format="%d%%", key="sf_pct",
                    help=t("sf_volume_help", lang))
    dates = st.date_input(t("sf_volume_dates", lang), value=(start, end), min_value=start, max_value=end,
                          key=f"sf_vol_dates_{start}_{end}")
    a, b = st.columns(2)
    english = cached.english_names(engine, url)
    streets = a.multiselect(t("streets", lang), cached.dimension_values(engine, url, "street"), key="sf_vol_streets",
                            placeholder=t("all", lang), format_func=lambda s: street_label(s, lang, english))
    categories = b.multiselect(t("categories", lang), cached.dimension_values(engine, url, "category"),
                               key="sf_vol_categories", placeholder=t("all", lang),
                               format_func=lambda c: category_label(c, lang, english))
    if pct == 0:
        return ()
    lo, hi = (dates[0], dates[1]) if len(dates) == 2 else (start, end)
    return (Adjustment(str(lo), str(hi), "multiply", 1 + pct / 100, tuple(streets), tuple(categories)),)


def target_controls(lang: str) -> tuple[tuple[float, float, float], int]:
    st.markdown(f"**{t('sf_targets', lang)}**")
    values = [st.slider(t(key, lang), 50, 99, 90, format="%d%%", key=f"sf_{key}", help=t("sf_target_help", lang))
              for key in ("tgt_close", "tgt_sign", "tgt_mediation")]
    seed = st.number_input(t("seed", lang), 0, 9999, 0, step=1, key="sf_seed", help=t("seed_help", lang))
    return tuple(v / 100 for v in values), int(seed)


def tickets_for(engine, s: parts.Settings):
    return cached.staffing_demand(engine, s.url, s.source, s.quantile, s.start, s.end, s.seed, s.version)


def progress_bar(lang: str, english: dict[str, str], key: str):
    bar = st.progress(0.0, text=t(key, lang))
    head = t(key, lang) + ("：" if lang == "zh" else ": ")
    return bar, lambda share, street: bar.progress(min(max(share, 0.0), 1.0),
                                                   text=head + street_label(street, lang, english))


def simulate_now(engine, s: parts.Settings, today: pd.DataFrame, edited: pd.DataFrame, config: SimConfig,
                 lang: str, english: dict[str, str]) -> None:
    try:
        scenario = StaffingScenario("", "", s.volume, parts.roster_changes(today, edited), s.quantile)
        tickets = tickets_for(engine, s)
        bar, progress = progress_bar(lang, english, "sf_running")
        result = run_scenario(scenario, tickets, today, config, seed=s.seed, progress=progress)
        bar.empty()
    except ValueError as exc:
        parts.show_error(exc, lang, english)
        return
    st.session_state["sf_result"] = (s.simulation(), scenario, result)


def plan_now(engine, s: parts.Settings, edited: pd.DataFrame, config: SimConfig, lang: str,
             english: dict[str, str]) -> None:
    try:
        targets = Targets(*s.targets)
        tickets = tickets_for(engine, s)
        if s.volume:
            tickets = apply_volume(tickets, s.volume, seed=s.seed)
        bar, progress = progress_bar(lang, english, "sf_planning")
        made = plan(tickets, edited, targets, config, seed=s.seed, fixed_total=bool(s.fixed), progress=progress)
        bar.empty()
    except ValueError as exc:
        parts.show_error(exc, lang, english)
        return
    st.session_state["sf_plan"] = (s, made, edited)


def page() -> None:
    engine = cached.current_engine()
    url = config.db_url()
    lang = st.session_state.get("lang", "zh")
    st.title(t("staffing", lang))
    st.caption(t("sf_intro", lang))
    span = cached.data_span(engine, url)
    if span is None:
        st.info(t("empty_store", lang))
        return
    english = cached.english_names(engine, url)
    if not cached.coverage(engine, url).roster:  # nothing to simulate: say how to load the roster
        st.info(t("pt_no_roster", lang))
        return
    sim = sim_config(engine, url, span, lang, english)
    left, right = st.columns(2, gap="large")
    with left:
        demand = demand_controls(engine, url, span, lang)
    if demand is not None:
        with right:
            volume = volume_controls(engine, url, demand[2], demand[3], lang)
    roster_col, target_col = st.columns([5, 3], gap="large")
    with roster_col:
        today, edited = parts.roster_editor(engine, url, span[1], lang, english)
    with target_col:
        targets, seed = target_controls(lang)
        fixed = st.checkbox(t("sf_fixed", lang), key="sf_fixed")
        a, b = st.columns(2)
        run_clicked = a.button(t("sf_run", lang), type="primary", key="sf_run", disabled=demand is None,
                               width="stretch")
        plan_clicked = b.button(t("sf_make_plan", lang), key="sf_make_plan", disabled=demand is None,
                                width="stretch")
    if demand is not None:
        s = parts.Settings(url, *demand, volume, parts.roster_key(edited), seed, targets, fixed)
        if run_clicked:
            simulate_now(engine, s, today, edited, sim, lang, english)
        if plan_clicked:
            plan_now(engine, s, edited, sim, lang, english)
    else:
        s = None
    stored = st.session_state.get("sf_result")
    if stored is not None and stored[0].url == url:
        parts.render_result(stored[2], targets, stale=s is None or stored[0] != s.simulation(), lang=lang,
                            english=english)
    made = st.session_state.get("sf_plan")
    if made is not None and made[0].url == url:
        parts.render_plan(made[1], made[2], stale=parts.plan_stale(made, s), fixed=bool(made[0].fixed),
                          key=(url, span[1]), lang=lang, english=english)
    st.divider()
    stored = stored if stored is not None and stored[0].url == url else None
    parts.save_section(engine, url, stored, lang, english)
    parts.compare_section(engine, url, stored is not None, lang, english)


page()
