"""Viewers' reports about public photos, and hiding or restoring a photo after one.

A report hides nothing by itself: it waits in a queue until an organiser hides the photo or
dismisses the report. Nothing about the person reporting is stored, not even an address.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from .. import db
from ..models import Organiser, Photo, PhotoReport, PhotoState, utcnow
from . import audit

MAX_TEXT = 500
REASONS = {
    "permission": _l("It shows me or someone I know without permission"),
    "unkind": _l("It is unkind or harmful"),
    "personal": _l("It shows personal information"),
    "other": _l("Something else"),
}
HIDDEN, DISMISSED = "hidden", "dismissed"


class ReportError(ValueError):
    """A report cannot be taken as given; the message says why."""


def _audit(action: str, photo: Photo, by: Organiser | None, detail: dict | None = None) -> None:
    audit.record(action, photo.code, detail, organiser=by)


def is_public(photo: Photo) -> bool:
    """Say whether the photo may be shown to anyone."""
    return photo.state == PhotoState.APPROVED and photo.hidden_at is None


def report(photo: Photo, reason: str, text: str = "") -> PhotoReport:
    """Put a viewer's report about a public photo in the organisers' queue."""
    if reason not in REASONS:
        raise ReportError("unknown reason")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ReportError("text too long")
    entry = PhotoReport(photo_id=photo.id, reason=reason, text=text)
    session = db.session()
    session.add(entry)
    session.commit()
    return entry


def open_reports() -> Sequence[PhotoReport]:
    """Return the reports no organiser has acted on yet, oldest first."""
    return db.session().scalars(
        select(PhotoReport).where(PhotoReport.resolved_at.is_(None))
        .options(selectinload(PhotoReport.photo).selectinload(Photo.files))
        .order_by(PhotoReport.created_at, PhotoReport.id)
    ).all()


def open_count() -> int:
    """Return how many reports wait for an organiser."""
    return db.session().scalar(
        select(func.count(PhotoReport.id)).where(PhotoReport.resolved_at.is_(None))) or 0


def hidden_photos() -> Sequence[Photo]:
    """Return the photos organisers have hidden, most recently hidden first."""
    return db.session().scalars(
        select(Photo).where(Photo.hidden_at.is_not(None))
        .options(selectinload(Photo.files), selectinload(Photo.city))
        .order_by(Photo.hidden_at.desc(), Photo.id)
    ).all()


def _resolve(photo_id: int, resolution: str, by: Organiser | None,
             report_id: int | None = None) -> None:
    query = update(PhotoReport).where(PhotoReport.resolved_at.is_(None))
    query = query.where(PhotoReport.id == report_id) if report_id is not None else query.where(
        PhotoReport.photo_id == photo_id)
    db.session().execute(query.values(resolved_at=utcnow(), resolution=resolution,
                                      resolved_by_id=by.id if by is not None else None))


def hide(photo: Photo, by: Organiser | None = None) -> Photo:
    """Take a photo off the public site at once and close its open reports."""
    if photo.hidden_at is None:
        photo.hidden_at = utcnow()
        _audit("photo.hide", photo, by)
    _resolve(photo.id, HIDDEN, by)
    db.session().commit()
    return photo


def restore(photo: Photo, by: Organiser | None = None) -> Photo:
    """Show a hidden photo again (if it is still approved)."""
    if photo.hidden_at is not None:
        photo.hidden_at = None
        _audit("photo.restore", photo, by)
        db.session().commit()
    return photo


def dismiss(report_id: int, by: Organiser | None = None) -> PhotoReport | None:
    """Close one report without hiding its photo; return it, or None if unknown."""
    entry = db.session().get(PhotoReport, report_id)
    if entry is None:
        return None
    if entry.resolved_at is None:
        _resolve(entry.photo_id, DISMISSED, by, report_id=entry.id)
        _audit("photo.report_dismissed", entry.photo, by, {"reason": entry.reason})
        db.session().commit()
    return entry
