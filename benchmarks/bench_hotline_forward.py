"""The hotline forward check on simulated centres whose availability varies by hour.

    python benchmarks/bench_hotline_forward.py            # seeds 200-219: forward gaps, new profile vs pooled
    python benchmarks/bench_hotline_forward.py --tune     # seeds 100-107: choose SHRINK_K_CALLS, WEEKDAY_K_CALLS
    python benchmarks/bench_hotline_forward.py --tune-seen  # seeds 100-107, no roster: SEEN_K_CALLS, SHRINK_MIN

Each run calibrates on a fortnight (seed s) and predicts the next fortnight (seed s + 1000, 8% more calls,
the roster re-planned on them). The scenario is `tests/test_staffing_hotline_forward.py::centre_plan`.
Tuning also runs a centre a fifth the size (scale 1), where an hour holds fewer calls and k matters more.
The check runs each pair twice: with the roster file, and without one (the roster is then the agents seen
answering in each period, as for a centre that exports no roster).
"""
from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from pathlib import Path

import numpy as np
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


def forward(data, k_hour: float | None, k_day: float | None, with_roster: bool = True):
    """Calibrate on the first fortnight, predict the second; k None = the library's default."""
    log1, roster1, log2, roster2 = data if with_roster else (data[0], None, data[2], None)
    cal = calibrate_hotline(log1, roster1, shrinkage_k=k_hour, weekday_k=k_day)
    return cal, cal.predict(log2, roster2)


def tune_seen() -> None:
    """No roster: the lowest shrinkage tried (SHRINK_MIN) x the prior strengths, on the tuning seeds.

    The bound is varied by swapping the module's grid of shrinkage values for this run only.
    """
    from civicdesk.staffing import hotline_fit

    rows = []
    for scale, seed in itertools.product([5.0, 1.0], range(100, 108)):
        data = pair(seed, scale)
        for low in [0.0, -0.05, -0.1, -0.2]:
            hotline_fit._GRID = np.linspace(low, 0.99, int(round((0.99 - low) / 0.0025)) + 1)
            for kh, kd in [(100.0, 400.0), (1e3, math.inf), (1e4, math.inf), (1e5, math.inf), (math.inf, math.inf)]:
                _, fit = forward(data, kh, kd, with_roster=False)
                rows.append((scale, seed, low, "seen", kh, kd, fit.erlang_a_gap_pts))
            _, fit = forward(data, None, None)
            rows.append((scale, seed, low, "roster", math.nan, math.nan, fit.erlang_a_gap_pts))
    res = pd.DataFrame(rows, columns=["scale", "seed", "low", "roster", "k_hour", "k_day", "mean_gap"])
    table = res.groupby(["roster", "low", "k_hour", "k_day"], dropna=False)["mean_gap"].mean()
    by_scale = res.groupby(["roster", "low", "k_hour", "k_day", "scale"], dropna=False)["mean_gap"].mean()
    print(pd.concat([table, by_scale.unstack("scale").add_prefix("scale_")], axis=1).round(3).to_string())


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
    for with_roster in (True, False):
        rows = []
        for seed in seeds:
            data = pair(seed, 5.0)
            start = time.perf_counter()
            cal, new = forward(data, None, None, with_roster)
            seconds = time.perf_counter() - start
            _, old = forward(data, math.inf, math.inf, with_roster)
            rows.append((seed, new.erlang_a_gap_pts, new.by_hour["gap_a_pts"].abs().max(), old.erlang_a_gap_pts,
                         old.by_hour["gap_a_pts"].abs().max(), new.erlang_c_gap_pts, seconds))
        res = pd.DataFrame(rows, columns=["seed", "default_mean", "default_max", "pooled_mean", "pooled_max",
                                          "erlang_c_mean", "seconds"])
        print("with the roster file" if with_roster else "without a roster (agents seen answering)")
        print(res.round(2).to_string(index=False))
        print(res.drop(columns="seed").mean().round(2).to_string())
        print(f"default within 3 points in every hour: {(res['default_max'] <= 3).sum()} of {len(res)} seeds; "
              f"pooled misses some hour by more than 3: {(res['pooled_max'] > 3).sum()} of {len(res)}; "
              f"default no worse than pooled: {(res['default_mean'] <= res['pooled_mean'] + 1e-9).sum()}\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="grid of k on the tuning seeds 100-107")
    parser.add_argument("--tune-seen", action="store_true", help="no roster: SHRINK_MIN and k, seeds 100-107")
    parser.add_argument("--seeds", type=int, default=20, help="check seeds 200 .. 200 + N - 1")
    args = parser.parse_args()
    if args.tune:
        tune()
    elif args.tune_seen:
        tune_seen()
    else:
        check(range(200, 200 + args.seeds))
