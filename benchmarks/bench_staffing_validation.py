"""Benchmark: the staffing backtest on the split its constants were tuned on and on three it never saw.

Usage: python benchmarks/bench_staffing_validation.py [--db URL] [--seed N] [--splits tuned,2021Q3,2023H1,2023Q3]

Needs the full demo district in the store (`civicdesk demo`: 2021–2023, scale 1.0).

The simulation's constants (civicdesk/staffing/config.py) were set while looking at one backtest only:
calibrate on 2022 Q2, replay 2022 Q3. Each split here calibrates on its first period (on the tickets created
in it, as they stood at its last day: `load_history(..., as_of=...)`), replays the second with its actual
arrivals and day-by-day roster, and compares every street's on-time rate of grid workers' tickets with the
observed one. Target: every street within 3 points on every split.

Prints a table per split and a summary, and writes every street's gap to
benchmarks/results/staffing_validation.json.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from civicdesk import store
from civicdesk.staffing import backtest, load_history

RESULTS = Path(__file__).resolve().parent / "results"
#: name: (calibration period, test period, tuned on it?)
SPLITS = {
    "tuned": (("2022-04-01", "2022-06-30"), ("2022-07-01", "2022-09-30"), True),
    "2021Q3": (("2021-07-01", "2021-09-30"), ("2021-10-01", "2021-12-31"), False),
    "2023H1": (("2023-01-01", "2023-02-28"), ("2023-03-01", "2023-05-31"), False),
    "2023Q3": (("2023-07-01", "2023-09-30"), ("2023-10-01", "2023-12-31"), False),
}


def _check_store(engine) -> None:
    for name, (calib, test, _) in SPLITS.items():
        n = len(load_history(engine, *test))
        if n < 50_000:
            raise SystemExit(f"the store holds {n:,} tickets in {test} (split {name}); build the full demo first "
                             "(civicdesk demo)")


def run_split(engine, name: str, seed: int) -> dict:
    calib, test, tuned = SPLITS[name]
    t = time.perf_counter()
    check = backtest(engine, calib, test, seed=seed)
    secs = time.perf_counter() - t
    frame = check.streets.assign(observed=lambda d: (100 * d["observed"]).round(1),
                                 simulated=lambda d: (100 * d["simulated"]).round(1), gap=lambda d: d["gap"].round(2))
    worst = frame.loc[frame["gap"].abs().idxmax()]
    print(f"\n== {name}: calibrate {calib[0]}:{calib[1]} → replay {test[0]}:{test[1]}"
          f"{' (the constants were tuned on this split)' if tuned else ''}")
    print(frame.to_string(index=False))
    print(f"largest gap {check.max_gap:.1f} points ({worst['street']}); within 3 points: "
          f"{int((check.streets['gap'].abs() <= check.tolerance).sum())}/{len(check.streets)} streets; {secs:.0f} s",
          flush=True)
    return {"calibration": list(check.calibration_period), "test": list(check.test_period), "tuned": tuned,
            "seed": seed, "max_gap": round(check.max_gap, 2), "worst_street": worst["street"],
            "passed": check.passed, "tolerance": check.tolerance, "seconds": round(secs),
            "streets": frame.to_dict("records"), "roles": check.roles.round(4).to_dict("records")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument("--out", default=str(RESULTS / "staffing_validation.json"))
    args = parser.parse_args()
    engine = store.connect(args.db)
    _check_store(engine)
    out = Path(args.out)
    out.parent.mkdir(exist_ok=True)
    result = json.loads(out.read_text()) if out.exists() else {}
    names = args.splits.split(",")
    for name in names:
        result[name] = run_split(engine, name, args.seed)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print("\nsplit    calibration → test                               largest gap  street      passed")
    for name in names:
        r = result[name]
        print(f"{name:8} {r['calibration'][0]}:{r['calibration'][1]} → {r['test'][0]}:{r['test'][1]}  "
              f"{r['max_gap']:5.1f}        {r['worst_street']:10}  {r['passed']}")
    print(f"wrote {out}")
    failed = [n for n in names if not result[n]["passed"]]
    print("every street within 3 points on every split" if not failed else f"FAILED on: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
