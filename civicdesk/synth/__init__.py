"""The demo district generator (Zhangqiu-like, 18 streets) with its ground truth.

`generate_district(seed=0, start="2021-01-01", end="2023-12-31", scale=1.0, progress=None)` returns a
`District` (streets, grids, staff, tickets, truth). Modules:

- `places`: streets, grids, communities/villages/小区/roads and the staff roster.
- `catalog`: categories, subcategories, departments, channel/urgency mixes, calibration targets.
- `volume`: the multiplicative expected-rate model, calibrated on the field week; arrival draws.
- `topics`: planted emerging topics and persistent repeat callers.
- `lifecycle`: street queues (capacity from the roster), signing, response, returns, escalation, closure.
- `callers`, `followups`: caller pool, repeat contacts, reopenings and the planted satisfaction model.
- `text`, `tickets`: descriptions and the tickets table.
- `district`: `District`, `Truth` and `generate_district`.
"""
from civicdesk.synth.district import District, Truth, generate_district

__all__ = ["District", "Truth", "generate_district"]
