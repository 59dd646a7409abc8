"""ORM classes for the cloth: its editions, their order, stored views, exports and test swatches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .photos import Photo


class Cloth(Base):
    """One edition of the cloth: its settings and the ordered photos on it."""

    __tablename__ = "cloths"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped by every change to the cloth's photos, order or settings (tablecloth.versions):
    # the stored selection and plan (ClothView) are for one version.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    items: Mapped[list[ClothItem]] = relationship(
        back_populates="cloth", cascade="all, delete-orphan", order_by="ClothItem.position"
    )


class ClothItem(Base):
    __tablename__ = "cloth_items"
    __table_args__ = (
        UniqueConstraint("cloth_id", "position"),
        UniqueConstraint("cloth_id", "photo_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cloth_id: Mapped[int] = mapped_column(ForeignKey("cloths.id"))
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    position: Mapped[int] = mapped_column(Integer)

    cloth: Mapped[Cloth] = relationship(back_populates="items")
    photo: Mapped[Photo] = relationship()


class ClothView(Base):
    """The cloth's ordered selection and plan outline, computed once per version of it.

    Shared by every worker on every machine: a worker that finds ``version`` behind the
    cloth's computes it once and stores it here (services.cloth.stored).
    """

    __tablename__ = "cloth_views"

    cloth_id: Mapped[int] = mapped_column(ForeignKey("cloths.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    base_url: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)  # gzip-compressed JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Export(Base):
    """One export of a cloth: a job with progress, then files with checksums."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cloth_id: Mapped[int] = mapped_column(ForeignKey("cloths.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued/running/done/failed
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    files: Mapped[list] = mapped_column(JSON, default=list)  # [{format, key, sha256, size}]
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Heartbeat: set whenever the job reports progress, so a job whose process died is seen.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cloth: Mapped[Cloth] = relationship()


class Swatch(Base):
    """A test swatch: a small print of sample codes, to try on the real fabric first."""

    __tablename__ = "swatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    cloth_id: Mapped[int] = mapped_column(ForeignKey("cloths.id"), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")  # the fabric or the shop
    files: Mapped[list] = mapped_column(JSON, default=list)  # [{format, key, sha256, size}]
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cloth: Mapped[Cloth] = relationship()
    samples: Mapped[list[SwatchSample]] = relationship(
        back_populates="swatch", cascade="all, delete-orphan", order_by="SwatchSample.position"
    )


class SwatchSample(Base):
    """One code on a swatch: its module size and colours, and whether a phone has read it."""

    __tablename__ = "swatch_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    swatch_id: Mapped[int] = mapped_column(ForeignKey("swatches.id"), index=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # in the printed /S/ URL
    position: Mapped[int] = mapped_column(Integer)
    module_mm: Mapped[float] = mapped_column()
    dark: Mapped[str] = mapped_column(String(7))
    light: Mapped[str] = mapped_column(String(7))
    reads: Mapped[int] = mapped_column(Integer, default=0)
    first_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    swatch: Mapped[Swatch] = relationship(back_populates="samples")
