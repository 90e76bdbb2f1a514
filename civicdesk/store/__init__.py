"""The SQL store: SQLAlchemy 2 Core schema under Alembic migrations, SQLite (WAL) or PostgreSQL.

Entry points: `connect`, `load_district`, `write_tickets`, `daily_counts`, `rollup_frame`.

The names below are loaded from their modules when first used (`from civicdesk.store import daily_counts`
works as before), so opening a store (`civicdesk.store.engine`) does not import the queries' and writers'
pandas: `civicdesk kpi` starts without it.
"""
from __future__ import annotations

import importlib

_WHERE = {
    "civicdesk.store.engine": ("StoreError", "connect", "create_engine", "current_revision", "head_revision",
                               "migrate"),
    "civicdesk.store.queries": ("daily_counts", "data_span", "dimension_values", "info", "rollup_frame",
                                "street_table"),
    "civicdesk.store.write": ("WriteResult", "load_district", "load_districts", "write_tickets"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [name for names in _WHERE.values() for name in names]


def __getattr__(name: str):
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'civicdesk.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
