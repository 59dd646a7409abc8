"""resumable uploads: visits, partial uploads, a photo's upload key

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("upload_key", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("visit_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_photos_upload_key", ["upload_key"])
        batch.create_foreign_key("fk_photos_visit_id_visits", "visits", ["visit_id"], ["id"])
        batch.create_index("ix_photos_visit_id", ["visit_id"])
    op.create_table(
        "partial_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("upload_key", sa.String(length=36), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("refused", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"]),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("upload_key"),
    )
    op.create_index("ix_partial_uploads_expires_at", "partial_uploads", ["expires_at"])
    op.create_index("ix_partial_uploads_visit_id", "partial_uploads", ["visit_id"])


def downgrade() -> None:
    op.drop_index("ix_partial_uploads_visit_id", table_name="partial_uploads")
    op.drop_index("ix_partial_uploads_expires_at", table_name="partial_uploads")
    op.drop_table("partial_uploads")
    with op.batch_alter_table("photos") as batch:
        batch.drop_index("ix_photos_visit_id")
        batch.drop_constraint("fk_photos_visit_id_visits", type_="foreignkey")
        batch.drop_constraint("uq_photos_upload_key", type_="unique")
        batch.drop_column("visit_id")
        batch.drop_column("upload_key")
    op.drop_table("visits")
