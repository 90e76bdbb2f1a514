"""The district hierarchy: aggregation, summing matrix, reconciliation methods and coherence."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk.forecast.hierarchy import aggregate, is_coherent, reconcile, shrunk_covariance

DAYS = pd.date_range("2024-01-01", periods=3)
IDS = ["total", "双山街道", "明水街道", "供暖", "物业",
       "双山街道/供暖", "双山街道/物业", "明水街道/供暖", "明水街道/物业"]
BOTTOMS = IDS[5:]
S_EXPECTED = np.array([[1, 1, 1, 1],
                       [1, 1, 0, 0], [0, 0, 1, 1],          # streets
                       [1, 0, 1, 0], [0, 1, 0, 1],          # categories
                       [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
METHODS = ["bottom_up", "wls_struct", "mint_shrink"]


def _bottom() -> pd.DataFrame:
    values = {"明水街道/物业": [1000, 2000], "双山街道/供暖": [1, 2, 3],   # 明水/物业 has no row on day 3
              "明水街道/供暖": [100, 200, 300], "双山街道/物业": [10, 20, 30]}
    return pd.DataFrame([(uid, DAYS[i], v) for uid, vals in values.items() for i, v in enumerate(vals)],
                        columns=["unique_id", "ds", "y"])


def test_aggregate_builds_the_exact_summing_matrix_and_levels():
    h = aggregate(_bottom())
    assert list(h.S.index) == IDS and list(h.S.columns) == BOTTOMS
    assert (h.S.to_numpy() == S_EXPECTED).all() and h.S.dtypes.eq(np.int64).all()
    assert list(h.tags["total"]) == ["total"] and list(h.tags["street"]) == ["双山街道", "明水街道"]
    assert list(h.tags["category"]) == ["供暖", "物业"] and list(h.tags["street/category"]) == BOTTOMS


def test_aggregate_sums_every_level_exactly():
    Y = aggregate(_bottom()).Y
    assert list(Y.columns) == ["unique_id", "ds", "y"] and len(Y) == len(IDS) * len(DAYS)
    assert list(Y["unique_id"].unique()) == IDS
    wide = Y.pivot(index="unique_id", columns="ds", values="y")
    expected = {"total": [1111, 2222, 333], "双山街道": [11, 22, 33], "明水街道": [1100, 2200, 300],
                "供暖": [101, 202, 303], "物业": [1010, 2020, 30], "明水街道/物业": [1000, 2000, 0]}
    for uid, values in expected.items():
        assert wide.loc[uid].tolist() == values, uid
    assert is_coherent(Y, aggregate(_bottom()).S, "y")


@pytest.mark.parametrize("ids, match", [(["flat", "a/b"], "street/category"), (["a/b/c"], "street/category"),
                                        (["x/x"], "clash"), (["total/a"], "clash")])
def test_aggregate_rejects_bad_ids(ids, match):
    frame = pd.DataFrame({"unique_id": ids, "ds": DAYS[0], "y": 1.0})
    with pytest.raises(ValueError, match=match):
        aggregate(frame)


# --- reconciliation ------------------------------------------------------------------------------------
H = aggregate(_bottom())
S = H.S


def _base(seed: int = 7) -> pd.DataFrame:
    """Incoherent base forecasts with 80% and 95% bounds (width 4 and 8 around the mean)."""
    rng = np.random.default_rng(seed)
    fc = pd.DataFrame([(uid, d, rng.uniform(5, 50)) for uid in IDS for d in DAYS], columns=["unique_id", "ds", "M"])
    return fc.assign(**{"M-lo-80": fc["M"] - 2, "M-hi-80": fc["M"] + 2, "M-lo-95": fc["M"] - 4, "M-hi-95": fc["M"] + 4})


def _near_coherent(seed: int = 5) -> pd.DataFrame:
    """Base means whose aggregates are within ±20% of their bottoms' sums (no reconciled value < 0)."""
    rng = np.random.default_rng(seed)
    bottoms = rng.uniform(20, 30, size=(4, len(DAYS)))
    values = (S_EXPECTED @ bottoms) * rng.uniform(0.8, 1.2, size=(len(IDS), len(DAYS)))
    return pd.DataFrame({"unique_id": np.repeat(IDS, len(DAYS)), "ds": np.tile(DAYS, len(IDS)), "M": values.ravel()})


def _residuals(seed: int = 11, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", periods=n)
    common = rng.normal(size=n)[:, None]
    values = rng.normal(size=(n, len(IDS))) + common        # correlated across series
    return pd.DataFrame({"unique_id": np.repeat(IDS, n), "ds": np.tile(days, len(IDS)), "M": values.T.ravel()})


def _wide(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame.pivot(index="unique_id", columns="ds", values=column).reindex(IDS).to_numpy(float)


def _gls(W: np.ndarray, base: np.ndarray) -> np.ndarray:
    """S (S' W^-1 S)^-1 S' W^-1 ŷ, written out."""
    Wi = np.linalg.inv(W)
    return S_EXPECTED @ np.linalg.inv(S_EXPECTED.T @ Wi @ S_EXPECTED) @ S_EXPECTED.T @ Wi @ base


@pytest.mark.parametrize("method", METHODS)
def test_reconciled_forecasts_are_coherent(method):
    fc = _base()
    assert not is_coherent(fc, S, "M")
    out = reconcile(fc, S, ["M"], method, residuals=_residuals())
    name = f"M/{method}"
    assert list(out.columns) == ["unique_id", "ds", name, f"{name}-lo-80", f"{name}-hi-80",
                                 f"{name}-lo-95", f"{name}-hi-95"]
    assert len(out) == len(fc) and is_coherent(out, S, name)
    assert not out[name].isna().any()


def test_bottom_up_keeps_bottoms_and_sums_them():
    fc = _base()
    got, base = _wide(reconcile(fc, S, ["M"], "bottom_up"), "M/bottom_up"), _wide(fc, "M")
    assert np.allclose(got[5:], base[5:])
    assert np.allclose(got, S_EXPECTED @ base[5:])


def test_wls_struct_matches_the_formula_and_keeps_coherent_forecasts():
    fc = _near_coherent()
    expected = _gls(np.diag(S_EXPECTED.sum(axis=1)), _wide(fc, "M"))
    assert (expected > 0).all() and not is_coherent(fc, S, "M")
    assert np.allclose(_wide(reconcile(fc, S, ["M"], "wls_struct"), "M/wls_struct"), expected)
    coherent = H.Y.rename(columns={"y": "M"})
    for method in ("wls_struct", "mint_shrink"):
        out = reconcile(coherent, S, ["M"], method, residuals=_residuals())
        assert np.allclose(_wide(out, f"M/{method}"), _wide(coherent, "M")), method


def test_mint_shrink_matches_the_formula_with_the_shrunk_covariance():
    fc, res = _near_coherent(), _residuals()
    W, lam = shrunk_covariance(res.pivot(index="ds", columns="unique_id", values="M")[IDS].to_numpy())
    assert 0 < lam < 1
    expected = _gls(W, _wide(fc, "M"))
    assert (expected > 0).all()
    got = _wide(reconcile(fc, S, ["M"], "mint_shrink", residuals=res), "M/mint_shrink")
    assert np.allclose(got, expected)
    assert not np.allclose(got, _wide(reconcile(fc, S, ["M"], "wls_struct"), "M/wls_struct"))


def test_shrunk_covariance_by_hand():
    # two perfectly correlated series: sample cov 1.5 everywhere, lambda = (2/3) / 2 = 1/3
    W, lam = shrunk_covariance(np.array([[1, 1], [2, 2], [-1, -1], [0, 0]], float))
    assert lam == pytest.approx(1 / 3)
    assert np.allclose(W, [[1.5, 1.0], [1.0, 1.5]])
    W, lam = shrunk_covariance(np.array([[1, 0], [-1, 0], [2, 0]], float))   # a zero series: diagonal
    assert lam == 1.0 and np.allclose(W, np.diag([2.0, 0.0]))


@pytest.mark.parametrize("method", ["wls_struct", "mint_shrink"])
def test_reconciled_means_are_never_negative(method):
    fc = _base()
    fc["M"] = np.where(fc["unique_id"] == "明水街道/物业", 40.0, 0.0)   # one busy bottom, empty aggregates
    base = _wide(fc, "M")
    assert (_gls(np.diag(S_EXPECTED.sum(axis=1)), base) < -1e-9).any()  # plain WLS would go negative
    out = reconcile(fc, S, ["M"], method, residuals=_residuals())
    name = f"M/{method}"
    assert (out[name] >= 0).all() and is_coherent(out, S, name)
    if method == "wls_struct":      # negative bottoms set to 0, then summed up again
        bottoms = np.clip(_gls(np.diag(S_EXPECTED.sum(axis=1)), base)[5:], 0, None)
        assert np.allclose(_wide(out, name), S_EXPECTED @ bottoms)


@pytest.mark.parametrize("method", METHODS)
def test_intervals_move_with_the_mean_and_stay_non_negative(method):
    fc = _base()
    fc.loc[fc["unique_id"] == "物业", "M-lo-95"] = -10.0              # a negative base bound
    out = reconcile(fc, S, ["M"], method, residuals=_residuals()).merge(fc, on=["unique_id", "ds"])
    name = f"M/{method}"
    shift = out[name] - out["M"]
    for lv, half in ((80, 2.0), (95, 4.0)):
        lo, hi = out[f"{name}-lo-{lv}"], out[f"{name}-hi-{lv}"]
        assert np.allclose(hi, out[f"M-hi-{lv}"] + shift)             # means are all >= 5: no clipping
        assert np.allclose(lo, (out[f"M-lo-{lv}"] + shift).clip(lower=0))
        assert (lo >= 0).all() and (lo <= out[name] + 1e-9).all() and (out[name] <= hi + 1e-9).all()


def test_mint_shrink_without_residuals_says_what_is_missing():
    with pytest.raises(ValueError, match="mint_shrink.*residuals"):
        reconcile(_base(), S, ["M"], "mint_shrink")


@pytest.mark.parametrize("change, match", [
    (lambda fc: fc[fc["unique_id"] != "供暖"], "missing 1 series"),
    (lambda fc: fc.assign(M=fc["M"].where(fc.index != 4)), "NaN"),
    (lambda fc: fc.drop(columns="M"), "no column"),
])
def test_reconcile_rejects_incomplete_forecasts(change, match):
    with pytest.raises(ValueError, match=match):
        reconcile(change(_base()), S, ["M"], "wls_struct")


def test_reconcile_rejects_bad_methods_and_residuals():
    with pytest.raises(ValueError, match="unknown reconciliation method"):
        reconcile(_base(), S, ["M"], "magic")
    res = _residuals()
    with pytest.raises(ValueError, match="missing 1 series"):
        reconcile(_base(), S, ["M"], "mint_shrink", residuals=res[res["unique_id"] != "total"])
    with pytest.raises(ValueError, match="no column 'M'"):
        reconcile(_base(), S, ["M"], "mint_shrink", residuals=res.rename(columns={"M": "X"}))
    with pytest.raises(ValueError, match="fewer than two days"):
        reconcile(_base(), S, ["M"], "mint_shrink", residuals=res[res["ds"] == res["ds"].min()])


def test_several_models_and_extra_series_are_handled():
    fc = _base().assign(N=lambda d: d["M"] * 2)
    extra = pd.DataFrame({"unique_id": "other", "ds": DAYS[:1] - pd.Timedelta(days=5), "M": 1.0, "N": 1.0})
    out = reconcile(pd.concat([fc, extra]), S, ["M", "N"], "bottom_up")
    assert set(out["unique_id"]) == set(IDS) and {"M/bottom_up", "N/bottom_up"} <= set(out.columns)
    assert np.allclose(out["N/bottom_up"], 2 * out["M/bottom_up"])
    assert "N/bottom_up-lo-80" not in out.columns                   # N has no bounds


def test_is_coherent_is_false_for_missing_values():
    Y = H.Y.copy()
    assert is_coherent(Y, S, "y")
    Y.loc[0, "y"] = np.nan
    assert not is_coherent(Y, S, "y")
    assert not is_coherent(H.Y[H.Y["unique_id"] != "total"], S, "y")
