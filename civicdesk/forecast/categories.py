"""Forecast a store's street × category hierarchy, whatever its taxonomy.

    fc = forecast_categories(engine, as_of="2023-06-25", h=28)
    fc.values      # unique_id, ds, mean, lo-80, hi-80, lo-95, hi-95: coherent at every level
    fc.labels      # unique_id -> level ("total", "street", "category", "street/category"), street, category
    fc.lumped      # the categories merged into `OTHER` (say so wherever they are shown)

A centre's taxonomy may have a hundred level-1 classes or more, most of them rare: forecasting every street
× class would fit thousands of near-empty series. The categories that carry at least `min_share` of the
history's tickets are kept (at most `top`), the rest are forecast together as `OTHER`. Series ids are
internal ("s3/c7"), so category and street names may hold "/" or repeat each other; `labels` gives the names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from civicdesk.codes import TAIL_CATEGORIES
from civicdesk.forecast.core import Forecaster
from civicdesk.forecast.hierarchy import TOTAL_ID, Hierarchy, aggregate, reconcile
from civicdesk.forecast.models import CountRegression, SeasonalNaive
from civicdesk.store.categories import split_tail
from civicdesk.store.queries import data_span, rollup_frame

#: The category the tail is merged into (a display key: `civicdesk.i18n.category_label` names it per language).
OTHER = TAIL_CATEGORIES
#: Days of history needed before the count regression's yearly terms are trusted (else seasonal naive).
MIN_REGRESSION_DAYS = 400
VALUE_COLUMNS = ("mean", "lo-80", "hi-80", "lo-95", "hi-95")


@dataclass(frozen=True)
class CategoryHierarchy:
    """The street × category hierarchy of a store's daily counts, the tail of categories merged.

    Attributes:
        hierarchy: series (internal ids), summing matrix and level tags (see `forecast.hierarchy`).
        labels: unique_id, level, street, category (None where the level sums over it).
        kept: categories with their own series, largest first.
        lumped: categories merged into `OTHER`, largest first (empty when none were).
    """

    hierarchy: Hierarchy
    labels: pd.DataFrame
    kept: tuple[str, ...]
    lumped: tuple[str, ...]


@dataclass(frozen=True)
class CategoryForecast:
    """Coherent forecasts of every series of a `CategoryHierarchy` (`values`: unique_id, ds, VALUE_COLUMNS)."""

    values: pd.DataFrame
    labels: pd.DataFrame
    kept: tuple[str, ...]
    lumped: tuple[str, ...]
    model: str
    method: str
    as_of: pd.Timestamp


def category_hierarchy(engine: Engine, start=None, end=None, top: int = 12, min_share: float = 0.01) -> CategoryHierarchy:
    """The street × category hierarchy of the store's daily received counts in [start, end].

    Raises:
        ValueError: no tickets in the period.
    """
    frame = rollup_frame(engine, ("street", "category"), start, end, ["received"])
    if frame.empty:
        raise ValueError("the store holds no tickets in this period to forecast from")
    kept, lumped = split_tail(frame.groupby("category")["received"].sum(), top, min_share)
    frame["category"] = frame["category"].where(frame["category"].isin(kept), OTHER)
    streets = sorted(frame["street"].unique())
    categories = kept + ([OTHER] if lumped else [])
    s_id = {s: f"s{i}" for i, s in enumerate(streets)}
    c_id = {c: f"c{i}" for i, c in enumerate(categories)}
    frame["unique_id"] = frame["street"].map(s_id) + "/" + frame["category"].map(c_id)
    days = pd.date_range(frame["day"].min() if start is None else pd.Timestamp(start),
                         frame["day"].max() if end is None else pd.Timestamp(end), freq="D")
    bottom = frame.groupby(["unique_id", "day"], as_index=False)["received"].sum().rename(
        columns={"day": "ds", "received": "y"})
    # every day of the period present, so empty days count as 0 (aggregate pivots on the dates it sees)
    bottom = pd.concat([bottom, pd.DataFrame({"unique_id": bottom["unique_id"].iloc[0], "ds": days, "y": 0})],
                       ignore_index=True)
    hierarchy = aggregate(bottom)
    return CategoryHierarchy(hierarchy, _labels(hierarchy, s_id, c_id), tuple(kept), tuple(lumped))


def _labels(h: Hierarchy, s_id: dict[str, str], c_id: dict[str, str]) -> pd.DataFrame:
    street_of = {v: k for k, v in s_id.items()}
    category_of = {v: k for k, v in c_id.items()}
    rows = [(TOTAL_ID, "total", None, None)]
    rows += [(u, "street", street_of[u], None) for u in h.tags["street"]]
    rows += [(u, "category", None, category_of[u]) for u in h.tags["category"]]
    rows += [(u, "street/category", street_of[u.split("/")[0]], category_of[u.split("/")[1]])
             for u in h.tags["street/category"]]
    return pd.DataFrame(rows, columns=["unique_id", "level", "street", "category"])


def forecast_categories(engine: Engine, as_of=None, h: int = 28, history_days: int = 548, top: int = 12,
                        min_share: float = 0.01, method: str = "wls_struct") -> CategoryForecast:
    """Forecast every street, category and street × category `h` days after `as_of`, coherently.

    Args:
        engine: the store.
        as_of: last day of data used (default the store's last day).
        h: horizon in days.
        history_days: days of history read before `as_of`.
        top, min_share: which categories keep their own series (`split_tail`); the rest form `OTHER`.
        method: reconciliation ("bottom_up", "wls_struct" or "mint_shrink" needs residuals: not offered here).

    Raises:
        ValueError: the store holds no tickets before `as_of`.
    """
    span = data_span(engine)
    if span is None:
        raise ValueError("the store holds no tickets to forecast from")
    last = pd.Timestamp(as_of if as_of is not None else span[1]).normalize()
    first = max(last - timedelta(days=history_days - 1), pd.Timestamp(span[0]))
    tree = category_hierarchy(engine, first, last, top, min_share)
    days = (last - first).days + 1
    model = CountRegression() if days >= MIN_REGRESSION_DAYS else SeasonalNaive()
    base = Forecaster([model], n_jobs=1).forecast(tree.hierarchy.Y, h=h, level=[80, 95])
    coherent = reconcile(base, tree.hierarchy.S, [model.alias], method)
    name = f"{model.alias}/{method}"
    values = coherent.rename(columns={name: "mean", **{f"{name}-{b}": b for b in VALUE_COLUMNS[1:]}})
    for col in VALUE_COLUMNS:
        if col not in values:
            values[col] = np.nan
    return CategoryForecast(values[["unique_id", "ds", *VALUE_COLUMNS]], tree.labels, tree.kept, tree.lumped,
                            model.alias, method, last)
