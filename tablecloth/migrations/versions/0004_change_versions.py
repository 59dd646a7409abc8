"""change versions: photos.version, cloths.version and the stored cloth views

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
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("cloths") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "cloth_views",
        sa.Column("cloth_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cloth_id"], ["cloths.id"]),
        sa.PrimaryKeyConstraint("cloth_id"),
    )


def downgrade() -> None:
    op.drop_table("cloth_views")
    with op.batch_alter_table("cloths") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("version")
