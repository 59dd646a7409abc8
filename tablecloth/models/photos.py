"""ORM classes for photos: cities, groups, visits, partial uploads, files, reports, views."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from .base import AgeBand, Base, PhotoState, UTCDateTime, utcnow


class City(Base):
    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_ru: Mapped[str] = mapped_column(String(80))
    # Language of the city's own script: its label on the cloth leads with that name.
    home_language: Mapped[str] = mapped_column(String(2), default="en")
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, language: str) -> str:
        """Return the city's name in the given language."""
        return self.name_ru if language == "ru" else self.name_en

    def bilingual(self) -> str:
        """Return 'Own / Other', the city's own name first."""
        return bilingual(self.name_en, self.name_ru, self.home_language)


def bilingual(name_en: str, name_ru: str, home_language: str) -> str:
    """Return a city's names as 'Own / Other', the name in its home language first."""
    first, second = (name_ru, name_en) if home_language == "ru" else (name_en, name_ru)
    return first if first == second else f"{first} / {second}"


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    invite_code: Mapped[str] = mapped_column(String(16), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Upload limits for the group; None means unlimited.
    quota_photos: Mapped[int | None] = mapped_column(Integer)
    quota_mb: Mapped[int | None] = mapped_column(Integer)

    city: Mapped[City] = relationship()

    def accepts_uploads(self, now: datetime | None = None) -> bool:
        """Say whether the invite code still works."""
        now = now or utcnow()
        expires = self.expires_at
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return self.active and (expires is None or expires > now)


class Photo(Base):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public code printed on the cloth; rows are never deleted so codes are never reused.
    code: Mapped[str] = mapped_column(String(6), unique=True)
    state: Mapped[PhotoState] = mapped_column(
        Enum(PhotoState, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e]),
        default=PhotoState.PENDING,
        index=True,
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    first_name: Mapped[str] = mapped_column(String(40))
    caption: Mapped[str] = mapped_column(String(280), default="")
    caption_language: Mapped[str] = mapped_column(String(2), default="en")
    # The caption in the other language, added by an organiser.
    caption_translation: Mapped[str | None] = mapped_column(String(280))
    # The first name in the other script (Latin for a Cyrillic name and the reverse), as an
    # organiser corrected it; None: the automatic transliteration is printed.
    name_other_script: Mapped[str | None] = mapped_column(String(60))
    age_band: Mapped[AgeBand | None] = mapped_column(
        Enum(AgeBand, native_enum=False, length=8,
             values_callable=lambda e: [m.value for m in e])
    )
    consent_self: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SHA-256 of the bytes as received: recognises an exact duplicate upload.
    source_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    withdraw_token_hash: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    # Capture date only, never time or place.
    taken_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    reject_reason: Mapped[str | None] = mapped_column(String(280))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Hidden by an organiser after a report: off the public site, but restorable, unlike a
    # withdrawal, which is the participant's own and final.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by every change to what the photo's public page shows (tablecloth.versions), so
    # each worker on each machine knows its cached page is stale from one indexed read.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The id the upload page chose before the first byte: every retry of the same photo
    # finds this row instead of making a second one. None for imports and older photos.
    upload_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    # Not a column: whether any group takes uploads now, filled in by the query of the public
    # photo page (services.public), None everywhere else.
    uploads_open: Mapped[bool | None] = query_expression()

    city: Mapped[City] = relationship()
    group: Mapped[Group | None] = relationship()
    files: Mapped[list[StoredFile]] = relationship(
        back_populates="photo", cascade="all, delete-orphan"
    )

    def withdraw(self, now: datetime | None = None) -> None:
        """Mark a photo being built (a test's, a restored one) as withdrawn.

        A live photo changes state only through services.photo_states, whose conditional
        update keeps a withdrawal from being undone by a concurrent approve.
        """
        self.state = PhotoState.WITHDRAWN
        self.withdrawn_at = now or utcnow()

    def file(self, kind: str) -> StoredFile | None:
        """Return the stored file of the given kind (master, web, thumb)."""
        return next((f for f in self.files if f.kind == kind), None)


class Visit(Base):
    """One participant's sitting at the upload page: its photos share one private link."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random and public to the participant's own browser only (kept in its session); the
    # private link's token is derived from it with the site's secret, and only the token's
    # hash is stored, so the database alone cannot rebuild a link.
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PartialUpload(Base):
    """A photo arriving in pieces over tus: invisible until whole, forgotten when abandoned."""

    __tablename__ = "partial_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The random name in the upload's URL (/upload/tus/<name>) and its storage prefix.
    name: Mapped[str] = mapped_column(String(32), unique=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    upload_key: Mapped[str] = mapped_column(String(36), unique=True)
    length: Mapped[int] = mapped_column(Integer)
    # The participant's checked answers, applied when the last byte arrives.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    # Why the finished file was refused (a reason code), so a retry hears the same answer.
    refused: Mapped[dict | None] = mapped_column(JSON)

    visit: Mapped[Visit] = relationship()
    photo: Mapped[Photo | None] = relationship()


class StoredFile(Base):
    __tablename__ = "stored_files"
    __table_args__ = (UniqueConstraint("photo_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)

    photo: Mapped[Photo] = relationship(back_populates="files")


class PhotoReport(Base):
    """A viewer's report about a public photo; it hides nothing until an organiser acts."""

    __tablename__ = "photo_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    resolution: Mapped[str | None] = mapped_column(String(16))  # hidden / dismissed

    photo: Mapped[Photo] = relationship()


class PhotoScan(Base):
    """How many times a photo's page was opened on one day; nothing about who opened it."""

    __tablename__ = "photo_scans"

    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
