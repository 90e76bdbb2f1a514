"""Staffing scenarios: a volume change and roster changes, run through the simulation, saved in the
store by name (inputs and results) and compared side by side.

    s = StaffingScenario("春节+20%", volume=(Adjustment("2024-02-09", "2024-02-17", "multiply", 1.2),),
                         changes=move("明水街道", "双山街道", 5) + (RosterChange("圣井街道", "mediators_street", 2),))
    result = run_scenario(s, tickets, roster, config, seed=1)
    save_staffing(engine, s, result)
    compare_staffing(engine, ["基线", "春节+20%"])
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.forecast.scenarios import Adjustment
from civicdesk.staffing.config import SimConfig
from civicdesk.staffing.demand import apply_volume
from civicdesk.staffing.inputs import ROSTER_COLUMNS, check_roster
from civicdesk.staffing.sim import SimResult, simulate
from civicdesk.store.schema import staffing_scenarios
from civicdesk.store.write import replace_row
from civicdesk.access import require
from civicdesk.accounts import record

SUMMARY_COLUMNS = ["street", "role", "tickets", "on_time", "signed_on_time", "close_p50", "close_p90",
                   "utilisation", "overtime_h_per_week"]


@dataclass(frozen=True)
class RosterChange:
    """Add (or, negative, remove) `delta` people of one roster column (e.g. "grid_workers") in a street."""

    street: str
    column: str
    delta: int

    def __post_init__(self):
        if self.column not in ROSTER_COLUMNS[1:]:
            raise ValueError(f"unknown roster column '{self.column}'; use one of {', '.join(ROSTER_COLUMNS[1:])}")


def move(from_street: str, to_street: str, n: int, column: str = "grid_workers") -> tuple[RosterChange, RosterChange]:
    """Move n people of `column` from one street to another."""
    if n <= 0:
        raise ValueError("move a positive number of people")
    return RosterChange(from_street, column, -n), RosterChange(to_street, column, n)


@dataclass(frozen=True)
class StaffingScenario:
    """A named what-if: volume adjustments (as in forecast scenarios) and roster changes."""

    name: str
    description: str = ""
    volume: tuple[Adjustment, ...] = field(default_factory=tuple)
    changes: tuple[RosterChange, ...] = field(default_factory=tuple)
    quantile: float = 0.5

    def to_json(self) -> str:
        return json.dumps({"volume": [asdict(a) for a in self.volume], "changes": [asdict(c) for c in self.changes],
                           "quantile": self.quantile}, ensure_ascii=False)

    @classmethod
    def from_row(cls, name: str, description: str | None, inputs: str) -> "StaffingScenario":
        d = json.loads(inputs)
        return cls(name, description or "", tuple(Adjustment(**a) for a in d["volume"]),
                   tuple(RosterChange(**c) for c in d["changes"]), float(d.get("quantile", 0.5)))


def apply_changes(roster: pd.DataFrame, changes: Sequence[RosterChange]) -> pd.DataFrame:
    """The roster with the changes applied; a street unknown or left with negative headcount is an error."""
    out = check_roster(roster).copy()
    for c in changes:
        if c.street not in out.index:
            raise ValueError(f"no street called '{c.street}' in the roster")
        out.at[c.street, c.column] += c.delta
        if out.at[c.street, c.column] < 0:
            raise ValueError(f"{c.street} would be left with {out.at[c.street, c.column]} {c.column}: "
                             "it does not have that many to move")
    return out.reset_index()


def run_scenario(scenario: StaffingScenario, tickets: pd.DataFrame, roster: pd.DataFrame,
                 config: SimConfig | None = None, seed: int = 0, progress=None) -> SimResult:
    """Simulate the scenario: its volume adjustments on `tickets`, its changes on `roster`."""
    demand = apply_volume(tickets, scenario.volume, seed=seed) if scenario.volume else tickets
    return simulate(demand, apply_changes(roster, scenario.changes), config, seed=seed, progress=progress)


def save_staffing(engine: Engine, scenario: StaffingScenario, result: SimResult) -> None:
    """Store (or replace) the scenario's inputs and its per street × role summary under its name."""
    require("save_scenario")
    if not scenario.name.strip():
        raise ValueError("a scenario needs a name")
    summary = result.summary.reindex(columns=SUMMARY_COLUMNS).to_json(orient="records", force_ascii=False)
    with engine.begin() as conn:
        record(conn, "save_staffing_scenario", scenario.name, {"description": scenario.description})
        replace_row(conn, staffing_scenarios,
                    name=scenario.name, description=scenario.description, inputs=scenario.to_json(), summary=summary,
                    saved_at=pd.Timestamp.now().to_pydatetime())


def load_staffing(engine: Engine, name: str) -> tuple[StaffingScenario, pd.DataFrame]:
    """(scenario, summary) saved under `name`."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(staffing_scenarios).where(staffing_scenarios.c.name == name)).first()
    if row is None:
        raise KeyError(f"no staffing scenario called '{name}'")
    import io
    summary = pd.read_json(io.StringIO(row.summary), orient="records")
    return StaffingScenario.from_row(row.name, row.description, row.inputs), summary.reindex(columns=SUMMARY_COLUMNS)


def list_staffing(engine: Engine) -> pd.DataFrame:
    """name, description, saved_at of every saved staffing scenario."""
    t = staffing_scenarios.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.name, t.description, t.saved_at).order_by(t.name)).all()
    return pd.DataFrame(rows, columns=["name", "description", "saved_at"])


def delete_staffing(engine: Engine, name: str) -> None:
    require("delete_scenario")
    with engine.begin() as conn:
        record(conn, "delete_staffing_scenario", name)
        conn.execute(staffing_scenarios.delete().where(staffing_scenarios.c.name == name))


def compare_staffing(engine: Engine, names: Sequence[str], role: str = "grid_worker",
                     measure: str = "on_time") -> pd.DataFrame:
    """Streets (rows) × scenarios (columns) of one measure for one role, plus each scenario's difference
    from the first (the baseline) in points, as columns "Δ <name>"."""
    if not names:
        raise ValueError("choose at least one scenario to compare")
    cols = {}
    for name in names:
        _, summary = load_staffing(engine, name)
        cols[name] = summary[summary["role"] == role].set_index("street")[measure]
    out = pd.DataFrame(cols)
    base = names[0]
    for name in names[1:]:
        out[f"Δ {name}"] = (out[name] - out[base]) * (100 if measure in ("on_time", "signed_on_time", "utilisation") else 1)
    out.index.name = "street"
    return out.reset_index()
