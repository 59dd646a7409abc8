"""What a printed code shows a viewer: the public photo behind it, or why there is none.

- approved and not hidden: PUBLIC, the photo and its web copy and thumbnail;
- pending, rejected, unknown, malformed: UNKNOWN, so a code reveals nothing, not even that
  someone uploaded something under it;
- withdrawn by its author: WITHDRAWN (the cloth still carries the code);
- hidden by an organiser after a report: HIDDEN.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, with_expression

from ..codes import normalise
from ..models import City, Cloth, Group, Photo, PhotoState, StoredFile, UTCDateTime, utcnow
from .site import Site

PUBLIC, UNKNOWN, WITHDRAWN, HIDDEN = "public", "unknown", "withdrawn", "hidden"
# Only these renditions are ever public; the master never is. A tile is /cloth's small square.
PUBLIC_KINDS = ("web", "thumb", "tile")

# Whether participants can send photos now (any group's invite code works), asked in the
# same query as the photo, so that its page can invite the viewer to take part.
UPLOADS_OPEN = exists().where(
    Group.active.is_(True),
    or_(Group.expires_at.is_(None), Group.expires_at > bindparam("now", type_=UTCDateTime())),
)
# The cloth the public sees (services.cloth.editions.public_cloth: the newest frozen edition,
# else the newest), its id and version asked in the photo page's one query: the page says
# where its code is printed, which moves when other photos are approved.
# No LIMIT: a statement with no values of its own is one web/fast_pages.py runs as it is.
_PUBLIC_EDITION = func.coalesce(
    select(func.max(Cloth.edition)).where(Cloth.frozen_at.is_not(None)).scalar_subquery(),
    select(func.max(Cloth.edition)).scalar_subquery())
PUBLIC_CLOTH_ID = select(Cloth.id).where(Cloth.edition == _PUBLIC_EDITION).scalar_subquery()
PUBLIC_CLOTH_VERSION = (select(Cloth.version).where(Cloth.edition == _PUBLIC_EDITION)
                        .scalar_subquery())
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


_web, _thumb = aliased(StoredFile), aliased(StoredFile)
# What the photo page shows, as one flat row: one indexed lookup by code, two by (photo, kind).
# A page cache checks `version` before rendering; a miss renders from this same row.
PAGE_QUERY = (
    select(Photo.id, Photo.code, Photo.state, Photo.hidden_at, Photo.version, Photo.first_name,
           Photo.caption, Photo.caption_language, Photo.caption_translation,
           City.name_en, City.name_ru, City.home_language,
           _web.sha256.label("web_sha256"), _web.width.label("web_width"),
           _web.height.label("web_height"), _web.content_type.label("web_type"),
           _thumb.sha256.label("thumb_sha256"), _thumb.width.label("thumb_width"),
           _thumb.height.label("thumb_height"), _thumb.content_type.label("thumb_type"),
           UPLOADS_OPEN.label("uploads_open"), PUBLIC_CLOTH_ID.label("cloth_id"),
           PUBLIC_CLOTH_VERSION.label("cloth_version"))
    .join(City, City.id == Photo.city_id)
    .outerjoin(_web, and_(_web.photo_id == Photo.id, _web.kind == "web"))
    .outerjoin(_thumb, and_(_thumb.photo_id == Photo.id, _thumb.kind == "thumb"))
    .where(Photo.code == bindparam("code"))
)
# The photo page's fast path (web/fast_pages.py) runs these on the driver's own cursor:
# the page's state, version and whether uploads are open; an image's file and its photo's
# state; then, the file known, the state alone.
FAST_VERSION_QUERY = (select(Photo.id, Photo.state, Photo.hidden_at, Photo.version,
                             UPLOADS_OPEN.label("uploads_open"),
                             PUBLIC_CLOTH_ID.label("cloth_id"),
                             PUBLIC_CLOTH_VERSION.label("cloth_version"))
                      .where(Photo.code == bindparam("code")))
FAST_FILE_QUERY = (
    select(Photo.state, Photo.hidden_at, Photo.id, Photo.version, StoredFile.key,
           StoredFile.sha256, StoredFile.size)
    .join(StoredFile, StoredFile.photo_id == Photo.id)
    .where(Photo.code == bindparam("code"), StoredFile.kind == bindparam("kind"))
)
FAST_STATE_QUERY = (select(Photo.state, Photo.hidden_at, Photo.version)
               .where(Photo.id == bindparam("id")))
# Characters of the SHA-256 in an image's content-hashed URL: 64 bits, never a collision
# between two renditions of one photo.
DIGEST_CHARS = 16


@dataclass(frozen=True)
class PublicFile:
    """A public rendition of a photo: enough to link it and size it."""

    sha256: str
    width: int
    height: int
    content_type: str

    @property
    def digest(self) -> str:
        """Return the part of the SHA-256 that goes in the image's content-hashed URL."""
        return self.sha256[:DIGEST_CHARS]


@dataclass(frozen=True)
class PublicPhoto:
    """What the photo page shows of one public photo, read in one query."""

    id: int
    code: str
    version: int
    first_name: str
    caption: str
    caption_language: str
    caption_translation: str | None
    city_en: str
    city_ru: str
    city_home: str
    web: PublicFile | None
    thumb: PublicFile | None
    uploads_open: bool = False  # any group's invite code works now: the page says "take part"
    cloth_id: int | None = None  # the public cloth, and its version: where the code is printed
    cloth_version: int | None = None

    @property
    def cloth_key(self) -> tuple[int | None, int | None]:
        """Return what the page's place on the cloth depends on (part of its cache key)."""
        return self.cloth_id, self.cloth_version

    @property
    def city(self) -> City:
        """Return the city's names as a detached, unsaved City (made only to render a page)."""
        return City(name_en=self.city_en, name_ru=self.city_ru, home_language=self.city_home)


def _file(row: Row, kind: str) -> PublicFile | None:
    sha = getattr(row, f"{kind}_sha256")
    if sha is None:
        return None
    return PublicFile(sha, getattr(row, f"{kind}_width"), getattr(row, f"{kind}_height"),
                      getattr(row, f"{kind}_type"))


def page(site: Site, raw_code: str) -> tuple[str, PublicPhoto | None]:
    """Return what a code shows, with what its page needs if PUBLIC, in one query."""
    code = normalise(raw_code)
    if code is None:
        return UNKNOWN, None
    # Straight on a pooled connection, not through the Session: this runs for every scan of
    # every printed code, and the ORM session's bookkeeping (begin, result loading, close)
    # cost more than the query itself. A read of committed rows; nothing is written.
    with site.db.get_bind().connect() as connection:
        row = connection.execute(PAGE_QUERY, {"code": code, "now": utcnow()}).first()
    shown = standing(row)
    if shown != PUBLIC:
        return shown, None
    return shown, PublicPhoto(
        id=row.id, code=row.code, version=row.version, first_name=row.first_name,
        caption=row.caption or "", caption_language=row.caption_language,
        caption_translation=row.caption_translation, city_en=row.name_en,
        city_ru=row.name_ru, city_home=row.home_language,
        web=_file(row, "web"), thumb=_file(row, "thumb"), uploads_open=bool(row.uploads_open),
        cloth_id=row.cloth_id, cloth_version=row.cloth_version)


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
    with site.db.get_bind().connect() as connection:  # as page(): the hot path
        row = connection.execute(IMAGE_QUERY, {"code": code, "kind": kind}).first()
    shown = standing(row)
    return shown, row if shown == PUBLIC else None
