"""The Forecast view's backtest as a chart: per series, the chosen method's held-out error next to seasonal
naive's, the losing ones in red and listed first.

`backtest_comparison` turns a run's metrics into the rows shown; `backtest_chart` draws them.
"""
from __future__ import annotations

from collections.abc import Callable

import altair as alt
import numpy as np
import pandas as pd

from civicdesk.charts import PALETTE, _style
from civicdesk.i18n import t

BEATS, LOSES, TIES, UNSCORED = "fc_beats", "fc_loses", "fc_ties", "fc_unscored"
GREY = "#9aa3ad"


def outcome(backtest_mase: float, naive_mase: float) -> str:
    """How the choosing did on the held-out days: BEATS, LOSES, TIES (it chose the seasonal naive) or UNSCORED."""
    if not (np.isfinite(backtest_mase) and np.isfinite(naive_mase)):
        return UNSCORED
    if backtest_mase < naive_mase:
        return BEATS
    return LOSES if backtest_mase > naive_mase else TIES


def backtest_comparison(metrics: pd.DataFrame, label: Callable[[str], str] = str) -> pd.DataFrame:
    """A run's metrics as shown: series (labelled), backtest_mase, naive_mase and the outcome key, the
    losing series first (by how far they lose), then the rest by their ratio to the seasonal naive."""
    frame = metrics.assign(series=metrics["unique_id"].map(label),
                           backtest_mase=pd.to_numeric(metrics["backtest_mase"], errors="coerce"),
                           naive_mase=pd.to_numeric(metrics["naive_mase"], errors="coerce"))
    frame["outcome"] = [outcome(b, n) for b, n in zip(frame["backtest_mase"], frame["naive_mase"])]
    ratio = frame["backtest_mase"] / frame["naive_mase"].where(frame["naive_mase"] > 0)
    return frame.assign(_ratio=ratio.fillna(-np.inf)).sort_values("_ratio", ascending=False, kind="stable") \
        .drop(columns="_ratio").reset_index(drop=True)


def backtest_chart(comparison: pd.DataFrame, lang: str = "zh", row_px: int = 26) -> alt.Chart:
    """Bars of the held-out MASE per series: the chosen method (blue when it beats seasonal naive, red when it
    loses) next to seasonal naive (grey). Unscored series are left out. `comparison` is `backtest_comparison`."""
    scored = comparison[comparison["outcome"] != UNSCORED]
    order = scored["series"].tolist()
    bars = {"beats": t("fc_bar_beats", lang), "loses": t("fc_bar_loses", lang), "naive": t("fc_bar_naive", lang)}
    chosen = scored.assign(bar=np.where(scored["outcome"] == LOSES, bars["loses"], bars["beats"]),
                           mase=scored["backtest_mase"], rank=0)
    naive = scored.assign(bar=bars["naive"], mase=scored["naive_mase"], rank=1)
    long = pd.concat([chosen, naive], ignore_index=True)[["series", "bar", "mase", "rank"]]
    color = alt.Color("bar:N", title=None, legend=alt.Legend(orient="top", labelLimit=260),
                      scale=alt.Scale(domain=[bars["beats"], bars["loses"], bars["naive"]],
                                      range=[PALETTE[0], PALETTE[3], GREY]))
    # a step per series, not a total height: the title, the legend and the axis come on top of the bars (in
    # the app a fixed height is shared with them and left the bars a few pixels)
    chart = alt.Chart(long, title=t("fc_backtest_chart", lang), height=alt.Step(row_px)).mark_bar() \
        .encode(y=alt.Y("series:N", sort=order, title=None, axis=alt.Axis(labelLimit=170)),
                yOffset=alt.YOffset("rank:O"),
                x=alt.X("mase:Q", title=t("fc_mase_axis", lang)),
                color=color,
                tooltip=[alt.Tooltip("series:N", title=t("series", lang)), alt.Tooltip("bar:N", title=t("fc_bar", lang)),
                         alt.Tooltip("mase:Q", title="MASE", format=".2f")])
    return _style(chart)
