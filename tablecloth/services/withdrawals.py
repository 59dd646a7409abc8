"""A participant's private link: the photo behind it, withdrawing it, its thumbnail."""

from __future__ import annotations

from sqlalchemy import select

from .. import codes
from ..models import Photo
from . import photo_states
from .site import Site


def find_by_token(site: Site, token: str) -> Photo | None:
    """Return the photo whose private withdrawal token this is, or None."""
    if not token or len(token) > 128:
        return None
    return site.db.scalars(
        select(Photo).where(Photo.withdraw_token_hash == codes.hash_token(token))
    ).first()


def withdraw_by_token(site: Site, token: str) -> Photo | None:
    """Withdraw the photo behind a private link at once; return it, or None if unknown."""
    photo = find_by_token(site, token)
    if photo is not None:
        withdraw(site, photo)
    return photo


def withdraw(site: Site, photo: Photo) -> bool:
    """Withdraw a photo at once at its participant's request (a private link); return whether
    this call withdrew it (the state machine: a concurrent approve can never undo it)."""
    return photo_states.change(site, photo, "withdraw", who="participant")


def thumbnail(site: Site, token: str) -> tuple[bytes, str] | None:
    """Return the thumbnail bytes and content type of the photo behind a private link."""
    return thumbnail_of(site, find_by_token(site, token))


def thumbnail_of(site: Site, photo: Photo | None) -> tuple[bytes, str] | None:
    """Return a photo's thumbnail bytes and content type, or None when it has none."""
    stored = photo.file("thumb") if photo is not None else None
    if stored is None:
        return None
    try:
        return site.store.get(stored.key), stored.content_type
    except FileNotFoundError:
        return None
