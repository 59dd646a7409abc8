"""test swatches and their samples; a photo's name in the other script

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "swatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cloth_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cloth_id"], ["cloths.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_swatches_cloth_id"), "swatches", ["cloth_id"], unique=False)
    op.create_table(
        "swatch_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("swatch_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("module_mm", sa.Double(), nullable=False),
        sa.Column("dark", sa.String(length=7), nullable=False),
        sa.Column("light", sa.String(length=7), nullable=False),
        sa.Column("reads", sa.Integer(), nullable=False),
        sa.Column("first_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["swatch_id"], ["swatches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_swatch_samples_swatch_id"), "swatch_samples", ["swatch_id"],
                    unique=False)
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("name_other_script", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("name_other_script")
    op.drop_index(op.f("ix_swatch_samples_swatch_id"), table_name="swatch_samples")
    op.drop_table("swatch_samples")
    op.drop_index(op.f("ix_swatches_cloth_id"), table_name="swatches")
    op.drop_table("swatches")
