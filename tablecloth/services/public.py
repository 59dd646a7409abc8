"""What a printed code shows a viewer: the public photo behind it, or why there is none.

- approved and not hidden: PUBLIC, the photo and its web copy and thumbnail;
- pending, rejected, unknown, malformed: UNKNOWN, so a code reveals nothing, not even that
  someone uploaded something under it;
- withdrawn by its author: WITHDRAWN (the cloth still carries the code);
- hidden by an organiser after a report: HIDDEN.
"""

from __future__ import annotations

from sqlalchemy import Row, bindparam, exists, or_, select
from sqlalchemy.orm import joinedload, with_expression

from ..codes import normalise
from ..models import Group, Photo, PhotoState, StoredFile, UTCDateTime, utcnow
from .site import Site

PUBLIC, UNKNOWN, WITHDRAWN, HIDDEN = "public", "unknown", "withdrawn", "hidden"
# Only these renditions are ever public; the master never is.
PUBLIC_KINDS = ("web", "thumb")

# Whether participants can send photos now (any group's invite code works), asked in the
# same query as the photo, so that its page can invite the viewer to take part.
UPLOADS_OPEN = exists().where(
    Group.active.is_(True),
    or_(Group.expires_at.is_(None), Group.expires_at > bindparam("now", type_=UTCDateTime())),
)
# Built once: every scan of a printed code runs these, and building a statement with its
# loader options costs more than SQLAlchemy's cached compilation of it.
PHOTO_QUERY = (
    select(Photo)
    .options(joinedload(Photo.city), joinedload(Photo.files),
             with_expression(Photo.uploads_open, UPLOADS_OPEN))
    .where(Photo.code == bindparam("code"))
)
IMAGE_QUERY = (
    select(Photo.state, Photo.hidden_at, StoredFile.key, StoredFile.sha256, StoredFile.size,
           StoredFile.content_type)
    .join(StoredFile, StoredFile.photo_id == Photo.id)
    .where(Photo.code == bindparam("code"), StoredFile.kind == bindparam("kind"))
)


def standing(photo: Photo | Row | None) -> str:
    """Return what the photo's code shows: PUBLIC, UNKNOWN, WITHDRAWN or HIDDEN."""
    if photo is None or photo.state in (PhotoState.PENDING, PhotoState.REJECTED):
        return UNKNOWN
    if photo.state == PhotoState.WITHDRAWN:
        return WITHDRAWN
    return HIDDEN if photo.hidden_at is not None else PUBLIC


def photo(site: Site, raw_code: str) -> tuple[str, Photo | None]:
    """Return what a code (any case) shows, with its photo if PUBLIC.

    The photo comes with its city and files loaded and ``uploads_open`` filled in.
    """
    code = normalise(raw_code)
    if code is None:
        return UNKNOWN, None
    found = site.db.scalars(PHOTO_QUERY, {"code": code, "now": utcnow()}).unique().first()
    shown = standing(found)
    return shown, found if shown == PUBLIC else None


def image(site: Site, raw_code: str, kind: str) -> tuple[str, Row | None]:
    """Return what a code shows, with the stored file of a public image of it if PUBLIC.

    The row carries the file's key, sha256, size and content_type.
    """
    code = normalise(raw_code)
    if code is None or kind not in PUBLIC_KINDS:
        return UNKNOWN, None
    row = site.db.execute(IMAGE_QUERY, {"code": code, "kind": kind}).first()
    shown = standing(row)
    return shown, row if shown == PUBLIC else None
