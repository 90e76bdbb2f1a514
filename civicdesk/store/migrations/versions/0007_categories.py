"""A centre's own category tree (`categories`), street boundaries and callback times.

Existing stores get one `categories` row per level-1 category their tickets hold (handling "ordinary"),
except the demo district's, which get the demo's English names and handling (a snapshot of
`civicdesk.synth.catalog.category_rows` at this revision).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_DEMO = {
    "便民惠企服务": ("Services to residents and firms", "ordinary"),
    "安全隐患排查": ("Safety hazard checks", "ordinary"),
    "社情民意收集": ("Public opinion collection", "ordinary"),
    "矛盾纠纷化解": ("Dispute mediation", "dispute"),
    "重点巡查事项": ("Key patrol items", "key_patrol"),
    "环境保护": ("Environment", "ordinary"),
    "城乡建设与道路": ("Construction and roads", "ordinary"),
    "供暖": ("Heating", "ordinary"),
    "物业管理": ("Property management", "ordinary"),
    "水电气": ("Water, power and gas", "ordinary"),
    "社会保障": ("Social security", "ordinary"),
    "市场监管": ("Market regulation", "ordinary"),
    "其他诉求": ("Other appeals", "ordinary"),
}


def upgrade() -> None:
    table = op.create_table(
        "categories",
        sa.Column("category_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("level1", sa.String(64), nullable=False),
        sa.Column("level2", sa.String(64), nullable=False, server_default=""),
        sa.Column("level3", sa.String(64), nullable=False, server_default=""),
        sa.Column("name_en", sa.String(128)),
        sa.Column("handling", sa.String(16), nullable=False, server_default="ordinary"),
        sa.Column("origin", sa.String(16), nullable=False, server_default="import"),
        sa.UniqueConstraint("level1", "level2", "level3", name="uq_categories_path"),
    )
    with op.batch_alter_table("streets") as batch:
        batch.add_column(sa.Column("boundary", sa.Text))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("callback_at", sa.DateTime))
    conn = op.get_bind()
    is_demo = conn.execute(sa.text("SELECT 1 FROM store_info WHERE key = 'demo_seed'")).first() is not None
    names = conn.execute(sa.text("SELECT DISTINCT category FROM daily_rollup WHERE category <> ''")).scalars()
    rows = []
    for name in sorted(names):
        english, handling = _DEMO.get(name, (None, "ordinary")) if is_demo else (None, "ordinary")
        rows.append({"level1": name[:64], "level2": "", "level3": "", "name_en": english, "handling": handling,
                     "origin": "demo" if is_demo and name in _DEMO else "import"})
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("callback_at")
    with op.batch_alter_table("streets") as batch:
        batch.drop_column("boundary")
    op.drop_table("categories")
