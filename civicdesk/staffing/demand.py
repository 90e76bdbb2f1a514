"""Tickets for the simulation: from a stored forecast (at a chosen quantile, with a scenario applied)
or from history, with the intraday shape and the street's mix of categories, urgencies, channels and
grids taken from its recent tickets.

    tickets = demand_from_forecast(engine, latest_run(engine), quantile=0.9, seed=1)
    tickets = apply_volume(tickets, (Adjustment("2024-02-09", "2024-02-17", "multiply", 1.2),), seed=1)
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from civicdesk import calendar as cal
from civicdesk.forecast.scenarios import Adjustment
from civicdesk.staffing.inputs import DEMAND_COLUMNS, load_history

#: Forecast column giving each quantile of daily volume (the intervals are central).
QUANTILE_COLUMNS = {0.5: "mean", 0.9: "hi-80", 0.975: "hi-95"}
TEMPLATE_WEEKS = 8


def quantile_column(quantile: float) -> str:
    if quantile not in QUANTILE_COLUMNS:
        allowed = ", ".join(f"{q:g}" for q in QUANTILE_COLUMNS)
        raise ValueError(f"the forecast quantile must be one of {allowed} (the mean and the upper ends of "
                         "the 80% and 95% intervals)")
    return QUANTILE_COLUMNS[quantile]


def _deadlines(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(cal.close_deadline(frame["created_at"], frame["urgency"], mediation=frame["dispute"].to_numpy()),
                     index=frame.index)


def demand_from_forecast(engine: Engine, run, quantile: float = 0.5, seed: int = 0,
                         template: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tickets for the forecast's days: each street-day gets the forecast's count (Poisson around it),
    and each ticket copies a recent ticket of that street and kind of day (its category, urgency,
    channel, grid, time of day, and whether the hotline closed it at intake).

    Args:
        run: a ForecastRun by street (or by street and more; counts are added up per street).
        quantile: 0.5 (mean), 0.9 or 0.975 of the daily volume.
        template: recent tickets to copy (default: the TEMPLATE_WEEKS before the forecast starts).
    """
    if "street" not in run.by:
        raise ValueError("staffing needs a forecast by street; make one with by=('street',)")
    col = quantile_column(quantile)
    values = run.values.copy()
    values["street"] = values["unique_id"].astype(str).str.split("/").str[run.by.index("street")]
    daily = values.groupby(["street", "ds"], as_index=False)[col].sum()
    first = pd.to_datetime(daily["ds"]).min()
    if template is None:
        template = load_history(engine, first - pd.Timedelta(weeks=TEMPLATE_WEEKS), first - pd.Timedelta(days=1))
    if template.empty:
        raise ValueError("no recent tickets to take the mix of categories and times of day from")
    rng = np.random.default_rng(seed)
    counts = rng.poisson(np.clip(daily[col].to_numpy(dtype=float), 0, None))
    return _copy_templates(daily.assign(n=counts), template, rng)


def _copy_templates(daily: pd.DataFrame, template: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    t = template.copy()
    t["workday"] = cal.workday_mask(t["created_at"].dt.normalize())
    t["tod"] = t["created_at"] - t["created_at"].dt.normalize()
    days = pd.to_datetime(daily["ds"])
    daily = daily.assign(workday=cal.workday_mask(days), ds=days)
    parts = []
    for (street, wd), g in daily.groupby(["street", "workday"]):
        pool = t[(t["street"] == street) & (t["workday"] == wd)]
        if pool.empty:
            pool = t[t["street"] == street]
        total = int(g["n"].sum())
        if pool.empty or total == 0:
            continue
        pick = pool.iloc[rng.integers(0, len(pool), total)].reset_index(drop=True)
        pick["created_at"] = np.repeat(g["ds"].to_numpy(), g["n"].to_numpy()) + pick["tod"].to_numpy()
        parts.append(pick)
    if not parts:
        return pd.DataFrame(columns=DEMAND_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["deadline_at"] = _deadlines(out)
    return out.sort_values("created_at", ignore_index=True)[DEMAND_COLUMNS]


def _matching(tickets: pd.DataFrame, adj: Adjustment) -> np.ndarray:
    day = tickets["created_at"].dt.normalize()
    m = ((day >= pd.Timestamp(adj.start)) & (day <= pd.Timestamp(adj.end))).to_numpy()
    for dim, col in (("streets", "street"), ("categories", "category"), ("channels", "channel")):
        if getattr(adj, dim):
            m = m & tickets[col].isin(getattr(adj, dim)).to_numpy()
    return m


def apply_volume(tickets: pd.DataFrame, adjustments: Sequence[Adjustment], seed: int = 0) -> pd.DataFrame:
    """Scale the tickets matching each adjustment: a multiplier below 1 drops a random share, above 1
    adds copies of random matching tickets a few minutes apart; "add" adds that many tickets a day."""
    rng = np.random.default_rng(seed)
    out = tickets.reset_index(drop=True)
    for adj in adjustments:
        m = _matching(out, adj)
        idx = np.flatnonzero(m)
        if adj.kind == "multiply":
            if adj.value < 1:
                drop = idx[rng.random(len(idx)) >= adj.value]
                out = out.drop(index=drop).reset_index(drop=True)
                continue
            extra = rng.poisson(adj.value - 1.0, len(idx))
            copies = np.repeat(idx, extra)
        else:
            if adj.value < 0:
                raise ValueError(f"cannot add {adj.value:g} tickets a day: volume cannot go below zero; "
                                 "to reduce volume use a multiplier below 1 (e.g. 0.8 for −20%)")
            n_days = (pd.Timestamp(adj.end) - pd.Timestamp(adj.start)).days + 1
            want = rng.poisson(adj.value * n_days)
            copies = rng.choice(idx, want) if len(idx) and want else np.array([], dtype=int)
        new = out.loc[copies].copy()
        new["created_at"] = new["created_at"] + pd.to_timedelta(rng.uniform(1, 30, len(new)), unit="min")
        new["deadline_at"] = _deadlines(new)
        out = pd.concat([out, new], ignore_index=True)
    return out.sort_values("created_at", ignore_index=True)


def staffing_demand(engine: Engine, source: str = "forecast", quantile: float = 0.5, start=None, end=None,
                    seed: int = 0) -> pd.DataFrame:
    """Tickets to simulate: from the latest stored forecast by street ("forecast") or replayed from the
    store's tickets created in [start, end] ("history")."""
    if source == "history":
        if start is None or end is None:
            raise ValueError("replaying history needs a start and an end date")
        return load_history(engine, start, end)
    if source != "forecast":
        raise ValueError(f"tickets come from 'forecast' or 'history', not '{source}'")
    from civicdesk.forecast.runs import latest_run
    run = latest_run(engine, by=("street",))
    if run is None:
        raise ValueError("还没有按镇街的预测，请先在“预测”页生成 / there is no forecast by street yet; make one in "
                         "the Forecast view (or with make_run(engine, by=('street',)))")
    return demand_from_forecast(engine, run, quantile=quantile, seed=seed)
