"""Benchmark report: the importer's property tests, how many examples each ran and how long they took.

Usage: python benchmarks/bench_fuzz.py

Runs tests/test_ingest_fuzz_text.py and _files.py with Hypothesis statistics and writes benchmarks/results/fuzz.json (test,
passing/failing/invalid examples, and the run's wall time), for the issue's "fuzzing run counts".
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
COUNTS = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid test cases")


def main() -> int:
    began = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics",
                          "tests/test_ingest_fuzz_text.py", "tests/test_ingest_fuzz_files.py"], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - began
    tests, current = [], None
    for line in run.stdout.splitlines():
        if line.startswith("tests/test_ingest_fuzz_") and line.rstrip().endswith(":"):
            current = line.strip().rstrip(":").split("::", 1)[1]
        match = COUNTS.search(line)
        if match and current:  # one line per phase (generate, shrink…): add them up per test
            passing, failing, invalid = map(int, match.groups())
            if not tests or tests[-1]["test"] != current:
                tests.append({"test": current, "passing": 0, "failing": 0, "invalid": 0})
            for key, n in zip(("passing", "failing", "invalid"), (passing, failing, invalid)):
                tests[-1][key] += n
    summary = next((l for l in reversed(run.stdout.splitlines()) if " passed" in l or " failed" in l), "")
    result = {"benchmark": "fuzz", "wall_s": round(wall, 1), "pytest": summary.strip(), "exit_code": run.returncode,
              "examples": sum(t["passing"] + t["failing"] + t["invalid"] for t in tests), "tests": tests}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fuzz.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
