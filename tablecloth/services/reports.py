"""Viewers' reports about public photos, and hiding or restoring a photo after one.

A report hides nothing by itself: it waits in a queue until an organiser hides the photo or
dismisses the report. Nothing about the person reporting is stored, not even an address.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..errors import Refusal
from ..messages import N_
from ..models import Organiser, Photo, PhotoReport, utcnow
from . import audit
from .site import Site

MAX_TEXT = 500
# What a viewer can say is wrong, with its label in English (translated by the web).
REASONS = {
    "permission": N_("It shows me or someone I know without permission"),
    "unkind": N_("It is unkind or harmful"),
    "personal": N_("It shows personal information"),
    "other": N_("Something else"),
}
HIDDEN, DISMISSED = "hidden", "dismissed"


class ReportError(Refusal):
    """A report cannot be taken as given (messages._PEOPLE)."""


def _audit(site: Site, action: str, photo: Photo, by: Organiser | None,
           detail: dict | None = None) -> None:
    audit.record(site, action, photo.code, detail, organiser=by)


def check_report(reason: str, text: str = "") -> str:
    """Return the report's text trimmed; refuse an unknown reason or too long a text."""
    if reason not in REASONS:
        raise ReportError("report_reason_missing")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ReportError("report_too_long", count=MAX_TEXT)
    return text


def report(site: Site, photo: Photo, reason: str, text: str = "") -> PhotoReport:
    """Put a viewer's report about a public photo in the organisers' queue."""
    text = check_report(reason, text)
    entry = PhotoReport(photo_id=photo.id, reason=reason, text=text)
    site.db.add(entry)
    site.db.commit()
    return entry


def open_reports(site: Site) -> Sequence[PhotoReport]:
    """Return the reports no organiser has acted on yet, oldest first."""
    return site.db.scalars(
        select(PhotoReport).where(PhotoReport.resolved_at.is_(None))
        .options(selectinload(PhotoReport.photo).selectinload(Photo.files))
        .order_by(PhotoReport.created_at, PhotoReport.id)
    ).all()


def open_count(site: Site) -> int:
    """Return how many reports wait for an organiser."""
    return site.db.scalar(
        select(func.count(PhotoReport.id)).where(PhotoReport.resolved_at.is_(None))) or 0


def hidden_photos(site: Site) -> Sequence[Photo]:
    """Return the photos organisers have hidden, most recently hidden first."""
    return site.db.scalars(
        select(Photo).where(Photo.hidden_at.is_not(None))
        .options(selectinload(Photo.files), selectinload(Photo.city))
        .order_by(Photo.hidden_at.desc(), Photo.id)
    ).all()


def _resolve(site: Site, photo_id: int, resolution: str, by: Organiser | None,
             report_id: int | None = None) -> None:
    query = update(PhotoReport).where(PhotoReport.resolved_at.is_(None))
    query = query.where(PhotoReport.id == report_id) if report_id is not None else query.where(
        PhotoReport.photo_id == photo_id)
    site.db.execute(query.values(resolved_at=utcnow(), resolution=resolution,
                                 resolved_by_id=by.id if by is not None else None))


def hide(site: Site, photo: Photo, by: Organiser | None = None) -> Photo:
    """Take a photo off the public site at once and close its open reports."""
    if photo.hidden_at is None:
        photo.hidden_at = utcnow()
        _audit(site, "photo.hide", photo, by)
    _resolve(site, photo.id, HIDDEN, by)
    site.db.commit()
    return photo


def restore(site: Site, photo: Photo, by: Organiser | None = None) -> Photo:
    """Show a hidden photo again (if it is still approved)."""
    if photo.hidden_at is not None:
        photo.hidden_at = None
        _audit(site, "photo.restore", photo, by)
        site.db.commit()
    return photo


def dismiss(site: Site, report_id: int, by: Organiser | None = None) -> PhotoReport | None:
    """Close one report without hiding its photo; return it, or None if unknown."""
    entry = site.db.get(PhotoReport, report_id)
    if entry is None:
        return None
    if entry.resolved_at is None:
        _resolve(site, entry.photo_id, DISMISSED, by, report_id=entry.id)
        _audit(site, "photo.report_dismissed", entry.photo, by, {"reason": entry.reason})
        site.db.commit()
    return entry
