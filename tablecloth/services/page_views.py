"""Count page views of each public photo per day: a number per photo and day, nothing else.

No address, device or time of day is stored, so the counts say how much the cloth is
scanned without saying anything about who scanned it. (The table keeps its first name,
photo_scans, and the model PhotoScan: one row is one photo's page views on one day.)
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..models import Photo, utcnow
from ..models import PhotoScan as PageViews
from .site import PerDatabase, Site

UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class _Buffer:
    """Views counted in this process and not yet written, per (photo id, day)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: Counter[tuple[int, date]] = Counter()
        self.since = time.monotonic()


# One buffer per database in this process.
_buffer = PerDatabase(_Buffer)


def count(site: Site, photo_id: int, day: date | None = None) -> None:
    """Add one page view of the photo today; written with others every SCAN_FLUSH_SECONDS."""
    buffer = _buffer(site)
    with buffer.lock:
        buffer.views[(photo_id, day or utcnow().date())] += 1
        due = time.monotonic() - buffer.since >= site.settings["SCAN_FLUSH_SECONDS"]
    # A write per view would serialise every page on the database's write lock; one
    # transaction every few seconds costs the same whatever the traffic.
    if due:
        flush(site)


def flush(site: Site) -> None:
    """Write this process's counted page views in one transaction."""
    buffer = _buffer(site)
    with buffer.lock:
        views, buffer.views = buffer.views, Counter()
        buffer.since = time.monotonic()
    if not views:
        return
    session = site.db
    insert = UPSERTS.get(session.get_bind().dialect.name)
    try:
        for (photo_id, day), n in sorted(views.items()):
            if insert is not None:
                statement = insert(PageViews).values(photo_id=photo_id, day=day, count=n)
                session.execute(statement.on_conflict_do_update(
                    index_elements=[PageViews.photo_id, PageViews.day],
                    set_={"count": PageViews.count + n}))
            else:
                _update_or_insert(site, photo_id, day, n)
        session.commit()
    except Exception:
        # A count is never worth a failed page: these views are given up.
        session.rollback()


def _update_or_insert(site: Site, photo_id: int, day: date, n: int) -> None:
    session = site.db
    bump = (update(PageViews).where(PageViews.photo_id == photo_id, PageViews.day == day)
            .values(count=PageViews.count + n))
    if session.execute(bump).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(PageViews(photo_id=photo_id, day=day, count=n))
    except IntegrityError:
        session.execute(bump)  # another request inserted the row first


def total(site: Site) -> int:
    """Return every page view ever counted."""
    flush(site)
    return site.db.scalar(select(func.coalesce(func.sum(PageViews.count), 0))) or 0


def most_viewed(site: Site, days: int = 30, limit: int = 10) -> list[tuple[Photo, int]]:
    """Return the most viewed photos of the last days, with their page views."""
    flush(site)
    since = utcnow().date() - timedelta(days=days - 1)
    views = func.sum(PageViews.count).label("views")
    rows = site.db.execute(
        select(PageViews.photo_id, views).where(PageViews.day >= since)
        .group_by(PageViews.photo_id).order_by(views.desc(), PageViews.photo_id).limit(limit)
    ).all()
    photos = {p.id: p for p in site.db.scalars(
        select(Photo).where(Photo.id.in_([r.photo_id for r in rows])))}
    return [(photos[r.photo_id], int(r.views)) for r in rows]


def views_of(site: Site, photo_id: int) -> int:
    """Return every page view of one photo."""
    flush(site)
    return site.db.scalar(select(func.coalesce(func.sum(PageViews.count), 0))
                          .where(PageViews.photo_id == photo_id)) or 0
