"""Organiser pages for viewers' reports: hide a photo, dismiss a report, restore a photo."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ...services import moderation, reports
from . import bp
from .auth import login_required
from .common import or_404


@bp.get("/reports")
@login_required
def reports_queue():
    """List open reports with their photos, and the photos hidden so far."""
    return render_template("organiser/reports.html", reports=reports.open_reports(),
                           hidden=reports.hidden_photos(), reasons=reports.REASONS)


def _photo(code: str):
    return or_404(moderation.find_photo(code))


@bp.post("/photos/<code>/hide")
@login_required
def hide_photo(code: str):
    """Take a photo off the public site at once."""
    photo = reports.hide(_photo(code), by=g.organiser)
    flash(_("%(code)s is hidden: its code now shows the kind page.", code=photo.code), "info")
    return redirect(url_for("organiser.reports_queue"))


@bp.post("/photos/<code>/restore")
@login_required
def restore_photo(code: str):
    """Show a hidden photo again."""
    photo = reports.restore(_photo(code), by=g.organiser)
    flash(_("%(code)s is shown again.", code=photo.code), "info")
    return redirect(url_for("organiser.reports_queue"))


@bp.post("/reports/<int:report_id>/dismiss")
@login_required
def dismiss_report(report_id: int):
    """Close a report and leave its photo as it is."""
    if reports.dismiss(report_id, by=g.organiser) is None:
        abort(404)
    flash(_("Report dismissed; the photo stays as it was."), "info")
    return redirect(url_for("organiser.reports_queue"))
