"""Forecast metrics on hand-computed cases."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk.forecast.metrics import coverage, evaluate, mae, mase, rmse, rmsse, smape, summarise, winkler


@pytest.mark.parametrize("fn, args, expected", [
    (mae, ([1, 2, 3], [2, 2, 5]), 1.0),
    (rmse, ([1, 2, 3], [2, 2, 5]), np.sqrt(5 / 3)),
    (smape, ([0, 10], [0, 30]), 50.0),          # (0 + 200·20/40) / 2
    (mase, ([10, 10], [12, 8], [0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4], 7), 0.5),   # 2 / mean|lag-7 diff| 4
    (mase, ([1, 2], [1, 2], [5] * 20, 7), np.nan),                                     # flat history: no scale
    (mase, ([3], [4], [1, 2, 1, 2, 1, 2, 1] * 2, 7), 13 / 12),                          # weekly-flat: lag-1 scale 12/13
    (rmsse, ([10, 10], [12, 8], [0] * 7 + [4] * 7, 7), 2 / 4),
    (coverage, ([1, 5, 9], [0, 6, 0], [2, 8, 8]), 1 / 3),
    (winkler, ([5, 1, 12], [2, 2, 2], [10, 10, 10], 80), (8 + (8 + 10 * 1) + (8 + 10 * 2)) / 3),
    (mae, ([1, np.nan, 3], [2, 5, np.nan]), 1.0),
])
def test_metrics(fn, args, expected):
    got = fn(*args)
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected)


def test_evaluate_and_summarise():
    days = pd.date_range("2023-01-01", periods=21)
    train = pd.DataFrame({"unique_id": "a", "ds": days, "y": np.tile([2.0, 4.0, 2.0, 4.0, 2.0, 4.0, 2.0], 3)})
    cv = pd.DataFrame({"unique_id": "a", "ds": days[14:16], "cutoff": days[13], "y": [2.0, 4.0],
                       "good": [2.0, 4.0], "bad": [4.0, 2.0], "bad-lo-80": [0.0, 0.0], "bad-hi-80": [3.0, 3.0]})
    scores = evaluate(cv, train, ["good", "bad"])
    bad = scores.set_index("model").loc["bad"]
    assert scores.set_index("model").loc["good", "mae"] == 0
    assert bad["mae"] == 2.0 and bad["coverage_80"] == 0.5
    # history up to the cutoff repeats weekly, so the scale falls back to lag 1: 12 steps of 2 in 13
    assert bad["mase"] == pytest.approx(2.0 / (24 / 13))
    assert list(summarise(scores)["model"]) == ["good", "bad"]
