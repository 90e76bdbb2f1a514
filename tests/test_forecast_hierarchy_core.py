"""The district hierarchy: summing matrix, aggregation and coherent reconciliation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk.forecast.hierarchy import aggregate, is_coherent, reconcile

DAYS = pd.date_range("2023-01-01", periods=5)


def bottom() -> pd.DataFrame:
    ids = ["双山/供暖", "双山/物业", "明水/供暖", "明水/物业"]
    return pd.DataFrame([(uid, d, float(i + 1)) for i, uid in enumerate(ids) for d in DAYS],
                        columns=["unique_id", "ds", "y"])


def test_aggregate_builds_the_summing_matrix_and_every_level():
    h = aggregate(bottom())
    assert list(h.S.index) == ["total", "双山", "明水", "供暖", "物业", "双山/供暖", "双山/物业", "明水/供暖", "明水/物业"]
    assert h.S.loc["双山"].tolist() == [1, 1, 0, 0] and h.S.loc["供暖"].tolist() == [1, 0, 1, 0]
    y = h.Y[h.Y["ds"] == DAYS[0]].set_index("unique_id")["y"]
    assert (y["total"], y["双山"], y["明水"], y["供暖"], y["物业"]) == (10, 3, 7, 4, 6)
    assert list(h.tags["street"]) == ["双山", "明水"]
    with pytest.raises(ValueError, match="street/category"):
        aggregate(bottom().assign(unique_id="flat"))


def base_forecasts(S: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(uid, d, float(v)) for uid in S.index for d, v in zip(DAYS, rng.uniform(0, 20, len(DAYS)))]
    fc = pd.DataFrame(rows, columns=["unique_id", "ds", "M"])
    return fc.assign(**{"M-lo-95": fc["M"] - 3, "M-hi-95": fc["M"] + 3})


@pytest.mark.parametrize("method", ["bottom_up", "wls_struct"])
def test_reconciled_forecasts_add_up_and_stay_non_negative(method):
    S = aggregate(bottom()).S
    fc = base_forecasts(S)
    assert not is_coherent(fc, S, "M")
    out = reconcile(fc, S, ["M"], method)
    col = f"M/{method}"
    assert is_coherent(out, S, col)
    assert (out[[col, f"{col}-lo-95", f"{col}-hi-95"]] >= 0).all().all()
    assert ((out[f"{col}-hi-95"] - out[col]).round(9) == 3).all()  # bounds move with the mean
    if method == "bottom_up":
        merged = out.merge(fc, on=["unique_id", "ds"]).set_index("unique_id")
        bottoms = list(S.columns)
        assert np.allclose(merged.loc[bottoms, col], merged.loc[bottoms, "M"])


def test_wls_leaves_coherent_forecasts_alone():
    h = aggregate(bottom())
    fc = h.Y.rename(columns={"y": "M"})
    out = reconcile(fc, h.S, ["M"], "wls_struct").merge(fc, on=["unique_id", "ds"])
    assert np.allclose(out["M/wls_struct"], out["M"])


def test_reconcile_errors():
    S = aggregate(bottom()).S
    with pytest.raises(ValueError, match="missing"):
        reconcile(base_forecasts(S).iloc[5:], S, ["M"])
    with pytest.raises(ValueError, match="unknown reconciliation"):
        reconcile(base_forecasts(S), S, ["M"], "magic")
