"""Callers, repeat contacts and callback satisfaction.

* A caller pool per street with heavy-tailed (Lomax) contact weights; each caller lives in one grid.
* Follow-ups: after a callback (especially an unsatisfied one) the same resident calls again within
  30 days about the same problem — a later hotline/app ticket of the same street and category is
  taken over by that caller (same subcategory, same place, a description marked as a repeat), so
  volumes and load are unchanged.
* Callback satisfaction from the planted logistic model in `SATISFACTION` (see `satisfaction_logit`).
"""
from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd

from civicdesk.synth.catalog import CATEGORIES, CHANNELS

DEMO_KEY = b"civicdesk-demo-key"
POOL_PER_HOUSEHOLD = 1.0  # potential callers per household (scaled)
POOL_TAIL = 2.2  # Lomax tail index of contact weights (smaller = heavier tail)
REPEAT_WINDOW_DAYS = 30
P_REACHED = 0.85
P_SATISFIED_GIVEN_OK = 0.75
P_REOPEN_GIVEN_UNSATISFIED = 0.45
P_FOLLOWUP = {"unsatisfied": 0.35, "satisfied": 0.012, "not_reached": 0.04}

#: The planted satisfaction model. P(满意 or 基本满意 | callback reached) = logistic(
#:   intercept + b_ontime·closed_on_time + b_sign_per_day·hours_to_sign/24
#:   + b_working_days·working_days_to_close + b_returned·(returned_count>0)
#:   + b_reopened·(reopened_count>0) + b_repeat·repeat_caller + category[c] + channel[h]).
#: closed_on_time: closed_at <= deadline_at; hours_to_sign: signed_at - created_at in hours;
#: working_days_to_close: calendar.working_days_between(created_at, closed_at);
#: repeat_caller: the same caller_key has a ticket created in the previous 30 days.
SATISFACTION: dict = {
    "intercept": 3.05,
    "b_ontime": 0.90,
    "b_sign_per_day": -0.50,
    "b_working_days": -0.10,
    "b_returned": -0.60,
    "b_reopened": -0.90,
    "b_repeat": -2.05,
    "category": {
        "便民惠企服务": 0.30, "安全隐患排查": 0.20, "社情民意收集": 0.20, "矛盾纠纷化解": 0.40, "重点巡查事项": 0.0,
        "环境保护": -0.20, "城乡建设与道路": -0.30, "供暖": -0.50, "物业管理": -0.60, "水电气": 0.0,
        "社会保障": -0.20, "市场监管": -0.10, "其他诉求": 0.10,
    },
    "channel": {"hotline": 0.0, "grid": 0.0, "app": 0.15, "visit": 0.30, "other": -0.10},
    "p_reached": P_REACHED,
    "p_satisfied_given_ok": P_SATISFIED_GIVEN_OK,
    "p_reopen_given_unsatisfied": P_REOPEN_GIVEN_UNSATISFIED,
    "repeat_window_days": REPEAT_WINDOW_DAYS,
}
CALLBACK_CODES = np.array([None, "satisfied", "basically_satisfied", "unsatisfied", "not_reached"], dtype=object)


def satisfaction_logit(on_time, hours_to_sign, wd_to_close, returned, reopened, repeat, category, channel):
    """Linear predictor of the planted model (arrays; category/channel are indices)."""
    m = SATISFACTION
    cat = np.array([m["category"][c] for c in CATEGORIES])[category]
    ch = np.array([m["channel"][c] for c in CHANNELS])[channel]
    return (m["intercept"] + m["b_ontime"] * on_time + m["b_sign_per_day"] * hours_to_sign / 24.0
            + m["b_working_days"] * wd_to_close + m["b_returned"] * (returned > 0)
            + m["b_reopened"] * (reopened > 0) + m["b_repeat"] * repeat + cat + ch)


def draw_callbacks(rng: np.random.Generator, eligible: np.ndarray, logit: np.ndarray) -> np.ndarray:
    """Callback codes (index into CALLBACK_CODES; 0 = no callback) for the eligible tickets."""
    n = len(logit)
    p = 1.0 / (1.0 + np.exp(-logit))
    reached = rng.random(n) < P_REACHED
    ok = rng.random(n) < p
    sat = rng.random(n) < P_SATISFIED_GIVEN_OK
    code = np.where(~reached, 4, np.where(ok, np.where(sat, 1, 2), 3))
    return np.where(eligible, code, 0).astype(np.int8)


def build_pool(rng: np.random.Generator, households: np.ndarray, grids_by_street: list[np.ndarray],
               scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Caller pool: (street offsets, cumulative weights per caller within street, home grid)."""
    sizes = np.maximum(40, np.round(POOL_PER_HOUSEHOLD * households * scale)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    cum = np.empty(offsets[-1])
    home = np.empty(offsets[-1], dtype=np.int64)
    for s, k in enumerate(sizes):
        w = rng.pareto(POOL_TAIL, k) + 1.0
        cw = np.cumsum(w)
        cum[offsets[s]:offsets[s + 1]] = cw / cw[-1]
        home[offsets[s]:offsets[s + 1]] = rng.choice(grids_by_street[s], k)
    return offsets, cum, home


def assign_callers(rng: np.random.Generator, street: np.ndarray, has_caller: np.ndarray,
                   pool: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Caller id per ticket (-1 for tickets without a caller)."""
    offsets, cum, _ = pool
    out = np.full(len(street), -1, dtype=np.int64)
    u = rng.random(len(street))
    for s in range(len(offsets) - 1):
        m = has_caller & (street == s)
        lo, hi = offsets[s], offsets[s + 1]
        out[m] = lo + np.minimum(np.searchsorted(cum[lo:hi], u[m]), hi - lo - 1)
    return out


def caller_keys(rng: np.random.Generator, caller: np.ndarray) -> np.ndarray:
    """16-hex-character keyed hashes (HMAC-SHA256 of a synthetic mobile number) per ticket."""
    used, inv = np.unique(caller, return_inverse=True)
    prefixes = np.array([133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 158, 159, 176, 177, 180, 186, 187, 188])
    pre = rng.choice(prefixes, len(used))
    tail = rng.integers(0, 10**8, len(used))
    keys = np.array([None if c < 0 else hmac.new(DEMO_KEY, f"{p}{t:08d}".encode(), hashlib.sha256).hexdigest()[:16]
                     for c, p, t in zip(used, pre, tail)], dtype=object)
    return keys[inv]


def repeat_flags(caller: np.ndarray, created: np.ndarray, window_days: int = REPEAT_WINDOW_DAYS) -> np.ndarray:
    """Whether each ticket's caller had a ticket created in the previous `window_days` days."""
    order = np.lexsort((created, caller))
    c, t = caller[order], created[order]
    prev = np.zeros(len(c), dtype=bool)
    if len(c) > 1:
        same = (c[1:] == c[:-1]) & (c[1:] >= 0)
        prev[1:] = same & (t[1:] - t[:-1] <= window_days * 86_400 * 10**9)
    out = np.empty(len(c), dtype=bool)
    out[order] = prev
    return out


def pick_followups(rng: np.random.Generator, parents: np.ndarray, t_ready: np.ndarray, group: np.ndarray,
                   created: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match each parent to a later eligible ticket of its group created 0.5–30 days after `t_ready`.

    Returns:
        (parents matched, their targets), one target per parent, each target used once.
    """
    if not len(parents):
        return parents, parents
    secs = created // 10**9
    base = int(secs.min()) if len(secs) else 0
    key = group.astype(np.int64) * 10**9 + (secs - base)
    cand = np.flatnonzero(eligible)
    cand = cand[np.argsort(key[cand], kind="stable")]
    ck = key[cand]
    lag = np.minimum(0.5 + rng.exponential(6.0, len(parents)), 29.0)
    want = group[parents].astype(np.int64) * 10**9 + (t_ready[parents] // 10**9 - base) + (lag * 86_400).astype(np.int64)
    limit = group[parents].astype(np.int64) * 10**9 + (t_ready[parents] // 10**9 - base) + 30 * 86_400
    pos = np.searchsorted(ck, want)
    ok = pos < len(ck)
    pos = np.minimum(pos, len(ck) - 1)
    ok &= ck[pos] <= limit
    par, tgt = parents[ok], cand[pos[ok]]
    tgt_ok = created[tgt] > created[par]
    par, tgt = par[tgt_ok], tgt[tgt_ok]
    _, first = np.unique(tgt, return_index=True)
    return par[first], tgt[first]


def followup_parents(rng: np.random.Generator, callback: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Tickets whose callers call again about the same problem (mostly after an unsatisfied callback)."""
    p = np.select([callback == 3, (callback == 1) | (callback == 2), callback == 4],
                  [P_FOLLOWUP["unsatisfied"], P_FOLLOWUP["satisfied"], P_FOLLOWUP["not_reached"]], 0.0)
    return np.flatnonzero(candidates & (rng.random(len(callback)) < p))


def callback_frame_codes(code: np.ndarray) -> pd.Series:
    """Callback codes as an object Series of strings with None."""
    return pd.Series(CALLBACK_CODES[code], dtype=object)


#: The planted model as a formula on `civicdesk.drivers` modelling-table columns, with the reference levels
#: whose planted effect is zero, so that its coefficients are the planted values themselves.
PLANTED_FORMULA = ("satisfied ~ closed_on_time + days_to_sign + working_days_to_close + returned + reopened"
                   " + repeat_caller + C(category, Treatment('水电气')) + C(channel, Treatment('hotline'))")


def planted_coefficients() -> pd.Series:
    """The planted log-odds coefficients, named as a logit of `PLANTED_FORMULA` names its terms."""
    m = SATISFACTION
    values = {"Intercept": m["intercept"], "closed_on_time": m["b_ontime"], "days_to_sign": m["b_sign_per_day"],
              "working_days_to_close": m["b_working_days"], "returned": m["b_returned"],
              "reopened": m["b_reopened"], "repeat_caller": m["b_repeat"]}
    values |= {f"C(category, Treatment('水电气'))[T.{c}]": v for c, v in m["category"].items() if c != "水电气"}
    values |= {f"C(channel, Treatment('hotline'))[T.{h}]": v for h, v in m["channel"].items() if h != "hotline"}
    return pd.Series(values, name="planted")


def planted_probability(table: pd.DataFrame) -> np.ndarray:
    """P(满意 or 基本满意) under the planted model for the rows of a modelling table (the true counterfactual)."""
    m = SATISFACTION
    unknown = (set(table["category"].astype(object)) - set(m["category"])) | (
        set(table["channel"].astype(object)) - set(m["channel"]))
    if unknown:
        raise ValueError(f"the planted model knows no level {sorted(map(str, unknown))}: compute the truth on the "
                         "table before merging or renaming levels")
    eta = (m["intercept"] + m["b_ontime"] * table["closed_on_time"] + m["b_sign_per_day"] * table["days_to_sign"]
           + m["b_working_days"] * table["working_days_to_close"] + m["b_returned"] * table["returned"]
           + m["b_reopened"] * table["reopened"] + m["b_repeat"] * table["repeat_caller"]
           + table["category"].astype(object).map(m["category"]).astype(float)
           + table["channel"].astype(object).map(m["channel"]).astype(float))
    return 1.0 / (1.0 + np.exp(-eta.to_numpy(dtype=float)))
