"""Reference tables (streets, grids, staff), tickets and store_info.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_info",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "streets",
        sa.Column("street_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("name_en", sa.String(128)),
        sa.Column("kind", sa.String(16)),
        sa.Column("households", sa.Integer),
    )
    op.create_table(
        "grids",
        sa.Column("grid_id", sa.String(64), primary_key=True),
        sa.Column("street_id", sa.Integer, sa.ForeignKey("streets.street_id"), nullable=False),
        sa.Column("name", sa.String(128)),
        sa.Column("community", sa.String(128)),
        sa.Column("households", sa.Integer),
    )
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(64)),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("street_id", sa.Integer, sa.ForeignKey("streets.street_id")),
        sa.Column("grid_id", sa.String(64), sa.ForeignKey("grids.grid_id")),
        sa.Column("tier", sa.String(32)),
        sa.Column("active_from", sa.Date),
        sa.Column("active_to", sa.Date),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(64)),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("street", sa.String(64)),
        sa.Column("grid_id", sa.String(64)),
        sa.Column("category", sa.String(64)),
        sa.Column("subcategory", sa.String(64)),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("caller_key", sa.String(64)),
        sa.Column("signed_at", sa.DateTime),
        sa.Column("first_response_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("deadline_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("returned_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reopened_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("callback_result", sa.String(32)),
        sa.Column("description", sa.Text),
        sa.Column("department", sa.String(128)),
        sa.UniqueConstraint("source", "source_id", name="uq_tickets_source"),
    )
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_index("ix_tickets_caller_key", "tickets", ["caller_key"])


def downgrade() -> None:
    for name in ("tickets", "staff", "grids", "streets", "store_info"):
        op.drop_table(name)
