"""The demo district generator: `generate_district` and its result dataclasses."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from civicdesk import calendar as cal
from civicdesk.synth import callers as cl
from civicdesk.synth import lifecycle as lc
from civicdesk.synth import volume as vol
from civicdesk.synth.catalog import (CALIBRATION_END, CALIBRATION_START, CALIBRATION_TOTAL, CALLER_CHANNELS,
                                     CATEGORIES, CHANNELS, DEFAULT_URGENCY_MIX, DIRECT_CLOSE, SUBCATEGORIES,
                                     URGENCY_MIX, category_rows)
from civicdesk.synth.followups import callbacks_and_followups
from civicdesk.synth.geo import DemoShapes, demo_shapes
from civicdesk.synth.places import STREET_SPECS, active_grid_workers, build_places, build_staff
from civicdesk.synth.tickets import assemble_tickets
from civicdesk.synth.topics import draw_extras, flat_subcategories, topic_rates

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Truth:
    """The generator's ground truth.

    Attributes:
        expected: DataFrame[unique_id, ds, y]: true expected daily tickets of every street × category
            series (unique_id "明水街道/供暖"), planted topics included.
        satisfaction: the planted satisfaction model (`callers.SATISFACTION`, documented there).
        shocks: DataFrame[name, start, end, streets, categories, factor].
        topics: DataFrame[name, keyword, street, category, subcategory, place, start, end, daily_rate,
            extra_tickets].
        understaffed: DataFrame[street, start, end, missing] (grid workers missing).
        repeat_callers: caller_keys of the planted persistent repeat callers.
        calibration_week: the field-week calibration (targets and expected totals).
        load: DataFrame[street, ds, arrivals, capacity, backlog, load]: the street queues.
        utilisation_target: normal utilisation each street's capacity was set for.
    """

    expected: pd.DataFrame
    satisfaction: dict
    shocks: pd.DataFrame
    topics: pd.DataFrame
    understaffed: pd.DataFrame
    repeat_callers: list[str]
    calibration_week: dict
    load: pd.DataFrame = field(default_factory=pd.DataFrame)
    utilisation_target: dict = field(default_factory=dict)


@dataclass(frozen=True)
class District:
    """A generated demo district: reference tables, tickets, the truth behind them and its geometry
    (`shapes`: street boundaries, grid and place points; None when generated without)."""

    streets: pd.DataFrame
    grids: pd.DataFrame
    staff: pd.DataFrame
    tickets: pd.DataFrame
    truth: Truth
    start: date
    end: date
    seed: int
    scale: float
    shapes: DemoShapes | None = None

    @property
    def categories(self) -> pd.DataFrame:
        """The demo's rows of the `categories` table (level-1 and level-2 paths, English names, handling)."""
        return pd.DataFrame(category_rows())


def _expand(counts: np.ndarray) -> dict[str, np.ndarray]:
    """One entry per ticket from the (street, category, channel, day) count cube."""
    flat = counts.ravel()
    nz = np.flatnonzero(flat)
    cell = np.repeat(nz, flat[nz])
    s, c, h, d = np.unravel_index(cell, counts.shape)
    return {"street": s, "category": c, "channel": h, "day": d}


def _draw_subcategories(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    _, sub_cat, weights = flat_subcategories()
    out = np.empty(len(category), dtype=np.int64)
    for c in range(len(CATEGORIES)):
        m = category == c
        idx = np.flatnonzero(sub_cat == c)
        out[m] = rng.choice(idx, size=int(m.sum()), p=weights[idx] / weights[idx].sum())
    return out


def _draw_urgency(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    mix = np.array([URGENCY_MIX.get(c, DEFAULT_URGENCY_MIX) for c in CATEGORIES])
    u = rng.random(len(category))
    pu, pv = mix[category, 0], mix[category, 1]
    return np.where(u < pv, 2, np.where(u < pv + pu, 1, 0)).astype(np.int64)


def _capacity(rng, model, shares, staff, places, days, scale):
    """Nominal street capacity per day (working-day units) and target utilisation per street.

    A grid worker's daily rate is fixed; capacity follows the roster, whose quarterly headcount
    (`build_staff(growth=vol.trend)`) keeps pace with the volume trend. Nothing changes a street's
    capacity that its staff table does not record."""
    ref_days = pd.date_range("2022-01-01", "2022-12-31", freq="D")
    ref = vol.unit_rates(ref_days, shares) * model.base[None, :, None, None]
    ref = (ref * (1 - lc.direct_share())[None, :, :, None]).sum(axis=(1, 2))  # (S, D)
    trend_ref = vol.trend(ref_days)
    per_workday = (ref / trend_ref).sum(axis=1) / cal.workday_mask(ref_days).sum()
    full = np.bincount(places.grid_street, minlength=len(STREET_SPECS)).astype(float)
    rate, util = lc.capacity_plan(rng, per_workday * scale, full)
    workers = active_grid_workers(staff, days, len(STREET_SPECS))
    return workers * rate[:, None], util


def _expected_frame(model, days, topics_rate) -> pd.DataFrame:
    """Long frame [unique_id "street/category", ds, y] of true expected daily tickets (topics included)."""
    from civicdesk.synth.topics import TOPICS
    exp = model.rate.sum(axis=2)  # (S, C, D)
    codes = [spec[0] for spec in STREET_SPECS]
    for k, t in enumerate(TOPICS):
        exp[codes.index(t.street), CATEGORIES.index(t.category)] += topics_rate[k]
    names = [spec[1] for spec in STREET_SPECS]
    uid = np.array([f"{s}/{c}" for s in names for c in CATEGORIES], dtype=object)
    return pd.DataFrame({"unique_id": np.repeat(uid, len(days)), "ds": np.tile(days.to_numpy().astype("datetime64[ns]"), len(uid)),
                         "y": exp.reshape(-1, len(days)).ravel()})


def _truth_tables(model, scale) -> tuple[pd.DataFrame, dict]:
    """The shocks table and the calibration-week record."""
    codes = [spec[0] for spec in STREET_SPECS]
    names = [spec[1] for spec in STREET_SPECS]
    shocks = pd.DataFrame([{
        "name": n, "start": pd.Timestamp(a), "end": pd.Timestamp(b),
        "streets": tuple(names) if s is None else tuple(names[codes.index(x)] for x in s),
        "categories": tuple(cats), "factor": f} for n, a, b, s, cats, f in vol.SHOCKS])
    week = pd.date_range(CALIBRATION_START, CALIBRATION_END, freq="D")
    calib = {"start": week[0], "end": week[-1], "target_total": CALIBRATION_TOTAL,
             "targets": {k: float(v) for k, v in model.calibration.items()},
             "base_per_category": {c: float(b) for c, b in zip(CATEGORIES, model.base)},
             "expected_total_at_scale": float(sum(model.calibration.values()) * scale)}
    return shocks, calib


#: The random streams of `generate_district` that make the places, the roster and the street capacity
#: rates: shared by every block of a city, so its blocks are the same district with more tickets.
SHARED_STREAMS = (0, 1, 5)


def _streams(seed: int, block: int) -> list[np.random.Generator]:
    """The eight random streams of one block; block 0 is the district as it has always been drawn."""
    base = np.random.SeedSequence(seed).spawn(8)
    own = base if block == 0 else np.random.SeedSequence([seed, block]).spawn(8)
    return [np.random.default_rng(base[k] if k in SHARED_STREAMS else own[k]) for k in range(8)]


def generate_district(seed: int = 0, start: str | date = "2021-01-01", end: str | date = "2023-12-31",
                      scale: float = 1.0, progress: Progress | None = None, block: int = 0,
                      shapes: bool = True) -> District:
    """Generate the demo district (Zhangqiu-like, 18 streets) with tickets and ground truth.

    Args:
        seed: random seed; the same seed, range and scale give the same district.
        start, end: first and last day of tickets (inclusive); the snapshot is `end` 23:59:59.
        scale: multiplies volumes and capacity (load stays similar).
        progress: optional `progress(fraction, message)` called at each stage.
        block: which block of a city (`civicdesk.synth.city`): the same streets, grids, roster and
            capacity rates as block 0, with tickets, callers and topics drawn from the block's own
            streams. Block 0 is the district itself.
        shapes: draw the geometry (`civicdesk.synth.geo.demo_shapes`, from its own random stream: the
            other draws are the same either way).

    Returns:
        The `District`.
    """
    report = progress or (lambda f, m: None)
    start_d, end_d = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    if end_d < start_d:
        raise ValueError("end must not be before start")
    rngs = _streams(seed, block)
    days = pd.date_range(start_d, end_d, freq="D")
    report(0.02, "生成镇街、网格和人员")
    places = build_places(rngs[0])
    staff, understaffed = build_staff(rngs[1], places, start_d, end_d, growth=vol.trend)
    grids_per = np.bincount(places.grid_street, minlength=len(STREET_SPECS))
    shares = vol.street_shares(grids_per, places.streets["households"].to_numpy())
    report(0.08, "计算期望工单量")
    model = vol.build_rates(days, shares, scale)
    rng = rngs[2]
    counts = vol.draw_counts(rng, model.rate)
    t = _expand(counts)
    extras, topics, persistent = draw_extras(rngs[3], places, days, scale)
    n_base = len(t["street"])
    report(0.18, f"生成工单 {n_base + len(extras.street):,} 件")
    sub = _draw_subcategories(rng, t["category"])
    for key, val in (("street", extras.street), ("category", extras.category), ("channel", extras.channel),
                     ("day", extras.day)):
        t[key] = np.concatenate([t[key], val])
    t["subcategory"] = np.concatenate([sub, extras.subcategory])
    t["topic"] = np.concatenate([np.full(n_base, -1), extras.topic])
    t["persistent"] = np.concatenate([np.full(n_base, -1), extras.persistent])
    site_override = [None] * n_base + list(extras.site)
    n = len(t["street"])
    t["urgency"] = _draw_urgency(rng, t["category"])
    day_ns = days.to_numpy().astype("datetime64[ns]").view(np.int64)[t["day"]]
    t["created"] = vol.arrival_times(rng, day_ns, t["channel"])
    # callers and their home grids
    has_caller = np.isin(t["channel"], [CHANNELS.index(c) for c in CALLER_CHANNELS])
    grids_by_street = [np.flatnonzero(places.grid_street == s) for s in range(len(STREET_SPECS))]
    pool = cl.build_pool(rngs[4], places.streets["households"].to_numpy(), grids_by_street, scale)
    caller = cl.assign_callers(rng, t["street"], has_caller & (t["persistent"] < 0), pool)
    n_pool = len(pool[2])
    caller = np.where(t["persistent"] >= 0, n_pool + t["persistent"], caller)
    gcount = grids_per[t["street"]]
    goff = np.concatenate([[0], np.cumsum(grids_per)])[t["street"]]
    grid = goff + (rng.random(n) * gcount).astype(np.int64)
    grid = np.where(caller >= 0, pool[2][np.clip(caller, 0, n_pool - 1)], grid)
    is_extra = np.arange(n) >= n_base
    grid[is_extra] = extras.grid
    # order by creation time
    order = np.argsort(t["created"], kind="stable")
    t = {k: v[order] for k, v in t.items()}
    caller, grid, has_caller = caller[order], grid[order], has_caller[order]
    site_override = [site_override[i] for i in order]
    sub_names_all, _, _ = flat_subcategories()
    sub_names_arr = np.asarray(sub_names_all, dtype=object)
    # 直办 at intake
    report(0.30, "模拟街道工作负荷")
    p_direct = np.array([DIRECT_CLOSE.get(c, 0.0) for c in CATEGORIES])[t["category"]]
    direct = ((t["channel"] == CHANNELS.index("hotline")) & (t["urgency"] == 0) & (t["persistent"] < 0)
              & (t["topic"] < 0) & (rng.random(n) < p_direct))
    arrivals = np.zeros((len(STREET_SPECS), len(days)))
    np.add.at(arrivals, (t["street"][~direct], t["day"][~direct]), 1.0)
    cap, util = _capacity(rngs[5], model, shares, staff, places, days, scale)
    load = lc.run_queue(arrivals, cap, cal.workday_mask(days))
    report(0.40, "模拟签收、办理和办结")
    dept_street = _dept_is_street()[t["subcategory"]]
    tl = lc.simulate(rngs[6], t["created"], t["street"], t["day"], t["category"], t["channel"], t["urgency"],
                     sub_names_arr[t["subcategory"]], dept_street, load, direct,
                     force_return=t["persistent"] >= 0)
    end_ns = (pd.Timestamp(end_d) + pd.Timedelta(days=1)).value - 10**9
    report(0.55, "回访与重复来电")
    out = callbacks_and_followups(rngs[7], t, tl, caller, grid, end_ns)
    report(0.75, "生成诉求描述")
    tickets = assemble_tickets(rngs[7], places, t, tl, out, site_override, days, end_ns, sub_names_arr)
    report(0.92, "整理真值")
    keys = dict(zip(out["caller"], tickets["caller_key"]))
    repeat_keys = [keys[n_pool + k] for k in range(len(persistent)) if (n_pool + k) in keys]
    shocks, calib = _truth_tables(model, scale)
    names = [spec[1] for spec in STREET_SPECS]
    truth = Truth(expected=_expected_frame(model, days, topic_rates(days, scale)),
                  satisfaction=dict(cl.SATISFACTION), shocks=shocks, topics=topics, understaffed=understaffed,
                  repeat_callers=repeat_keys, calibration_week=calib, load=load.frame(names, days),
                  utilisation_target=dict(zip(names, util.round(3))))
    report(1.0, f"完成：{len(tickets):,} 件工单")
    geometry = demo_shapes(int(seed), places) if shapes else None
    return District(places.streets, places.grids, staff, tickets, truth, start_d, end_d, int(seed), float(scale),
                    geometry)


def _dept_is_street() -> np.ndarray:
    return np.array([d.startswith("@") for cat in CATEGORIES for _, _, d in SUBCATEGORIES[cat]])

