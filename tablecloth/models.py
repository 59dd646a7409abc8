"""ORM classes for photos, groups, cities, organisers and clothes; no I/O here."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, query_expression, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite drops the zone on reading)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # naive times in this code base are UTC
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class PhotoState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AgeBand(enum.StrEnum):
    UNDER_13 = "under13"
    FROM_13_TO_15 = "13-15"
    FROM_16_TO_17 = "16-17"
    ADULT = "18+"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"


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


class Organiser(Base):
    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e]),
        default=Role.ADMIN,
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Invitation(Base):
    """A one-time link an admin gives a new organiser; only the token's hash is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e]),
        default=Role.MODERATOR,
    )
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))


class AuditEntry(Base):
    """One thing done to the site: who (None = participant or system), what, to which target."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(120), default="", index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    organiser: Mapped[Organiser | None] = relationship()


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


class RateLimitHit(Base):
    """One counted event (a failed log-in, a wrong invite code, an upload) for a rate limit."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    # Seconds since the epoch: every process on every machine compares against the same clock.
    at: Mapped[float] = mapped_column(index=True)


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


class OrganiserSession(Base):
    """One logged-in browser: the cookie carries a random token, only its hash is kept here.

    Ending a row (log-out, deactivation, a password change, an admin's "end all sessions")
    ends that browser's access at its next request, even for a copy of its cookie.
    """

    __tablename__ = "organiser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organiser: Mapped[Organiser] = relationship()


class PasswordReset(Base):
    """A one-time link an admin makes for an organiser who lost their password (hash only)."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organiser: Mapped[Organiser] = relationship(foreign_keys=[organiser_id])


class HealthProbe(Base):
    """A row /healthz writes, reads back and deletes: proof that the database takes writes."""

    __tablename__ = "health_probes"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
