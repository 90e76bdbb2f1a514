"""The SQL store: SQLAlchemy 2 Core schema under Alembic migrations, SQLite (WAL) or PostgreSQL.

Entry points: `connect`, `load_district`, `write_tickets`, `daily_counts`, `rollup_frame`.

The names below are loaded from their modules when first used (`from civicdesk.store import daily_counts`
works as before), so opening a store (`civicdesk.store.engine`) does not import the queries' and writers'
pandas: `civicdesk kpi` starts without it.
"""
from __future__ import annotations

from civicdesk.lazy import lazy_names

_WHERE = {
    "civicdesk.store.engine": ("StoreError", "connect", "create_engine", "current_revision", "head_revision",
                               "migrate"),
    "civicdesk.store.queries": ("daily_counts", "data_span", "dimension_values", "info", "rollup_frame",
                                "street_table"),
    "civicdesk.store.write": ("WriteResult", "load_district", "load_districts", "write_tickets"),
}
__getattr__, __dir__, __all__ = lazy_names(__name__, _WHERE, globals())
