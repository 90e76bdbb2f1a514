"""Staffing on the small demo district: calibration and backtest against the store, the plan, volume
scenarios, saved staffing scenarios (SQLite and PostgreSQL) and the `civicdesk staffing` commands."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from civicdesk import store
from civicdesk.cli import app
from civicdesk.forecast.scenarios import Adjustment
from civicdesk.staffing import (RosterChange, SimConfig, StaffingScenario, Targets, apply_volume, backtest,
                                compare_staffing, delete_staffing, list_staffing, load_history, load_staff,
                                load_staffing, move, plan, roster_on, run_scenario, save_staffing, simulate)
from civicdesk.staffing.calibration_file import calibration_from_json, calibration_to_json
from civicdesk.staffing.demand import quantile_column
from civicdesk.staffing.plan import moves_between, streets_short
from civicdesk.staffing.scenarios import apply_changes

MONTH = ("2023-04-01", "2023-04-30")


@pytest.fixture(scope="module")
def demo(demo_store_url):
    engine = store.connect(demo_store_url)
    staff = load_staff(engine)
    return engine, load_history(engine, *MONTH), roster_on(staff, MONTH[0])


@pytest.fixture
def demo_copy(demo_store_url, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


SPLIT = (("2022-04-01", "2022-06-30"), ("2022-07-01", "2022-09-30"))
SHORT = "圣井街道"


@pytest.fixture(scope="module")
def eight_months(tmp_path_factory):
    """The demo district at full scale for March–October 2022. 圣井 loses 29 of its 71 grid workers from
    June to October (planted understaffing)."""
    from civicdesk.synth import generate_district

    url = f"sqlite:///{tmp_path_factory.mktemp('eight') / 'demo.db'}"
    engine = store.connect(url)
    store.load_district(engine, generate_district(seed=0, start="2022-03-01", end="2022-10-31", scale=1.0))
    return engine


@pytest.fixture(scope="module")
def check(eight_months):
    """Calibrate on the second quarter, replay the third."""
    return backtest(eight_months, *SPLIT, seed=0)


def test_backtest_reproduces_the_observed_on_time_rates(check, eight_months):
    """Every street within 3 points. 圣井 is judged on the mean of three seeds' backtests: overloaded (2% on
    time in the third quarter) it sits where 1% of fitted availability moves the simulated rate about 2
    points, and the calibration's Monte Carlo spread across seeds is 0.4–0.8% of availability, so one draw
    (seed 0: +3.5) measures the seed as much as the model (docs/staffing.md, "Validation on untuned quarters")."""
    streets = check.streets.set_index("street")
    others = streets.drop(SHORT)
    assert (others["gap"].abs() <= 3.0).all(), others
    gaps = [streets.at[SHORT, "gap"]] + [backtest(eight_months, *SPLIT, seed=seed).streets.set_index("street")
                                         .at[SHORT, "gap"] for seed in (1, 2)]
    assert abs(sum(gaps) / len(gaps)) <= 3.0, gaps
    grid = check.roles.set_index("role").loc["grid_worker"]
    assert abs(grid["gap"]) < 1.0
    assert set(check.streets["street"]) == set(check.calibration.availability)


def test_backtest_sees_the_understaffed_street(check):
    s = check.streets.set_index("street")
    others = s.drop("圣井街道")
    assert s.at["圣井街道", "observed"] < 0.3 and s.at["圣井街道", "simulated"] < 0.3
    assert (others["observed"] > 0.85).all() and (others["simulated"] > 0.85).all()


def test_calibration_round_trips_through_json(check):
    again = calibration_from_json(calibration_to_json(check.calibration))
    assert again.availability == pytest.approx(check.calibration.availability, abs=1e-5)
    assert set(again.lead_wd) == set(check.calibration.lead_wd)
    assert 0 < again.p_return < 0.2 and 0 <= again.p_reopen < 0.2


@pytest.mark.parametrize("calib, test, match", [
    (("2023-02-01", "2023-04-30"), ("2023-04-01", "2023-05-31"), "after the calibration"),
    (("2030-01-01", "2030-02-28"), ("2030-03-01", "2030-03-31"), "no dispatched general tickets"),
])
def test_backtest_bad_periods(demo_store_url, calib, test, match):
    with pytest.raises(ValueError, match=match):
        backtest(store.connect(demo_store_url), calib, test)


def test_plan_meets_reachable_targets(demo):
    _, tickets, roster = demo
    targets = Targets(close_general=0.85, sign_24h=0.85, mediation_30d=0.70)
    p = plan(tickets, roster, targets, seed=3)
    assert len(p.streets) == len(roster) and not p.problems
    assert (p.streets["on_time"] >= 0.85).all() and (p.streets["signed_on_time"] >= 0.85).all()
    # one worker fewer than planned misses a target (the plan is the smallest), unless one already suffices
    result = simulate(tickets, p.roster(roster), SimConfig(), seed=3)
    grid = result.summary[result.summary["role"] == "grid_worker"].set_index("street")
    assert (grid["on_time"] >= 0.85 - 0.03).all()
    assert p.cost_plan == pytest.approx(p.streets["grid_workers"].sum() * 60_000 + p.streets["mediators"].sum() * 48_000)


def test_plan_grows_with_the_target(demo):
    _, tickets, roster = demo
    streets = roster.head(3)
    low = plan(tickets, streets, Targets(0.80, 0.80, 0.80), seed=1).streets["grid_workers"].sum()
    high = plan(tickets, streets, Targets(0.88, 0.80, 0.80), seed=1).streets["grid_workers"].sum()
    assert high >= low


def test_unreachable_target_says_which_street_and_why(demo):
    _, tickets, roster = demo
    p = plan(tickets, roster.head(2), Targets(close_general=0.995), seed=1)
    assert len(p.problems) >= 1
    assert all("cannot be reached" in x and "无法达到" in x for x in p.problems)
    assert any(roster["street"].iat[0] in x for x in p.problems)
    # the plan stops where more staff no longer helps instead of asking for the search ceiling
    assert (p.streets["grid_workers"] < 3 * p.streets["grid_workers_now"]).all()


@pytest.mark.parametrize("targets", [Targets(0.85, 0.85, 0.70), Targets()])
def test_streets_short_are_the_streets_the_plan_finds_short(demo, targets):
    """The briefing's quick check names exactly the streets where `plan` asks for more people, both with
    reachable targets and with the default 95%."""
    _, tickets, roster = demo
    streets = roster.head(6).copy()
    streets.loc[streets.index[:2], "grid_workers"] = 1  # two streets cut far below what they need
    p = plan(tickets, streets, targets, seed=2).streets
    expected = set(p.loc[(p["grid_gap"] > 0) | (p["mediator_gap"] > 0), "street"])
    assert set(streets_short(tickets, streets, targets, seed=2)) == expected
    assert set(streets["street"].iloc[:2]) <= expected


def test_past_saturation_the_plan_buys_no_one_for_noise(demo):
    """When a target is out of reach, the plan stops within twice the sampling error of the best on-time
    share (not 0.5 points): on a street's few hundred tickets a week, smaller differences are noise."""
    from civicdesk.staffing.plan import SATURATION_SLACK, _Street

    _, tickets, roster = demo
    street = roster["street"].iat[0]
    week = tickets[(tickets["street"] == street) & (tickets["created_at"] < tickets["created_at"].min() + pd.Timedelta(days=7))]
    s = _Street(week, street, roster.set_index("street").loc[street], SimConfig(), 0, 3.0)
    close, sign = s.grid(s.grid_hi)
    goal = s.grid_goal(Targets(close_general=0.999, sign_24h=0.999))
    n = len(s.general)
    error = 2 * np.sqrt(close * (1 - close) / n)
    assert error > SATURATION_SLACK  # a week of one street: the sampling error is the wider margin
    assert goal[0] == pytest.approx(close - error)


@pytest.mark.parametrize("kwargs, match", [
    (dict(close_general=1.0), "100%"), (dict(sign_24h=0.0), "between 0% and 100%"), (dict(mediation_30d=1.2), "100%"),
])
def test_impossible_targets_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Targets(**kwargs)


def test_plan_without_tickets_is_refused(demo):
    _, tickets, roster = demo
    with pytest.raises(ValueError, match="no tickets"):
        plan(tickets.iloc[:0], roster)


def test_moves_keep_headcount_and_report_a_shortfall():
    streets = pd.DataFrame({"street": list("ABCD"), "grid_gap": [-5, -2, 4, 6]})
    moves, note = moves_between(streets)
    assert moves.groupby("to_street")["workers"].sum().to_dict() == {"C": 1, "D": 6}
    assert moves["workers"].sum() == 7
    assert "3" in note
    moves, note = moves_between(pd.DataFrame({"street": ["A", "B"], "grid_gap": [-3, 2]}))
    assert moves.to_dict("records") == [{"from_street": "A", "to_street": "B", "workers": 2}] and note is None


@pytest.mark.parametrize("factor", [0.5, 1.2, 2.0])
def test_volume_multipliers(demo, factor):
    _, tickets, _ = demo
    adj = Adjustment(*MONTH, "multiply", factor)
    out = apply_volume(tickets, (adj,), seed=2)
    assert len(out) / len(tickets) == pytest.approx(factor, rel=0.03)
    assert out["created_at"].is_monotonic_increasing and out["deadline_at"].notna().all()


def test_volume_change_limited_to_streets_and_dates(demo):
    _, tickets, _ = demo
    street = tickets["street"].iat[0]
    adj = Adjustment("2023-04-10", "2023-04-16", "multiply", 1.5, streets=(street,))
    out = apply_volume(tickets, (adj,), seed=1)
    other = out[out["street"] != street]
    assert len(other) == (tickets["street"] != street).sum()
    before = out[(out["street"] == street) & (out["created_at"] < "2023-04-10")]
    assert len(before) == ((tickets["street"] == street) & (tickets["created_at"] < "2023-04-10")).sum()
    added = apply_volume(tickets, (Adjustment("2023-04-10", "2023-04-16", "add", 20.0),), seed=1)
    assert len(added) - len(tickets) == pytest.approx(140, abs=40)


def test_negative_volume_is_refused(demo):
    _, tickets, _ = demo
    with pytest.raises(ValueError, match="below zero"):
        apply_volume(tickets, (Adjustment(*MONTH, "add", -5.0),))
    with pytest.raises(ValueError, match="negative"):
        Adjustment(*MONTH, "multiply", -0.5)


def test_quantile_columns():
    assert quantile_column(0.9) == "hi-80"
    with pytest.raises(ValueError, match="quantile"):
        quantile_column(0.8)


def test_roster_changes(demo):
    _, _, roster = demo
    a, b = roster["street"].iat[0], roster["street"].iat[1]
    out = apply_changes(roster, move(a, b, 5) + (RosterChange(b, "mediators_street", 2),)).set_index("street")
    base = roster.set_index("street")
    assert out.at[a, "grid_workers"] == base.at[a, "grid_workers"] - 5
    assert out.at[b, "grid_workers"] == base.at[b, "grid_workers"] + 5
    assert out.at[b, "mediators_street"] == base.at[b, "mediators_street"] + 2
    with pytest.raises(ValueError, match="does not have that many"):
        apply_changes(roster, move(a, b, 10_000))
    with pytest.raises(ValueError, match="no street called"):
        apply_changes(roster, (RosterChange("火星街道", "grid_workers", 1),))
    with pytest.raises(ValueError, match="unknown roster column"):
        RosterChange(a, "drivers", 1)
    with pytest.raises(ValueError, match="positive"):
        move(a, b, 0)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_scenarios_saved_and_compared(request, demo, backend):
    engine = store.connect(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    _, tickets, roster = demo
    week = tickets[tickets["created_at"] < "2023-04-08"]
    a, b = roster["street"].iat[0], roster["street"].iat[1]
    base = StaffingScenario("基线")
    busy = StaffingScenario("春季+50%", "volume up half, five workers moved",
                            (Adjustment("2023-04-01", "2023-04-07", "multiply", 1.5),), move(a, b, 5))
    for s in (base, busy):
        save_staffing(engine, s, run_scenario(s, week, roster, seed=4))
    assert list(list_staffing(engine)["name"]) == sorted(["基线", "春季+50%"])
    loaded, summary = load_staffing(engine, "春季+50%")
    assert loaded == busy and {"street", "role", "on_time"} <= set(summary.columns)
    table = compare_staffing(engine, ["基线", "春季+50%"])
    assert "Δ 春季+50%" in table.columns and len(table) == len(roster)
    assert table["Δ 春季+50%"].mean() < 0  # more volume on the same people: later, not sooner
    delete_staffing(engine, "基线")
    with pytest.raises(KeyError, match="no staffing scenario"):
        load_staffing(engine, "基线")


runner = CliRunner()


def test_cli_plan_and_errors(demo_copy):
    res = runner.invoke(app, ["staffing", "plan", "--period", "2023-04-01:2023-04-14", "--close", "0.8",
                              "--sign", "0.8", "--mediation", "0.8", "--db", demo_copy])
    assert res.exit_code == 0, res.output
    assert "grid_workers_now" in res.output and "Cost per year" in res.output
    res = runner.invoke(app, ["staffing", "plan", "--period", "April", "--db", demo_copy])
    assert res.exit_code != 0 and "START:END" in res.output
    res = runner.invoke(app, ["staffing", "plan", "--close", "1.0", "--period", "2023-04-01:2023-04-14", "--db", demo_copy])
    assert res.exit_code == 1 and "100%" in res.output
    res = runner.invoke(app, ["staffing", "plan", "--db", demo_copy])  # no forecast by street in the store yet
    assert res.exit_code == 1 and "forecast" in res.output


def test_acceptors_for_a_typical_week(demo):
    from civicdesk.staffing.acceptors import HotlineTargets, acceptor_hours, acceptors_needed
    _, tickets, _ = demo
    table = acceptors_needed(tickets)
    assert len(table) == 7 * 48
    hotline = (tickets["channel"] == "hotline").sum()
    weeks = tickets["created_at"].dt.normalize().nunique() / 7
    assert table["tickets"].sum() == pytest.approx(hotline / weeks, rel=0.05)
    busy = table.loc[table["calls"].idxmax()]
    assert busy["rostered"] == table["rostered"].max() and busy["service_level"] >= 0.8
    assert (table.loc[table["calls"] == 0, "agents"] == 0).all()
    patient = acceptors_needed(tickets, HotlineTargets(patience_s=120))
    assert patient["agents"].max() <= table["agents"].max()
    assert acceptor_hours(table) == pytest.approx(table["rostered"].sum() / 2)
    with pytest.raises(ValueError, match="calls per ticket"):
        acceptors_needed(tickets, HotlineTargets(calls_per_ticket=0))
