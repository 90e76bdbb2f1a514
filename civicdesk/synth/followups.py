"""Reopenings (重办), callbacks (回访) and follow-up calls, in the order they happen.

1. A latent first callback (the planted model without reopening) finds some closed tickets
   unresolved; `P_REOPEN_GIVEN_UNSATISFIED` of those are reopened and closed again later.
2. The recorded callback of every ticket closed by the snapshot is drawn from the planted model on
   its final features (so the model is exactly recoverable from the recorded data).
3. Some callers call again within 30 days about the same problem (mostly after an unsatisfied
   callback): a later ticket of the same street and category becomes theirs. Tickets whose
   repeat-caller flag changes get their callback redrawn; this repeats for chains of follow-ups.
"""
from __future__ import annotations

import numpy as np

from civicdesk import calendar as cal
from civicdesk.synth import callers as cl
from civicdesk.synth import lifecycle as lc
from civicdesk.synth.catalog import CATEGORIES, CHANNELS

ROUNDS = 4


def _wd_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(cal.working_days_between(a.view("datetime64[ns]"), b.view("datetime64[ns]")), dtype=float)


def callbacks_and_followups(rng: np.random.Generator, t: dict[str, np.ndarray], tl: lc.Timeline,
                            caller: np.ndarray, grid: np.ndarray, end_ns: int) -> dict[str, np.ndarray]:
    """Run reopenings, callbacks and follow-ups.

    Args:
        t: ticket arrays (street, category, channel, created, subcategory, topic, persistent, …).
        tl: timing before reopenings; caller: caller id (-1 none); grid: grid index.
        end_ns: the snapshot (int64 ns).

    Returns:
        Arrays: caller, grid, subcategory, root (ticket repeated by a follow-up, else itself),
        site_u, bld (place choice), closed, reopened, reopen_at, callback (code index), repeat.
    """
    n = len(caller)
    created, cat, ch = t["created"], t["category"], t["channel"]
    caller, grid, subcat = caller.copy(), grid.copy(), t["subcategory"].copy()
    root = np.arange(n)
    site_u = rng.random(n)
    bld = rng.integers(1, 25, n)
    repeat = cl.repeat_flags(caller, created)
    hours_to_sign = (tl.signed - created) / lc.NS_H

    def logit(closed, reopened, rep, idx=slice(None)):
        return cl.satisfaction_logit(
            (closed <= tl.deadline)[idx], hours_to_sign[idx], _wd_between(created[idx], closed[idx]),
            tl.returned[idx], reopened[idx], rep[idx], cat[idx], ch[idx])

    # 1. latent first callback -> reopenings
    elig0 = (caller >= 0) & (tl.closed <= end_ns)
    p0 = 1.0 / (1.0 + np.exp(-logit(tl.closed, np.zeros(n), repeat)))
    unsat0 = elig0 & (rng.random(n) < cl.P_REACHED) & (rng.random(n) >= p0)
    want = unsat0 & (rng.random(n) < cl.P_REOPEN_GIVEN_UNSATISFIED)
    new_closed, count, when = lc.reopen(rng, tl.closed, want)
    ok = want & (when <= end_ns)
    closed = np.where(ok, new_closed, tl.closed)
    reopened = np.where(ok, count, 0)
    # 2. recorded callbacks
    elig = (caller >= 0) & (closed <= end_ns)
    cb = cl.draw_callbacks(rng, elig, logit(closed, reopened, repeat))
    # 3. follow-up calls
    group = t["street"] * len(CATEGORIES) + cat
    target_ok = ((caller >= 0) & np.isin(ch, [CHANNELS.index("hotline"), CHANNELS.index("app")])
                 & (t["topic"] < 0) & (t["persistent"] < 0))
    locked = np.zeros(n, dtype=bool)
    used = np.zeros(n, dtype=bool)
    fresh = elig.copy()
    for _ in range(ROUNDS):
        parents = cl.followup_parents(rng, cb, fresh & ~locked)
        eligible = target_ok & ~used & ~locked
        eligible[parents] = False
        par, tgt = cl.pick_followups(rng, parents, closed, group, created, eligible)
        if not len(par):
            break
        for arr in (caller, grid, subcat, root, site_u, bld):
            arr[tgt] = arr[par]
        locked[par] = True
        used[tgt] = True
        new_rep = cl.repeat_flags(caller, created)
        changed = (new_rep != repeat) & ~locked
        changed[tgt] = True
        repeat = new_rep
        redraw = np.flatnonzero(changed & elig)
        if len(redraw):
            cb[redraw] = cl.draw_callbacks(rng, np.ones(len(redraw), dtype=bool),
                                           logit(closed, reopened, repeat, redraw))
        fresh = np.zeros(n, dtype=bool)
        fresh[redraw] = True
    return {"caller": caller, "grid": grid, "subcategory": subcat, "root": root, "site_u": site_u, "bld": bld,
            "closed": closed, "reopened": reopened, "reopen_at": np.where(ok, when, -1), "callback": cb,
            "repeat": repeat}
