"""The hotline availability profile and the forward check: `calibrate_hotline` on one simulated fortnight,
`HotlineCalibration.predict` on the next, and `civicdesk staffing hotline-check`.

The logs come from the module's own simulator (`simulate_calls`) with availability that varies by hour of the
day (and on Monday 09:00-10:00), so the truth is known. Seeds: the prior strengths `SHRINK_K_CALLS` and
`WEEKDAY_K_CALLS` were chosen on calibration seeds 100-107 (test fortnights 1100-1107) by
`benchmarks/bench_hotline_forward.py --tune`; the tests here use seeds 200 and up, which no constant was set on.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from civicdesk.staffing.hotline import calibrate_hotline, simulate_calls

SLOTS = 7 + np.arange(30) / 2  # 07:00 .. 21:30, every day (a 12345 line works weekends too)
#: Share of the rostered agents who actually take calls, by hour: the first hour (logging in), lunch, the
#: late-afternoon breaks and the thinner evening team are low; mid-morning and mid-afternoon are high.
AVAILABILITY = {7: 0.72, 8: 0.84, 9: 0.92, 10: 0.93, 11: 0.90, 12: 0.74, 13: 0.80, 14: 0.92, 15: 0.90,
                16: 0.74, 17: 0.72, 18: 0.86, 19: 0.84, 20: 0.76, 21: 0.72}
MONDAY_AVAILABILITY = {9: 0.74}  # the Monday 09:00 team briefing
WEEKDAY_VOLUME = {0: 1.15, 4: 0.9, 5: 0.7, 6: 0.6}
AHT_S, PATIENCE_S = 240.0, 200.0
BETA = 2.0


def centre_plan(start: str, days: int = 14, volume: float = 1.0, scale: float = 5.0, beta: float = BETA) -> pd.DataFrame:
    """Per half hour: ds, calls (expected), rostered, effective (= round(rostered x availability)).

    The roster follows square-root staffing planned with one pooled availability of 0.8,
    rostered = ceil((a + 2 sqrt(a)) / 0.8) for a Erlangs, so the hours whose true availability is lower wait
    more, as in a centre planned with one shrinkage. `scale` 5 gives about 10,000 calls a day.
    """
    shape = (110 * np.exp(-((SLOTS - 10.5) / 1.7) ** 2) + 80 * np.exp(-((SLOTS - 15) / 2.0) ** 2)
             + 30 * np.exp(-((SLOTS - 19.5) / 1.0) ** 2) + 25) * np.where((SLOTS < 8) | (SLOTS >= 21), 0.6, 1.0)
    rows = []
    for day in pd.date_range(start, periods=days):
        for t, base in zip(SLOTS, shape):
            calls = scale * volume * WEEKDAY_VOLUME.get(day.day_of_week, 1.0) * base
            erlangs = calls * AHT_S / 1800
            rostered = math.ceil((erlangs + beta * math.sqrt(erlangs)) / 0.8)
            hour = int(t)
            avail = (MONDAY_AVAILABILITY.get(hour, AVAILABILITY[hour]) if day.day_of_week == 0
                     else AVAILABILITY[hour])
            rows.append((day + pd.Timedelta(hours=t), calls, rostered, max(1, round(rostered * avail))))
    return pd.DataFrame(rows, columns=["ds", "calls", "rostered", "effective"])


def centre_log(start: str, seed: int, days: int = 14, volume: float = 1.0, scale: float = 5.0):
    """(plan, call log, roster DataFrame ds/agents) of a simulated centre; see `centre_plan`."""
    plan = centre_plan(start, days, volume, scale)
    log = simulate_calls(plan[["ds", "calls"]], plan["effective"].to_numpy(), aht_s=AHT_S,
                         patience_s=PATIENCE_S, seed=seed)
    return plan, log, plan[["ds"]].assign(agents=plan["rostered"])


def hour_truth(plan: pd.DataFrame) -> pd.Series:
    """The planted shrinkage per hour: 1 - effective / rostered agents, weighted by the expected calls."""
    frame = plan.assign(hour=plan["ds"].dt.hour, share=1 - plan["effective"] / plan["rostered"])
    return frame.groupby("hour").apply(lambda g: np.average(g["share"], weights=g["calls"]), include_groups=False)


@pytest.fixture(scope="module")
def fortnights():
    """Calibration fortnight (seed 200) and the next fortnight (seed 1200): 8% more calls, roster re-planned."""
    plan, log, roster = centre_log("2024-03-04", seed=200)
    plan2, log2, roster2 = centre_log("2024-03-18", seed=1200, volume=1.08)
    return plan, log, roster, plan2, log2, roster2


@pytest.fixture(scope="module")
def fits(fortnights):
    _, log, roster, _, log2, roster2 = fortnights
    profile, pooled = calibrate_hotline(log, roster), calibrate_hotline(log, roster, shrinkage_k=math.inf, weekday_k=math.inf)
    return profile, pooled, profile.predict(log2, roster2), pooled.predict(log2, roster2)


def test_profile_recovers_the_planted_availability(fortnights, fits):
    """Where callers wait (>= 3% of them), each hour's shrinkage is within 0.07 of the planted one.

    Stationary Erlang A per half hour reads a queue that starts the hour emptier than its steady state as a
    little more capacity, most of all at 07:00 (the queue starts empty every morning). On the tuning seeds
    100-107 fitted minus planted was -0.052 to +0.019 in these hours (-0.052 at 07:00, at most 0.044 in
    size elsewhere), mean size about 0.02; 0.07 leaves room for that spread. Hours where almost nobody waits
    cannot identify the agents (any staffing above some level fits) and are not checked. The single pooled
    shrinkage misses the same hours by 0.09-0.105 on those seeds.
    """
    plan, log, _, _, _, _ = fortnights
    profile, pooled, _, _ = fits
    truth = hour_truth(plan)
    waited = log.assign(hour=log["arrived_at"].dt.hour).groupby("hour")["waited_s"].apply(lambda w: (w > 0).mean())
    informative = waited[waited >= 0.03].index
    assert len(informative) >= 6
    fitted = profile.by_hour.set_index("hour")["shrinkage"]
    error = (fitted[informative] - truth[informative]).abs()
    assert error.max() < 0.07 and error.mean() < 0.035
    assert (pooled.shrinkage - truth[informative]).abs().max() > 0.085
    assert (pooled.by_hour["shrinkage"] == pooled.shrinkage).all() and (pooled.by_hour["weight"] == 0).all()
    assert (pooled.by_weekday_hour["shrinkage"] == pooled.shrinkage).all()
    # the Monday 09:00 briefing shows in the weekday level, not in the other weekdays' 09:00
    day = profile.by_weekday_hour.set_index(["weekday", "hour"])["shrinkage"]
    assert day[(0, 9)] > day[[(d, 9) for d in range(1, 7)]].max() + 0.03


def test_later_fortnight_predicted_hour_by_hour(fits):
    """A fortnight no constant was set on: per-hour mean absolute gap <= 3 points, every hour within 6.

    The bound on every single hour is 6, not 3, because the observed share itself is noisy: over seeds
    300-311 the same centre's observed share per hour varies by up to 3.0 points (one standard deviation;
    2.5 at 12:00, 2.1 at 17:00). On seeds 200-219 (`benchmarks/bench_hotline_forward.py`) the profile's mean
    gap is 0.65-1.54 points (pooled model 2.8-3.8), its worst hour 1.6-6.2 (above 6 on one seed of 20),
    within 3 in every hour on 3 seeds; the pooled model misses some hour by 7.1-12.4 on all 20.
    """
    _, _, forward, pooled_forward = fits
    gaps = forward.by_hour["gap_a_pts"].abs()
    assert forward.erlang_a_gap_pts <= 3 and gaps.max() <= 6
    assert len(forward.by_hour) == 15 and forward.by_hour["calls"].min() > 1000
    # the old single-shrinkage model misses some hour of the same log by more than 3 points (and is worse overall)
    assert pooled_forward.by_hour["gap_a_pts"].abs().max() > 3
    assert pooled_forward.erlang_a_gap_pts > forward.erlang_a_gap_pts + 1


def test_few_calls_pull_an_hour_toward_the_pooled_value(fortnights):
    """An hour with few calls gets weight n / (n + k); k = 0 keeps its own fit, k = inf the pooled value."""
    _, log, roster, _, _, _ = fortnights
    thin = log[(log["arrived_at"].dt.hour != 7) | (log["arrived_at"].dt.day == 4)]  # 07:00 of one day only
    cal = calibrate_hotline(thin, roster, shrinkage_k=2000)
    row = cal.by_hour.set_index("hour").loc[7]
    assert row["calls"] == (thin["arrived_at"].dt.hour == 7).sum()
    assert row["weight"] == pytest.approx(row["calls"] / (row["calls"] + 2000))
    assert row["shrinkage"] == pytest.approx(row["weight"] * row["fitted"] + (1 - row["weight"]) * cal.shrinkage)
    assert cal.by_hour.set_index("hour").loc[10, "weight"] > 0.85
    own = calibrate_hotline(thin, roster, shrinkage_k=0).by_hour.set_index("hour")
    assert own.loc[7, "shrinkage"] == pytest.approx(own.loc[7, "fitted"])


def test_predict_uses_agents_seen_when_no_roster(fortnights):
    """Without a roster both periods count the agents seen answering; the forward check still runs and the
    shrinkage then is small (the simulated agents who are not available never answer)."""
    _, log, _, _, log2, _ = fortnights
    cal = calibrate_hotline(log)
    fit = cal.predict(log2)
    assert cal.by_hour["shrinkage"].abs().max() < 0.12
    assert fit.erlang_a_gap_pts < 4 and len(fit.by_hour) == 15


def test_no_roster_is_no_worse_than_one_pooled_shrinkage(fortnights):
    """Without a roster the true shrinkage is 0 and the fit wants slightly less (Erlang A's bias): the default
    is the pooled value for every hour, free to go down to SHRINK_MIN.

    Before: an hour profile with the range starting at 0 over-predicted waiting and missed the later fortnight
    by 1.77 points on this seed (1.18 for the pooled value held at 0); seeds 200-219 mean 1.30 vs 0.99. Now
    0.72 here and 0.86 on seeds 200-219 (0.53-1.25), `benchmarks/bench_hotline_forward.py`.
    """
    from civicdesk.staffing.hotline_fit import SHRINK_MIN

    _, log, _, _, log2, _ = fortnights
    cal = calibrate_hotline(log)
    fit = cal.predict(log2)
    assert SHRINK_MIN <= cal.shrinkage < 0
    assert (cal.by_hour["shrinkage"] == cal.shrinkage).all() and (cal.by_weekday_hour["weight"] == 0).all()
    pooled = calibrate_hotline(log, shrinkage_k=math.inf, weekday_k=math.inf).predict(log2)
    assert fit.erlang_a_gap_pts <= pooled.erlang_a_gap_pts + 1e-9
    assert fit.erlang_a_gap_pts < 1.0
    # the hour profile is still there on request, and fits this log no better forward
    profile = calibrate_hotline(log, shrinkage_k=100, weekday_k=400)
    assert profile.by_hour["shrinkage"].nunique() > 1
    assert profile.predict(log2).erlang_a_gap_pts >= fit.erlang_a_gap_pts


def test_pwait_table_matches_erlang_a():
    from civicdesk.staffing.erlang import erlang_a
    from civicdesk.staffing.hotline_fit import _pwait_table

    traffic = np.array([0.0, 0.4, 3.7, 26.5, 140.2])
    for aht, patience in [(240, 200), (90, 900), (300, 30), (240, math.inf)]:
        table = _pwait_table(traffic, 220, aht, patience)
        for i, a in enumerate(traffic):
            for n in [0, 1, 2, 5, 20, 27, 40, 130, 141, 160, 220]:
                assert table[i, n] == pytest.approx(erlang_a(a, n, aht, patience, 0.0).p_wait, abs=1e-9)


def test_predict_rejects_bad_logs(fits):
    profile = fits[0]
    with pytest.raises(ValueError, match="missing column"):
        profile.predict(pd.DataFrame({"arrived_at": ["2024-04-01 09:00"]}))
    with pytest.raises(ValueError, match="empty"):
        profile.predict(pd.DataFrame(columns=["arrived_at", "waited_s", "outcome", "service_s", "agent"]))


# ---------------------------------------------------------------- the command


def _cli(*args):
    from typer.testing import CliRunner

    from civicdesk.cli import app
    return CliRunner().invoke(app, ["staffing", "hotline-check", *map(str, args)])


@pytest.fixture(scope="module")
def log_file(tmp_path_factory, fortnights):
    _, log, roster, _, log2, roster2 = fortnights
    folder = tmp_path_factory.mktemp("hotline")
    pd.concat([log, log2]).to_csv(folder / "calls.csv", index=False)
    pd.concat([roster, roster2]).to_csv(folder / "roster.csv", index=False)
    return folder


def test_cli_hotline_check(log_file, fits):
    result = _cli(log_file / "calls.csv", "--calibrate", "2024-03-04:2024-03-17", "--test", "2024-03-18:2024-03-31",
                  "--roster", log_file / "roster.csv")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["hour", "calls"])
    assert lines[header].split() == ["hour", "calls", "observed_%", "predicted_%", "gap_pts"]
    rows = [line.split() for line in lines[header + 1:header + 16]]
    assert [r[0] for r in rows] == [f"{h:02d}:00" for h in range(7, 22)]
    forward = fits[2]
    assert [float(r[4]) for r in rows] == pytest.approx(forward.by_hour["gap_a_pts"].round(1).tolist(), abs=0.051)
    assert f"Mean absolute gap: {forward.erlang_a_gap_pts:.1f} points per hour" in result.output
    assert f"one shrinkage for all hours: {fits[3].erlang_a_gap_pts:.1f}" in result.output


@pytest.mark.parametrize("args, message", [
    (["--calibrate", "2023-01-01:2023-01-14", "--test", "2024-03-18:2024-03-31"], "no calls in the calibration period"),
    (["--calibrate", "2024-03-04:2024-03-17", "--test", "2025-01-01:2025-01-14"], "no calls in the test period"),
    (["--calibrate", "March", "--test", "2024-03-18:2024-03-31"], "is not a period"),
])
def test_cli_hotline_check_errors(log_file, args, message):
    result = _cli(log_file / "calls.csv", *args)
    assert result.exit_code != 0 and message in result.output


def test_cli_hotline_check_missing_columns(tmp_path):
    pd.DataFrame({"arrived_at": ["2024-03-04 09:00", "2024-03-05 09:00"], "waited_s": [3, 0]}).to_csv(
        tmp_path / "a.csv", index=False)
    result = _cli(tmp_path / "a.csv", "--calibrate", "2024-03-04:2024-03-04", "--test", "2024-03-05:2024-03-05")
    assert result.exit_code == 1 and "missing column(s)" in result.output
    pd.DataFrame({"时间": ["2024-03-04 09:00"], "x": [1]}).to_csv(tmp_path / "b.csv", index=False)
    result = _cli(tmp_path / "b.csv", "--calibrate", "2024-03-04:2024-03-04", "--test", "2024-03-05:2024-03-05")
    assert result.exit_code == 1 and "no arrived_at column" in result.output
