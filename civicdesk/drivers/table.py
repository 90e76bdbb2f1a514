"""The ticket-level modelling table for satisfaction drivers.

One row per ticket, built from the store (`modelling_table`) or from a tickets DataFrame
(`driver_features`). Columns (`TABLE_COLUMNS`):

- ``satisfied``: 1.0 for 满意 or 基本满意, 0.0 for 不满意, NaN when there was no callback or it did not
  reach the caller (not reached is missing, never "unsatisfied");
- ``satisfaction_level``: ordered categorical 不满意 < 基本满意 < 满意 (NaN as above);
- ``hours_to_sign``, ``days_to_sign`` (hours ÷ 24), ``working_days_to_close`` (working-day clock);
- ``closed_on_time`` (closed by the deadline), ``returned`` (退单 at least once), ``reopened`` (重办),
  ``escalated``, ``repeat_caller`` (the same caller contacted in the previous 30 days): 0/1 floats;
- ``category``, ``channel``, ``street``, ``urgency``, ``weekday`` (0 = Monday) and ``ticket_id``,
  ``created_at``, ``callback_result`` for reference (never the caller's key).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk import calendar as cal, codes
from civicdesk.drivers._source import DataRangeError, ticket_keys
from civicdesk.drivers.repeats import repeat_caller_flags
from civicdesk.store.queries import read_frame
from civicdesk.store.schema import tickets

REPEAT_WINDOW_DAYS = 30
#: Callback results in satisfaction order; "not_reached" and NULL are missing.
LEVELS = ("unsatisfied", "basically_satisfied", "satisfied")
LEVEL_LABELS = {"unsatisfied": "不满意", "basically_satisfied": "基本满意", "satisfied": "满意"}
SOURCE_COLUMNS = ("ticket_id", "created_at", "street", "category", "channel", "urgency", "signed_at",
                  "closed_at", "deadline_at", "returned_count", "reopened_count", "escalated", "callback_result")
_CATEGORICAL = ("street", "category", "channel", "urgency", "callback_result")
#: The drivers a centre can act on, as 0/1 or numeric columns of the table.
DRIVERS = ("closed_on_time", "days_to_sign", "working_days_to_close", "returned", "reopened", "repeat_caller")
TABLE_COLUMNS = ("ticket_id", "created_at", "street", "category", "channel", "urgency", "weekday",
                 "callback_result", "satisfied", "satisfaction_level", "hours_to_sign",
                 "days_to_sign", "working_days_to_close", "closed_on_time", "returned", "reopened", "escalated",
                 "repeat_caller")
#: The default driver formula (statsmodels/patsy syntax) on the table's columns.
DEFAULT_FORMULA = ("satisfied ~ closed_on_time + days_to_sign + working_days_to_close + returned + reopened"
                   " + repeat_caller + C(category) + C(channel)")


def _flag(series: pd.Series) -> pd.Series:
    return (pd.to_numeric(series, errors="coerce").fillna(0) > 0).astype("float64")


def _outcomes(result: pd.Series) -> tuple[pd.Series, pd.Series]:
    level = pd.Categorical(result.where(result.isin(LEVELS)), categories=list(LEVELS), ordered=True)
    satisfied = pd.Series(np.where(result.isin(LEVELS[1:]), 1.0, np.where(result == LEVELS[0], 0.0, np.nan)),
                          index=result.index)
    return satisfied, pd.Series(level, index=result.index)


def driver_features(frame: pd.DataFrame, repeat: pd.Series | np.ndarray | None = None,
                    window_days: int = REPEAT_WINDOW_DAYS) -> pd.DataFrame:
    """The modelling table (TABLE_COLUMNS) from a tickets DataFrame with the store's column names.

    A ticket without a ticket_id gets "#<row id>" (`civicdesk.drivers._source.ticket_keys`).

    Args:
        repeat: repeat-caller flags per row; by default computed from the frame's ``caller_key``
            column, looking only at the tickets in ``frame`` (include the `window_days` before the
            period of interest, as ``modelling_table`` does, or the first month's flags are too low).
    """
    need = list(SOURCE_COLUMNS) + ([] if repeat is not None else ["caller_key"])
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ValueError(f"the tickets lack the column(s) {missing} the modelling table needs")
    df = frame.loc[:, list(SOURCE_COLUMNS)].copy()
    df["ticket_id"] = ticket_keys(frame).to_numpy()
    for col in ("created_at", "signed_at", "closed_at", "deadline_at"):
        df[col] = pd.to_datetime(df[col])
    df["satisfied"], df["satisfaction_level"] = _outcomes(df["callback_result"].astype(object))
    df["hours_to_sign"] = (df["signed_at"] - df["created_at"]).dt.total_seconds() / 3600.0
    df["days_to_sign"] = df["hours_to_sign"] / 24.0
    df["working_days_to_close"] = cal.working_days_between(df["created_at"], df["closed_at"])
    on_time = (df["closed_at"] <= df["deadline_at"]).astype("float64")
    df["closed_on_time"] = on_time.where(df["closed_at"].notna() & df["deadline_at"].notna())
    df["returned"] = _flag(df["returned_count"])
    df["reopened"] = _flag(df["reopened_count"])
    df["escalated"] = _flag(df["escalated"].astype("float64"))
    flags = repeat_caller_flags(frame, window_days=window_days) if repeat is None else repeat
    df["repeat_caller"] = np.asarray(flags, dtype="float64")
    df["weekday"] = df["created_at"].dt.day_of_week
    return df.loc[:, list(TABLE_COLUMNS)].reset_index(drop=True)


def _period(query: sa.Select, lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> sa.Select:
    if lo is not None:
        query = query.where(tickets.c.created_at >= lo.to_pydatetime())
    if hi is not None:
        query = query.where(tickets.c.created_at < hi.to_pydatetime())
    return query


def _contacts(engine: Engine, lo, hi, window_days: int) -> pd.DataFrame:
    """Every contact with a caller key since ``window_days`` before ``lo``: id, caller_key, created_at."""
    t = tickets.c
    read_from = None if lo is None else lo - pd.Timedelta(days=window_days)
    return read_frame(engine, _period(sa.select(t.id, t.caller_key, t.created_at).where(t.caller_key.isnot(None)),
                                      read_from, hi))


def _repeat_flags(contacts: pd.DataFrame, ids: np.ndarray, window_days: int) -> np.ndarray:
    """Repeat-caller flags of the tickets ``ids`` from the contacts around them."""
    flags = pd.Series(np.asarray(repeat_caller_flags(contacts, window_days=window_days), dtype=bool),
                      index=contacts["id"].to_numpy())
    return flags.reindex(ids, fill_value=False).to_numpy()


def modelling_table(engine: Engine, start=None, end=None, reached_only: bool = False,
                    window_days: int = REPEAT_WINDOW_DAYS) -> pd.DataFrame:
    """The modelling table for tickets created in [start, end] (dates, inclusive; None = open-ended).

    Args:
        reached_only: keep only tickets whose callback reached the caller (the rows a model fits on).
        window_days: the repeat-caller window; contacts that many days before ``start`` count too.
    """
    lo = None if start is None else pd.Timestamp(start).normalize()
    hi = None if end is None else pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
    if lo is not None and hi is not None and hi <= lo:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    t = tickets.c
    query = _period(sa.select(t.id, *[t[name] for name in SOURCE_COLUMNS]), lo, hi)
    if reached_only:
        query = query.where(t.callback_result.in_(LEVELS))
    with ThreadPoolExecutor(max_workers=2) as pool:  # the two reads overlap while the database works
        contacts = pool.submit(_contacts, engine, lo, hi, window_days)
        frame = read_frame(engine, query, categorical=_CATEGORICAL)
        repeat = _repeat_flags(contacts.result(), frame["id"].to_numpy(), window_days)
    # imported tickets may have no ticket_id: the store's row id names them (what-ifs match rows on it)
    frame["ticket_id"] = ticket_keys(frame)
    table = driver_features(frame, repeat=repeat, window_days=window_days)
    for col in ("category", "channel", "street"):  # most common level first: a formula's reference level
        if isinstance(table[col].dtype, pd.CategoricalDtype):
            table[col] = table[col].cat.reorder_categories(table[col].value_counts().index.tolist())
    return table.sort_values("created_at", kind="stable", ignore_index=True)


#: The level rare levels are merged into by `lump_rare_levels`.
LUMPED = codes.RARE_CATEGORIES


def _rare(reached: pd.DataFrame, col: str, min_callbacks: int, min_each: int) -> list:
    counts = reached.groupby(col, observed=True)["satisfied"].agg(["size", "sum"])
    mask = (counts["size"] < min_callbacks) | (counts["sum"] < min_each) | (counts["size"] - counts["sum"] < min_each)
    return counts.index[mask].tolist()


def lump_rare_levels(table: pd.DataFrame, columns=("category", "channel"), min_callbacks: int = 50,
                     min_each: int = 3) -> pd.DataFrame:
    """Merge levels with too few reached callbacks into `LUMPED`, so that no level separates the outcome.

    A level is rare when it has fewer than ``min_callbacks`` reached callbacks, or fewer than ``min_each``
    of either outcome (satisfied, unsatisfied): its own effect could not be estimated. When the merged
    level is itself that rare, it joins the most common level instead.
    """
    out = table.copy()
    for col in columns:
        values = out[col].astype(object)
        reached = out["satisfied"].notna()
        rare = _rare(out.loc[reached].assign(**{col: values[reached]}), col, min_callbacks, min_each)
        if not rare:
            continue
        values = values.where(~values.isin(rare), LUMPED)
        if LUMPED in _rare(out.loc[reached].assign(**{col: values[reached]}), col, min_callbacks, min_each):
            values = values.where(values != LUMPED, values[reached].value_counts().index[0])
        order = values.value_counts().index.tolist()
        out[col] = pd.Categorical(values, categories=order)
    return out


class NoCallbacksError(DataRangeError):
    """The period has no callback that reached a caller: the store holds no callback results (import them),
    or none for these weeks. Callers say so in the user's language (`key`, `params`)."""


def _term_columns(term: str) -> set[str]:
    from civicdesk.drivers.design import formula_names

    return formula_names(f"y ~ {term}") - {"y"}


def usable_formula(table: pd.DataFrame, formula: str = DEFAULT_FORMULA) -> tuple[str, tuple[str, ...]]:
    """The formula without the terms this table cannot inform, and the columns of the terms left out.

    A term is left out when one of its columns is empty on every reached callback (a store without signing
    times, deadlines or closing times) or holds a single value (an export without a channel column stores
    every ticket as "other"; a taxonomy lumped into one level). Only `+`-separated terms are inspected.

    Raises:
        NoCallbacksError: no row has a reached callback.
        ValueError: no term is left.
    """
    lhs, rhs = (part.strip() for part in formula.split("~", 1))
    outcome = "satisfaction_level" if lhs == "satisfied" and "satisfaction_level" in table.columns else lhs
    reached = table[table[lhs].notna()] if lhs in table.columns else table.iloc[:0]
    if reached.empty and outcome in table.columns:
        raise NoCallbacksError("no callback reached a caller in this period, so satisfaction cannot be modelled",
                               "pt_no_callbacks_period")
    kept, dropped = [], []
    for term in (t.strip() for t in rhs.split("+")):
        cols = [c for c in _term_columns(term) if c in reached.columns]
        if any(reached[c].dropna().nunique() < 2 for c in cols):
            dropped += [c for c in cols if reached[c].dropna().nunique() < 2]
        else:
            kept.append(term)
    if not kept:
        raise ValueError(f"none of the drivers in {formula!r} varies among the reached callbacks")
    return f"{lhs} ~ {' + '.join(kept)}", tuple(dict.fromkeys(dropped))
