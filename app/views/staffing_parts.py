"""Render helpers of the Staffing view: the roster editor, the simulation's results, the plan, and the
saved scenarios (save, compare, delete). Display only: every figure comes from `civicdesk.staffing`."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import streamlit as st

from civicdesk.charts import staffing as charts
from civicdesk.excel import to_csv_bytes, to_excel_bytes
from civicdesk.forecast.scenarios import Adjustment
from civicdesk.i18n import category_label, street_label, t
from civicdesk.staffing import Costs, RosterChange, compare_staffing, delete_staffing, save_staffing
from civicdesk.staffing.inputs import ROSTER_COLUMNS, check_roster

from civicdesk.access import current_user

import cached

LOG = logging.getLogger(__name__)
COUNTS = ROSTER_COLUMNS[1:]
RATES = ("on_time", "signed_on_time", "utilisation")
MEASURES = {"on_time": "sim_on_time", "signed_on_time": "signed_on_time", "close_p50": "close_p50",
            "close_p90": "close_p90", "utilisation": "utilisation", "overtime_h_per_week": "overtime"}
COMPARE_ROLES = ("grid_worker", "duty", "mediator")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on; a stored result whose settings differ is shown as out of date.

    Defined here, not in the page script, which Streamlit re-executes on every run (a class defined
    there would be a new class each time and never compare equal to a stored instance).
    """

    url: str
    source: str
    quantile: float
    start: date
    end: date
    version: int | None
    volume: tuple[Adjustment, ...]
    roster: tuple
    seed: int
    targets: tuple[float, float, float] | None = None
    fixed: bool | None = None

    def simulation(self) -> "Settings":
        """The part the simulation depends on (targets and the headcount rule only matter to the plan)."""
        return replace(self, targets=None, fixed=None)


def plan_stale(made: tuple, now: Settings | None) -> bool:
    """Whether a stored (settings, plan, base roster) no longer matches the settings; a roster changed only
    by copying the plan into it still matches."""
    then, plan_, base = made
    if now is None or replace(then, roster=()) != replace(now, roster=()):
        return True
    return now.roster not in (then.roster, roster_key(plan_.roster(base)[ROSTER_COLUMNS]))


def in_lang(message: str, lang: str, english: dict[str, str] | None = None) -> str:
    """One language's half of a library message written "中文 / English" (a leading "street: " is kept)."""
    zh, sep, en = message.partition(" / ")
    if not sep or not CJK.search(zh):
        return message
    if lang == "zh":
        return zh
    head, colon, _ = zh.partition(": ")
    return f"{street_label(head, lang, english)}: {en}" if colon and head in (english or {}) else en


def show_error(exc: Exception, lang: str, english: dict[str, str] | None = None) -> None:
    """A library refusal in the user's language: its half of a "中文 / English" message; any other message
    (written in one language only) is logged and replaced by a sentence in the user's language."""
    message = in_lang(str(exc), lang, english)
    if bool(CJK.search(message)) != (lang == "zh"):
        LOG.warning("staffing: %s", exc)
        message = t("pt_failed", lang)
    st.error(t("sf_error", lang) + message)


def roster_key(roster: pd.DataFrame) -> tuple:
    return tuple(map(tuple, roster.itertuples(index=False)))


def roster_changes(today: pd.DataFrame, edited: pd.DataFrame) -> tuple[RosterChange, ...]:
    """The edited roster as changes to today's (what a saved scenario records)."""
    new, now = check_roster(edited), check_roster(today)
    diff = new.reindex(now.index).fillna(0).astype(int) - now
    return tuple(RosterChange(street, col, int(diff.at[street, col]))
                 for street in diff.index for col in COUNTS if diff.at[street, col] != 0)


def _restart_roster(roster: pd.DataFrame | None, key) -> None:
    if roster is None:
        st.session_state.pop("sf_roster_start", None)
    else:
        st.session_state["sf_roster_start"] = (key, roster[ROSTER_COLUMNS].copy())
    st.session_state["sf_roster_version"] = st.session_state.get("sf_roster_version", 0) + 1


def roster_editor(engine, url: str, day, lang: str, english: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(today's roster, the roster as edited): one row per street, counts editable."""
    st.markdown(f"**{t('sf_roster', lang)}**")
    today = cached.roster(engine, url, day)
    started = st.session_state.get("sf_roster_start")
    start = started[1] if started is not None and started[0] == (url, day) else today
    shown = start.assign(label=start["street"].map(lambda s: street_label(s, lang, english)))
    names = "small" if lang == "zh" else "medium"  # English street names are long
    config = {"street": None, "label": st.column_config.TextColumn(t("street", lang), width=names),
              **{c: st.column_config.NumberColumn(t(f"{c}_short", lang), help=t(c, lang), min_value=0, max_value=999,
                                                  step=1, format="%d", width="small") for c in COUNTS}}
    version = st.session_state.get("sf_roster_version", 0)
    edited = st.data_editor(shown[["street", "label", *COUNTS]], key=f"sf_roster_{version}", hide_index=True,
                            width="stretch", disabled=["label"], column_config=config,
                            height=35 * (len(shown) + 1) + 3)
    edited = edited[ROSTER_COLUMNS]
    med = edited[[c for c in COUNTS if c.startswith("mediators_")]].sum().sum()
    st.caption(t("sf_roster_caption", lang).format(day=day) + " " + t("sf_roster_total", lang).format(
        gw=int(edited["grid_workers"].sum()), duty=int(edited["duty"].sum()), med=int(med)))
    st.button(t("sf_reset_roster", lang), key="sf_reset_roster", on_click=_restart_roster, args=(None, None))
    return today, edited


def _pct(v: float) -> str:
    return "—" if pd.isna(v) else f"{v:.1%}"


def _metric(col, label: str, value: float, target: float | None, lang: str) -> None:
    delta = None if target is None or pd.isna(value) else f"{(value - target) * 100:+.1f}{t('points', lang)}"
    col.metric(label, _pct(value), delta, help=None if target is None else f"{t('target', lang)} {target:.0%}")


def key_figures(summary: pd.DataFrame, lang: str, english: dict[str, str]) -> pd.DataFrame:
    """Per street: tickets, the general tickets' rates and times, utilisation, urgent and dispute rates
    (rates in percent, for display)."""
    streets = list(dict.fromkeys(summary["street"]))

    def of(role: str, measure: str, scale: float = 1.0) -> list:
        return (summary[summary["role"] == role].set_index("street")[measure].reindex(streets) * scale).tolist()

    return pd.DataFrame({
        t("street", lang): [street_label(s, lang, english) for s in streets],
        t("sim_total", lang): summary.groupby("street")["tickets"].sum().reindex(streets).tolist(),
        t("kt_on_time", lang): of("grid_worker", "on_time", 100),
        t("kt_signed", lang): of("grid_worker", "signed_on_time", 100),
        t("kt_p50", lang): of("grid_worker", "close_p50"), t("kt_p90", lang): of("grid_worker", "close_p90"),
        t("kt_util", lang): of("grid_worker", "utilisation", 100),
        t("kt_overtime", lang): of("grid_worker", "overtime_h_per_week"),
        t("sim_urgent", lang): of("duty", "on_time", 100), t("sim_mediation", lang): of("mediator", "on_time", 100)})


def summary_export(summary: pd.DataFrame, lang: str, english: dict[str, str]) -> pd.DataFrame:
    cols = ["street", "role", "tickets", "on_time", "signed_on_time", "open_at_end", "close_p50", "close_p90",
            "utilisation", "overtime_h_per_week"]
    out = summary.reindex(columns=cols).assign(street=summary["street"].map(lambda s: street_label(s, lang, english)),
                                               role=summary["role"].map(lambda r: charts.role_label(r, lang)))
    names = {"street": t("street", lang), "role": t("role", lang), "tickets": t("sim_total", lang),
             **{c: t(MEASURES.get(c, c), lang) for c in cols[3:]}}
    return out.rename(columns=names)


def render_result(result, targets, stale: bool, lang: str, english: dict[str, str]) -> None:
    st.subheader(t("sf_results", lang))
    if stale:
        st.warning(t("sf_stale", lang))
    tk = result.tickets
    st.caption(t("sf_result_info", lang).format(start=result.start.date(), end=result.end.date(), n=len(tk),
                                                seed=result.seed))
    gw, med = tk[tk["role"] == "grid_worker"], tk[tk["role"] == "mediator"]
    grid = result.summary[result.summary["role"] == "grid_worker"]
    cols = st.columns(5)
    cols[0].metric(t("sim_tickets", lang), f"{len(tk):,}")
    _metric(cols[1], t("kf_on_time", lang), gw["on_time"].mean(), targets[0], lang)
    _metric(cols[2], t("kf_signed", lang), gw["signed_on_time"].mean(), targets[1], lang)
    _metric(cols[3], t("sim_mediation", lang), med["on_time"].mean(), targets[2], lang)
    _metric(cols[4], t("sim_util", lang), grid["utilisation"].mean(), None, lang)
    a, b = st.columns(2, gap="large")
    a.altair_chart(charts.on_time_chart(result.summary, targets[0], lang, english=english), width="stretch")
    b.altair_chart(charts.utilisation_chart(result.summary, lang, english=english), width="stretch")
    c, d = st.columns([3, 1], vertical_alignment="bottom")
    shown = c.multiselect(t("backlog_streets", lang), sorted(result.backlog["street"].unique()),
                          key="sf_backlog_streets", placeholder=t("backlog_default", lang),
                          format_func=lambda s: street_label(s, lang, english),
                          max_selections=8)
    value = d.radio(t("backlog_measure", lang), ["open", "queued"], format_func=lambda k: t(f"backlog_{k}", lang),
                    horizontal=True, key="sf_backlog_value")
    st.altair_chart(charts.backlog_chart(result.backlog, lang, streets=shown or None, value=value,
                                         until=result.end + pd.Timedelta(days=14), english=english), width="stretch")
    st.markdown(f"**{t('sf_key_figures', lang)}**")
    table = key_figures(result.summary, lang, english)
    pct = {k: st.column_config.NumberColumn(k, format="%.1f%%") for k in
           (t("kt_on_time", lang), t("kt_signed", lang), t("kt_util", lang), t("sim_urgent", lang),
            t("sim_mediation", lang))}
    num = {k: st.column_config.NumberColumn(k, format="%.1f") for k in
           (t("kt_p50", lang), t("kt_p90", lang), t("kt_overtime", lang))}
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3,
                 column_config={**pct, **num, t("sim_total", lang): st.column_config.NumberColumn(format="localized")})
    st.caption(t("sf_table_note", lang) + " " + t("sf_units", lang))
    export = summary_export(result.summary, lang, english)
    row = st.container(horizontal=True)
    row.download_button(t("download_summary_csv", lang), to_csv_bytes(export),
                        file_name="staffing-simulation.csv", mime="text/csv", key="sf_dl_csv")
    row.download_button(t("download_summary_xlsx", lang), to_excel_bytes({t("sf_results", lang): export}),
                        file_name="staffing-simulation.xlsx", mime=XLSX, key="sf_dl_xlsx")


def render_plan(made, base: pd.DataFrame, stale: bool, fixed: bool, key, lang: str, english: dict[str, str]) -> None:
    st.subheader(t("sf_plan", lang))
    if stale:
        st.warning(t("sf_plan_stale", lang))
    s = made.streets
    wan = lambda v: t("wan_yuan", lang).format(v=v / (1e4 if lang == "zh" else 1e3))  # noqa: E731
    cols = st.columns(4)
    cols[0].metric(t("sf_gw_total", lang), f"{s['grid_workers_now'].sum():,} → {s['grid_workers'].sum():,}")
    cols[1].metric(t("sf_med_total", lang), f"{s['mediators_now'].sum():,} → {s['mediators'].sum():,}")
    cols[2].metric(t("sf_cost_now", lang), wan(made.cost_now))
    change = made.cost_plan - made.cost_now  # the sign first, so Streamlit reads the direction (CNY -5k would not)
    cols[3].metric(t("sf_cost_plan", lang), wan(made.cost_plan), ("-" if change < 0 else "+") + wan(abs(change)),
                   delta_color="inverse")
    st.caption(t("sf_cost_note", lang).format(gw=Costs().grid_worker, med=Costs().mediator))
    for problem in made.problems:
        st.warning(in_lang(problem, lang, english))
    if not made.problems:
        st.success(t("sf_all_reachable", lang))
    a, b = st.columns(2, gap="large")
    a.altair_chart(charts.plan_chart(s, lang, english), width="stretch")
    b.altair_chart(charts.plan_chart(s, lang, english, what="mediators"), width="stretch")
    if fixed:
        st.markdown(f"**{t('sf_moves', lang)}**")
        if made.moves.empty:
            st.info(t("sf_no_moves", lang))
        else:
            moves = made.moves.assign(**{c: made.moves[c].map(lambda v: street_label(v, lang, english))
                                         for c in ("from_street", "to_street")})
            st.dataframe(moves.rename(columns={c: t(c, lang) for c in moves.columns}), hide_index=True)
    if made.acceptors is not None:
        from civicdesk.staffing.acceptors import acceptor_hours
        st.altair_chart(charts.acceptors_chart(made.acceptors, lang), width="stretch")
        st.caption(t("sf_acceptors_note", lang).format(peak=int(made.acceptors["rostered"].max()),
                                                       hours=acceptor_hours(made.acceptors)))
    with st.expander(t("sf_plan_detail", lang)):
        detail = s.assign(street=s["street"].map(lambda v: street_label(v, lang, english))).drop(columns="reachable")
        names = {"street": t("street", lang), "grid_workers_now": f"{t('grid_workers', lang)}·{t('plan_now', lang)}",
                 "grid_workers": f"{t('grid_workers', lang)}·{t('plan_need', lang)}",
                 "grid_gap": f"{t('grid_workers', lang)}·{t('plan_gap', lang)}", "on_time": t("kf_on_time", lang),
                 "signed_on_time": t("kf_signed", lang),
                 "mediators_now": f"{t('mediators', lang)}·{t('plan_now', lang)}",
                 "mediators": f"{t('mediators', lang)}·{t('plan_need', lang)}",
                 "mediator_gap": f"{t('mediators', lang)}·{t('plan_gap', lang)}",
                 "mediation_on_time": t("sim_mediation", lang)}
        rates = [names[c] for c in ("on_time", "signed_on_time", "mediation_on_time")]
        st.dataframe(detail.rename(columns=names), hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(c, format="percent") for c in rates})
    if st.button(t("sf_copy_plan", lang), key="sf_copy_plan", on_click=_restart_roster, args=(made.roster(base), key)):
        st.success(t("sf_plan_copied", lang))


def _few(values, label, lang: str) -> str:
    shown = "、".join(map(label, values[:3])) if lang == "zh" else ", ".join(map(label, values[:3]))
    return shown + (t("sf_desc_more", lang).format(n=len(values)) if len(values) > 3 else "")


def describe(settings, scenario, lang: str, english: dict[str, str] | None = None) -> str:
    """A saved scenario's default description: where its tickets came from and what was changed."""
    parts = [t("sf_desc_history", lang).format(start=settings.start, end=settings.end) if settings.source == "history"
             else t("sf_desc_forecast", lang).format(q=t(f"q_{settings.quantile:g}", lang))]
    for adj in scenario.volume:
        scope = []
        if (adj.start, adj.end) != (str(settings.start), str(settings.end)):
            scope.append(t("sf_desc_dates", lang).format(start=adj.start, end=adj.end))
        if adj.streets:
            scope.append(_few(adj.streets, lambda s: street_label(s, lang, english), lang))
        if adj.categories:
            scope.append(_few(adj.categories, lambda c: category_label(c, lang, english), lang))
        text = t("sf_desc_volume", lang).format(pct=round((adj.value - 1) * 100))
        parts.append(text + (f"（{'；'.join(scope)}）" if lang == "zh" else f" ({'; '.join(scope)})") if scope else text)
    if scenario.changes:
        parts.append(t("sf_desc_roster", lang).format(n=len(scenario.changes)))
    return ("，" if lang == "zh" else "; ").join(parts)


def save_section(engine, url: str, stored, lang: str, english: dict[str, str]) -> None:
    st.subheader(t("sf_save", lang))
    if stored is None:
        st.caption(t("sf_need_run", lang))
        return
    settings, scenario, result = stored
    a, b, c = st.columns([2, 4, 1], vertical_alignment="bottom")
    name = a.text_input(t("sf_save_name", lang), key="sf_save_name", max_chars=64)
    note = b.text_input(t("sf_save_desc", lang), key="sf_save_desc", placeholder=t("sf_save_placeholder", lang))
    allowed = current_user().can("save_scenario")
    if c.button(t("sf_save_btn", lang), key="sf_save", width="stretch", disabled=not allowed,
                help=None if allowed else t("needs_role", lang).format(role=t("role_leader", lang))):
        if not name.strip():
            st.error(t("sf_need_name", lang))
            return
        try:
            note = note.strip() or describe(settings, scenario, lang, english)
            save_staffing(engine, replace(scenario, name=name.strip(), description=note), result)
        except ValueError as exc:
            show_error(exc, lang)
            return
        cached.staffing_saved.clear()
        st.success(t("sf_saved", lang) + name.strip())


def _delete(engine, name: str, lang: str) -> None:
    delete_staffing(engine, name)
    cached.staffing_saved.clear()
    st.session_state["sf_compare"] = [n for n in st.session_state.get("sf_compare", []) if n != name]
    st.session_state["sf_deleted"] = name


def compare_section(engine, url: str, has_result: bool, lang: str, english: dict[str, str]) -> None:
    saved = cached.staffing_saved(engine, url)
    deleted = st.session_state.pop("sf_deleted", None)
    if deleted:
        st.success(t("sf_deleted", lang) + deleted)
    if saved.empty:
        if has_result:
            st.caption(t("sf_no_saved", lang))
        return
    with st.expander(f"{t('sf_saved_list', lang)}（{len(saved)}）" if lang == "zh" else
                     f"{t('sf_saved_list', lang)} ({len(saved)})"):
        listed = saved.assign(saved_at=pd.to_datetime(saved["saved_at"]).dt.strftime("%Y-%m-%d %H:%M"))
        st.dataframe(listed.rename(columns={c: t(c, lang) for c in listed.columns}), hide_index=True, width="stretch")
    a, b, c = st.columns([3, 1, 1])
    names = a.multiselect(t("sf_compare", lang), saved["name"].tolist(), key="sf_compare", max_selections=4)
    role = b.selectbox(t("role", lang), COMPARE_ROLES, key="sf_compare_role",
                       format_func=lambda r: charts.role_label(r, lang))
    measure = c.selectbox(t("sf_measure", lang), list(MEASURES), key="sf_compare_measure",
                          format_func=lambda m: t(MEASURES[m], lang))
    if names:
        try:
            table = compare_staffing(engine, names, role=role, measure=measure)
        except (KeyError, ValueError) as exc:
            show_error(exc, lang, english)
            return
        percent = measure in RATES
        title = f"{t(MEASURES[measure], lang)} · {charts.role_label(role, lang)}"
        shown = table.assign(street=table["street"].map(lambda s: street_label(s, lang, english)),
                             **{n: table[n] * (100 if percent else 1) for n in names})
        fmt = {n: st.column_config.NumberColumn(n, format="%.1f%%" if percent else "%.1f") for n in names}
        fmt.update({c: st.column_config.NumberColumn(c, format="%+.1f") for c in table.columns if c.startswith("Δ ")})
        st.dataframe(shown.rename(columns={"street": t("street", lang)}), hide_index=True, width="stretch",
                     column_config=fmt, height=35 * (len(shown) + 1) + 3)
        if len(names) > 1:
            st.caption(t("sf_delta_note", lang))
        st.altair_chart(charts.compare_chart(table, names, title, lang, percent, english), width="stretch")
    d, e = st.columns([3, 1], vertical_alignment="bottom")
    victim = d.selectbox(t("sf_delete", lang), saved["name"].tolist(), key="sf_delete_name")
    e.button(t("sf_delete_btn", lang), key="sf_delete", on_click=_delete, args=(engine, victim, lang), width="stretch")
