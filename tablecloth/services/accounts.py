"""Organiser accounts: create them with a hashed password, and check a log-in."""

from __future__ import annotations

import functools
import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import db
from ..models import Organiser, Role
from .messages import gettext as _

MIN_PASSWORD_LENGTH = 10
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


def create_organiser(email: str, password: str, role: Role | str = Role.ADMIN) -> Organiser:
    """Create an organiser with a hashed password, refusing bad or duplicate input."""
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
    session.commit()
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
