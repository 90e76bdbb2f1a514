"""Benchmark: the satisfaction driver model on the full demo store (all three years).

Usage: python benchmarks/bench_drivers.py [--url URL]

Measures, in one run on the same store: reading the modelling table, fitting the default logit with its
marginal effects, importance and diagnostics (`fit_drivers`), and a plain statsmodels formula logit on
the same table (the same estimates, nothing else) as the side-by-side reference; then one what-if.
Target (issue 6): table + fit under 20 seconds. Writes benchmarks/results/drivers.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import statsmodels.formula.api as smf

from civicdesk import config, store
from civicdesk.drivers import DEFAULT_FORMULA, Levers, fit_drivers, lever_changes, modelling_table
from civicdesk.synth.callers import PLANTED_FORMULA, planted_coefficients

RESULTS = Path(__file__).parent / "results"
TARGET_S = 20.0


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="store URL (default: the configured store)")
    args = parser.parse_args()
    engine = store.connect(args.url or config.db_url())
    table, t_table = timed(lambda: modelling_table(engine, reached_only=True))
    model, t_fit = timed(lambda: fit_drivers(table, DEFAULT_FORMULA))
    _, t_fit_plain = timed(lambda: fit_drivers(table, DEFAULT_FORMULA, importance=False))
    _, t_statsmodels = timed(lambda: smf.logit(DEFAULT_FORMULA, table).fit(disp=0, method="newton"))
    changed = lever_changes(model.data, Levers(close_within_wd=3))
    answer, t_whatif = timed(lambda: model.what_if(changed))
    planted = fit_drivers(table, PLANTED_FORMULA, importance=False).coefficients.set_index("term")
    truth = planted_coefficients()
    common = truth.index.intersection(planted.index)
    inside = ((planted.loc[common, "ci_low"] <= truth[common]) & (truth[common] <= planted.loc[common, "ci_high"]))
    result = {
        "machine": platform.platform(), "python": sys.version.split()[0], "callbacks": int(model.nobs),
        "store": {k: v for k, v in store.info(engine).items() if k.startswith("demo")},
        "table_s": round(t_table, 2), "fit_s": round(t_fit, 2), "table_plus_fit_s": round(t_table + t_fit, 2),
        "fit_without_importance_s": round(t_fit_plain, 2), "statsmodels_formula_logit_s": round(t_statsmodels, 2),
        "fit_vs_statsmodels": round(t_fit / t_statsmodels, 2), "what_if_s": round(t_whatif, 3),
        "what_if_close_within_3wd": {"rate": round(answer.rate, 4), "baseline": round(answer.baseline_rate, 4),
                                     "change_pt": round(answer.change * 100, 2)},
        "auc": round(model.diagnostics.auc, 3), "mcfadden_r2": round(model.diagnostics.mcfadden_r2, 3),
        "planted_inside_95ci": f"{int(inside.sum())}/{len(common)}",
        "planted_max_abs_error": round(float(np.abs(planted.loc[common, "estimate"] - truth[common]).max()), 3),
        "target_s": TARGET_S, "target_met": bool(t_table + t_fit < TARGET_S),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "drivers.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    return 0 if result["target_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
