"""A city-sized demo in bounded memory: the district drawn in blocks and handed on one block at a time.

A city platform holds tens of millions of tickets; drawing them at once would need memory in
proportion. `city_blocks(seed, scale=10)` instead yields `ceil(scale / BLOCK_SCALE)` districts, each
at `scale / n` (at most `BLOCK_SCALE`). Every block has the same streets, grids, roster and street
capacity rates (the shared streams of `generate_district`) and draws its own tickets, callers and
topics, so the blocks together are one district with `scale` times the volume: Poisson counts add
up, and each block's queues carry their share of the load. Peak memory is that of one block, however
large the city.

Tickets are renumbered as they leave: `ticket_id` continues each day's sequence (ZQ20230101000001 …)
across blocks and `source_id` counts on, so the store sees one district's numbering. Block 0 at
scale ≤ `BLOCK_SCALE` is the demo district itself, draw for draw.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date

import numpy as np
import pandas as pd

from civicdesk.synth.district import District, generate_district

#: The largest block drawn at once (the demo district: about 1.5 million tickets in three years).
BLOCK_SCALE = 1.0

Progress = Callable[[float, str], None]


def block_scales(scale: float, block_scale: float | None = None) -> list[float]:
    """The scale of each block: `scale` split into the fewest equal blocks of at most `block_scale`
    (default `BLOCK_SCALE`)."""
    block_scale = block_scale or BLOCK_SCALE
    if not scale > 0:
        raise ValueError("scale must be positive")
    n = max(1, math.ceil(scale / block_scale - 1e-9))
    return [scale / n] * n


def city_blocks(seed: int = 0, start: str | date = "2021-01-01", end: str | date = "2023-12-31",
                scale: float = 1.0, progress: Progress | None = None,
                block_scale: float | None = None) -> Iterator[District]:
    """Yield the city's blocks one at a time, tickets renumbered to run on from the previous blocks.

    Args:
        seed, start, end: as for `generate_district`.
        scale: the city's volume relative to the demo district (10 ≈ 15 million tickets in 2021–2023).
        progress: optional `progress(fraction, message)` over the whole city.
        block_scale: the largest block drawn at once (default `BLOCK_SCALE`); memory grows with it, not
            with `scale`.

    Yields:
        `District`s: the first carries the reference tables every block shares; each one's `scale` is
        its own block's. Drop each before asking for the next to keep one block in memory.
    """
    scales = block_scales(scale, block_scale)
    first_day = pd.Timestamp(start).normalize()
    per_day = np.zeros((pd.Timestamp(end).normalize() - first_day).days + 1, dtype=np.int64)
    issued = 0
    for b, s in enumerate(scales):
        def report(f: float, m: str, b: int = b) -> None:
            if progress:
                progress((b + f) / len(scales), f"[{b + 1}/{len(scales)}] {m}" if len(scales) > 1 else m)

        district = generate_district(seed=seed, start=start, end=end, scale=s, progress=report, block=b)
        _renumber(district.tickets, first_day, per_day, issued)
        issued += len(district.tickets)
        yield district
        del district


def _renumber(tickets: pd.DataFrame, first_day: pd.Timestamp, per_day: np.ndarray, issued: int) -> None:
    """Continue each day's ticket sequence and the source ids after the blocks already issued, in place.

    `per_day` (tickets issued so far per day since `first_day`) is updated too. Block 0 keeps its ids."""
    created = pd.to_datetime(tickets["created_at"])
    day = ((created.dt.normalize() - first_day).dt.days).to_numpy()
    within = tickets.groupby(day, sort=False).cumcount().to_numpy()
    seq = per_day[day] + within + 1
    per_day += np.bincount(day, minlength=len(per_day))
    if issued == 0:
        return
    day_text = created.dt.strftime("%Y%m%d").to_numpy(dtype=object)
    tickets["ticket_id"] = [f"ZQ{d}{q:06d}" for d, q in zip(day_text, seq)]
    tickets["source_id"] = [f"demo-{i:08d}" for i in range(issued + 1, issued + len(tickets) + 1)]
