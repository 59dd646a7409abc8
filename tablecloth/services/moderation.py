"""Moderation: approve, reject, withdraw photos and edit their captions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import codes
from ..errors import Refusal
from ..models import City, Organiser, Photo, PhotoState, StoredFile
from . import audit, photo_states
from .site import Site

MAX_CAPTION = 280
MAX_REASON = 280
SERVED_KINDS = ("thumb", "web")  # what organisers may see; the master never leaves storage


class ModerationError(Refusal):
    """A photo cannot be changed as asked (messages._PEOPLE)."""


def find_photo(site: Site, raw_code: str) -> Photo | None:
    """Return the photo with this code, typed in any case, or None."""
    code = codes.normalise(raw_code or "")
    if code is None:
        return None
    return site.db.scalars(select(Photo).where(Photo.code == code)).first()


def file_for_organisers(site: Site, raw_code: str, kind: str) -> StoredFile | None:
    """Return a photo's thumbnail or web copy whatever its state; never its master."""
    if kind not in SERVED_KINDS:
        return None
    photo = find_photo(site, raw_code)
    return photo.file(kind) if photo is not None else None


def approve(site: Site, photo: Photo, by: Organiser | None = None) -> Photo:
    """Publish a pending or rejected photo (an approved one stays as it is)."""
    if not photo_states.change(site, photo, "approve", by=by) and (
            photo.state == PhotoState.WITHDRAWN):
        raise ModerationError("approve_withdrawn", code=photo.code)
    return photo


def reject(site: Site, photo: Photo, reason: str = "", by: Organiser | None = None) -> Photo:
    """Refuse a pending photo, or unpublish an approved one, with an optional reason."""
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise ModerationError("reject_reason_too_long", count=MAX_REASON)
    if not photo_states.change(site, photo, "reject", by=by, reason=reason) and (
            photo.state == PhotoState.WITHDRAWN):
        raise ModerationError("reject_withdrawn", code=photo.code)
    return photo


def withdraw(site: Site, photo: Photo, by: Organiser | None = None) -> Photo:
    """Unpublish a photo for good; its code then answers 410."""
    if not photo_states.change(site, photo, "withdraw", by=by, who="organiser"):
        raise ModerationError("already_withdrawn", code=photo.code)
    return photo


def _trimmed_lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in (text or "").strip().splitlines())


def edit_caption(site: Site, photo: Photo, caption: str, by: Organiser | None = None) -> Photo:
    """Replace a photo's caption, keeping line breaks but trimming the ends."""
    text = _trimmed_lines(caption)
    if len(text) > MAX_CAPTION:
        raise ModerationError("edited_caption_too_long", count=MAX_CAPTION)
    if text != photo.caption:
        audit.record(site, "photo.caption", photo.code, {"length": len(text)}, organiser=by)
    photo.caption = text
    site.db.commit()
    return photo


def edit_caption_translation(site: Site, photo: Photo, translation: str,
                             by: Organiser | None = None) -> Photo:
    """Set the caption in the other language (empty removes it), trimmed like the caption."""
    text = _trimmed_lines(translation)
    if len(text) > MAX_CAPTION:
        raise ModerationError("translation_too_long", count=MAX_CAPTION)
    if (text or None) != photo.caption_translation:
        audit.record(site, "photo.caption", photo.code,
                     {"translation": True, "length": len(text)}, organiser=by)
    photo.caption_translation = text or None
    site.db.commit()
    return photo


def counts(site: Site) -> dict[PhotoState, int]:
    """Return how many photos are in each state."""
    found = dict(site.db.execute(
        select(Photo.state, func.count(Photo.id)).group_by(Photo.state)
    ).all())
    return {state: found.get(state, 0) for state in PhotoState}


def photos(
    site: Site,
    state: PhotoState | None = PhotoState.PENDING,
    city: City | None = None,
    limit: int = 60,
    offset: int = 0,
) -> tuple[Sequence[Photo], int]:
    """Return one page of photos in a state (oldest first) and how many there are in all."""
    query = select(Photo)
    if state is not None:
        query = query.where(Photo.state == state)
    if city is not None:
        query = query.where(Photo.city_id == city.id)
    total = site.db.scalar(select(func.count()).select_from(query.subquery()))
    page = site.db.scalars(
        query.options(selectinload(Photo.files), selectinload(Photo.city),
                      selectinload(Photo.group))
        .order_by(Photo.created_at, Photo.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return page, total
