"""`civicdesk kpi` prints the Overview's street table without pandas: the same text as the pandas rendering of
`civicdesk.overview.overview` (kept here as the reference), on the demo store, on a store without streets
(where the street is 未注明, as in the app) and on weeks without tickets; and it starts without pandas."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from civicdesk import store
from civicdesk.cli import app
from civicdesk.cli.common import table_text
from civicdesk.i18n import street_label
from civicdesk.kpi import data_coverage, street_week
from civicdesk.overview import overview
from tests.conftest import make_tickets

COLS = ["street", "received", "response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"]


def reference(url: str, week: str | None) -> str:
    """What the command printed when it rendered `overview(...).by_street` with pandas (streets labelled)."""
    engine = store.connect(url)
    ov = overview(engine, week)
    coverage = data_coverage(engine)
    table = ov.by_street[COLS].copy()
    table["street"] = table["street"].map(street_label)
    missing = [c for c in COLS[2:] if not coverage.measures(c)]
    for col in missing:
        table[col] = "—"
    lines = [f"{ov.week_start} → {ov.week_end}: {int(ov.this_week['received']):,} tickets",
             table.to_string(index=False, float_format=lambda v: f"{v:.1%}")]
    if missing:
        lines.append(f"— not recorded in this store: {', '.join(missing)} (see docs/loading-data.md)")
    return "\n".join(lines) + "\n"


def printed(url: str, week: str | None) -> str:
    result = CliRunner().invoke(app, ["kpi", *([week] if week else []), "--db", url])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("week", [None, "2023-W07", "2023-03-15", "2023-W26", "2030-W01"])
def test_demo_store_prints_what_the_overview_holds(demo_store_url, week):
    assert printed(demo_store_url, week) == reference(demo_store_url, week)


@pytest.fixture
def no_streets_url(store_url):
    """Tickets without a street or callbacks, some without a signing time, over three weeks."""
    rows = [dict(created_at=f"2023-02-{day:02d} {9 + i}:00", street=None, callback_result=None,
                 signed_at=None, closed_at=f"2023-02-{day + 1:02d} 09:00" if i % 3 else None)
            for day in range(6, 27) for i in range(day % 4 + 1)]
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    engine.dispose()
    return store_url


@pytest.mark.parametrize("week", [None, "2023-W07", "2023-W10"])
def test_store_without_streets_names_the_street_as_the_app_does(no_streets_url, week):
    out = printed(no_streets_url, week)
    assert out == reference(no_streets_url, week)
    if week != "2023-W10":
        assert "未注明" in out and "—" in out  # no street; no signing times or callbacks to measure


def test_street_week_holds_the_overviews_figures(demo_store_url):
    engine = store.connect(demo_store_url)
    got = street_week(engine, "2023-W10")
    ov = overview(engine, "2023-W10").by_street
    assert list(got.by_street["street"]) == list(ov["street"])
    for col in ("received", "closed", "cb_satisfied", "hours_to_close_sum", "response_rate", "satisfaction_rate",
                "mean_hours_to_close", "callbacks_reached"):
        assert list(got.by_street[col]) == pytest.approx(list(ov[col]), nan_ok=True), col
    assert got.received == int(overview(engine, "2023-W10").this_week["received"])


def test_empty_store_says_so(sqlite_url):
    store.connect(sqlite_url).dispose()
    result = CliRunner().invoke(app, ["kpi", "--db", sqlite_url])
    assert result.exit_code == 1
    assert "holds no tickets" in result.output


@pytest.mark.parametrize("columns", [
    {"street": ["明水街道", "a\tb", "x" * 60], "received": [3, 120, 7], "rate": [0.5, math.nan, 1.0],
     "gone": ["—", "—", "—"]},
    {"n": [1, 2], "mixed": [1, 2.5]},
    {"street": [], "received": []},
])
def test_table_text_is_pandas_to_string(columns):
    frame = pd.DataFrame(columns)
    if not len(frame):
        frame = frame.astype({"street": "str", "received": "int64"})
    fmt = lambda v: f"{v:.1%}"  # noqa: E731
    assert table_text(columns, float_format=fmt) == frame.to_string(index=False, float_format=fmt)


def test_kpi_command_starts_without_pandas_or_pydantic(demo_store_url):
    """The command's whole run (store opened at head, the week read, the table printed) imports neither pandas
    nor Typer's pydantic (`civicdesk.cli.common.TextParameters`)."""
    code = ("import sys\nfrom civicdesk.cli import app\n"
            f"sys.argv = ['civicdesk', 'kpi', '2023-W07', '--db', {demo_store_url!r}]\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "明水街道" in out.stdout
    heavy = {"pandas", "alembic", "pyarrow", "pydantic", "pydantic_core"}
    assert not loaded & heavy, sorted(loaded & heavy)
