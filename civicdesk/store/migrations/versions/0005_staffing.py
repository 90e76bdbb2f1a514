"""Staffing scenarios: their inputs and results, saved by name.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staffing_scenarios",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("description", sa.Text),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staffing_scenarios")
