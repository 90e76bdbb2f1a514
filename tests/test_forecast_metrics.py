"""Forecast metrics: hand-computed values, NaN handling, scale fallbacks, evaluate() and summarise()."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk.forecast.metrics import (coverage, evaluate, mae, mase, naive_scale, rmse, rmsse, smape,
                                        summarise, winkler)

WEEKLY_STEP = [0] * 7 + [4] * 7            # lag-7 differences all 4: MAE scale 4, MSE scale 16
FLAT_WEEKS = [1, 2, 1, 2, 1, 2, 1] * 2     # lag-7 differences all 0; lag-1: twelve 1s and one 0 in 13


@pytest.mark.parametrize("fn, args, expected", [
    (mae, ([1, 2, 3], [2, 2, 5]), 1.0),
    (mae, ([0, 0], [-3, 5]), 4.0),
    (rmse, ([1, 2, 3], [2, 2, 5]), np.sqrt(5 / 3)),
    (rmse, ([0, 0], [3, 4]), np.sqrt(12.5)),
    (smape, ([0, 10], [0, 30]), 50.0),                       # (0 + 200·20/40) / 2
    (smape, ([2, 4], [4, 2]), 200 * 2 / 6),                  # both terms 200·2/6
    (smape, ([1], [-1]), 200.0),                             # the worst case
    (smape, ([0, 0], [0, 0]), 0.0),                          # both-zero terms count as 0
    (mase, ([10, 10], [12, 8], WEEKLY_STEP, 7), 2 / 4),
    (mase, ([3], [4], FLAT_WEEKS, 7), 1 / (12 / 13)),        # lag-7 scale 0 -> lag-1 scale
    (mase, ([5], [6], [1, 3], 7), 1 / 2),                    # history shorter than a season -> lag 1
    (mase, ([1, 2], [1, 2], [5] * 20, 7), np.nan),           # flat history: no scale at all
    (rmsse, ([10, 10], [12, 8], WEEKLY_STEP, 7), 2 / 4),     # rmse 2 / sqrt(16)
    (rmsse, ([0, 0], [3, 4], [0, 2, 0, 2], 2), np.sqrt(12.5) / 2),   # lag-2 scale 0 -> lag-1 MSE 4
    (rmsse, ([1], [2], [7] * 10, 7), np.nan),
    (coverage, ([1, 5, 9], [0, 6, 0], [2, 8, 8]), 1 / 3),
    (coverage, ([1, 2, 3], [1, 0, 4], [2, 2, 5]), 2 / 3),    # bounds are inside
    (winkler, ([5, 5], [2, 4], [10, 6], 80), (8 + 2) / 2),   # no misses: mean width
])
def test_metric_values(fn, args, expected):
    got = fn(*args)
    assert isinstance(got, float)
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize("level, penalty", [(80, 10.0), (95, 40.0)])
def test_winkler_penalises_misses_below_and_above(level, penalty):
    # width 8 each; y=1 misses lo=2 by 1, y=12 misses hi=10 by 2; penalty 2/alpha
    got = winkler([5, 1, 12], [2, 2, 2], [10, 10, 10], level)
    assert got == pytest.approx((8 + (8 + penalty * 1) + (8 + penalty * 2)) / 3)


@pytest.mark.parametrize("level", [0, 100, 120])
def test_winkler_rejects_a_level_outside_0_100(level):
    with pytest.raises(ValueError, match="level"):
        winkler([1], [0], [2], level)


@pytest.mark.parametrize("fn, args, expected", [
    (mae, ([1, np.nan, 3, 4], [2, 5, np.nan, 4]), 0.5),      # pairs (1,2) and (4,4)
    (rmse, ([np.nan, 0, 0], [1, 3, np.inf]), 3.0),
    (smape, ([np.nan, 0], [1, 0]), 0.0),
    (coverage, ([1, np.nan, 5], [0, 0, np.nan], [2, 2, 9]), 1.0),
    (winkler, ([1, 3, np.nan], [0, np.nan, 0], [2, 4, 2], 80), 2.0),
    (mase, ([1, np.nan], [3, 0], [0, 1, np.nan, 3, 4, 5], 2), 1.0),   # lag-2 diffs [nan, 2, nan, 2]
])
def test_nan_positions_are_ignored(fn, args, expected):
    assert fn(*args) == pytest.approx(expected)


def test_nothing_left_to_score_gives_nan():
    assert np.isnan(mae([np.nan], [1]))
    assert np.isnan(smape([], []))
    assert np.isnan(coverage([1], [np.nan], [2]))
    assert np.isnan(winkler([np.nan], [0], [1], 95))


def test_naive_scale_fallbacks():
    assert naive_scale(WEEKLY_STEP, 7) == 4.0
    assert naive_scale(WEEKLY_STEP, 7, power=2) == 16.0
    assert naive_scale(FLAT_WEEKS, 7) == pytest.approx(12 / 13)
    assert np.isnan(naive_scale([3.0], 7)) and np.isnan(naive_scale([2.0, 2.0, 2.0], 1))
    with pytest.raises(ValueError, match="season"):
        naive_scale([1, 2, 3], 0)


def test_inputs_of_different_length_are_rejected():
    with pytest.raises(ValueError, match="same length"):
        mae([1, 2], [1, 2, 3])


# --- evaluate / summarise ------------------------------------------------------------------------------
DAYS = pd.date_range("2024-01-01", periods=20)
C1, C2 = DAYS[13], DAYS[15]        # cutoffs; each window forecasts the next two days


def _train() -> pd.DataFrame:
    a = np.arange(20.0)                               # lag-7 differences all 7 (MAE scale 7, MSE 49)
    b = np.full(20, 5.0)
    b[14], b[15] = 12.0, 19.0                         # flat until C1 (no scale), then two jumps
    return pd.concat([pd.DataFrame({"unique_id": uid, "ds": DAYS, "y": y}) for uid, y in (("a", a), ("b", b))])


def _cv() -> pd.DataFrame:
    cols = ["unique_id", "ds", "cutoff", "y", "Good", "Good-lo-80", "Good-hi-80", "Bad"]
    rows = [
        ("a", DAYS[14], C1, 14, 15, 14, 16, 16), ("a", DAYS[15], C1, 15, 16, 15, 17, 13),
        ("a", DAYS[16], C2, 16, 17, 16, 18, 16), ("a", DAYS[17], C2, 17, 18, 18, 18, 21),  # y < lo by 1
        ("b", DAYS[14], C1, 12, 13, 12, 14, 14), ("b", DAYS[15], C1, 19, 20, 19, 21, 17),
        ("b", DAYS[16], C2, 5, 6, 5, 7, 5), ("b", DAYS[17], C2, 5, 6, 5, 7, 9),
    ]
    return pd.DataFrame(rows, columns=cols).astype({c: float for c in cols[3:]})


def _mean(*values: float) -> float:
    return float(np.mean(values))


# b's scale at C2 uses days 0..15 only: lag-7 diffs [0]*7 + [7, 14] -> MAE 21/9, MSE 245/9; at C1 none.
EXPECTED = {
    ("a", "Good"): dict(mae=1, rmse=1, mase=1 / 7, rmsse=1 / 7, coverage_80=0.75, winkler_80=_mean(2, 6),
                        smape=_mean(_mean(200 / 29, 200 / 31), _mean(200 / 33, 200 / 35))),
    ("a", "Bad"): dict(mae=2, rmse=_mean(2, np.sqrt(8)), mase=2 / 7, rmsse=_mean(2, np.sqrt(8)) / 7,
                       smape=_mean(_mean(400 / 30, 400 / 28), _mean(0, 800 / 38))),
    ("b", "Good"): dict(mae=1, rmse=1, mase=3 / 7, rmsse=1 / np.sqrt(245 / 9), coverage_80=1.0, winkler_80=2.0,
                        smape=_mean(_mean(200 / 25, 200 / 39), 200 / 11)),
    ("b", "Bad"): dict(mae=2, rmse=_mean(2, np.sqrt(8)), mase=2 / (21 / 9), rmsse=np.sqrt(8) / np.sqrt(245 / 9),
                       smape=_mean(_mean(400 / 26, 400 / 36), _mean(0, 800 / 14))),
}


def test_evaluate_scores_every_series_and_model():
    cv = _cv().sample(frac=1.0, random_state=3)       # row order must not matter
    scores = evaluate(cv, _train(), ["Good", "Bad"])
    assert list(scores.columns) == ["unique_id", "model", "mae", "rmse", "smape", "mase", "rmsse",
                                    "coverage_80", "winkler_80"]    # no 95% columns in cv -> none here
    assert len(scores) == 4
    got = scores.set_index(["unique_id", "model"])
    for key, expected in EXPECTED.items():
        for name, value in expected.items():
            assert got.loc[key, name] == pytest.approx(value), (key, name)
    assert got.loc[("a", "Bad"), ["coverage_80", "winkler_80"]].isna().all()


def test_evaluate_with_a_series_missing_from_train_and_a_missing_model():
    scores = evaluate(_cv(), _train().query("unique_id == 'a'"), ["Good"]).set_index("unique_id")
    assert scores.loc["b", "mae"] == 1.0 and np.isnan(scores.loc["b", "mase"])
    with pytest.raises(ValueError, match="Missing"):
        evaluate(_cv(), _train(), ["Missing"])


def test_summarise_averages_over_series_best_mase_first():
    summary = summarise(evaluate(_cv(), _train(), ["Bad", "Good"]))
    assert list(summary["model"]) == ["Good", "Bad"]
    good = summary.set_index("model").loc["Good"]
    assert good["mase"] == pytest.approx((1 / 7 + 3 / 7) / 2)
    assert good["coverage_80"] == pytest.approx((0.75 + 1.0) / 2)
    assert summary.set_index("model").loc["Bad", "mase"] == pytest.approx((2 / 7 + 6 / 7) / 2)
