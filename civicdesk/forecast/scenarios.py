"""Scenarios: a leader's assumptions laid over a forecast, saved in the store by name.

    cold = Scenario("寒潮", (Adjustment("2023-12-18", "2023-12-27", "multiply", 1.4, categories=("供暖",)),),
                    "寒潮来袭，供暖诉求上升四成，持续十天")
    save_scenario(engine, cold)
    apply_scenario(forecast, load_scenario(engine, "寒潮"), by=("street", "category"))

An adjustment multiplies or adds to the mean and the interval bounds of the matching series on the days
in its range (bounds stay at or above zero). It matches series by street, category and channel, so it
can only be applied to a forecast whose `by` includes every dimension it filters on.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.store.schema import forecast_scenarios
from civicdesk.store.write import replace_row
from civicdesk.access import require

#: Columns of `auto_forecast`'s output that are errors of the backtest, not forecast values: never scaled.
METRIC_COLUMNS = ("backtest_mase", "naive_mase", "selection_mase")
from civicdesk.accounts import record

KINDS = ("multiply", "add")
DIMENSIONS = ("streets", "categories", "channels")
_BY_NAME = {"streets": "street", "categories": "category", "channels": "channel"}


@dataclass(frozen=True)
class Adjustment:
    """Multiply (e.g. 1.4 for +40%) or add (tickets per day) over [start, end] for the chosen series."""

    start: str
    end: str
    kind: str
    value: float
    streets: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"an adjustment multiplies or adds, not '{self.kind}'")
        if pd.Timestamp(self.end) < pd.Timestamp(self.start):
            raise ValueError(f"the adjustment ends ({self.end}) before it starts ({self.start})")
        if self.kind == "multiply" and self.value < 0:
            raise ValueError("a multiplier cannot be negative")
        for dim in DIMENSIONS:
            object.__setattr__(self, dim, tuple(getattr(self, dim)))


@dataclass(frozen=True)
class Scenario:
    """A named set of adjustments."""

    name: str
    adjustments: tuple[Adjustment, ...] = field(default_factory=tuple)
    description: str = ""

    def to_json(self) -> str:
        return json.dumps([asdict(a) for a in self.adjustments], ensure_ascii=False)

    @classmethod
    def from_row(cls, name: str, adjustments: str, description: str | None) -> "Scenario":
        return cls(name, tuple(Adjustment(**a) for a in json.loads(adjustments)), description or "")


def _matches(ids: pd.Series, adj: Adjustment, by: tuple[str, ...], sep: str) -> np.ndarray:
    parts = ids.str.split(sep, expand=True) if by else None
    mask = np.ones(len(ids), bool)
    for dim in DIMENSIONS:
        wanted = getattr(adj, dim)
        if not wanted:
            continue
        column = _BY_NAME[dim]
        if column not in by:
            raise ValueError(f"this scenario filters on {column}; apply it to a forecast by {column} "
                             f"(this one is by {', '.join(by) or 'total'}), then add the series up")
        mask &= parts[by.index(column)].isin(wanted).to_numpy()
    return mask


def apply_scenario(forecast: pd.DataFrame, scenario: Scenario, by: tuple[str, ...] = ("street", "category"),
                   sep: str = "/") -> pd.DataFrame:
    """The forecast with the scenario's adjustments applied to every value column (mean and bounds).

    Args:
        forecast: unique_id, ds and value columns (a model's mean and intervals, or `mean`, `lo-80`, …).
        scenario: the adjustments.
        by: the dimensions joined in unique_id (as in `store.daily_counts`).
    """
    out = forecast.copy()
    values = [c for c in out.columns if c not in ("unique_id", "ds", "model", "cutoff", "y", *METRIC_COLUMNS)]
    ds = pd.to_datetime(out["ds"])
    for adj in scenario.adjustments:
        rows = _matches(out["unique_id"].astype(str), adj, tuple(by), sep)
        rows &= ((ds >= pd.Timestamp(adj.start)) & (ds <= pd.Timestamp(adj.end))).to_numpy()
        block = out.loc[rows, values].astype(float)
        block = block * adj.value if adj.kind == "multiply" else block + adj.value
        out.loc[rows, values] = block.clip(lower=0.0)
    return out


def save_scenario(engine: Engine, scenario: Scenario) -> None:
    """Store (or replace) the scenario under its name."""
    require("save_scenario")
    if not scenario.name.strip():
        raise ValueError("a scenario needs a name")
    with engine.begin() as conn:
        record(conn, "save_forecast_scenario", scenario.name, {"description": scenario.description})
        replace_row(conn, forecast_scenarios,
                    name=scenario.name, description=scenario.description, adjustments=scenario.to_json(),
                    saved_at=pd.Timestamp.now().to_pydatetime())


def load_scenario(engine: Engine, name: str) -> Scenario:
    with engine.connect() as conn:
        row = conn.execute(sa.select(forecast_scenarios).where(forecast_scenarios.c.name == name)).first()
    if row is None:
        raise KeyError(f"no scenario called '{name}'")
    return Scenario.from_row(row.name, row.adjustments, row.description)


def list_scenarios(engine: Engine) -> list[Scenario]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(forecast_scenarios).order_by(forecast_scenarios.c.name)).all()
    return [Scenario.from_row(r.name, r.adjustments, r.description) for r in rows]


def delete_scenario(engine: Engine, name: str) -> None:
    require("delete_scenario")
    with engine.begin() as conn:
        record(conn, "delete_forecast_scenario", name)
        conn.execute(forecast_scenarios.delete().where(forecast_scenarios.c.name == name))

