"""Charts of a long taxonomy: the largest bars and one merged bar, with the counts and rates kept whole."""
from __future__ import annotations

import pandas as pd

from civicdesk.charts import breakdown_bar_chart
from civicdesk.charts.satisfaction import _POOLED, _pool_tail, rate_by_chart
from civicdesk.store.categories import merge_tail


def _cats(n: int) -> pd.DataFrame:
    return pd.DataFrame({"category": [f"类{i:03d}" for i in range(n)], "received": range(n, 0, -1)})


def test_merge_tail_keeps_totals_and_order():
    frame, merged = merge_tail(_cats(120).iloc[::-1], "category", "received", 15, "其他", ["received"])
    assert merged == 105 and len(frame) == 16 and frame["received"].sum() == sum(range(1, 121))
    assert list(frame["category"][:3]) == ["类000", "类001", "类002"] and frame["category"].iloc[-1] == "其他"
    same, none = merge_tail(_cats(16), "category", "received", 15, "其他", ["received"])  # a tail of one: kept
    assert none == 0 and len(same) == 16


def test_breakdown_chart_says_what_it_merged():
    zh = breakdown_bar_chart(_cats(120), "category", "zh").to_dict()
    en = breakdown_bar_chart(_cats(120), "category", "en").to_dict()
    assert "其余105类" in str(zh) and "other 105 merged" in str(en)
    assert "其余105项（合并）" in str(zh) and "105 others (merged)" in str(en)
    assert "其余" not in str(breakdown_bar_chart(_cats(13), "category", "zh").to_dict())


def test_pool_tail_pools_callbacks_not_rates():
    n = 30
    frame = pd.DataFrame({"category": [f"类{i}" for i in range(n)], "cb_satisfied": range(n, 0, -1),
                          "cb_basically_satisfied": 1, "cb_unsatisfied": [1] * 10 + [3] * 20})
    frame["satisfaction_rate"] = (frame["cb_satisfied"] + 1) / (frame["cb_satisfied"] + 1 + frame["cb_unsatisfied"])
    frame["callbacks"] = frame[["cb_satisfied", "cb_basically_satisfied", "cb_unsatisfied"]].sum(axis=1)
    pooled, n_pooled = _pool_tail(frame, "category", 20)
    rest = frame.sort_values("callbacks", ascending=False).iloc[20:]
    happy = (rest["cb_satisfied"] + rest["cb_basically_satisfied"]).sum()
    assert n_pooled == 10 and len(pooled) == 21 and pooled["category"].iloc[-1] == _POOLED
    assert pooled["satisfaction_rate"].iloc[-1] == happy / rest["callbacks"].sum()
    chart = str(rate_by_chart(frame, "category", str, 0.9, "各类诉求满意率", "zh").to_dict())
    assert "其余10项合并" in chart and "其余10项（合并）" in chart
