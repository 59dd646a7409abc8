"""Retention: delete the files of photos withdrawn or rejected long ago, keep their codes.

The Photo row stays forever, so its code is never reused and a withdrawn code keeps
answering 410; only the stored images (master, web copy, thumbnail) and their rows go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ..models import Photo, PhotoState, utcnow
from .site import Site


@dataclass
class Purged:
    """One photo whose files were (or, in a dry run, would be) deleted."""

    code: str
    state: str
    since: datetime
    keys: list[str] = field(default_factory=list)
    size: int = 0


def due(site: Site, days: int, now: datetime | None = None) -> list[Photo]:
    """Return photos withdrawn or rejected more than days ago that still have files."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return list(site.db.scalars(
        select(Photo).where(or_(
            and_(Photo.state == PhotoState.WITHDRAWN, Photo.withdrawn_at < cutoff),
            and_(Photo.state == PhotoState.REJECTED, Photo.reviewed_at < cutoff),
        ), Photo.files.any())
        .options(selectinload(Photo.files)).order_by(Photo.id)
    ))


def purge(site: Site, days: int, dry_run: bool = False,
          now: datetime | None = None) -> list[Purged]:
    """Delete the stored files of every photo due; return what was (or would be) purged."""
    done = []
    for photo in due(site, days, now):
        since = photo.withdrawn_at if photo.state == PhotoState.WITHDRAWN else photo.reviewed_at
        entry = Purged(photo.code, photo.state.value, since,
                       sorted(f.key for f in photo.files), sum(f.size for f in photo.files))
        done.append(entry)
        if dry_run:
            continue
        for stored in list(photo.files):
            site.store.delete(stored.key)
            photo.files.remove(stored)  # delete-orphan removes the row
        # One commit per photo: an interruption leaves every photo either whole or purged.
        site.db.commit()
    return done
