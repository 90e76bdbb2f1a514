"""The SQL store: SQLAlchemy 2 Core schema under Alembic migrations, SQLite (WAL) or PostgreSQL.

Entry points: `connect`, `load_district`, `write_tickets`, `daily_counts`, `rollup_frame`.
"""
from civicdesk.store.engine import StoreError, connect, create_engine, current_revision, head_revision, migrate
from civicdesk.store.queries import daily_counts, data_span, dimension_values, info, rollup_frame, street_table
from civicdesk.store.write import WriteResult, load_district, load_districts, write_tickets

__all__ = [
    "StoreError", "connect", "create_engine", "current_revision", "head_revision", "migrate",
    "daily_counts", "data_span", "dimension_values", "info", "rollup_frame", "street_table",
    "WriteResult", "load_district", "load_districts", "write_tickets",
]
