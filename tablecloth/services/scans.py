"""Count views of each public photo per day: a number per photo and day, nothing else.

No address, device or time of day is stored, so the counts say how much the cloth is
scanned without saying anything about who scanned it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from .. import db
from ..models import Photo, PhotoScan, utcnow

UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class _Buffer:
    """Views counted in this process and not yet written, per (photo id, day)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: Counter[tuple[int, date]] = Counter()
        self.since = time.monotonic()


def _buffer() -> _Buffer:
    return current_app.extensions.setdefault("tablecloth.scans", _Buffer())


def count(photo_id: int, day: date | None = None) -> None:
    """Add one view of the photo today; written with the others every SCAN_FLUSH_SECONDS."""
    buffer = _buffer()
    with buffer.lock:
        buffer.views[(photo_id, day or utcnow().date())] += 1
        due = time.monotonic() - buffer.since >= current_app.config["SCAN_FLUSH_SECONDS"]
    # A write per view would serialise every page on the database's write lock; one
    # transaction every few seconds costs the same whatever the traffic.
    if due:
        flush()


def flush() -> None:
    """Write this process's counted views in one transaction."""
    buffer = _buffer()
    with buffer.lock:
        views, buffer.views = buffer.views, Counter()
        buffer.since = time.monotonic()
    if not views:
        return
    session = db.session()
    insert = UPSERTS.get(session.get_bind().dialect.name)
    try:
        for (photo_id, day), n in sorted(views.items()):
            if insert is not None:
                statement = insert(PhotoScan).values(photo_id=photo_id, day=day, count=n)
                session.execute(statement.on_conflict_do_update(
                    index_elements=[PhotoScan.photo_id, PhotoScan.day],
                    set_={"count": PhotoScan.count + n}))
            else:
                _update_or_insert(photo_id, day, n)
        session.commit()
    except Exception:
        # A count is never worth a failed page: these views are given up.
        session.rollback()


def _update_or_insert(photo_id: int, day: date, n: int) -> None:
    session = db.session()
    bump = (update(PhotoScan).where(PhotoScan.photo_id == photo_id, PhotoScan.day == day)
            .values(count=PhotoScan.count + n))
    if session.execute(bump).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(PhotoScan(photo_id=photo_id, day=day, count=n))
    except IntegrityError:
        session.execute(bump)  # another request inserted the row first


def total() -> int:
    """Return every view ever counted."""
    flush()
    return db.session().scalar(select(func.coalesce(func.sum(PhotoScan.count), 0))) or 0


def top(days: int = 30, limit: int = 10) -> list[tuple[Photo, int]]:
    """Return the most viewed photos of the last days, with their views."""
    flush()
    since = utcnow().date() - timedelta(days=days - 1)
    views = func.sum(PhotoScan.count).label("views")
    rows = db.session().execute(
        select(PhotoScan.photo_id, views).where(PhotoScan.day >= since)
        .group_by(PhotoScan.photo_id).order_by(views.desc(), PhotoScan.photo_id).limit(limit)
    ).all()
    photos = {p.id: p for p in db.session().scalars(
        select(Photo).where(Photo.id.in_([r.photo_id for r in rows])))}
    return [(photos[r.photo_id], int(r.views)) for r in rows]


def views_of(photo_id: int) -> int:
    """Return every view of one photo."""
    flush()
    return db.session().scalar(select(func.coalesce(func.sum(PhotoScan.count), 0))
                               .where(PhotoScan.photo_id == photo_id)) or 0
