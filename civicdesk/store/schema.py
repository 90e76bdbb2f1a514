"""The store's tables at the current schema revision (SQLAlchemy 2 Core).

The migrations in `migrations/versions/` build exactly these tables; queries import them from here.
Street and category are stored by name in `tickets` (not as foreign keys) because real exports carry
names the reference tables may not know yet; the import issue maps and validates them.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, UniqueConstraint, false)

metadata = MetaData()

store_info = Table(
    "store_info", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

streets = Table(
    "streets", metadata,
    Column("street_id", Integer, primary_key=True, autoincrement=False),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("name_en", String(128)),
    Column("kind", String(16)),
    Column("households", Integer),
    Column("boundary", Text),
)

grids = Table(
    "grids", metadata,
    Column("grid_id", String(64), primary_key=True),
    Column("street_id", Integer, ForeignKey("streets.street_id"), nullable=False),
    Column("name", String(128)),
    Column("community", String(128)),
    Column("households", Integer),
    Column("lon", Float),
    Column("lat", Float),
)

#: Named places of the streets (小区, villages, roads) with a point (WGS84 lon/lat): where key problems'
#: repeated places are drawn. `grid_id` is the grid the place lies in, when known.
places = Table(
    "places", metadata,
    Column("place_id", Integer, primary_key=True, autoincrement=True),
    Column("street", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("grid_id", String(64)),
    Column("lon", Float),
    Column("lat", Float),
    UniqueConstraint("street", "name", name="uq_places_street_name"),
)

staff = Table(
    "staff", metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("name", String(64)),
    Column("role", String(32), nullable=False),
    Column("street_id", Integer, ForeignKey("streets.street_id")),
    Column("grid_id", String(64), ForeignKey("grids.grid_id")),
    Column("tier", String(32)),
    Column("active_from", Date),
    Column("active_to", Date),
)

#: A centre's own category tree: one row per level-1 name (level2 = level3 = "") and optional deeper paths.
#: `handling` says how tickets of the category are handled ("dispute": mediators, 30 calendar days;
#: "key_patrol": key patrol items; "ordinary"); `origin` says where the row came from.
categories = Table(
    "categories", metadata,
    Column("category_id", Integer, primary_key=True, autoincrement=True),
    Column("level1", String(64), nullable=False),
    Column("level2", String(64), nullable=False, server_default=""),
    Column("level3", String(64), nullable=False, server_default=""),
    Column("name_en", String(128)),
    Column("handling", String(16), nullable=False, server_default="ordinary"),
    Column("origin", String(16), nullable=False, server_default="import"),
    UniqueConstraint("level1", "level2", "level3", name="uq_categories_path"),
)

tickets = Table(
    "tickets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(64)),
    Column("source", String(64), nullable=False),
    Column("source_id", String(128), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("street", String(64)),
    Column("grid_id", String(64)),
    Column("category", String(64)),
    Column("subcategory", String(64)),
    Column("urgency", String(16), nullable=False),
    Column("caller_key", String(64)),
    Column("signed_at", DateTime),
    Column("first_response_at", DateTime),
    Column("closed_at", DateTime),
    Column("deadline_at", DateTime),
    Column("status", String(16), nullable=False),
    Column("returned_count", Integer, nullable=False, default=0),
    Column("reopened_count", Integer, nullable=False, default=0),
    Column("escalated", Boolean, nullable=False, default=False),
    Column("callback_result", String(32)),
    Column("callback_at", DateTime),
    Column("description", Text),
    Column("department", String(128)),
    Column("category_raw", Text),
    Column("id_derived", Boolean, nullable=False, default=False, server_default=false()),
    Column("batch_id", Integer),
    UniqueConstraint("source", "source_id", name="uq_tickets_source"),
    Index("ix_tickets_created_at", "created_at"),
    Index("ix_tickets_caller_key", "caller_key"),
)

#: Count columns of the daily rollup, in order; `kpi` and `daily_counts` accept any of them as a measure.
ROLLUP_COUNTS = (
    "received", "signed", "signed_on_time", "responded", "closed", "closed_on_time", "returned",
    "reopened", "escalated", "repeat_contacts", "cb_satisfied", "cb_basically_satisfied",
    "cb_unsatisfied", "cb_not_reached",
)
ROLLUP_SUMS = ("hours_to_sign_sum", "hours_to_close_sum")
ROLLUP_KEYS = ("day", "street", "category", "channel")

daily_rollup = Table(
    "daily_rollup", metadata,
    Column("day", Date, primary_key=True),
    Column("street", String(64), primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("channel", String(16), primary_key=True),
    *[Column(name, Integer, nullable=False, default=0) for name in ROLLUP_COUNTS],
    *[Column(name, Float, nullable=False, default=0.0) for name in ROLLUP_SUMS],
)

#: The daily rollup summed to ISO weeks (`week` is the Monday): what weekly dashboards read, about seven times
#: fewer rows than the daily rollup. Derived from `daily_rollup` only, in the same transaction as every
#: rollup refresh (`civicdesk.store.rollup.refresh_weekly`).
weekly_rollup = Table(
    "weekly_rollup", metadata,
    Column("week", Date, primary_key=True),
    Column("street", String(64), primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("channel", String(16), primary_key=True),
    *[Column(name, Integer, nullable=False, default=0) for name in ROLLUP_COUNTS],
    *[Column(name, Float, nullable=False, default=0.0) for name in ROLLUP_SUMS],
)

#: The dimensions of `weekly_margins`: the district total and each grouping on its own.
MARGIN_DIMENSIONS = ("total", "street", "category", "channel")

#: The weekly rollup's one-way margins: per week, one row for the district total (dimension "total", value "")
#: and one per street, per category and per channel (dimension "street" and value the street's name, …).
#: A week holds some forty rows however many tickets it has: the Overview's headline figures, breakdowns
#: and trend, and the default week, read only these.
weekly_margins = Table(
    "weekly_margins", metadata,
    Column("week", Date, primary_key=True),
    Column("dimension", String(16), primary_key=True),
    Column("value", String(64), primary_key=True),
    *[Column(name, Integer, nullable=False, default=0) for name in ROLLUP_COUNTS],
    *[Column(name, Float, nullable=False, default=0.0) for name in ROLLUP_SUMS],
)

import_batches = Table(
    "import_batches", metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("format", String(16), nullable=False),
    Column("encoding", String(16)),
    Column("profile", String(64), nullable=False),
    Column("source", String(64)),
    Column("mapping", Text, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    *[Column(name, Integer, nullable=False) for name in ("rows_read", "inserted", "updated", "unchanged",
                                                          "quarantined")],
    Column("reasons", Text, nullable=False),
    Column("warnings", Text, nullable=False),
    Index("ix_import_batches_sha256", "sha256"),
)

quarantine = Table(
    "quarantine", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batches.batch_id"), nullable=False),
    Column("sheet", String(128)),
    Column("row_number", Integer, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Index("ix_quarantine_batch", "batch_id"),
)

forecast_scenarios = Table(
    "forecast_scenarios", metadata,
    Column("name", String(128), primary_key=True),
    Column("description", Text),
    Column("adjustments", Text, nullable=False),
    Column("saved_at", DateTime, nullable=False),
)

forecast_runs = Table(
    "forecast_runs", metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("horizon", Integer, nullable=False),
    Column("grouping", String(64), nullable=False),
    Column("models", Text, nullable=False),
    Column("data_hash", String(64), nullable=False),
    Column("code_version", String(64), nullable=False),
    Column("metrics", Text, nullable=False),
    Column("messages", Text, nullable=False),
    Index("ix_forecast_runs_as_of", "as_of", "grouping"),
)

forecast_values = Table(
    "forecast_values", metadata,
    Column("run_id", Integer, ForeignKey("forecast_runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("unique_id", String(160), primary_key=True),
    Column("ds", Date, primary_key=True),
    Column("model", String(32), nullable=False),
    Column("mean", Float, nullable=False),
    *[Column(f"{side}_{level}", Float, nullable=False) for level in (80, 95) for side in ("lo", "hi")],
)

staffing_scenarios = Table(
    "staffing_scenarios", metadata,
    Column("name", String(128), primary_key=True),
    Column("description", Text),
    Column("inputs", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("saved_at", DateTime, nullable=False),
)

users = Table(
    "users", metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("locked_until", DateTime),
    Column("created_at", DateTime, nullable=False),
)

user_sessions = Table(
    "user_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_log_at", "at"),
)

TICKET_COLUMNS = tuple(c.name for c in tickets.columns if c.name != "id")
TICKET_TIME_COLUMNS = ("created_at", "signed_at", "first_response_at", "closed_at", "deadline_at")
