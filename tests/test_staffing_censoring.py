"""A calibration sees its period as it stood at the cut-off: later signings and closures are not in its input,
and the lead times of tickets still open then are censored, which the Kaplan–Meier pools correct for."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk import store
from civicdesk.staffing.calibrate import _lead_pools, calibrate, cutoff
from civicdesk.staffing.survival import kaplan_meier, km_pool
from civicdesk.staffing.inputs import load_history
from tests.conftest import make_tickets

END = "2023-06-30"  # the calibration period's last day
CUT = cutoff(END)


def _store(url: str):
    rows = [
        # signed and closed within the period
        {"created_at": "2023-06-05 09:00", "signed_at": "2023-06-05 10:00", "closed_at": "2023-06-06 09:00"},
        # signed in the period, closed after it: open at the cut-off
        {"created_at": "2023-06-28 09:00", "signed_at": "2023-06-28 11:00", "closed_at": "2023-07-03 15:00"},
        # signed and closed after the period, returned and reopened in between (when, the store does not say)
        {"created_at": "2023-06-30 20:00", "signed_at": "2023-07-01 09:00", "closed_at": "2023-07-20 09:00",
         "returned_count": 1, "reopened_count": 1, "escalated": True},
        # closed at the last moment of the period, returned before
        {"created_at": "2023-06-29 09:00", "signed_at": "2023-06-29 09:30", "closed_at": "2023-06-30 23:59",
         "returned_count": 1},
        # open at the cut-off, returned early (within two working days), reopened after a later closure
        {"created_at": "2023-06-20 09:00", "signed_at": "2023-06-20 10:00", "closed_at": "2023-07-10 09:00",
         "returned_count": 1, "reopened_count": 1},
        {"created_at": "2023-07-01 09:00", "closed_at": "2023-07-02 09:00"},  # created after the period
    ]
    engine = store.connect(url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    return engine


def test_history_as_of_the_cut_off_does_not_see_later_events(store_url):
    engine = _store(store_url)
    full = load_history(engine, "2023-06-01", END).set_index("created_at")
    seen = load_history(engine, "2023-06-01", END, as_of=CUT).set_index("created_at")
    engine.dispose()
    assert len(seen) == len(full) == 5 and seen.attrs["as_of"] == CUT
    assert full["closed_at"].notna().all()  # without a cut-off every ticket shows its closure
    closed_later = pd.Timestamp("2023-06-28 09:00")
    assert pd.isna(seen.at[closed_later, "closed_at"])  # open in the calibration input
    assert seen.at[closed_later, "signed_at"] == pd.Timestamp("2023-06-28 11:00")  # signed before: kept
    late = pd.Timestamp("2023-06-30 20:00")
    assert pd.isna(seen.at[late, "signed_at"]) and pd.isna(seen.at[late, "closed_at"])
    assert seen.loc[late, ["returned_count", "reopened_count"]].tolist() == [0, 0]
    assert not seen.at[late, "escalated"]
    assert full.loc[late, ["returned_count", "reopened_count"]].tolist() == [1, 1]
    older = pd.Timestamp("2023-06-20 09:00")  # a return comes within 2 working days: made by the cut-off
    assert pd.isna(seen.at[older, "closed_at"])
    assert seen.loc[older, ["returned_count", "reopened_count"]].tolist() == [1, 0]
    for day in ("2023-06-05 09:00", "2023-06-29 09:00"):  # closed by the cut-off: as they are
        assert (seen.loc[pd.Timestamp(day), ["signed_at", "closed_at", "returned_count"]]
                == full.loc[pd.Timestamp(day), ["signed_at", "closed_at", "returned_count"]]).all()
    assert (seen["closed_at"].dropna() <= CUT).all() and (seen["signed_at"].dropna() <= CUT).all()


def test_calibrate_refuses_a_history_that_saw_past_its_cut_off(sqlite_url):
    engine = _store(sqlite_url)
    full = load_history(engine, "2023-06-01", END)
    engine.dispose()
    with pytest.raises(ValueError, match="after the cut-off"):
        calibrate(full, pd.DataFrame(columns=["staff_id", "role", "tier", "street", "grid_id", "active_from",
                                              "active_to"]), as_of=CUT)


def test_kaplan_meier_matches_a_hand_computation():
    # times 1, 2+, 3, 3, 4+ (+ censored): S(1) = 4/5, S(3) = 4/5 · (1 − 2/3)
    t, s = kaplan_meier(np.array([3.0, 1.0, 2.0, 4.0, 3.0]), np.array([True, True, False, False, True]))
    assert t.tolist() == [1.0, 3.0]
    assert s == pytest.approx([0.8, 0.8 / 3])
    pool = km_pool(np.array([3.0, 1.0, 2.0, 4.0, 3.0]), np.array([True, True, False, False, True]))
    assert np.mean(pool == 1.0) == pytest.approx(0.2, abs=0.01)  # mass 1/5 at 1
    assert np.mean(pool == 4.0) == pytest.approx(0.8 / 3, abs=0.01)  # beyond the last event: at the longest age


def _censored_leads(seed: int, n: int = 6000, window_wd: float = 12.0, median: float = 2.0, sigma: float = 0.9):
    """Leads (working days) of tickets created evenly over the `window_wd` working days before the cut-off,
    from a known lognormal: each is seen closed when it ended before the cut-off, else open at its age."""
    rng = np.random.default_rng(seed)
    lead = median * np.exp(sigma * rng.standard_normal(n))
    age = rng.uniform(0, window_wd, n)
    h = pd.DataFrame({"category": "供暖", "returned_count": 0, "reopened_count": 0}, index=range(n))
    observed = pd.Series(np.where(lead <= age, lead, np.nan))
    return h, observed, pd.Series(age)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_censoring_correction_recovers_the_lead_time_distribution(seed):
    from scipy import stats

    median, sigma = 2.0, 0.9
    h, observed, age = _censored_leads(seed, median=median, sigma=sigma)
    assert observed.isna().mean() > 0.15  # a real share is still open at the cut-off
    corrected = _lead_pools(h, observed, 0.0, age)["供暖"]
    naive = _lead_pools(h, observed, 0.0)["供暖"]  # the closed ones only
    grid = np.linspace(0.1, 9.0, 90)  # within the follow-up (the longest age is 12 working days)
    truth = stats.lognorm(s=sigma, scale=median).cdf(grid)

    def distance(pool):
        return float(np.abs(np.searchsorted(np.sort(pool), grid, side="right") / len(pool) - truth).max())

    assert distance(corrected) < 0.03
    assert distance(naive) > 3 * distance(corrected)
    assert np.median(corrected) == pytest.approx(median, rel=0.06)
    assert np.median(naive) < 0.85 * median  # closed-only leads are biased short


def test_without_censoring_the_pool_is_the_leads():
    h = pd.DataFrame({"category": ["供暖", "供暖", "水电气"], "returned_count": [0, 1, 0], "reopened_count": 0})
    pools = _lead_pools(h, pd.Series([1.5, 9.0, 0.0]), 0.0)
    assert pools["供暖"].tolist() == [1.5] and pools["水电气"].tolist() == [0.02]
