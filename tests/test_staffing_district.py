"""The district simulation through `simulate`: conservation of tickets and hours, monotonicity in staff
and volume, and bad input, on hand-made districts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk import calendar as cal
from civicdesk.synth.catalog import DISPUTES as DISPUTE_CATEGORY
from civicdesk.staffing.config import SimConfig
from civicdesk.staffing.inputs import DEMAND_COLUMNS, ROSTER_COLUMNS
from civicdesk.staffing.mediation import MediationSetup
from civicdesk.staffing.sim import simulate

# ---------------------------------------------------------------------------------------------------
# Hand-made districts

START = pd.Timestamp("2024-03-04")  # a Monday; no public holiday in the following five weeks
DAYS = 21
STREETS = ("明水街道", "圣井街道")
US = pd.Timedelta(microseconds=1)


def make_tickets(n: int, seed: int, street: str = STREETS[0], grids: int = 8, dispute_share: float = 0.1,
                 urgent_share: float = 0.1, direct_share: float = 0.08, days: int = DAYS) -> pd.DataFrame:
    """`n` tickets over `days` days in one street (DEMAND_COLUMNS), with unique creation times."""
    rng = np.random.default_rng(seed)
    hours = rng.integers(0, days, n) * 24.0 + rng.uniform(7.0, 22.0, n)
    kind = rng.choice(["dispute", "urgent", "very_urgent", "direct", "general"], n, p=[
        dispute_share, urgent_share * 0.6, urgent_share * 0.4, direct_share,
        1 - dispute_share - urgent_share - direct_share])
    category = np.where(kind == "dispute", DISPUTE_CATEGORY, rng.choice(["供暖", "物业管理", "环境保护", "水电气"], n))
    frame = pd.DataFrame({
        "created_at": START + pd.to_timedelta(hours, unit="h"),
        "street": street,
        "grid_id": [f"{street[:2]}-{g:02d}" for g in rng.integers(0, grids, n)],
        "category": category,
        "urgency": np.where(np.isin(kind, ["urgent", "very_urgent"]), kind, "general"),
        "channel": rng.choice(["hotline", "app", "wechat"], n),
        "direct": kind == "direct",
        "dispute": kind == "dispute",
    })
    return with_deadlines(frame)[DEMAND_COLUMNS]


def with_deadlines(frame: pd.DataFrame) -> pd.DataFrame:
    """Closing deadlines by the rules (30 calendar days for disputes, which go to mediation)."""
    return frame.assign(deadline_at=cal.close_deadline(frame["created_at"], frame["urgency"],
                                                       mediation=frame["dispute"].to_numpy()))


def make_roster(grid_workers=(4, 3), duty=2, mediators=(2, 1, 1), streets=STREETS) -> pd.DataFrame:
    rows = [{"street": s, "grid_workers": g, "duty": duty, "mediators_grid": mediators[0],
             "mediators_community": mediators[1], "mediators_street": mediators[2]}
            for s, g in zip(streets, grid_workers)]
    return pd.DataFrame(rows)[ROSTER_COLUMNS]


def district(seed: int = 0, per_street: int = 150) -> pd.DataFrame:
    parts = [make_tickets(per_street, seed + k, street=s) for k, s in enumerate(STREETS)]
    return pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed, ignore_index=True)


def horizon_end(result, drain_days: int) -> pd.Timestamp:
    return result.end + pd.Timedelta(days=drain_days + 1)


# ---------------------------------------------------------------------------------------------------
# 2. Conservation


@pytest.mark.parametrize("drain_days, seed, expect_open", [
    (0, 1, True),
    (2, 2, True),
    (60, 3, False),
])
def test_every_ticket_accounted_for(drain_days, seed, expect_open):
    tickets = district(seed)
    result = simulate(tickets, make_roster(), SimConfig(drain_days=drain_days), seed=seed)
    out = result.tickets
    # every input ticket exactly once (creation times are unique keys)
    assert len(out) == len(tickets)
    key_in = sorted(zip(tickets["street"], tickets["created_at"]))
    key_out = sorted(zip(out["street"], out["created_at"]))
    assert key_in == key_out
    merged = tickets.merge(out, on=["street", "created_at"], suffixes=("", "_out"), validate="one_to_one")
    assert (merged["deadline_at"] == merged["deadline_at_out"]).all()
    role = np.select([merged["direct"], merged["dispute"], merged["urgency"] != "general"],
                     ["direct", "mediator", "duty"], "grid_worker")
    assert (merged["role"] == role).all()
    # statuses and counts add up
    assert set(out["status"]) <= {"closed", "open", "abandoned"}
    counts = out["status"].value_counts()
    assert counts.sum() == len(tickets)
    assert result.summary["tickets"].sum() == len(tickets)
    assert result.summary["open_at_end"].sum() == counts.get("open", 0)
    closed = out["status"] == "closed"
    assert out.loc[closed, "closed_at"].notna().all() and out.loc[~closed, "closed_at"].isna().all()
    # times in order
    end = horizon_end(result, drain_days)
    c = out[closed]
    assert (c["closed_at"] >= c["created_at"]).all()
    assert (c["closed_at"] <= end).all()
    assert (c["signed_at"] <= c["closed_at"]).all()
    # (up to the sub-microsecond rounding of test_times_are_exact_to_the_nanosecond)
    assert (out["signed_at"] >= out["created_at"] - US).all()
    started = out["started_at"].notna()
    assert (out.loc[started, "started_at"] >= out.loc[started, "created_at"] - US).all()
    # on-time flags follow from the times
    assert (c["on_time"] == (c["closed_at"] <= c["deadline_at"]).astype(float)).all()
    late_open = ~closed & (out["deadline_at"] < end)
    assert (out.loc[late_open, "on_time"] == 0).all()
    assert out.loc[~closed & ~late_open, "on_time"].isna().all()
    # the backlog's last day counts exactly the open tickets
    last = result.backlog[result.backlog["ds"] == result.backlog["ds"].max()].set_index("street")["open"]
    open_by_street = out[out["status"] == "open"].groupby("street").size()
    assert last.reindex(STREETS).fillna(0).tolist() == open_by_street.reindex(STREETS).fillna(0).tolist()
    assert ((out["status"] == "open").any()) == expect_open


@pytest.mark.parametrize("seed", [1])
def test_times_are_exact_to_the_nanosecond(seed):
    out = simulate(district(seed), make_roster(), SimConfig(drain_days=5), seed=seed).tickets
    direct = out[out["role"] == "direct"]
    assert len(direct) > 0
    assert (direct["signed_at"] == direct["created_at"]).all()
    assert (direct["started_at"] == direct["created_at"]).all()
    assert (out["signed_at"] >= out["created_at"]).all()


@pytest.mark.parametrize("drain_days, seed", [(0, 4), (5, 5), (60, 6)])
def test_utilisation_within_shift_plus_overtime(drain_days, seed):
    cfg = SimConfig(drain_days=drain_days)
    result = simulate(district(seed), make_roster(), cfg, seed=seed)
    s = result.summary.dropna(subset=["utilisation"])
    assert set(s["role"]) == {"grid_worker", "duty", "mediator"}
    shift = cfg.shift_end_h - cfg.shift_start_h - cfg.patrol_h
    bound = np.where(s["role"] == "grid_worker", 1 + cfg.overtime_h / shift, 1.0)
    assert (s["utilisation"] >= 0).all()
    assert (s["utilisation"] <= bound + 1e-9).all(), s


@pytest.mark.parametrize("role, kind", [("mediator", "dispute"), ("duty", "urgent")])
def test_utilisation_bounded_when_backlog_left(role, kind):
    n = 300
    tickets = make_tickets(n, seed=8, dispute_share=1.0 if kind == "dispute" else 0.0,
                           urgent_share=1.0 if kind == "urgent" else 0.0, direct_share=0.0)
    roster = make_roster(grid_workers=(5,), duty=1, mediators=(1, 1, 1), streets=STREETS[:1])
    result = simulate(tickets, roster, SimConfig(drain_days=0), seed=8)
    util = result.summary.set_index("role").at[role, "utilisation"]
    assert 0 <= util <= 1.0


def test_overtime_per_worker_week_when_saturated():
    """Every worker on overtime every working day: overtime_h × 5 working days per worker-week."""
    cfg = SimConfig(drain_days=0)
    tickets = make_tickets(3000, seed=9, dispute_share=0, urgent_share=0, direct_share=0)
    roster = make_roster(grid_workers=(5,), streets=STREETS[:1])
    result = simulate(tickets, roster, cfg, seed=9)  # 21 days = 3 weeks, 15 working days
    row = result.summary.set_index("role").loc["grid_worker"]
    shift = cfg.shift_end_h - cfg.shift_start_h - cfg.patrol_h
    assert row["utilisation"] == pytest.approx(1 + cfg.overtime_h / shift, rel=0.01)  # saturated
    assert row["overtime_h_per_week"] == pytest.approx(cfg.overtime_h * 5, rel=0.05)


# ---------------------------------------------------------------------------------------------------
# 3. Monotonicity (averages over seeds; "non-decreasing within one point")

SEEDS = range(4)
TOL = 0.01


def mean_on_time(make, roster, role, drain_days=10):
    return float(np.mean([simulate(make(s), roster, SimConfig(drain_days=drain_days), seed=s).on_time(role).iloc[0]
                          for s in SEEDS]))


def grow(tickets: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """Add copies of a share of the tickets, created within ±2 h of the originals."""
    if share == 0:
        return tickets
    rng = np.random.default_rng(seed + 1000)
    extra = tickets.sample(frac=share, random_state=seed).copy()
    extra["created_at"] += pd.to_timedelta(rng.uniform(-2, 2, len(extra)), unit="h")
    return pd.concat([tickets, with_deadlines(extra)], ignore_index=True)


def general(n):
    return lambda s: make_tickets(n, s, grids=40, dispute_share=0, urgent_share=0, direct_share=0)


def disputes(n):
    return lambda s: make_tickets(n, s, dispute_share=1.0, urgent_share=0, direct_share=0)


def one_street(grid_workers=20, mediators=(1, 1, 1)):
    return make_roster(grid_workers=(grid_workers,), mediators=mediators, streets=STREETS[:1])


@pytest.mark.parametrize("role, make, rosters, drain_days", [
    ("grid_worker", general(2000), [one_street(g) for g in (20, 30, 40)], 10),
    ("mediator", disputes(60), [one_street(0, (m, m, m)) for m in (1, 2, 4)], 60),
])
def test_more_staff_never_lowers_on_time(role, make, rosters, drain_days):
    rates = [mean_on_time(make, r, role, drain_days) for r in rosters]
    assert all(b >= a - TOL for a, b in zip(rates, rates[1:])), rates
    assert rates[-1] > rates[0] + 0.1, rates  # and the demand is heavy enough for staff to matter


@pytest.mark.parametrize("role, make, roster, drain_days", [
    ("grid_worker", general(1500), one_street(30), 10),
    ("mediator", disputes(60), one_street(0, (2, 2, 2)), 60),
])
def test_more_volume_never_raises_on_time(role, make, roster, drain_days):
    rates = [mean_on_time(lambda s, share=share: grow(make(s), share, s), roster, role, drain_days)
             for share in (0.0, 0.2, 0.4)]
    assert all(b <= a + TOL for a, b in zip(rates, rates[1:])), rates
    assert rates[-1] < rates[0] - 0.05, rates


# ---------------------------------------------------------------------------------------------------
# 4. Bad input


def test_zero_grid_workers_leaves_tickets_open():
    tickets = make_tickets(120, seed=3, dispute_share=0, urgent_share=0, direct_share=0)
    roster = make_roster(grid_workers=(0,), streets=STREETS[:1])
    result = simulate(tickets, roster, SimConfig(drain_days=7), seed=3)
    out = result.tickets
    assert (out["status"] == "open").all() and out["started_at"].isna().all()
    end = horizon_end(result, 7)
    past = out["deadline_at"] < end
    assert past.any() and (out.loc[past, "on_time"] == 0).all()
    row = result.summary.set_index("role").loc["grid_worker"]
    assert row["open_at_end"] == len(tickets) and row["on_time"] == 0
    assert result.backlog["queued"].max() > 0


def _drop(col):
    return lambda t, r: (t.drop(columns=col), r)


def _set_roster(street, col, value):
    def f(t, r):
        r = r.copy()
        r.loc[r["street"] == street, col] = value
        return t, r
    return f


@pytest.mark.parametrize("mutate, match", [
    (_set_roster("圣井街道", "grid_workers", -1), "negative headcount for 圣井街道"),
    (_set_roster("明水街道", "mediators_street", -2), "negative headcount for 明水街道"),
    (_drop("deadline_at"), "tickets lack columns: deadline_at"),
    (_drop("dispute"), "tickets lack columns: dispute"),
    (lambda t, r: (t, r.drop(columns="duty")), "roster lacks columns: duty"),
    (lambda t, r: (t, r[r["street"] == "明水街道"]), "no roster for streets: 圣井街道"),
    (lambda t, r: (t.assign(created_at=t["created_at"].where(t.index != 3)), r), "no creation time"),
])
def test_bad_input_raises(mutate, match):
    tickets, roster = mutate(district(0, per_street=20), make_roster())
    with pytest.raises(ValueError, match=match):
        simulate(tickets, roster, SimConfig(drain_days=1), seed=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"caseload": (2, 0, 4)}, "caseload"),
    ({"fail": (0.3, 1.0, 0.2)}, "cannot settle"),
    ({"fail": (-0.1, 0.2, 0.2)}, "cannot settle"),
    ({"consult_every_days": 0}, "consultation"),
    ({"consult_capacity": -1}, "consultation"),
])
def test_bad_mediation_setup(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MediationSetup(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"availability": 0.0}, "availability"),
    ({"availability": 1.5}, "availability"),
    ({"shift_start_h": 17.0, "shift_end_h": 17.5}, "shift"),
    ({"p_return": 1.0}, "return and reopen"),
    ({"effort_h": {"供暖": 0.0}}, "effort"),
])
def test_bad_sim_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SimConfig(**kwargs)
