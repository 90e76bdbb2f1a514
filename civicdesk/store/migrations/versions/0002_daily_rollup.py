"""Daily rollup (day × street × category × channel), kept in step with tickets on every write.

The rollup of tickets already in the store is built after the upgrade by `civicdesk.store.connect`,
which sees the `rollup_rebuild` flag set here (migrations never import library code that may change).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COUNTS = (
    "received", "signed", "signed_on_time", "responded", "closed", "closed_on_time", "returned",
    "reopened", "escalated", "repeat_contacts", "cb_satisfied", "cb_basically_satisfied",
    "cb_unsatisfied", "cb_not_reached",
)
SUMS = ("hours_to_sign_sum", "hours_to_close_sum")


def upgrade() -> None:
    op.create_table(
        "daily_rollup",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("street", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        *[sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in COUNTS],
        *[sa.Column(name, sa.Float, nullable=False, server_default="0") for name in SUMS],
    )
    info = sa.table("store_info", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.execute(info.delete().where(info.c.key == "rollup_rebuild"))
    op.execute(info.insert().values(key="rollup_rebuild", value="1"))


def downgrade() -> None:
    op.drop_table("daily_rollup")
