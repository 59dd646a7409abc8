"""ORM classes for organisers: accounts, invitations, sessions, resets, audit, limits, probes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Role, UTCDateTime, utcnow


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


class RateLimitHit(Base):
    """One counted event (a failed log-in, a wrong invite code, an upload) for a rate limit."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    # Seconds since the epoch: every process on every machine compares against the same clock.
    at: Mapped[float] = mapped_column(index=True)


class HealthProbe(Base):
    """A row /healthz writes, reads back and deletes: proof that the database takes writes."""

    __tablename__ = "health_probes"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
