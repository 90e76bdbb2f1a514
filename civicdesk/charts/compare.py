"""Charts of the Compare view (`civicdesk.compare`): two sides in two colours on one axis.

Each builder takes one of `Comparison`'s long frames (a `side` column naming the side; the sides keep the
order they appear in) and a language, and returns an Altair chart; no Streamlit here.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from civicdesk.charts import PALETTE, _style, alt
from civicdesk.i18n import category_label, kpi_label, t

#: Categories a chart shows: the largest by both sides' volume together.
TOP_CATEGORIES = 12
RATES = ("response_rate", "closure_rate", "satisfaction_rate")


def _sides(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["side"]))


def _colour(frame: pd.DataFrame, lang: str) -> alt.Color:
    """The sides' colours, the legend on top: in one row, or one a row when the names are long (English ones in
    a half-width column)."""
    sides = _sides(frame)
    columns = 1 if sum(len(s) for s in sides) > 28 else max(len(sides), 1)
    return alt.Color("side:N", title=t("cmp_side", lang), scale=alt.Scale(domain=sides, range=PALETTE[:2]),
                     legend=alt.Legend(orient="top", columns=columns, labelLimit=320))


def top_categories(mix: pd.DataFrame, top: int = TOP_CATEGORIES) -> list[str]:
    """The `top` categories with the most tickets over both sides (ties by name), largest first."""
    summed = mix.groupby("category", sort=True)["received"].sum().reset_index()
    summed = summed.sort_values(["received", "category"], ascending=[False, True])
    return summed["category"].head(top).tolist()


def category_share_chart(mix: pd.DataFrame, lang: str = "zh", english: dict[str, str] | None = None,
                         top: int = TOP_CATEGORIES) -> alt.Chart:
    """Side-by-side bars of each category's share of its side's tickets, labelled with the count
    (mix: side, category, received, share)."""
    keep = top_categories(mix, top)
    data = mix[mix["category"].isin(keep)].copy()
    data["label"] = data["category"].map(lambda c: category_label(c, lang, english))
    unit = t("pieces", lang)
    data["text"] = [f"{n:,}{unit} · {s:.0%}" for n, s in zip(data["received"], data["share"])]
    merged = mix["category"].nunique() > len(keep)
    title = t("cmp_mix_top", lang).format(top=top) if merged else t("cmp_mix_title", lang)
    order = [category_label(c, lang, english) for c in keep]
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)),
        yOffset=alt.YOffset("side:N", sort=_sides(mix)),
        x=alt.X("share:Q", title=t("share", lang), axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("side:N", title=t("cmp_side", lang)), alt.Tooltip("label:N", title=t("category", lang)),
                 alt.Tooltip("received:Q", title=t("received", lang), format=","),
                 alt.Tooltip("share:Q", title=t("share", lang), format=".1%")])
    bars = base.mark_bar().encode(color=_colour(mix, lang))
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text="text:N")
    return _style(alt.layer(bars, text).properties(height=alt.Step(14)))


def close_days_chart(quantiles: pd.DataFrame, lang: str = "zh", english: dict[str, str] | None = None,
                     order: Sequence[str] = (), top: int = TOP_CATEGORIES) -> alt.Chart:
    """Box plots of working days to close per category, the sides one above the other (quantiles: side,
    category, n, p10, p25, median, p75, p90): box p25–p75, tick at the median, whiskers p10–p90.

    `order`: categories in display order (e.g. `top_categories` of the mix); default by closed tickets."""
    keep = list(order)[:top] if len(order) else top_categories(quantiles.rename(columns={"n": "received"}), top)
    data = quantiles[quantiles["category"].isin(keep)].copy()
    data["label"] = data["category"].map(lambda c: category_label(c, lang, english))
    merged = quantiles["category"].nunique() > len(keep)
    title = t("cmp_close_top", lang).format(top=top) if merged else t("cmp_close_title", lang)
    tip = [alt.Tooltip("side:N", title=t("cmp_side", lang)), alt.Tooltip("label:N", title=t("category", lang)),
           alt.Tooltip("n:Q", title=t("cmp_n", lang), format=","),
           *[alt.Tooltip(f"{q}:Q", title=t(f"cmp_{q}", lang), format=".1f")
             for q in ("p10", "p25", "median", "p75", "p90")]]
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("label:N", sort=[category_label(c, lang, english) for c in keep], title=None,
                axis=alt.Axis(labelLimit=240)),
        yOffset=alt.YOffset("side:N", sort=_sides(quantiles)), color=_colour(quantiles, lang), tooltip=tip)
    whisker = base.mark_rule().encode(x=alt.X("p10:Q", title=t("cmp_close_axis", lang)), x2="p90:Q")
    box = base.mark_bar(size=9).encode(x="p25:Q", x2="p75:Q")
    median = base.mark_tick(color="white", thickness=2, size=9).encode(x="median:Q")
    return _style(alt.layer(whisker, box, median).properties(height=alt.Step(14)))


def _week_labels(weekly: pd.DataFrame, lang: str) -> pd.DataFrame:
    return weekly.assign(week_label=[t("cmp_week_n", lang).format(n=i + 1) for i in weekly["week_index"]],
                         monday=weekly["week"].dt.strftime("%Y-%m-%d"))


def _week_axis(weekly: pd.DataFrame, lang: str) -> alt.X:
    order = [t("cmp_week_n", lang).format(n=i + 1) for i in sorted(set(weekly["week_index"]))]
    return alt.X("week_label:N", sort=order, title=t("cmp_week_index", lang), axis=alt.Axis(labelAngle=0))


def weekly_volume_compare_chart(weekly: pd.DataFrame, lang: str = "zh", height: int = 330) -> alt.Chart:
    """Bars of tickets per week, the two sides side by side on the period's week index (weekly: side,
    week_index, week, received). `height` is the whole chart's: Streamlit fits title, legend and axes into it."""
    data = _week_labels(weekly[["side", "week_index", "week", "received"]], lang)
    chart = alt.Chart(data, title=t("cmp_weekly_title", lang), height=height).mark_bar().encode(
        x=_week_axis(data, lang), xOffset=alt.XOffset("side:N", sort=_sides(weekly)),
        y=alt.Y("received:Q", title=t("count", lang)), color=_colour(weekly, lang),
        tooltip=[alt.Tooltip("side:N", title=t("cmp_side", lang)),
                 alt.Tooltip("monday:N", title=t("cmp_week_start", lang)),
                 alt.Tooltip("received:Q", title=t("received", lang), format=",")])
    return _style(chart)


def rates_compare_chart(weekly: pd.DataFrame, lang: str = "zh", kpis: Sequence[str] = RATES,
                        width: int = 210, height: int = 200) -> alt.Chart:
    """One small panel per rate (`kpis`), each with the two sides' weekly lines on the week index
    (weekly: side, week_index, week and the KPI columns); a rate the store does not record is left out by the
    caller, a week without a denominator is a gap."""
    data = _week_labels(weekly[["side", "week_index", "week", *kpis]], lang)
    long = data.melt(id_vars=["side", "week_index", "week_label", "monday"], value_vars=list(kpis),
                     var_name="kpi", value_name="value").dropna(subset=["value"])
    long["kpi"] = long["kpi"].map(lambda k: kpi_label(k, lang))
    low = max(0.0, float(long["value"].min()) - 0.02) if len(long) else 0.0
    chart = alt.Chart(long, width=width, height=height).mark_line(point=True).encode(
        x=_week_axis(data, lang),
        y=alt.Y("value:Q", title=t("rate", lang), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[low, 1.0])),
        color=_colour(weekly, lang),
        tooltip=[alt.Tooltip("side:N", title=t("cmp_side", lang)), alt.Tooltip("kpi:N", title=t("kpi", lang)),
                 alt.Tooltip("monday:N", title=t("cmp_week_start", lang)),
                 alt.Tooltip("value:Q", title=t("rate", lang), format=".1%")])
    panels = chart.facet(column=alt.Column("kpi:N", title=None, sort=[kpi_label(k, lang) for k in kpis],
                                           header=alt.Header(labelFontSize=13)),
                         title=t("cmp_rates_title", lang))
    return _style(panels)


def satisfaction_compare_chart(satisfaction: pd.DataFrame, lang: str = "zh") -> alt.Chart:
    """Each side's satisfaction rate as a point with its 95% interval as an error bar, the callbacks it rests
    on written beside it (satisfaction: side, rate, low, high, callbacks); sides without callbacks left out."""
    data = satisfaction.dropna(subset=["rate"]).copy()
    data["text"] = [f"{r:.1%}（n={n:,}）" if lang == "zh" else f"{r:.1%} (n={n:,})"
                    for r, n in zip(data["rate"], data["callbacks"])]
    lo = max(0.0, float(data["low"].min()) - 0.03) if len(data) else 0.0
    hi = min(1.0, float(data["high"].max()) + 0.03) if len(data) else 1.0
    scale, axis, title = alt.Scale(domain=[lo, hi]), alt.Axis(format="%"), kpi_label("satisfaction_rate", lang)
    x = alt.X("rate:Q", title=title, axis=axis, scale=scale)
    base = alt.Chart(data, title=t("cmp_sat_title", lang)).encode(
        y=alt.Y("side:N", sort=_sides(satisfaction), title=None, axis=alt.Axis(labelLimit=320)),
        color=_colour(satisfaction, lang),
        tooltip=[alt.Tooltip("side:N", title=t("cmp_side", lang)),
                 alt.Tooltip("rate:Q", title=kpi_label("satisfaction_rate", lang), format=".1%"),
                 alt.Tooltip("low:Q", title=t("cmp_low", lang), format=".1%"),
                 alt.Tooltip("high:Q", title=t("cmp_high", lang), format=".1%"),
                 alt.Tooltip("callbacks:Q", title=t("cmp_callbacks", lang), format=",")])
    bars = base.mark_rule(strokeWidth=3).encode(x=alt.X("low:Q", title=title, axis=axis, scale=scale), x2="high:Q")
    point = base.mark_point(filled=True, size=90).encode(x=x)
    text = base.mark_text(dy=-12, fontSize=11).encode(x=x, text="text:N")
    return _style(alt.layer(bars, point, text).properties(height=alt.Step(48)))
