"""Visits: one participant's sitting at the upload page, and its one private "my photos" link.

A visit is made when its first photo is sent. The browser keeps only an opaque reference (the
session's ``visit_ref``, never a token); the "my photos" link's token is derived from that
reference with the site's secret, and only the token's hash is stored, so neither the cookie
nor the database alone can open the page. Every path (the plain form, the page's script, any
tus client) counts the same rule: at most MAX_FILES_PER_UPLOAD photos a visit.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import func, select

from .. import codes
from ..models import PartialUpload, Photo, Visit, utcnow
from . import uploads, withdrawals
from .site import Site

_REF = re.compile(r"[0-9a-f]{32}")


def start(site: Site) -> Visit:
    """Record a new visit and return it."""
    ref = secrets.token_hex(16)
    visit = Visit(ref=ref, token_hash=codes.hash_token(_token_of(site, ref)))
    site.db.add(visit)
    site.db.commit()
    return visit


def token(site: Site, visit: Visit) -> str:
    """Return the token of the visit's private "my photos" link."""
    return _token_of(site, visit.ref)


def _token_of(site: Site, ref: str) -> str:
    return codes.derive_token(site.settings["SECRET_KEY"], "visit", ref)


def by_token(site: Site, token: str | None) -> Visit | None:
    """Return the visit whose private link carries token, or None."""
    if not token or len(token) > 128:
        return None
    return site.db.scalars(
        select(Visit).where(Visit.token_hash == codes.hash_token(token))).first()


def by_ref(site: Site, ref: str | None) -> Visit | None:
    """Return the visit a browser's session refers to, or None."""
    if not ref or not _REF.fullmatch(ref):
        return None
    return site.db.scalars(select(Visit).where(Visit.ref == ref)).first()


def photos(site: Site, visit: Visit) -> list[Photo]:
    """Return the visit's photos in the order they arrived."""
    return list(site.db.scalars(
        select(Photo).where(Photo.visit_id == visit.id).order_by(Photo.id)))


def held(site: Site, visit: Visit, now: datetime | None = None) -> int:
    """Return how many photos the visit has sent or has on their way."""
    sent = site.db.scalar(select(func.count(Photo.id)).where(Photo.visit_id == visit.id)) or 0
    travelling = site.db.scalar(select(func.count(PartialUpload.id)).where(
        PartialUpload.visit_id == visit.id, PartialUpload.photo_id.is_(None),
        PartialUpload.refused.is_(None), PartialUpload.expires_at > (now or utcnow()))) or 0
    return sent + travelling


def has_room(site: Site, visit: Visit, adding: int = 1) -> bool:
    """Say whether the visit may take adding more photos."""
    return held(site, visit) + adding <= site.settings["MAX_FILES_PER_UPLOAD"]


def check_room(site: Site, visit: Visit, adding: int = 1) -> None:
    """Refuse when the visit already holds as many photos as one visit may send."""
    if not has_room(site, visit, adding):
        raise uploads.UploadRefused("visit_full", limit=site.settings["MAX_FILES_PER_UPLOAD"])


def photo(site: Site, visit: Visit, code: str) -> Photo | None:
    """Return the visit's photo with this code, or None."""
    normal = codes.normalise(code or "")
    if normal is None:
        return None
    return site.db.scalars(
        select(Photo).where(Photo.visit_id == visit.id, Photo.code == normal)).first()


def thumbnail(site: Site, visit: Visit, code: str) -> tuple[bytes, str] | None:
    """Return the thumbnail bytes and content type of one of the visit's photos, or None."""
    return withdrawals.thumbnail_of(site, photo(site, visit, code))


def withdraw(site: Site, visit: Visit, code: str) -> Photo | None:
    """Withdraw one photo of the visit at once; return it, or None if it is not the visit's."""
    found = photo(site, visit, code)
    if found is not None:
        withdrawals.withdraw(site, found)
    return found
