"""The `civicdesk` command starts without the analysis stack: `import civicdesk.cli` (all `civicdesk --help`
needs) loads no pandas, numpy, SQLAlchemy, Altair, statsmodels, scikit-learn or SciPy; each command imports
what it uses when it runs. Checked in a fresh interpreter (this test process has them all loaded already).
The start-up time itself is measured by benchmarks/bench_briefing.py, not asserted here."""
from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("pandas", "numpy", "sqlalchemy", "alembic", "altair", "statsmodels", "sklearn", "scipy", "weasyprint",
         "vl_convert", "docx", "openpyxl", "tqdm")
COMMANDS = ("demo", "info", "upgrade", "backup", "restore", "kpi", "import", "export", "profiles", "staffing",
            "user", "briefing", "import-reference", "template")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_command_loads_no_heavy_module():
    loaded = _loaded_after("import civicdesk.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_lists_every_command_without_loading_the_analysis_stack():
    code = ("import sys\nfrom civicdesk.cli import app\nsys.argv = ['civicdesk', '--help']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass")
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    out = subprocess.run([sys.executable, "-m", "civicdesk.cli", "--help"], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}, check=True).stdout
    for command in COMMANDS:
        assert f" {command} " in out, command


def test_opening_a_current_store_needs_no_alembic(tmp_path):
    """`civicdesk kpi` on a store at the head revision reads the revision with plain SQL; Alembic loads only
    to create or upgrade a schema."""
    from civicdesk.store.engine import _head_from_files, head_revision

    assert _head_from_files() == head_revision()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = _loaded_after(f"from civicdesk import store\nstore.connect({url!r})")
    assert "alembic" in first  # a new store is created by the migrations
    again = _loaded_after(f"from civicdesk import store\nstore.connect({url!r})")
    assert "alembic" not in again
