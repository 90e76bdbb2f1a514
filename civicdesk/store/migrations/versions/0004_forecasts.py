"""Forecasts: saved scenarios, stored forecast runs and their values.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_scenarios",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("description", sa.Text),
        sa.Column("adjustments", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "forecast_runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("horizon", sa.Integer, nullable=False),
        sa.Column("grouping", sa.String(64), nullable=False),
        sa.Column("models", sa.Text, nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("code_version", sa.String(64), nullable=False),
        sa.Column("metrics", sa.Text, nullable=False),
        sa.Column("messages", sa.Text, nullable=False),
    )
    op.create_index("ix_forecast_runs_as_of", "forecast_runs", ["as_of", "grouping"])
    op.create_table(
        "forecast_values",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("forecast_runs.run_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("unique_id", sa.String(160), primary_key=True),
        sa.Column("ds", sa.Date, primary_key=True),
        sa.Column("model", sa.String(32), nullable=False),
        sa.Column("mean", sa.Float, nullable=False),
        *[sa.Column(f"{side}_{level}", sa.Float, nullable=False) for level in (80, 95) for side in ("lo", "hi")],
    )


def downgrade() -> None:
    op.drop_table("forecast_values")
    op.drop_index("ix_forecast_runs_as_of", "forecast_runs")
    op.drop_table("forecast_runs")
    op.drop_table("forecast_scenarios")
