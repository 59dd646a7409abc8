"""Organiser accounts: invitations, hashed passwords, log-in checks, (de)activation."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import codes
from ..errors import Refusal
from ..models import Invitation, Organiser, OrganiserSession, Role, utcnow
from . import audit
from .site import Site

MIN_PASSWORD_LENGTH = 10
INVITATION_DAYS = 7
MAX_NOTE = 200
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


@functools.cache
def _dummy_hash() -> str:
    # Checked when the e-mail is unknown, so a wrong address costs as long as a wrong password.
    return generate_password_hash("tablecloth-dummy-password")


class AccountError(Refusal):
    """An account or invitation cannot be made or changed as asked (messages._PEOPLE)."""


def normalise_email(raw: str) -> str:
    """Return the e-mail address trimmed and in lower case, or raise AccountError."""
    email = (raw or "").strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise AccountError("email_invalid", email=raw)
    return email


def find_organiser(site: Site, email: str) -> Organiser | None:
    """Return the organiser with this e-mail address, in any case."""
    return site.db.scalars(
        select(Organiser).where(func.lower(Organiser.email) == email.strip().lower())
    ).first()


def check_email_free(site: Site, email: str) -> str:
    """Return the e-mail address normalised, refusing it when an organiser already has it."""
    address = normalise_email(email)
    if find_organiser(site, address) is not None:
        raise AccountError("email_taken", email=address)
    return address


def _new_organiser(site: Site, email: str, password: str, role: Role | str) -> Organiser:
    address = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short", count=MIN_PASSWORD_LENGTH)
    check_email_free(site, address)
    person = Organiser(email=address, role=Role(role),
                       password_hash=generate_password_hash(password))
    site.db.add(person)
    site.db.flush()
    return person


def create_organiser(site: Site, email: str, password: str,
                     role: Role | str = Role.ADMIN) -> Organiser:
    """Create an organiser with a hashed password, refusing bad or duplicate input."""
    person = _new_organiser(site, email, password, role)
    audit.record(site, "account.create", person.email,
                 {"role": person.role.value, "via": "cli"})
    site.db.commit()
    return person


def list_organisers(site: Site) -> list[Organiser]:
    """Return every organiser, oldest first."""
    return list(site.db.scalars(select(Organiser).order_by(Organiser.created_at,
                                                           Organiser.id)))


def get_organiser(site: Site, person_id: int) -> Organiser | None:
    """Return the organiser with this id, or None."""
    return site.db.get(Organiser, person_id)


def set_active(site: Site, person: Organiser, active: bool,
               by: Organiser | None = None) -> Organiser:
    """Switch an account on or off, ending its sessions when off; never one's own off."""
    if by is not None and by.id == person.id and not active:
        raise AccountError("deactivate_self")
    # Changed only if not already so: two admins clicking at once log it once.
    changed = site.db.execute(
        update(Organiser).where(Organiser.id == person.id, Organiser.active.is_(not active))
        .values(active=active).execution_options(synchronize_session=False)).rowcount
    if changed:
        audit.record(site, "account.reactivate" if active else "account.deactivate",
                     person.email, organiser=by)
        if not active:
            end_sessions(site, person)
    site.db.commit()
    site.db.refresh(person)
    return person


def end_sessions(site: Site, person: Organiser) -> int:
    """End every open session of person in the caller's transaction; return how many."""
    return site.db.execute(
        update(OrganiserSession)
        .where(OrganiserSession.organiser_id == person.id, OrganiserSession.ended_at.is_(None))
        .values(ended_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def set_password(person: Organiser, password: str) -> None:
    """Give person a new password (at least MIN_PASSWORD_LENGTH), stored as a salted hash."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short", count=MIN_PASSWORD_LENGTH)
    person.password_hash = generate_password_hash(password)


def password_matches(person: Organiser, password: str) -> bool:
    """Say whether password is person's current one."""
    return check_password_hash(person.password_hash, password or "")


def create_invitation(site: Site, role: Role | str = Role.MODERATOR, note: str = "",
                      by: Organiser | None = None,
                      now: datetime | None = None) -> tuple[Invitation, str]:
    """Record an invitation and return it with its token, which is shown once and not kept."""
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise AccountError("note_too_long", count=MAX_NOTE)
    token = codes.new_token()
    now = now or utcnow()
    invitation = Invitation(token_hash=codes.hash_token(token), role=Role(role), note=note,
                            created_by_id=by.id if by is not None else None, created_at=now,
                            expires_at=now + timedelta(days=INVITATION_DAYS))
    site.db.add(invitation)
    site.db.flush()
    audit.record(site, "account.invite", f"invitation {invitation.id}",
                 {"role": invitation.role.value}, organiser=by)
    site.db.commit()
    return invitation, token


def get_invitation(site: Site, invitation_id: int) -> Invitation | None:
    """Return the invitation with this id, or None."""
    return site.db.get(Invitation, invitation_id)


def pending_invitations(site: Site, now: datetime | None = None) -> list[Invitation]:
    """Return the invitations still usable, newest first."""
    return list(site.db.scalars(
        select(Invitation)
        .where(Invitation.used_at.is_(None), Invitation.expires_at > (now or utcnow()))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ))


def revoke_invitation(site: Site, invitation: Invitation,
                      by: Organiser | None = None) -> Invitation:
    """Make an unused invitation unusable at once (a link sent to the wrong person)."""
    now = utcnow()
    revoked = site.db.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None),
                                 Invitation.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False)).rowcount
    if revoked:
        audit.record(site, "account.revoke", f"invitation {invitation.id}",
                     {"role": invitation.role.value}, organiser=by)
    site.db.commit()
    site.db.refresh(invitation)
    return invitation


def open_invitation(site: Site, token: str, now: datetime | None = None) -> Invitation | None:
    """Return the unused, unexpired invitation behind a token, or None."""
    if not token or len(token) > 128:
        return None
    invitation = site.db.scalars(
        select(Invitation).where(Invitation.token_hash == codes.hash_token(token))
    ).first()
    if invitation is None or invitation.used_at is not None:
        return None
    if invitation.expires_at <= (now or utcnow()):
        return None
    return invitation


def accept_invitation(site: Site, token: str, email: str, password: str) -> Organiser:
    """Create the invited account and use the invitation up, both in one commit."""
    invitation = open_invitation(site, token)
    if invitation is None:
        raise AccountError("invitation_used")
    person = _new_organiser(site, email, password, invitation.role)
    session = site.db
    # Used up only if still unused, so two people racing on one link cannot both get in.
    claimed = session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=person.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise AccountError("invitation_used")
    audit.record(site, "account.create", person.email,
                 {"role": person.role.value, "invitation": invitation.id}, organiser=person)
    session.commit()
    return person


def authenticate(site: Site, email: str, password: str) -> Organiser | None:
    """Return the active organiser these credentials belong to, or None."""
    person = find_organiser(site, email or "")
    if person is None or not person.active:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(person.password_hash, password or ""):
        return None
    return person
