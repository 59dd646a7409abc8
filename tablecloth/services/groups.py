"""Groups with their invite codes, and the cities they belong to."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from ..codes import ALPHABET
from ..errors import Refusal
from ..models import City, Group, Organiser, Photo, utcnow
from ..render.invitation import render_invitation
from . import audit
from .site import Site

# 8 characters of Crockford base32 after the city's letters: 40 bits, against guessing (codes
# made before with 4 characters keep working: a code is looked up as typed).
INVITE_RANDOM_LENGTH = 8
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
LANGUAGES = ("en", "ru")


class GroupError(Refusal):
    """A group or city cannot be created or changed as asked (messages._PEOPLE)."""


def new_invite_code(site: Site, city: City) -> str:
    """Return an unused invite code such as COV-7K3QZ9AB: the city's letters, then random."""
    letters = re.sub(r"[^A-Z]", "", city.slug.upper())[:3] or "GRP"
    while True:
        code = letters + "-" + "".join(secrets.choice(ALPHABET)
                                       for _position in range(INVITE_RANDOM_LENGTH))
        if find_group(site, code) is None:
            return code


def normalise_invite(raw: str) -> str:
    """Return an invite code as stored: trimmed, upper case, inner spaces removed."""
    return re.sub(r"\s+", "", raw or "").upper()


def find_group(site: Site, code: str) -> Group | None:
    """Return the group with this invite code, typed in any case."""
    wanted = normalise_invite(code)
    if not wanted:
        return None
    return site.db.scalars(
        select(Group).where(func.upper(Group.invite_code) == wanted)
    ).first()


def get_group(site: Site, group_id: int) -> Group | None:
    """Return the group with this id, or None."""
    return site.db.get(Group, group_id)


def group_or_refuse(site: Site, code: str) -> Group:
    """Return the group with this invite code, or refuse naming the code."""
    group = find_group(site, code)
    if group is None:
        raise GroupError("group_unknown", code=code)
    return group


def upload_link(site: Site, code: str) -> str:
    """Return the public address a group's members open to send photos."""
    return f"{site.base_url}/upload?code={code}"


def invitation_pdf(site: Site, group: Group) -> bytes:
    """Return a printable A4 invitation with the QR code of the group's upload link."""
    return render_invitation(upload_link(site, group.invite_code), group.invite_code,
                             group.name, group.city.bilingual())


def expiry_moment(last_day: date) -> datetime:
    """Return the moment a code given a last day stops working: that day's end, in UTC."""
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)


def last_day(group: Group) -> date | None:
    """Return the last day a group's code works, or None when it never expires."""
    if group.expires_at is None:
        return None
    return (group.expires_at - timedelta(seconds=1)).date()


def create_group(site: Site, name: str, city: City, expires_on: date | None = None,
                 by: Organiser | None = None) -> Group:
    """Create an active group with a fresh invite code, valid through expires_on if given."""
    name = " ".join((name or "").split())
    if not name:
        raise GroupError("group_name_missing")
    if len(name) > 120:
        raise GroupError("group_name_too_long")
    expires_at = None
    if expires_on is not None:
        expires_at = expiry_moment(expires_on)
        if expires_at <= utcnow():
            raise GroupError("expiry_passed", day=expires_on.isoformat())
    group = Group(name=name, city=city, invite_code=new_invite_code(site, city), active=True,
                  expires_at=expires_at)
    site.db.add(group)
    audit.record(site, "group.create", group.invite_code, {"city": city.slug}, organiser=by)
    site.db.commit()
    return group


def count_groups(site: Site) -> int:
    """Return how many groups there are."""
    return site.db.scalar(select(func.count(Group.id))) or 0


def list_groups(site: Site) -> list[tuple[Group, int]]:
    """Return every group, newest first, with how many photos it brought."""
    counts = (
        select(Photo.group_id, func.count(Photo.id).label("photos"))
        .group_by(Photo.group_id)
        .subquery()
    )
    rows = site.db.execute(
        select(Group, func.coalesce(counts.c.photos, 0))
        .outerjoin(counts, counts.c.group_id == Group.id)
        .order_by(Group.created_at.desc(), Group.id.desc())
    ).all()
    return [(group, photos) for group, photos in rows]


def set_active(site: Site, code: str, active: bool, by: Organiser | None = None) -> Group:
    """Switch a group's invite code on or off."""
    group = group_or_refuse(site, code)
    # Changed only if not already so: two organisers clicking at once log it once.
    changed = site.db.execute(
        update(Group).where(Group.id == group.id, Group.active.is_(not active))
        .values(active=active).execution_options(synchronize_session=False)).rowcount
    if changed:
        audit.record(site, "group.enable" if active else "group.disable", group.invite_code,
                     organiser=by)
    site.db.commit()
    site.db.refresh(group)
    return group


def set_expiry(site: Site, code: str, expires_on: date | None,
               by: Organiser | None = None) -> Group:
    """Let a group's code work through expires_on, or for ever when None."""
    group = group_or_refuse(site, code)
    before = last_day(group)
    group.expires_at = expiry_moment(expires_on) if expires_on is not None else None
    if before != expires_on:
        audit.record(site, "group.expiry", group.invite_code, {
            "from": before.isoformat() if before else None,
            "to": expires_on.isoformat() if expires_on else None}, organiser=by)
    site.db.commit()
    return group


def set_quota(site: Site, code: str, photos: int | None, mb: int | None,
              by: Organiser | None = None) -> Group:
    """Limit a group's pending and approved photos and megabytes; None means unlimited."""
    group = group_or_refuse(site, code)
    for value in (photos, mb):
        if value is not None and value < 0:
            raise GroupError("quota_invalid")
    changed = (group.quota_photos, group.quota_mb) != (photos, mb)
    group.quota_photos, group.quota_mb = photos, mb
    if changed:
        audit.record(site, "group.quota", group.invite_code, {"photos": photos, "mb": mb},
                     organiser=by)
    site.db.commit()
    return group


def list_cities(site: Site) -> list[City]:
    """Return every city in display order."""
    return list(site.db.scalars(select(City).order_by(City.position, City.id)))


def city_by_slug(site: Site, slug: str) -> City | None:
    """Return the city with this slug, in any case."""
    return site.db.scalars(
        select(City).where(City.slug == (slug or "").strip().lower())
    ).first()


def add_city(site: Site, slug: str, name_en: str, name_ru: str,
             home_language: str = "en", by: Organiser | None = None) -> City:
    """Add a city with its names in both languages and the language of its own script."""
    slug = (slug or "").strip().lower()
    name_en = " ".join((name_en or "").split())
    name_ru = " ".join((name_ru or "").split())
    if not SLUG_PATTERN.match(slug):
        raise GroupError("city_slug_invalid")
    if not name_en or not name_ru:
        raise GroupError("city_names_missing")
    if len(name_en) > 80 or len(name_ru) > 80:
        raise GroupError("city_name_too_long")
    if home_language not in LANGUAGES:
        raise GroupError("home_language_invalid")
    if city_by_slug(site, slug) is not None:
        raise GroupError("city_exists", slug=slug)
    position = site.db.scalar(select(func.coalesce(func.max(City.position), -1))) + 1
    city = City(slug=slug, name_en=name_en, name_ru=name_ru, home_language=home_language,
                position=position)
    site.db.add(city)
    audit.record(site, "city.add", slug, {"en": name_en, "ru": name_ru,
                                          "home": home_language}, organiser=by)
    site.db.commit()
    return city
