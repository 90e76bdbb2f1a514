"""Imports: the import-batch log, the quarantine, and provenance columns on tickets.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COUNTS = ("rows_read", "inserted", "updated", "unchanged", "quarantined")


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("encoding", sa.String(16)),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64)),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        *[sa.Column(name, sa.Integer, nullable=False) for name in COUNTS],
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
    )
    op.create_index("ix_import_batches_sha256", "import_batches", ["sha256"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batches.batch_id"), nullable=False),
        sa.Column("sheet", sa.String(128)),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
    )
    op.create_index("ix_quarantine_batch", "quarantine", ["batch_id"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("category_raw", sa.Text))
        batch.add_column(sa.Column("id_derived", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("batch_id", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("batch_id")
        batch.drop_column("id_derived")
        batch.drop_column("category_raw")
    op.drop_index("ix_quarantine_batch", "quarantine")
    op.drop_table("quarantine")
    op.drop_index("ix_import_batches_sha256", "import_batches")
    op.drop_table("import_batches")
