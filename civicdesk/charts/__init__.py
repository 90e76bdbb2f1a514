"""Altair chart builders shared by the app, notebooks and the briefing's exports.

Each builder takes a frame from the library (e.g. an `Overview` attribute) and a language and returns an
`alt.Chart`; labels are Chinese by default.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

import pandas as pd


def _import_altair():
    """Altair, imported without the optional ``rfc3987_syntax``: jsonschema (which Altair imports) compiles
    that package's Lark grammar at import to check the "iri" string format, 1.7 s on the command line, and
    the Vega-Lite schema has no such format. Hidden only while jsonschema loads, so it behaves as if that
    optional package were not installed; a later ``import rfc3987_syntax`` still works."""
    hide = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # makes `import rfc3987_syntax` raise ImportError
    try:
        import altair
    finally:
        if hide and "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]
    return altair


alt = _import_altair()

from civicdesk.i18n import category_label, channel_label, kpi_label, street_label, t
from civicdesk.store.categories import merge_tail

PALETTE = ["#1f5fa8", "#d9822b", "#2e8b57", "#b23a48", "#7a5195", "#5f6b7a"]
CJK_FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def _style(chart: alt.Chart) -> alt.Chart:
    return (chart.configure_axis(labelFont=CJK_FONT, titleFont=CJK_FONT, labelFontSize=12, titleFontSize=13)
            .configure_legend(labelFont=CJK_FONT, titleFont=CJK_FONT, orient="bottom")
            .configure_title(font=CJK_FONT, fontSize=15, anchor="start")
            .configure_view(strokeWidth=0))


def weekly_volume_chart(trend: pd.DataFrame, lang: str = "zh", height: int = 260) -> alt.Chart:
    """Bars of tickets received per week (trend: period, received)."""
    data = trend[["period", "received"]].assign(week=trend["period"].dt.strftime("%Y-%m-%d"))
    chart = alt.Chart(data, title=t("weekly_volume", lang), height=height).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("period:T", title=t("week", lang), axis=alt.Axis(format="%m/%d")),
        y=alt.Y("received:Q", title=t("count", lang)),
        tooltip=[alt.Tooltip("week:N", title=t("week", lang)),
                 alt.Tooltip("received:Q", title=t("received", lang), format=",")],
    )
    return _style(chart)


def rates_trend_chart(trend: pd.DataFrame, lang: str = "zh",
                      kpis: Sequence[str] = ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"),
                      height: int = 260) -> alt.Chart:
    """Lines of the weekly rates (trend: period and the KPI columns), on a percentage axis."""
    long = trend.melt(id_vars="period", value_vars=list(kpis), var_name="kpi", value_name="value").dropna()
    long["kpi"] = long["kpi"].map(lambda k: kpi_label(k, lang))
    low = max(0.0, float(long["value"].min()) - 0.02) if len(long) else 0.0
    chart = alt.Chart(long, title=t("weekly_rates", lang), height=height).mark_line(point=True).encode(
        x=alt.X("period:T", title=t("week", lang), axis=alt.Axis(format="%m/%d")),
        y=alt.Y("value:Q", title=t("rate", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[low, 1.0])),
        # two columns under the chart: four English names in one row run past a half-width column
        color=alt.Color("kpi:N", title=t("kpi", lang), scale=alt.Scale(range=PALETTE),
                        legend=alt.Legend(columns=2, labelLimit=220)),
        tooltip=[alt.Tooltip("kpi:N", title=t("kpi", lang)), alt.Tooltip("period:T", title=t("week", lang)),
                 alt.Tooltip("value:Q", title=t("rate", lang), format=".1%")],
    )
    return _style(chart)


#: Bars a breakdown chart shows; a longer tail (a taxonomy of 100+ categories) is merged into one bar.
TOP_BARS = 15


def breakdown_bar_chart(frame: pd.DataFrame, key: str, lang: str = "zh", english: dict[str, str] | None = None,
                        value: str = "received", height: int | None = None, top: int = TOP_BARS) -> alt.Chart:
    """Horizontal bars of `value` by `key` ("category", "street" or "channel"), largest on top, labelled.

    Beyond `top` bars the rest are merged into one bar (其他 / Other) and the title says how many.
    """
    other = "\x00other"
    frame, merged = merge_tail(frame[[key, value]], key, value, top, other, [value])
    named = {"category": lambda v: category_label(v, lang, english), "channel": lambda v: channel_label(v, lang),
             "street": lambda v: street_label(v, lang, english)}[key]
    labeller = lambda v: t("chart_other_bar", lang).format(n=merged) if v == other else named(v)  # noqa: E731
    title = t(f"by_{key}", lang) + (t("chart_top_note", lang).format(top=top, n=merged) if merged else "")
    data = frame[[key, value]].assign(label=frame[key].map(labeller),
                                      share=frame[value] / max(float(frame[value].sum()), 1.0))
    base = alt.Chart(data, title=title, height=height or alt.Step(26)).encode(
        y=alt.Y("label:N", sort=list(dict.fromkeys(data["label"])), title=None,  # largest first, the merged bar last
                axis=alt.Axis(labelLimit=240)),  # whole English names
        x=alt.X(f"{value}:Q", title=t("count", lang)),
        tooltip=[alt.Tooltip("label:N", title=t(key, lang)), alt.Tooltip(f"{value}:Q", title=t(value, lang), format=","),
                 alt.Tooltip("share:Q", title=t("share", lang), format=".1%")],
    )
    bars = base.mark_bar(color=PALETTE[0])
    text = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text(f"{value}:Q", format=","))
    return _style(alt.layer(bars, text))


def counts_bar_chart(counts: dict[str, int], title: str, label, lang: str = "zh") -> alt.Chart:
    """Horizontal bars of a {code: count} dict (e.g. an import's quarantine reasons), largest on top."""
    data = pd.DataFrame({"code": list(counts), "n": list(counts.values())})
    data["label"] = data["code"].map(label)
    base = alt.Chart(data, title=title, height=alt.Step(26)).encode(
        y=alt.Y("label:N", sort="-x", title=None), x=alt.X("n:Q", title=t("count", lang)),
        tooltip=[alt.Tooltip("label:N", title=title), alt.Tooltip("n:Q", title=t("count", lang), format=",")])
    text = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("n:Q", format=","))
    return _style(alt.layer(base.mark_bar(color=PALETTE[3]), text))


def _months(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(month_start=pd.to_datetime(frame["month"] + "-01"))


def monthly_rows_chart(summary: pd.DataFrame, lang: str = "zh", height: int = 340) -> alt.Chart:
    """Stacked bars of tickets per month by source (summary: source, month "YYYY-MM", rows)."""
    chart = alt.Chart(_months(summary), title=t("quality_rows_chart", lang), height=height).mark_bar().encode(
        x=alt.X("yearmonth(month_start):T", title=t("month", lang), axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("rows:Q", title=t("count", lang)),
        color=alt.Color("source:N", title=t("source", lang), scale=alt.Scale(range=PALETTE)),
        tooltip=[alt.Tooltip("month:N", title=t("month", lang)), alt.Tooltip("source:N", title=t("source", lang)),
                 alt.Tooltip("rows:Q", title=t("rows", lang), format=",")])
    return _style(chart)


def monthly_issues_chart(summary: pd.DataFrame, issues: Sequence[str], lang: str = "zh",
                         height: int = 340) -> alt.Chart:
    """Lines of data problems per month (summary: month and one count column per issue), all sources."""
    total = summary.groupby("month", as_index=False)[list(issues)].sum()
    long = _months(total.melt(id_vars="month", value_vars=list(issues), var_name="issue", value_name="n"))
    long["issue"] = long["issue"].map(lambda k: t(k, lang))
    chart = alt.Chart(long, title=t("quality_issue_chart", lang), height=height).mark_line(point=True).encode(
        x=alt.X("yearmonth(month_start):T", title=t("month", lang), axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("n:Q", title=t("count", lang)),
        color=alt.Color("issue:N", title=t("issue", lang), scale=alt.Scale(range=PALETTE),
                        legend=alt.Legend(columns=2, labelLimit=220)),
        tooltip=[alt.Tooltip("month:N", title=t("month", lang)), alt.Tooltip("issue:N", title=t("issue", lang)),
                 alt.Tooltip("n:Q", title=t("count", lang), format=",")])
    return _style(chart)


def forecast_fan_chart(history: pd.DataFrame, forecast: pd.DataFrame, lang: str = "zh",
                       scenario: pd.DataFrame | None = None, height: int = 320) -> alt.Chart:
    """Daily history (ds, y) with the forecast's mean and 80%/95% bands (ds, mean, lo-80, …), and
    optionally a scenario's mean (ds, mean) as a dashed line."""
    hist = history.assign(series=t("actual", lang))
    fc = forecast.rename(columns={"lo-80": "lo80", "hi-80": "hi80", "lo-95": "lo95", "hi-95": "hi95"})
    x = alt.X("ds:T", title=t("date", lang), axis=alt.Axis(format="%m/%d"))
    band95 = alt.Chart(fc).mark_area(opacity=0.18, color=PALETTE[0]).encode(
        x=x, y=alt.Y("lo95:Q", title=t("count", lang)), y2="hi95:Q")
    band80 = alt.Chart(fc).mark_area(opacity=0.3, color=PALETTE[0]).encode(x=x, y="lo80:Q", y2="hi80:Q")
    tip = [alt.Tooltip("ds:T", title=t("date", lang), format="%Y-%m-%d"),
           alt.Tooltip("mean:Q", title=t("forecast", lang), format=",.1f"),
           alt.Tooltip("lo95:Q", title="95% ↓", format=",.0f"), alt.Tooltip("hi95:Q", title="95% ↑", format=",.0f")]
    mean = alt.Chart(fc).mark_line(color=PALETTE[0], strokeWidth=2).encode(x=x, y="mean:Q", tooltip=tip)
    actual = alt.Chart(hist).mark_line(color="#444444", strokeWidth=1).encode(
        x=x, y="y:Q", tooltip=[alt.Tooltip("ds:T", title=t("date", lang), format="%Y-%m-%d"),
                               alt.Tooltip("y:Q", title=t("actual", lang), format=",")])
    layers = [band95, band80, actual, mean]
    if scenario is not None:
        layers.append(alt.Chart(scenario).mark_line(color=PALETTE[1], strokeDash=[6, 3], strokeWidth=2).encode(
            x=x, y="mean:Q", tooltip=[alt.Tooltip("ds:T", format="%Y-%m-%d"),
                                      alt.Tooltip("mean:Q", title=t("scenario", lang), format=",.1f")]))
    return _style(alt.layer(*layers).properties(height=height, title=t("forecast_chart", lang)))
