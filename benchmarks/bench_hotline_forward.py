"""The hotline forward check on simulated centres whose availability varies by hour.

    python benchmarks/bench_hotline_forward.py            # seeds 200-219: forward gaps, new profile vs pooled
    python benchmarks/bench_hotline_forward.py --tune     # seeds 100-107: choose SHRINK_K_CALLS, WEEKDAY_K_CALLS

Each run calibrates on a fortnight (seed s) and predicts the next fortnight (seed s + 1000, 8% more calls,
the roster re-planned on them). The scenario is `tests/test_staffing_hotline_forward.py::centre_plan`.
Tuning also runs a centre a fifth the size (scale 1), where an hour holds fewer calls and k matters more.
"""
from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from civicdesk.staffing.hotline import calibrate_hotline  # noqa: E402
from tests.test_staffing_hotline_forward import centre_log  # noqa: E402

K_HOUR = [0.0, 25.0, 100.0, 400.0, 1600.0, math.inf]
K_DAY = [0.0, 100.0, 400.0, 1600.0, 6400.0, math.inf]


def pair(seed: int, scale: float):
    _, log1, roster1 = centre_log("2024-03-04", seed, scale=scale)
    _, log2, roster2 = centre_log("2024-03-18", seed + 1000, volume=1.08, scale=scale)
    return log1, roster1, log2, roster2


def forward(data, k_hour: float, k_day: float):
    log1, roster1, log2, roster2 = data
    cal = calibrate_hotline(log1, roster1, shrinkage_k=k_hour, weekday_k=k_day)
    return cal, cal.predict(log2, roster2)


def tune() -> None:
    rows = []
    for scale, seed in itertools.product([5.0, 1.0], range(100, 108)):
        data = pair(seed, scale)
        for kh, kd in itertools.product(K_HOUR, K_DAY):
            _, fit = forward(data, kh, kd)
            rows.append((scale, seed, kh, kd, fit.erlang_a_gap_pts, fit.by_hour["gap_a_pts"].abs().max()))
    res = pd.DataFrame(rows, columns=["scale", "seed", "k_hour", "k_day", "mean_gap", "max_gap"])
    table = res.groupby(["k_hour", "k_day"])[["mean_gap", "max_gap"]].mean()
    by_scale = res.groupby(["k_hour", "k_day", "scale"])["mean_gap"].mean().unstack("scale")
    print(table.join(by_scale.add_prefix("mean_gap_scale_")).round(2).to_string())
    best = table["mean_gap"].idxmin()
    print(f"lowest mean forward gap over tuning seeds: k_hour={best[0]}, k_day={best[1]}")


def check(seeds: range) -> None:
    rows = []
    for seed in seeds:
        data = pair(seed, 5.0)
        start = time.perf_counter()
        cal, new = forward(data, *_defaults())
        seconds = time.perf_counter() - start
        _, old = forward(data, math.inf, math.inf)
        rows.append((seed, new.erlang_a_gap_pts, new.by_hour["gap_a_pts"].abs().max(), old.erlang_a_gap_pts,
                     old.by_hour["gap_a_pts"].abs().max(), new.erlang_c_gap_pts, seconds))
    res = pd.DataFrame(rows, columns=["seed", "profile_mean", "profile_max", "pooled_mean", "pooled_max",
                                      "erlang_c_mean", "seconds"])
    print(res.round(2).to_string(index=False))
    print(res.drop(columns="seed").mean().round(2).to_string())
    print(f"profile within 3 points in every hour: {(res['profile_max'] <= 3).sum()} of {len(res)} seeds; "
          f"pooled misses some hour by more than 3: {(res['pooled_max'] > 3).sum()} of {len(res)}")


def _defaults():
    from civicdesk.staffing.hotline_fit import SHRINK_K_CALLS, WEEKDAY_K_CALLS
    return SHRINK_K_CALLS, WEEKDAY_K_CALLS


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="grid of k on the tuning seeds 100-107")
    parser.add_argument("--seeds", type=int, default=20, help="check seeds 200 .. 200 + N - 1")
    args = parser.parse_args()
    tune() if args.tune else check(range(200, 200 + args.seeds))
