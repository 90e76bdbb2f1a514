"""civicdesk: decision-support workbench for district social-governance service centres.

Main entry points for notebooks:

- `civicdesk.store.connect(url=None)`: open (and create or upgrade) the SQL store.
- `civicdesk.synth.generate_district(seed=0)` and `civicdesk.store.load_district(engine, district)`.
- `civicdesk.store.daily_counts(engine, by=("street", "category"))`: long-format series `unique_id, ds, y`.
- `civicdesk.kpi.kpi_table(engine, freq="W", by=("street",))`: 响应率, 办结率, 按时办结率, 满意率, …
- `civicdesk.charts`: the Altair chart builders the app, the briefing and the notebooks use, one module per domain.
"""

__version__ = "0.1.0"
