"""Shapes: grid centroids (`grids.lon`, `grids.lat`) and the `places` table (小区, villages, roads with a point).

Street boundaries already have their column (`streets.boundary`, GeoJSON, revision 0007). Existing stores
keep every row; their grids have no point and they hold no places until the demo is rebuilt or shapes
are loaded.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grids") as batch:
        batch.add_column(sa.Column("lon", sa.Float))
        batch.add_column(sa.Column("lat", sa.Float))
    op.create_table(
        "places",
        sa.Column("place_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("street", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("grid_id", sa.String(64)),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.UniqueConstraint("street", "name", name="uq_places_street_name"),
    )


def downgrade() -> None:
    op.drop_table("places")
    with op.batch_alter_table("grids") as batch:
        batch.drop_column("lat")
        batch.drop_column("lon")
