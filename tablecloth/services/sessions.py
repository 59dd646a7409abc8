"""Organisers' sessions kept on the server, password changes, and one-time reset links.

A browser's cookie carries only a random session token; the database keeps its SHA-256 and
whether it has ended. Logging out, deactivating an account, changing or resetting its
password and an admin's "end all sessions" end rows here, so a copy of the cookie stops
working at its next request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import codes
from ..models import Organiser, OrganiserSession, PasswordReset, utcnow
from . import audit
from .accounts import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    end_sessions,
    password_matches,
    set_password,
)
from .site import Site

# A session ends this long after log-in whatever happens; the browser's cookie ends sooner
# (when the browser closes).
SESSION_DAYS = 14
RESET_HOURS = 24
MAX_TOKEN = 128


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def start(site: Site, person: Organiser, now: datetime | None = None, commit: bool = True
          ) -> str:
    """Open a session for person; return the token for the cookie (only its hash is kept)."""
    token = codes.new_token()
    moment = _now(now)
    site.db.add(OrganiserSession(token_hash=codes.hash_token(token), organiser_id=person.id,
                                 created_at=moment,
                                 expires_at=moment + timedelta(days=SESSION_DAYS)))
    if commit:
        site.db.commit()
    return token


def organiser_for(site: Site, token: str | None, now: datetime | None = None
                  ) -> Organiser | None:
    """Return the active organiser whose open session this token is, or None."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN:
        return None
    return site.db.scalars(
        select(Organiser).join(OrganiserSession, OrganiserSession.organiser_id == Organiser.id)
        .where(OrganiserSession.token_hash == codes.hash_token(token),
               OrganiserSession.ended_at.is_(None),
               OrganiserSession.expires_at > _now(now),
               Organiser.active.is_(True))
    ).first()


def end(site: Site, token: str | None) -> None:
    """End the session behind one token (log-out)."""
    if token and isinstance(token, str) and len(token) <= MAX_TOKEN:
        site.db.execute(
            update(OrganiserSession)
            .where(OrganiserSession.token_hash == codes.hash_token(token),
                   OrganiserSession.ended_at.is_(None))
            .values(ended_at=utcnow()).execution_options(synchronize_session=False))
    site.db.commit()


def end_all(site: Site, person: Organiser, commit: bool = True) -> int:
    """End every open session of person; return how many were open."""
    ended = end_sessions(site, person)
    if commit:
        site.db.commit()
    return ended


def open_count(site: Site, person: Organiser, now: datetime | None = None) -> int:
    """Return how many sessions of person are open now."""
    return len(site.db.scalars(select(OrganiserSession.id).where(
        OrganiserSession.organiser_id == person.id, OrganiserSession.ended_at.is_(None),
        OrganiserSession.expires_at > _now(now))).all())


def end_all_by_admin(site: Site, person: Organiser, by: Organiser | None = None) -> int:
    """End every session of an account (a lost laptop, a shared computer); audited."""
    ended = end_all(site, person, commit=False)
    audit.record(site, "account.sessions_end", person.email, {"sessions": ended}, organiser=by)
    site.db.commit()
    return ended


def change_password(site: Site, person: Organiser, current: str, new: str) -> str:
    """Set a new password after checking the current one; end every session of the account
    (copies of this browser's cookie included) and return a new session token for this one."""
    if not password_matches(person, current):
        raise AccountError("password_wrong")
    set_password(person, new)
    ended = end_all(site, person, commit=False)
    audit.record(site, "account.password", person.email, {"sessions_ended": ended},
                 organiser=person)
    token = start(site, person, commit=False)
    site.db.commit()
    return token


def create_reset(site: Site, person: Organiser, by: Organiser | None = None,
                 now: datetime | None = None) -> tuple[PasswordReset, str]:
    """Make a one-time password reset link's token for person; earlier unused links stop."""
    moment = _now(now)
    site.db.execute(
        update(PasswordReset)
        .where(PasswordReset.organiser_id == person.id, PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > moment)
        .values(expires_at=moment).execution_options(synchronize_session=False))
    token = codes.new_token()
    reset = PasswordReset(token_hash=codes.hash_token(token), organiser_id=person.id,
                          created_by_id=by.id if by is not None else None, created_at=moment,
                          expires_at=moment + timedelta(hours=RESET_HOURS))
    site.db.add(reset)
    audit.record(site, "account.reset_link", person.email, {"hours": RESET_HOURS}, organiser=by)
    site.db.commit()
    return reset, token


def open_reset(site: Site, token: str, now: datetime | None = None) -> PasswordReset | None:
    """Return the unused, unexpired reset of an active account behind a token, or None."""
    if not token or len(token) > MAX_TOKEN:
        return None
    reset = site.db.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == codes.hash_token(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= _now(now):
        return None
    return reset if reset.organiser.active else None


def use_reset(site: Site, token: str, new: str) -> tuple[Organiser, str]:
    """Set the new password through a reset link, once; end every session of the account
    and return it with a new session token for this browser."""
    reset = open_reset(site, token)
    if reset is None:
        raise AccountError("reset_used")
    if len(new or "") < MIN_PASSWORD_LENGTH:  # refused before the link is used up
        raise AccountError("password_too_short", count=MIN_PASSWORD_LENGTH)
    now = utcnow()
    # Used up only if still unused and unexpired: of two tabs racing on one link, one wins.
    claimed = site.db.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        site.db.rollback()
        raise AccountError("reset_used")
    person = reset.organiser
    set_password(person, new)
    ended = end_all(site, person, commit=False)
    audit.record(site, "account.password_reset", person.email, {"sessions_ended": ended},
                 organiser=person)
    session_token = start(site, person, commit=False)
    site.db.commit()
    return person, session_token
