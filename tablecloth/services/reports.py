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
from . import audit, photo_states
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
             report_id: int | None = None) -> int:
    """Close open reports (one, or all of a photo's); return how many this call closed."""
    query = update(PhotoReport).where(PhotoReport.resolved_at.is_(None))
    query = query.where(PhotoReport.id == report_id) if report_id is not None else query.where(
        PhotoReport.photo_id == photo_id)
    return site.db.execute(query.values(
        resolved_at=utcnow(), resolution=resolution,
        resolved_by_id=by.id if by is not None else None,
    ).execution_options(synchronize_session=False)).rowcount


def hide(site: Site, photo: Photo, by: Organiser | None = None) -> Photo:
    """Take a photo off the public site at once and close its open reports."""
    photo_states.change(site, photo, "hide", by=by, commit=False)
    _resolve(site, photo.id, HIDDEN, by)
    site.db.commit()
    site.db.refresh(photo)
    return photo


def restore(site: Site, photo: Photo, by: Organiser | None = None) -> Photo:
    """Show a hidden photo again (a withdrawn photo stays withdrawn)."""
    photo_states.change(site, photo, "restore", by=by)
    return photo


def dismiss(site: Site, report_id: int, by: Organiser | None = None) -> PhotoReport | None:
    """Close one report without hiding its photo; return it, or None if unknown."""
    entry = site.db.get(PhotoReport, report_id)
    if entry is None:
        return None
    # Closed only if still open, so two organisers dismissing at once log it once.
    if _resolve(site, entry.photo_id, DISMISSED, by, report_id=entry.id) == 1:
        _audit(site, "photo.report_dismissed", entry.photo, by, {"reason": entry.reason})
    site.db.commit()
    site.db.refresh(entry)
    return entry
