"""Altair charts of satisfaction and its drivers, shared by the app, notebooks and the briefing.

Each builder takes a frame from `civicdesk.kpi` or a `DriverModel` attribute and a language, and returns
an `alt.Chart` with Chinese titles by default.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from civicdesk.charts import PALETTE, _style
from civicdesk.i18n import driver_label, t

ROW_PX = 22
LABELS = alt.Axis(labelLimit=220)


def satisfaction_trend_chart(weekly: pd.DataFrame, target: float, lang: str = "zh") -> alt.Chart:
    """The weekly 满意率 (weekly: period, satisfaction_rate, callbacks) with the target as a dashed rule."""
    data = weekly[["period", "satisfaction_rate"]].dropna()
    line = alt.Chart(data).mark_line(point=True, color=PALETTE[0]).encode(
        x=alt.X("period:T", title=None, axis=alt.Axis(format="%Y-%m-%d")),
        y=alt.Y("satisfaction_rate:Q", title=t("sat_rate", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("period:T", title=t("week", lang), format="%Y-%m-%d"),
                 alt.Tooltip("satisfaction_rate:Q", title=t("sat_rate", lang), format=".1%")])
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(color="#333333", strokeDash=[5, 3]).encode(
        y="target:Q", tooltip=[alt.Tooltip("target:Q", title=t("target", lang), format=".0%")])
    return _style(alt.layer(line, rule).properties(title=t("sat_weekly", lang), height=260))


def rate_by_chart(frame: pd.DataFrame, key: str, label, target: float, title: str, lang: str = "zh") -> alt.Chart:
    """Bars of 满意率 by `key` (frame: key, satisfaction_rate), lowest on top, red below `target`."""
    below, met = t("below_target", lang), t("target_met", lang)
    data = frame[[key, "satisfaction_rate"]].dropna().copy()
    data["label"] = data[key].map(label)
    data["status"] = (data["satisfaction_rate"] < target).map({True: below, False: met})
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=data.sort_values("satisfaction_rate")["label"].tolist(), title=None, axis=LABELS),
        x=alt.X("satisfaction_rate:Q", title=t("sat_rate", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[min(0.7, float(data["satisfaction_rate"].min()) - 0.02), 1])),
        tooltip=[alt.Tooltip("label:N", title=t(key, lang)),
                 alt.Tooltip("satisfaction_rate:Q", title=t("sat_rate", lang), format=".1%")])
    bars = base.mark_bar(clip=True).encode(color=alt.Color("status:N", title=None, scale=alt.Scale(
        domain=[met, below], range=[PALETTE[0], PALETTE[3]])))
    text = base.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text("satisfaction_rate:Q", format=".1%"))
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(color="#333333", strokeDash=[5, 3]).encode(
        x="target:Q")
    return _style(alt.layer(bars, text, rule).properties(title=title, height=alt.Step(ROW_PX)))


def effects_chart(effects: pd.DataFrame, lang: str = "zh", top: int | None = None) -> alt.Chart:
    """Average marginal effects in points with 95% intervals (effects: column, effect, ci_low, ci_high)."""
    data = effects.copy()
    data["label"] = data["column"].map(lambda c: driver_label(c, lang))
    for col in ("effect", "ci_low", "ci_high"):
        data[col] = data[col] * 100
    data = data.reindex(data["effect"].abs().sort_values(ascending=False).index)
    if top:
        data = data.head(top)
    data["sign"] = (data["effect"] < 0).map({True: t("sat_lowers", lang), False: t("sat_raises", lang)})
    order = data["label"].tolist()
    base = alt.Chart(data).encode(y=alt.Y("label:N", sort=order, title=None, axis=LABELS))
    bars = base.mark_rule(strokeWidth=2, color="#888888").encode(x=alt.X("ci_low:Q", title=t("sat_effect_pt", lang)),
                                                                  x2="ci_high:Q")
    points = base.mark_point(filled=True, size=70).encode(
        x="effect:Q", color=alt.Color("sign:N", title=None, scale=alt.Scale(
            domain=[t("sat_raises", lang), t("sat_lowers", lang)], range=[PALETTE[2], PALETTE[3]])),
        tooltip=[alt.Tooltip("label:N", title=t("kpi", lang)),
                 alt.Tooltip("effect:Q", title=t("sat_effect_pt", lang), format="+.1f"),
                 alt.Tooltip("ci_low:Q", title="95% ↓", format="+.1f"),
                 alt.Tooltip("ci_high:Q", title="95% ↑", format="+.1f")])
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#333333").encode(x="x:Q")
    return _style(alt.layer(zero, bars, points).properties(title=t("sat_effects", lang), height=alt.Step(ROW_PX)))


def importance_chart(importance: pd.DataFrame, lang: str = "zh") -> alt.Chart:
    """Bars of each driver's share of the model's explanatory power (importance: term, share)."""
    data = importance.assign(label=importance["term"].map(lambda c: driver_label(c, lang)))
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=data.sort_values("share", ascending=False)["label"].tolist(), title=None,
                axis=LABELS),
        x=alt.X("share:Q", title=t("sat_share", lang), axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("label:N", title=t("kpi", lang)),
                 alt.Tooltip("share:Q", title=t("sat_share", lang), format=".1%")])
    bars = base.mark_bar(color=PALETTE[0])
    text = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("share:Q", format=".0%"))
    return _style(alt.layer(bars, text).properties(title=t("sat_importance", lang), height=alt.Step(ROW_PX)))


def calibration_chart(calibration: pd.DataFrame, lang: str = "zh") -> alt.Chart:
    """Observed against predicted 满意率 per decile, with the diagonal (calibration: mean_predicted, observed)."""
    lo = float(min(calibration["mean_predicted"].min(), calibration["observed"].min()))
    diag = alt.Chart(pd.DataFrame({"x": [lo, 1.0], "y": [lo, 1.0]})).mark_line(
        color="#999999", strokeDash=[4, 3]).encode(x="x:Q", y="y:Q")
    points = alt.Chart(calibration).mark_circle(size=70, color=PALETTE[0]).encode(
        x=alt.X("mean_predicted:Q", title=t("sat_predicted", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False)),
        y=alt.Y("observed:Q", title=t("sat_observed", lang), axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("decile:O"), alt.Tooltip("n:Q", format=","),
                 alt.Tooltip("mean_predicted:Q", format=".1%"), alt.Tooltip("observed:Q", format=".1%")])
    return _style(alt.layer(diag, points).properties(title=t("sat_calibration", lang), height=260))
