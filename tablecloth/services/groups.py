"""Groups with their invite codes, and the cities they belong to."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import db
from ..codes import ALPHABET
from ..models import City, Group, Organiser, Photo, utcnow
from . import audit

INVITE_RANDOM_LENGTH = 4
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
LANGUAGES = ("en", "ru")


class GroupError(ValueError):
    """A group or city cannot be created or changed as asked; the message says why."""


def new_invite_code(city: City) -> str:
    """Return an unused invite code such as COV-7K3Q: the city's first letters, then random."""
    letters = re.sub(r"[^A-Z]", "", city.slug.upper())[:3] or "GRP"
    while True:
        code = letters + "-" + "".join(secrets.choice(ALPHABET)
                                       for _position in range(INVITE_RANDOM_LENGTH))
        if find_group(code) is None:
            return code


def normalise_invite(raw: str) -> str:
    """Return an invite code as stored: trimmed, upper case, inner spaces removed."""
    return re.sub(r"\s+", "", raw or "").upper()


def find_group(code: str) -> Group | None:
    """Return the group with this invite code, typed in any case."""
    wanted = normalise_invite(code)
    if not wanted:
        return None
    return db.session().scalars(
        select(Group).where(func.upper(Group.invite_code) == wanted)
    ).first()


def expiry_moment(last_day: date) -> datetime:
    """Return the moment a code given a last day stops working: that day's end, in UTC."""
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)


def last_day(group: Group) -> date | None:
    """Return the last day a group's code works, or None when it never expires."""
    if group.expires_at is None:
        return None
    return (group.expires_at - timedelta(seconds=1)).date()


def create_group(name: str, city: City, expires_on: date | None = None,
                 by: Organiser | None = None) -> Group:
    """Create an active group with a fresh invite code, valid through expires_on if given."""
    name = " ".join((name or "").split())
    if not name:
        raise GroupError(_("Give the group a name."))
    if len(name) > 120:
        raise GroupError(_("The group's name is too long (at most 120 characters)."))
    expires_at = None
    if expires_on is not None:
        expires_at = expiry_moment(expires_on)
        if expires_at <= utcnow():
            raise GroupError(_("The expiry date %(day)s has already passed.",
                               day=expires_on.isoformat()))
    group = Group(name=name, city=city, invite_code=new_invite_code(city), active=True,
                  expires_at=expires_at)
    session = db.session()
    session.add(group)
    audit.record("group.create", group.invite_code, {"city": city.slug}, organiser=by)
    session.commit()
    return group


def list_groups() -> list[tuple[Group, int]]:
    """Return every group, newest first, with how many photos it brought."""
    counts = (
        select(Photo.group_id, func.count(Photo.id).label("photos"))
        .group_by(Photo.group_id)
        .subquery()
    )
    rows = db.session().execute(
        select(Group, func.coalesce(counts.c.photos, 0))
        .outerjoin(counts, counts.c.group_id == Group.id)
        .order_by(Group.created_at.desc(), Group.id.desc())
    ).all()
    return [(group, photos) for group, photos in rows]


def set_active(code: str, active: bool, by: Organiser | None = None) -> Group:
    """Switch a group's invite code on or off."""
    group = find_group(code)
    if group is None:
        raise GroupError(_("No group has the invite code %(code)s.", code=code))
    if group.active != active:
        audit.record("group.enable" if active else "group.disable", group.invite_code,
                     organiser=by)
    group.active = active
    db.session().commit()
    return group


def set_expiry(code: str, expires_on: date | None) -> Group:
    """Let a group's code work through expires_on, or for ever when None."""
    group = find_group(code)
    if group is None:
        raise GroupError(_("No group has the invite code %(code)s.", code=code))
    group.expires_at = expiry_moment(expires_on) if expires_on is not None else None
    db.session().commit()
    return group


def set_quota(code: str, photos: int | None, mb: int | None) -> Group:
    """Limit a group's pending and approved photos and megabytes; None means unlimited."""
    group = find_group(code)
    if group is None:
        raise GroupError(_("No group has the invite code %(code)s.", code=code))
    for value in (photos, mb):
        if value is not None and value < 0:
            raise GroupError(_("A quota is a whole number of 0 or more, or empty for no limit."))
    group.quota_photos, group.quota_mb = photos, mb
    db.session().commit()
    return group


def list_cities() -> list[City]:
    """Return every city in display order."""
    return list(db.session().scalars(select(City).order_by(City.position, City.id)))


def city_by_slug(slug: str) -> City | None:
    """Return the city with this slug, in any case."""
    return db.session().scalars(
        select(City).where(City.slug == (slug or "").strip().lower())
    ).first()


def add_city(slug: str, name_en: str, name_ru: str, home_language: str = "en") -> City:
    """Add a city with its names in both languages and the language of its own script."""
    slug = (slug or "").strip().lower()
    name_en = " ".join((name_en or "").split())
    name_ru = " ".join((name_ru or "").split())
    if not SLUG_PATTERN.match(slug):
        raise GroupError(_("The short name must be 2 to 40 lower-case Latin letters, digits "
                           "or hyphens, starting with a letter."))
    if not name_en or not name_ru:
        raise GroupError(_("Give the city's name in both English and Russian."))
    if len(name_en) > 80 or len(name_ru) > 80:
        raise GroupError(_("A city's name may have at most 80 characters."))
    if home_language not in LANGUAGES:
        raise GroupError(_("The home language must be en or ru."))
    if city_by_slug(slug) is not None:
        raise GroupError(_("A city with the short name %(slug)s already exists.", slug=slug))
    session = db.session()
    position = session.scalar(select(func.coalesce(func.max(City.position), -1))) + 1
    city = City(slug=slug, name_en=name_en, name_ru=name_ru, home_language=home_language,
                position=position)
    session.add(city)
    session.commit()
    return city
