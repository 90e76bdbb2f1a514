"""Assemble the tickets table (the column contract the SQL store loads) at the snapshot."""
from __future__ import annotations

import numpy as np
import pandas as pd

from civicdesk.synth import callers as cl
from civicdesk.synth import lifecycle as lc
from civicdesk.synth.catalog import (CATEGORIES, CHANNELS, SUBCATEGORIES, URGENCY_CODES, mediation_committee,
                                     street_office)
from civicdesk.synth.places import STREET_SPECS, Places
from civicdesk.synth.text import describe

TICKET_COLUMNS = ["ticket_id", "source", "source_id", "channel", "created_at", "street", "grid_id", "category",
                  "subcategory", "urgency", "caller_key", "signed_at", "first_response_at", "closed_at",
                  "deadline_at", "status", "returned_count", "reopened_count", "escalated", "callback_result",
                  "description", "department"]


def _ts(ns: np.ndarray, end_ns: int) -> np.ndarray:
    """datetime64[ns] with NaT after the snapshot."""
    sec = ns // 10**9 * 10**9
    return np.where(ns <= end_ns, sec, np.iinfo(np.int64).min).view("datetime64[ns]")


def _departments(street: np.ndarray, subcat: np.ndarray, direct: np.ndarray) -> np.ndarray:
    depts = [d for cat in CATEGORIES for _, _, d in SUBCATEGORIES[cat]]
    names = [spec[1] for spec in STREET_SPECS]
    table = np.empty((len(names), len(depts)), dtype=object)
    for s, nm in enumerate(names):
        for k, d in enumerate(depts):
            table[s, k] = street_office(nm) if d == "@street" else mediation_committee(nm) if d == "@mediation" else d
    out = table[street, subcat]
    out[direct] = None
    return out


def assemble_tickets(rng: np.random.Generator, places: Places, t: dict[str, np.ndarray], tl: lc.Timeline,
                     fu: dict[str, np.ndarray], site_override: list, days: pd.DatetimeIndex, end_ns: int,
                     sub_names: np.ndarray) -> pd.DataFrame:
    """The tickets DataFrame (one row per ticket, sorted by creation time) as of the snapshot `end_ns`."""
    n = len(t["created"])
    signed_ok = tl.signed <= end_ns
    closed_ok = fu["closed"] <= end_ns
    status = np.where(closed_ok, "closed", np.where(signed_ok, "signed", "received")).astype(object)
    names = np.asarray([spec[1] for spec in STREET_SPECS], dtype=object)
    desc = describe(rng, places, t["street"], fu["grid"], sub_names[fu["subcategory"]], t["topic"],
                    t["persistent"], site_override, fu["root"], fu["site_u"], fu["bld"])
    day_str = np.asarray(days.strftime("%Y%m%d"), dtype=object)[t["day"]]
    first = np.searchsorted(t["day"], t["day"], side="left")
    seq = np.arange(n) - first + 1
    ticket_id = [f"ZQ{d}{q:06d}" for d, q in zip(day_str, seq)]
    keys = cl.caller_keys(rng, fu["caller"])
    frame = pd.DataFrame({
        "ticket_id": ticket_id,
        "source": "demo",
        "source_id": [f"demo-{i:08d}" for i in range(1, n + 1)],
        "channel": np.asarray(CHANNELS, dtype=object)[t["channel"]],
        "created_at": t["created"].view("datetime64[ns]"),
        "street": names[t["street"]],
        "grid_id": places.grids["grid_id"].to_numpy(dtype=object)[fu["grid"]],
        "category": np.asarray(CATEGORIES, dtype=object)[t["category"]],
        "subcategory": sub_names[fu["subcategory"]],
        "urgency": np.asarray(URGENCY_CODES, dtype=object)[t["urgency"]],
        "caller_key": pd.Series(keys, dtype=object),
        "signed_at": _ts(tl.signed, end_ns),
        "first_response_at": _ts(tl.first_response, end_ns),
        "closed_at": _ts(fu["closed"], end_ns),
        "deadline_at": tl.deadline.view("datetime64[ns]"),
        "status": status,
        "returned_count": np.where(signed_ok, tl.returned, 0).astype(np.int64),
        "reopened_count": np.asarray(fu["reopened"], dtype=np.int64),
        "escalated": tl.escalated & signed_ok,
        "callback_result": cl.callback_frame_codes(fu["callback"]),
        "description": desc,
        "department": pd.Series(_departments(t["street"], fu["subcategory"], tl.direct & (fu["reopened"] == 0)),
                                dtype=object),
    })
    for c in ("caller_key", "callback_result", "department"):
        frame[c] = frame[c].astype(object)
    return frame[TICKET_COLUMNS]
