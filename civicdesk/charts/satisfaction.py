"""Altair charts of satisfaction and its drivers, shared by the app, notebooks and the briefing.

Each builder takes a frame from `civicdesk.kpi` or a `DriverModel` attribute and a language, and returns
an `alt.Chart` with Chinese titles by default.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from civicdesk.charts import PALETTE, _style
from civicdesk.i18n import driver_label, t
from civicdesk.store.categories import merge_tail

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


#: Bars of a 满意率 chart; beyond them the groups with the fewest callbacks are pooled into one bar.
TOP_RATE_BARS = 20
_REACHED = ("cb_satisfied", "cb_basically_satisfied", "cb_unsatisfied")


_POOLED = "\x00pooled"


def _pool_tail(data: pd.DataFrame, key: str, top: int) -> tuple[pd.DataFrame, int]:
    """The `top` groups with the most callbacks, and the rest pooled into one row keyed `_POOLED` (its 满意率
    from the pooled callbacks); returns the frame and how many groups were pooled."""
    if not all(c in data for c in _REACHED):
        return data, 0
    out, pooled = merge_tail(data, key, "callbacks", top, _POOLED, [*_REACHED, "callbacks"])
    if pooled:
        happy = out["cb_satisfied"].iloc[-1] + out["cb_basically_satisfied"].iloc[-1]
        out.loc[out.index[-1], "satisfaction_rate"] = happy / out["callbacks"].iloc[-1]  # callbacks > 0: rates known
    return out, pooled


def rate_by_chart(frame: pd.DataFrame, key: str, label, target: float, title: str, lang: str = "zh",
                  top: int = TOP_RATE_BARS) -> alt.Chart:
    """Bars of 满意率 by `key` (frame: key, satisfaction_rate and the callback counts), lowest on top, red
    below `target`. Beyond `top` groups, those with the fewest callbacks are pooled into one bar (a taxonomy of
    100+ categories), and the title says so."""
    below, met = t("below_target", lang), t("target_met", lang)
    data = frame.dropna(subset=["satisfaction_rate"]).copy()
    reached = [c for c in _REACHED if c in data.columns]
    data["callbacks"] = data[reached].sum(axis=1) if reached else float("nan")
    data, pooled = _pool_tail(data, key, top)
    if pooled:
        title += t("sat_top_note", lang).format(top=top, n=pooled)
    data = data[[key, "satisfaction_rate", "callbacks"]]
    data["label"] = [t("chart_other_bar", lang).format(n=pooled) if v == _POOLED else label(v) for v in data[key]]
    data["status"] = (data["satisfaction_rate"] < target).map({True: below, False: met})
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=data.sort_values("satisfaction_rate")["label"].tolist(), title=None, axis=LABELS),
        x=alt.X("satisfaction_rate:Q", title=t("sat_rate", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[min(0.7, float(data["satisfaction_rate"].min()) - 0.02), 1])),
        tooltip=[alt.Tooltip("label:N", title=t(key, lang)),
                 alt.Tooltip("satisfaction_rate:Q", title=t("sat_rate", lang), format=".1%"),
                 alt.Tooltip("callbacks:Q", title=t("sat_callbacks", lang), format=",")])
    bars = base.mark_bar(clip=True).encode(color=alt.Color("status:N", title=None, scale=alt.Scale(
        domain=[met, below], range=[PALETTE[0], PALETTE[3]])))
    text = base.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text("satisfaction_rate:Q", format=".1%"))
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(color="#333333", strokeDash=[5, 3]).encode(
        x="target:Q")
    return _style(alt.layer(bars, text, rule).properties(title=title, height=alt.Step(ROW_PX)))


def effects_chart(effects: pd.DataFrame, lang: str = "zh", top: int | None = None,
                  english: dict[str, str] | None = None) -> alt.Chart:
    """Average marginal effects in points with 95% intervals (effects: column, effect, ci_low, ci_high)."""
    data = effects.copy()
    data["label"] = data["column"].map(lambda c: driver_label(c, lang, english))
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


def contact_history_chart(history: pd.DataFrame, lang: str = "zh") -> alt.Chart:
    """One entry's contacts over time (history: created_at, category, subcategory, callback_result,
    description, in_window), coloured by the callback result."""
    from civicdesk import codes

    data = history.copy()
    order = ["satisfied", "basically_satisfied", "unsatisfied", "not_reached"]
    names = [codes.label(codes.CALLBACK_RESULTS, c, lang) for c in order] + [t("kp_no_callback", lang)]
    data["result"] = data["callback_result"].map(
        lambda c: codes.label(codes.CALLBACK_RESULTS, c, lang) if isinstance(c, str) else t("kp_no_callback", lang))
    # an export without categories: "未注明" / "Unspecified", not "null"
    data["subject"] = data["subcategory"].fillna(data["category"]).fillna(t("unspecified", lang))
    chart = alt.Chart(data).mark_circle(size=110, opacity=0.85).encode(
        x=alt.X("created_at:T", title=None, axis=alt.Axis(format="%m-%d")),
        y=alt.Y("subject:N", title=None, axis=LABELS),
        color=alt.Color("result:N", title=t("kp_callback", lang), scale=alt.Scale(
            domain=names, range=[PALETTE[2], "#8fc9a3", PALETTE[3], "#888888", "#cccccc"])),
        tooltip=[alt.Tooltip("created_at:T", title=t("date", lang), format="%Y-%m-%d %H:%M"),
                 alt.Tooltip("subject:N", title=t("category", lang)),
                 alt.Tooltip("result:N", title=t("kp_callback", lang)),
                 alt.Tooltip("description:N", title=t("kp_description", lang))])
    return _style(chart.properties(title=t("kp_history", lang), height=alt.Step(34)))


def hot_terms_chart(terms: pd.DataFrame, title: str, lang: str = "zh") -> alt.Chart:
    """Bars of this week's tickets per hot term against the baseline's weekly mean (terms: term, count,
    baseline_mean, score), strongest rise on top."""
    data = terms.assign(label=terms["term"])
    long = pd.concat([data.assign(kind=t("kp_this_week", lang), value=data["count"]),
                      data.assign(kind=t("kp_baseline", lang), value=data["baseline_mean"])])
    return _style(alt.Chart(long).mark_bar().encode(
        y=alt.Y("label:N", sort=data["label"].tolist(), title=None, axis=LABELS),
        yOffset=alt.YOffset("kind:N", sort=[t("kp_this_week", lang), t("kp_baseline", lang)]),
        x=alt.X("value:Q", title=t("count", lang)),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(range=[PALETTE[3], "#bbbbbb"]),
                        legend=alt.Legend(labelLimit=260),
                        sort=[t("kp_this_week", lang), t("kp_baseline", lang)]),
        tooltip=[alt.Tooltip("label:N", title=t("kp_term", lang)), alt.Tooltip("kind:N", title=""),
                 alt.Tooltip("value:Q", title=t("count", lang), format=",.1f"),
                 alt.Tooltip("score:Q", title=t("kp_score", lang), format=".1f")],
    ).properties(title=title, height=alt.Step(12)))
