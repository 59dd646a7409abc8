"""Moderation: approve, reject, withdraw photos and edit their captions."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import codes, db
from ..models import City, Organiser, Photo, PhotoState, utcnow
from . import audit

MAX_CAPTION = 280
MAX_REASON = 280


class ModerationError(ValueError):
    """A photo cannot be changed as asked; the message says why."""


def find_photo(raw_code: str) -> Photo | None:
    """Return the photo with this code, typed in any case, or None."""
    code = codes.normalise(raw_code or "")
    if code is None:
        return None
    return db.session().scalars(select(Photo).where(Photo.code == code)).first()


def _reviewed(photo: Photo, by: Organiser | None) -> None:
    photo.reviewed_at = utcnow()
    photo.reviewed_by_id = by.id if by is not None else None


def approve(photo: Photo, by: Organiser | None = None) -> Photo:
    """Publish a pending or rejected photo."""
    if photo.state == PhotoState.WITHDRAWN:
        raise ModerationError(_("%(code)s was withdrawn and cannot be approved.",
                                code=photo.code))
    before = photo.state.value
    photo.state = PhotoState.APPROVED
    photo.reject_reason = None
    _reviewed(photo, by)
    audit.record("photo.approve", photo.code, {"from": before}, organiser=by)
    db.session().commit()
    return photo


def reject(photo: Photo, reason: str = "", by: Organiser | None = None) -> Photo:
    """Refuse a pending photo, or unpublish an approved one, with an optional reason."""
    if photo.state == PhotoState.WITHDRAWN:
        raise ModerationError(_("%(code)s was withdrawn and cannot be rejected.",
                                code=photo.code))
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise ModerationError(_("The reason is too long (at most %(count)d characters).",
                                count=MAX_REASON))
    before = photo.state.value
    photo.state = PhotoState.REJECTED
    photo.reject_reason = reason or None
    _reviewed(photo, by)
    audit.record("photo.reject", photo.code, {"from": before, "reason": reason}, organiser=by)
    db.session().commit()
    return photo


def withdraw(photo: Photo, by: Organiser | None = None) -> Photo:
    """Unpublish a photo for good; its code then answers 410."""
    if photo.state == PhotoState.WITHDRAWN:
        raise ModerationError(_("%(code)s is already withdrawn.", code=photo.code))
    photo.withdraw()
    _reviewed(photo, by)
    audit.record("photo.withdraw", photo.code, {"by": "organiser"}, organiser=by)
    db.session().commit()
    return photo


def edit_caption(photo: Photo, caption: str, by: Organiser | None = None) -> Photo:
    """Replace a photo's caption, keeping line breaks but trimming the ends."""
    text = "\n".join(" ".join(line.split()) for line in (caption or "").strip().splitlines())
    if len(text) > MAX_CAPTION:
        raise ModerationError(_("The caption is too long (at most %(count)d characters).",
                                count=MAX_CAPTION))
    if text != photo.caption:
        audit.record("photo.caption", photo.code, {"length": len(text)}, organiser=by)
    photo.caption = text
    db.session().commit()
    return photo


def edit_caption_translation(photo: Photo, translation: str,
                             by: Organiser | None = None) -> Photo:
    """Set the caption in the other language (empty removes it), trimmed like the caption."""
    text = "\n".join(" ".join(line.split())
                     for line in (translation or "").strip().splitlines())
    if len(text) > MAX_CAPTION:
        raise ModerationError(_("The translation is too long (at most %(count)d characters).",
                                count=MAX_CAPTION))
    if (text or None) != photo.caption_translation:
        audit.record("photo.caption", photo.code, {"translation": True, "length": len(text)},
                     organiser=by)
    photo.caption_translation = text or None
    db.session().commit()
    return photo


def counts() -> dict[PhotoState, int]:
    """Return how many photos are in each state."""
    found = dict(db.session().execute(
        select(Photo.state, func.count(Photo.id)).group_by(Photo.state)
    ).all())
    return {state: found.get(state, 0) for state in PhotoState}


def photos(
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
    session = db.session()
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(
        query.options(selectinload(Photo.files), selectinload(Photo.city),
                      selectinload(Photo.group))
        .order_by(Photo.created_at, Photo.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return page, total
