"""Altair charts of the staffing simulation and plan, shared by the app and notebooks.

Each builder takes a frame from `civicdesk.staffing` (a `SimResult` or `Plan` attribute) and a language,
and returns an `alt.Chart` with Chinese titles by default; `english` maps street names to English ones
(from the streets table) for the English labels.
"""
from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from civicdesk import codes
from civicdesk.charts import PALETTE, _style
from civicdesk.i18n import street_label, t

ROW_PX = 24
LABELS = alt.Axis(labelLimit=170)  # English street names are long


def role_label(role: str, lang: str = "zh") -> str:
    """A simulation role as shown: 网格员, 值班（紧急件）, 调解员, 热线直办."""
    return t("role_direct", lang) if role == "direct" else codes.label(codes.ROLES, role, lang)


def _streets(frame: pd.DataFrame, lang: str, english: dict[str, str] | None) -> pd.Series:
    return frame["street"].map(lambda s: street_label(s, lang, english))


def on_time_chart(summary: pd.DataFrame, target: float, lang: str = "zh", role: str = "grid_worker",
                  english: dict[str, str] | None = None) -> alt.Chart:
    """Bars of the on-time closure rate per street for one role (lowest on top), red below `target`,
    with the target as a dashed rule (summary: street, role, on_time, tickets)."""
    data = summary[summary["role"] == role][["street", "on_time", "tickets"]].dropna(subset=["on_time"])
    below, met = t("below_target", lang), t("target_met", lang)
    data = data.assign(label=_streets(data, lang, english),
                       status=(data["on_time"] < target).map({True: below, False: met}))
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=data.sort_values("on_time")["label"].tolist(), title=None, axis=LABELS),
        x=alt.X("on_time:Q", title=t("sim_on_time", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("label:N", title=t("street", lang)),
                 alt.Tooltip("on_time:Q", title=t("sim_on_time", lang), format=".1%"),
                 alt.Tooltip("tickets:Q", title=t("sim_tickets", lang), format=",")])
    bars = base.mark_bar().encode(color=alt.Color("status:N", title=None, scale=alt.Scale(
        domain=[met, below], range=[PALETTE[0], PALETTE[3]])))
    text = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("on_time:Q", format=".1%"))
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
        color="#333333", strokeDash=[5, 3], strokeWidth=1.5).encode(
        x="target:Q", tooltip=[alt.Tooltip("target:Q", title=t("target", lang), format=".0%")])
    name = role_label(role, lang)
    title = t("on_time_chart", lang).format(role=name.lower() if lang == "en" else name, target=target)
    return _style(alt.layer(bars, text, rule).properties(title=title, height=alt.Step(ROW_PX)))


def backlog_chart(backlog: pd.DataFrame, lang: str = "zh", streets: Sequence[str] | None = None,
                  value: str = "open", until=None, top: int = 5, english: dict[str, str] | None = None) -> alt.Chart:
    """Lines of tickets in hand per day by street (backlog: street, ds, open, queued); by default the
    `top` streets with the highest peak; `until` cuts off the days simulated after the last arrival."""
    data = backlog if until is None else backlog[backlog["ds"] <= pd.Timestamp(until)]
    if streets is None:
        streets = data.groupby("street")[value].max().nlargest(top).index.tolist()
    data = data[data["street"].isin(list(streets))]
    data = data.assign(label=_streets(data, lang, english))
    chart = alt.Chart(data, title=t(f"backlog_chart_{value}", lang), height=300).mark_line(strokeWidth=1.8).encode(
        x=alt.X("ds:T", title=t("date", lang), axis=alt.Axis(format="%m/%d")),
        y=alt.Y(f"{value}:Q", title=t("count", lang)),
        color=alt.Color("label:N", title=t("street", lang), scale=alt.Scale(range=PALETTE),
                        legend=alt.Legend(columns=3)),
        tooltip=[alt.Tooltip("label:N", title=t("street", lang)),
                 alt.Tooltip("ds:T", title=t("date", lang), format="%Y-%m-%d"),
                 alt.Tooltip("open:Q", title=t("backlog_open", lang), format=",.0f"),
                 alt.Tooltip("queued:Q", title=t("backlog_queued", lang), format=",.0f")])
    return _style(chart)


def utilisation_chart(summary: pd.DataFrame, lang: str = "zh", roles: Sequence[str] = ("grid_worker", "mediator"),
                      english: dict[str, str] | None = None) -> alt.Chart:
    """Bars of the share of working hours spent on tickets per street, one bar per role (summary:
    street, role, utilisation, overtime_h_per_week)."""
    data = summary[summary["role"].isin(list(roles))].dropna(subset=["utilisation"])
    data = data.assign(label=_streets(data, lang, english), role_name=data["role"].map(lambda r: role_label(r, lang)))
    order = [role_label(r, lang) for r in roles]
    chart = alt.Chart(data, title=t("utilisation_chart", lang),
                      height=alt.Step(ROW_PX // len(roles) + 2)).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("utilisation", op="max", order="descending"),
                axis=LABELS),
        yOffset=alt.YOffset("role_name:N", sort=order),
        x=alt.X("utilisation:Q", title=t("utilisation", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("role_name:N", title=None, sort=order, scale=alt.Scale(range=PALETTE)),
        tooltip=[alt.Tooltip("label:N", title=t("street", lang)), alt.Tooltip("role_name:N", title=t("role", lang)),
                 alt.Tooltip("utilisation:Q", title=t("utilisation", lang), format=".0%"),
                 alt.Tooltip("overtime_h_per_week:Q", title=t("overtime", lang), format=".1f")])
    return _style(chart)


def plan_chart(plan_streets: pd.DataFrame, lang: str = "zh", english: dict[str, str] | None = None,
               what: str = "grid_workers") -> alt.Chart:
    """Today's and the needed headcount per street as two dots joined by a line (plan_streets: street,
    grid_workers_now, grid_workers, mediators_now, mediators); `what` is "grid_workers" or "mediators"."""
    now, need = t("plan_now", lang), t("plan_need", lang)
    data = plan_streets[["street", f"{what}_now", what]].rename(columns={f"{what}_now": "now", what: "need"})
    data = data.assign(label=_streets(data, lang, english), gap=data["need"] - data["now"])
    long = data.melt(id_vars=["street", "label", "gap"], value_vars=["now", "need"], var_name="kind", value_name="n")
    long["kind"] = long["kind"].map({"now": now, "need": need})
    y = alt.Y("label:N", title=None, sort=data.sort_values(["gap", "now"], ascending=False)["label"].tolist(),
              axis=LABELS)
    x_title = t("grid_workers", lang) if what == "grid_workers" else t("mediators", lang)
    tip = [alt.Tooltip("label:N", title=t("street", lang)), alt.Tooltip("now:Q", title=now),
           alt.Tooltip("need:Q", title=need), alt.Tooltip("gap:Q", title=t("plan_gap", lang), format="+d")]
    line = alt.Chart(data).mark_rule(color="#9aa5b1", strokeWidth=2).encode(
        y=y, x=alt.X("now:Q", title=x_title), x2="need:Q", tooltip=tip)
    dots = alt.Chart(long).mark_point(filled=True, size=90, opacity=1).encode(
        y=y, x="n:Q", color=alt.Color("kind:N", title=None, sort=[now, need],
                                      scale=alt.Scale(domain=[now, need], range=["#9aa5b1", PALETTE[0]])),
        tooltip=[alt.Tooltip("label:N", title=t("street", lang)), alt.Tooltip("kind:N", title=" "),
                 alt.Tooltip("n:Q", title=x_title)])
    title = t("plan_chart", lang).format(what=x_title)
    return _style(alt.layer(line, dots).properties(title=title, height=alt.Step(ROW_PX)))


def compare_chart(table: pd.DataFrame, names: Sequence[str], title: str, lang: str = "zh", percent: bool = True,
                  english: dict[str, str] | None = None) -> alt.Chart:
    """Bars of one measure per street, one bar per saved scenario (table: street and one column per name,
    as from `compare_staffing`)."""
    long = table.melt(id_vars="street", value_vars=list(names), var_name="scenario", value_name="value").dropna()
    long = long.assign(label=_streets(long, lang, english))
    fmt = ".1%" if percent else ",.1f"
    axis = alt.Axis(format="%") if percent else alt.Axis()
    chart = alt.Chart(long, title=title, height=alt.Step(max(ROW_PX // len(names) + 2, 8))).mark_bar().encode(
        y=alt.Y("label:N", title=None, axis=LABELS),
        yOffset=alt.YOffset("scenario:N", sort=list(names)),
        x=alt.X("value:Q", title=None, axis=axis),
        color=alt.Color("scenario:N", title=t("scenario", lang), sort=list(names), scale=alt.Scale(range=PALETTE)),
        tooltip=[alt.Tooltip("label:N", title=t("street", lang)), alt.Tooltip("scenario:N", title=t("scenario", lang)),
                 alt.Tooltip("value:Q", title=title, format=fmt)])
    return _style(chart)


def acceptors_chart(table: pd.DataFrame, lang: str = "zh") -> alt.Chart:
    """Acceptors rostered per 30-minute interval over a typical week (from `Plan.acceptors`)."""
    frame = table.assign(when=table["ds"])
    return _style(alt.Chart(frame).mark_area(interpolate="step-after", opacity=0.8, color=PALETTE[0]).encode(
        x=alt.X("when:T", title=None, axis=alt.Axis(format="%a %H:%M", labelAngle=0, tickCount=7)),
        y=alt.Y("rostered:Q", title=t("sf_acceptors_axis", lang)),
        tooltip=[alt.Tooltip("when:T", format="%a %H:%M", title=t("sf_interval", lang)),
                 alt.Tooltip("calls:Q", format=".1f", title=t("sf_calls", lang)),
                 alt.Tooltip("agents:Q", title=t("sf_on_phones", lang)),
                 alt.Tooltip("rostered:Q", title=t("sf_acceptors_axis", lang))],
    ).properties(height=220, title=t("sf_acceptors_title", lang)))
