"""Benchmark: staffing simulation speed, planning speed, and the backtest against history.

Usage: python benchmarks/bench_staffing.py [--parts speed,plan,backtest] [--db URL]

Needs the full demo district in the store (`civicdesk demo`: 2021–2023, scale 1.0).

1. speed: a quarter of the demo district (2023 Q3, every street and role: grid workers, duty desk,
   mediators) through `simulate`, reported as tickets per second, next to a plain SimPy M/M/c run and
   civicdesk's own call-level engine on the same number of arrivals, in the same run. Target < 5 s.
2. plan: `plan` for all 18 streets on the same quarter (targets 90/90/90, fixed headcount). Target < 30 s.
3. backtest: calibrate on 2022 Q2, replay 2022 Q3 (圣井's planted understaffing runs June–October
   2022) and compare on-time rates per street; target: every street within 3 points.
Prints tables and writes benchmarks/results/staffing.json.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from civicdesk import store
from civicdesk.staffing import (SimConfig, Targets, backtest, load_calibration, load_history, load_staff, plan,
                                roster_on, simulate)
from civicdesk.staffing.hotline import simpy_mmc, simulate_mmc

RESULTS = Path(__file__).resolve().parent / "results"
QUARTER = ("2023-07-01", "2023-09-30")


def _quarter(engine):
    tickets = load_history(engine, *QUARTER)
    if len(tickets) < 50_000:
        raise SystemExit(f"the store holds {len(tickets):,} tickets in {QUARTER}; build the full demo first "
                         "(civicdesk demo)")
    return tickets, roster_on(load_staff(engine), QUARTER[0])


def speed(engine) -> dict:
    tickets, roster = _quarter(engine)
    config = SimConfig(calibration=load_calibration())
    t = time.perf_counter()
    result = simulate(tickets, roster, config, seed=1)
    sim_s = time.perf_counter() - t
    n = len(tickets)
    t = time.perf_counter()
    simpy = simpy_mmc(rate=0.9 * 20, servers=20, aht=1.0, n_arrivals=n, seed=1)
    simpy_s = time.perf_counter() - t
    t = time.perf_counter()
    own = simulate_mmc(rate=0.9 * 20, servers=20, aht=1.0, n_arrivals=n, seed=1)
    own_s = time.perf_counter() - t
    roles = result.summary.groupby("role")["tickets"].sum().to_dict()
    out = {"tickets": n, "roles": roles, "district_s": round(sim_s, 2), "district_tickets_per_s": round(n / sim_s),
           "simpy_mmc_s": round(simpy_s, 2), "simpy_mmc_arrivals_per_s": round(n / simpy_s),
           "own_mmc_s": round(own_s, 2), "district_vs_simpy": round(simpy_s / sim_s, 2),
           "simpy_p_wait": round(simpy.p_wait, 4), "own_p_wait": round(own.p_wait, 4), "target_s": 5.0,
           "calibrated": config.calibration is not None}
    print(f"district quarter: {n:,} tickets in {sim_s:.2f} s ({n / sim_s:,.0f}/s); plain SimPy M/M/c on {n:,} "
          f"arrivals {simpy_s:.2f} s ({n / simpy_s:,.0f}/s); own M/M/c engine {own_s:.2f} s", flush=True)
    return out


def planning(engine) -> dict:
    tickets, roster = _quarter(engine)
    config = SimConfig(calibration=load_calibration())
    t = time.perf_counter()
    p = plan(tickets, roster, Targets(0.90, 0.90, 0.90), config, seed=1, fixed_total=True)
    secs = time.perf_counter() - t
    print(f"plan, {len(p.streets)} streets: {secs:.1f} s; grid workers {p.streets['grid_workers_now'].sum()} → "
          f"{p.streets['grid_workers'].sum()}; mediators {p.streets['mediators_now'].sum()} → "
          f"{p.streets['mediators'].sum()}; {len(p.moves)} moves; {len(p.problems)} problems", flush=True)
    return {"streets": len(p.streets), "seconds": round(secs, 1), "target_s": 30.0,
            "grid_workers_now": int(p.streets["grid_workers_now"].sum()), "grid_workers": int(p.streets["grid_workers"].sum()),
            "mediators_now": int(p.streets["mediators_now"].sum()), "mediators": int(p.streets["mediators"].sum()),
            "moves": len(p.moves), "problems": list(p.problems)}


def backtesting(engine) -> dict:
    t = time.perf_counter()
    check = backtest(engine, ("2022-04-01", "2022-06-30"), ("2022-07-01", "2022-09-30"), seed=0)
    secs = time.perf_counter() - t
    frame = check.streets.assign(observed=lambda d: (100 * d["observed"]).round(1),
                                 simulated=lambda d: (100 * d["simulated"]).round(1), gap=lambda d: d["gap"].round(1))
    print(frame.to_string(index=False))
    print(check.roles.round(3).to_string(index=False))
    print(f"backtest: largest gap {check.max_gap:.1f} points; within 3 points: "
          f"{int((check.streets['gap'].abs() <= 3).sum())}/{len(check.streets)} streets; {secs:.0f} s", flush=True)
    return {"calibration": check.calibration_period, "test": check.test_period, "max_gap": round(check.max_gap, 2),
            "passed": check.passed, "seconds": round(secs), "streets": frame.to_dict("records"),
            "roles": check.roles.round(4).to_dict("records")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="speed,plan,backtest")
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    engine = store.connect(args.db)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "staffing.json"
    result = json.loads(out.read_text()) if out.exists() else {}
    parts = {"speed": speed, "plan": planning, "backtest": backtesting}
    for name in args.parts.split(","):
        result[name] = parts[name](engine)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
