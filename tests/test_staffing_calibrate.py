"""Calibration pieces on hand-made histories: even effort draws, the detection of saturated streets and
the availability fitted on the level of their delay, which must recover the value that made the data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk import calendar as cal
from civicdesk.staffing.calibrate import _fit_saturated, _general, saturated_days
from civicdesk.staffing.config import Calibration, SimConfig
from civicdesk.staffing.inputs import grid_workers_by_day
from civicdesk.staffing.sim import EVEN_BLOCK, _even, simulate

START = pd.Timestamp("2024-03-04")  # a Monday; no public holiday in the following seven weeks
WEEKS = 7
CUT = START + pd.Timedelta(weeks=3)  # the short street loses half its workers from here
CALM, SHORT = "明水街道", "圣井街道"
TRUE_AVAILABILITY = 0.5


def _even_drift(draw, n=4000, sigma=0.6, seed=0):
    m = draw(np.random.default_rng(seed), sigma, n)
    return np.abs(np.cumsum(m) - np.arange(1, n + 1) * np.exp(sigma ** 2 / 2)).max()


def test_even_efforts_do_not_drift():
    sigma = 0.6
    m = _even(np.random.default_rng(1), sigma, 10_000)
    assert np.median(m) == pytest.approx(1.0, rel=0.05)
    assert np.log(m).std() == pytest.approx(sigma, rel=0.1)
    # the running total of work stays within a block's worth of its expectation; plain draws wander off
    block_sd = np.sqrt(np.exp(sigma ** 2) - 1) * np.exp(sigma ** 2 / 2) * EVEN_BLOCK
    assert _even_drift(_even) < block_sd
    assert _even_drift(lambda rng, s, n: np.exp(s * rng.standard_normal(n))) > 2 * block_sd


def _staff() -> pd.DataFrame:
    rows = [(f"c{k}", "grid_worker", None, CALM, f"C-{k:02d}", None, None) for k in range(6)]
    rows += [(f"s{k}", "grid_worker", None, SHORT, f"S-{k:02d}", None, CUT - pd.Timedelta(days=1) if k >= 4 else None)
             for k in range(8)]
    rows += [(f"m{k}", "mediator", "street", s, None, None, None) for k, s in enumerate((CALM, SHORT))]
    frame = pd.DataFrame(rows, columns=["staff_id", "role", "tier", "street", "grid_id", "active_from", "active_to"])
    return frame.assign(active_from=pd.to_datetime(frame["active_from"]), active_to=pd.to_datetime(frame["active_to"]))


def _tickets(seed: int) -> pd.DataFrame:
    """General tickets: the calm street well inside its capacity, the short one near it until the cut and
    well beyond it after."""
    rng = np.random.default_rng(seed)
    parts = []
    for street, per_day, grids in ((CALM, 9, 6), (SHORT, 13, 8)):
        n = per_day * 7 * WEEKS
        hours = np.sort(rng.uniform(0, 7 * WEEKS * 24, n))
        parts.append(pd.DataFrame({
            "created_at": START + pd.to_timedelta(hours, unit="h"), "street": street,
            "grid_id": [f"{street[:2]}-{g:02d}" for g in rng.integers(0, grids, n)],
            "category": rng.choice(["供暖", "物业管理", "水电气"], n), "urgency": "general", "channel": "hotline",
            "direct": False, "dispute": False}))
    frame = pd.concat(parts, ignore_index=True).sort_values("created_at", ignore_index=True)
    return frame.assign(deadline_at=cal.close_deadline(frame["created_at"], frame["urgency"]))


@pytest.fixture(scope="module")
def made():
    """A history made by the simulation itself at a known availability (signing at creation, one lead)."""
    staff = _staff()
    days = pd.date_range(START, START + pd.Timedelta(weeks=WEEKS + 10))
    workers = grid_workers_by_day(staff, days)
    calib = Calibration(lead_wd={c: np.array([0.8, 1.0, 1.2]) for c in ("供暖", "物业管理", "水电气")},
                        p_return=0.0, p_reopen=0.0, availability={CALM: TRUE_AVAILABILITY, SHORT: TRUE_AVAILABILITY})
    config = SimConfig(calibration=calib)
    tickets = _tickets(seed=3)
    roster = pd.DataFrame({"street": [CALM, SHORT], "grid_workers": [6, 8], "duty": 1, "mediators_grid": 0,
                           "mediators_community": 0, "mediators_street": 1})
    sim = simulate(tickets, roster, config, seed=11, workers_by_day=workers).tickets
    history = tickets.assign(signed_at=tickets["created_at"], closed_at=sim["closed_at"].to_numpy(),
                             returned_count=0, reopened_count=0, escalated=False)
    observed = pd.Series(cal.working_days_between(history["created_at"], history["closed_at"]), index=history.index)
    measured = (history["created_at"] >= START + pd.Timedelta(weeks=1)) & history["closed_at"].notna()
    return history, staff, config, workers, observed, measured


def test_the_short_street_and_only_it_is_saturated(made):
    history, _, _, _, observed, measured = made
    assert _general(history).all()
    days = saturated_days(history, observed, measured)
    assert list(days) == [SHORT]
    assert (days[SHORT] >= CUT.to_datetime64()).all()


@pytest.mark.parametrize("around", [0.4, 0.6])
def test_level_fit_recovers_the_availability(made, around):
    history, staff, config, workers, observed, measured = made
    days = saturated_days(history, observed, measured)[SHORT]
    fitted = _fit_saturated(history, SHORT, staff, config, 0, workers, observed, measured, days, around)
    assert fitted == pytest.approx(TRUE_AVAILABILITY, rel=0.03)
