"""Organiser accounts: invitations, hashed passwords, log-in checks, (de)activation."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import codes, db
from ..models import Invitation, Organiser, Role, utcnow
from . import audit

MIN_PASSWORD_LENGTH = 10
INVITATION_DAYS = 7
MAX_NOTE = 200
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


@functools.cache
def _dummy_hash() -> str:
    # Checked when the e-mail is unknown, so a wrong address costs as long as a wrong password.
    return generate_password_hash("tablecloth-dummy-password")


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


def normalise_email(raw: str) -> str:
    """Return the e-mail address trimmed and in lower case, or raise AccountError."""
    email = (raw or "").strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise AccountError(_("%(email)s is not a valid e-mail address.", email=raw))
    return email


def find_organiser(email: str) -> Organiser | None:
    """Return the organiser with this e-mail address, in any case."""
    return db.session().scalars(
        select(Organiser).where(func.lower(Organiser.email) == email.strip().lower())
    ).first()


def _new_organiser(email: str, password: str, role: Role | str) -> Organiser:
    address = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(count)d characters.",
                             count=MIN_PASSWORD_LENGTH))
    if find_organiser(address) is not None:
        raise AccountError(_("An organiser with the e-mail %(email)s already exists.",
                             email=address))
    person = Organiser(email=address, role=Role(role),
                       password_hash=generate_password_hash(password))
    session = db.session()
    session.add(person)
    session.flush()
    return person


def create_organiser(email: str, password: str, role: Role | str = Role.ADMIN) -> Organiser:
    """Create an organiser with a hashed password, refusing bad or duplicate input."""
    person = _new_organiser(email, password, role)
    audit.record("account.create", person.email, {"role": person.role.value, "via": "cli"})
    db.session().commit()
    return person


def list_organisers() -> list[Organiser]:
    """Return every organiser, oldest first."""
    return list(db.session().scalars(select(Organiser).order_by(Organiser.created_at,
                                                                Organiser.id)))


def set_active(person: Organiser, active: bool, by: Organiser | None = None) -> Organiser:
    """Switch an account on or off; nobody can switch off their own account."""
    if by is not None and by.id == person.id and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    if person.active != active:
        audit.record("account.reactivate" if active else "account.deactivate", person.email,
                     organiser=by)
        person.active = active
    db.session().commit()
    return person


def create_invitation(role: Role | str = Role.MODERATOR, note: str = "",
                      by: Organiser | None = None,
                      now: datetime | None = None) -> tuple[Invitation, str]:
    """Record an invitation and return it with its token, which is shown once and not kept."""
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise AccountError(_("The note is too long (at most %(count)d characters).",
                             count=MAX_NOTE))
    token = codes.new_token()
    now = now or utcnow()
    invitation = Invitation(token_hash=codes.hash_token(token), role=Role(role), note=note,
                            created_by_id=by.id if by is not None else None, created_at=now,
                            expires_at=now + timedelta(days=INVITATION_DAYS))
    session = db.session()
    session.add(invitation)
    session.flush()
    audit.record("account.invite", f"invitation {invitation.id}",
                 {"role": invitation.role.value}, organiser=by)
    session.commit()
    return invitation, token


def pending_invitations(now: datetime | None = None) -> list[Invitation]:
    """Return the invitations still usable, newest first."""
    return list(db.session().scalars(
        select(Invitation)
        .where(Invitation.used_at.is_(None), Invitation.expires_at > (now or utcnow()))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ))


def revoke_invitation(invitation: Invitation, by: Organiser | None = None) -> Invitation:
    """Make an unused invitation unusable at once (a link sent to the wrong person)."""
    now = utcnow()
    if invitation.used_at is None and invitation.expires_at > now:
        invitation.expires_at = now
        audit.record("account.revoke", f"invitation {invitation.id}",
                     {"role": invitation.role.value}, organiser=by)
    db.session().commit()
    return invitation


def open_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    """Return the unused, unexpired invitation behind a token, or None."""
    if not token or len(token) > 128:
        return None
    invitation = db.session().scalars(
        select(Invitation).where(Invitation.token_hash == codes.hash_token(token))
    ).first()
    if invitation is None or invitation.used_at is not None:
        return None
    if invitation.expires_at <= (now or utcnow()):
        return None
    return invitation


def accept_invitation(token: str, email: str, password: str) -> Organiser:
    """Create the invited account and use the invitation up, both in one commit."""
    invitation = open_invitation(token)
    if invitation is None:
        raise AccountError(_("This invitation link has expired or was already used."))
    person = _new_organiser(email, password, invitation.role)
    session = db.session()
    # Used up only if still unused, so two people racing on one link cannot both get in.
    claimed = session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=person.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise AccountError(_("This invitation link has expired or was already used."))
    audit.record("account.create", person.email,
                 {"role": person.role.value, "invitation": invitation.id}, organiser=person)
    db.session().commit()
    return person


def authenticate(email: str, password: str) -> Organiser | None:
    """Return the active organiser these credentials belong to, or None."""
    person = find_organiser(email or "")
    if person is None or not person.active:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(person.password_hash, password or ""):
        return None
    return person
