"""Weekly rollup (ISO week × street × category × channel), the daily rollup summed to weeks, and its
margins (per week: the district total and the sums per street, per category and per channel).

Weekly dashboards read them instead of the daily rollup: the Overview's figures, breakdowns, trend and
default week come from some forty margin rows a week, however many tickets the store holds. Both are
derived from `daily_rollup` alone, so the upgrade fills them with INSERT … SELECT from the daily rollup
already in the store (no ticket is read). When an earlier revision in
the same upgrade asked for a rollup rebuild, `civicdesk.store.connect` rebuilds both afterwards. Migrations
never import library code that may change, so the week expression is written here too.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COUNTS = (
    "received", "signed", "signed_on_time", "responded", "closed", "closed_on_time", "returned",
    "reopened", "escalated", "repeat_contacts", "cb_satisfied", "cb_basically_satisfied",
    "cb_unsatisfied", "cb_not_reached",
)
SUMS = ("hours_to_sign_sum", "hours_to_close_sum")
#: The Monday of `day`'s ISO week, per dialect.
WEEK_OF = {
    "postgresql": "(day - (EXTRACT(ISODOW FROM day)::int - 1))",
    "sqlite": "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
}


def _sums(columns) -> str:
    return ", ".join(f"SUM({c})" for c in columns)


def upgrade() -> None:
    op.create_table(
        "weekly_margins",
        sa.Column("week", sa.Date, primary_key=True),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(64), primary_key=True),
        *[sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in COUNTS],
        *[sa.Column(name, sa.Float, nullable=False, server_default="0") for name in SUMS],
    )
    op.create_table(
        "weekly_rollup",
        sa.Column("week", sa.Date, primary_key=True),
        sa.Column("street", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        *[sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in COUNTS],
        *[sa.Column(name, sa.Float, nullable=False, server_default="0") for name in SUMS],
    )
    week = WEEK_OF.get(op.get_bind().dialect.name)
    if week is None:  # another database: have the whole rollup rebuilt by the library instead
        info = sa.table("store_info", sa.column("key", sa.String), sa.column("value", sa.Text))
        op.execute(info.delete().where(info.c.key == "rollup_rebuild"))
        op.execute(info.insert().values(key="rollup_rebuild", value="1"))
        return
    columns = (*COUNTS, *SUMS)
    op.execute(
        f"INSERT INTO weekly_rollup (week, street, category, channel, {', '.join(columns)}) "
        f"SELECT {week} AS week, street, category, channel, {_sums(columns)} "
        f"FROM daily_rollup GROUP BY {week}, street, category, channel")
    op.execute(f"INSERT INTO weekly_margins (week, dimension, value, {', '.join(columns)}) "
               f"SELECT week, 'total', '', {_sums(columns)} FROM weekly_rollup GROUP BY week")
    for dimension in ("street", "category", "channel"):
        op.execute(f"INSERT INTO weekly_margins (week, dimension, value, {', '.join(columns)}) "
                   f"SELECT week, '{dimension}', {dimension}, {_sums(columns)} FROM weekly_rollup "
                   f"GROUP BY week, {dimension}")


def downgrade() -> None:
    op.drop_table("weekly_rollup")
    op.drop_table("weekly_margins")
