"""The small square tile of each public photo that /cloth's zoomable view draws.

A tile is TILE_PX wide (the view shows a square at most about that size before it opens the
photo page), cut from the thumbnail, about 3 KB: a 900-photo cloth costs well under 2 MB on
first view. New photos get theirs at upload; an older photo's is made the first time it is
asked for, then stored. Tiles are served like the other public renditions: by content-hashed
URL, cached for good, and 410 once the photo is withdrawn or hidden; never while pending.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from .. import images
from ..codes import normalise
from ..models import StoredFile
from . import public
from .site import Site

log = logging.getLogger(__name__)

KIND = "tile"
TILE_PX = 112


def key_of(code: str) -> str:
    """Return the storage key of a photo's tile."""
    return f"photos/{code}/{KIND}.jpg"


def make(thumb: bytes) -> images.Derivative:
    """Return the tile of a photo from its thumbnail's bytes."""
    return images.tile(thumb, TILE_PX)


def ensure(site: Site, raw_code: str) -> str:
    """Make and store the tile of a public photo that has none; return what the code shows.

    Nothing is made for a code that is not PUBLIC. A tile changes nothing a page shows, so
    its row is added without the photo's relationship loaded: the version hooks leave the
    photo's and cloths' versions alone (tablecloth.versions), and no page is rendered again.
    """
    code = normalise(raw_code)
    shown, photo = public.photo(site, code or "")
    if photo is None or photo.file(KIND) is not None:
        return shown
    thumb = photo.file("thumb")
    if thumb is None:
        return public.UNKNOWN
    try:
        made = make(site.store.get(thumb.key))
    except (FileNotFoundError, images.ImageError, OSError):
        # The thumbnail is lost or damaged (tablecloth check --repair remakes it): no tile
        # for now, a 404 the view draws as a plain square, never a 500.
        log.warning("no tile for %s: its thumbnail %s cannot be read", photo.code, thumb.key)
        return public.UNKNOWN
    key = key_of(photo.code)
    site.store.put(key, made.data, made.content_type)
    photo_id = photo.id
    site.db.expunge(photo)  # keep the relationship unloaded for the new row (see above)
    try:
        site.db.add(StoredFile(photo_id=photo_id, kind=KIND, key=key, sha256=made.sha256,
                               size=len(made.data), content_type=made.content_type,
                               width=made.width, height=made.height))
        site.db.commit()
    except IntegrityError:
        site.db.rollback()  # another request made it a moment before: same bytes, same key
    return shown

