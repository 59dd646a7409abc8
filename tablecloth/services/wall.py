"""The live wall: the newest public photos for a projector at an event, and where to send more.

The wall asks again every few seconds; each answer is the whole short list, newest approval
first, so a photo withdrawn or hidden meanwhile simply drops out of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..models import Group, Photo, PhotoState
from .site import Site

WALL_SIZE = 30  # photos the wall takes turns showing


def recent_photos(site: Site, group: Group | None = None,
                  limit: int = WALL_SIZE) -> Sequence[Photo]:
    """Return the newest approved, shown photos (of one group when given), newest first."""
    approved_at = func.coalesce(Photo.reviewed_at, Photo.created_at)
    query = (select(Photo).options(selectinload(Photo.city))
             .where(Photo.state == PhotoState.APPROVED, Photo.hidden_at.is_(None)))
    if group is not None:
        query = query.where(Photo.group_id == group.id)
    return site.db.scalars(query.order_by(approved_at.desc(), Photo.id.desc())
                           .limit(limit)).all()

