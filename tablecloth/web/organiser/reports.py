"""Organiser pages for viewers' reports: hide a photo, dismiss a report, restore a photo."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ... import context
from ...services import moderation, reports
from ..messages import labels
from .auth import login_required
from .blueprint import bp
from .common import or_404


@bp.get("/reports")
@login_required
def reports_queue():
    """List open reports with their photos, and the photos hidden so far."""
    site = context.site()
    return render_template("organiser/reports.html", reports=reports.open_reports(site),
                           hidden=reports.hidden_photos(site), reasons=labels(reports.REASONS))


@bp.post("/photos/<code>/hide")
@login_required
def hide_photo(code: str):
    """Take a photo off the public site at once."""
    site = context.site()
    photo = reports.hide(site, or_404(moderation.find_photo(site, code)), by=g.organiser)
    flash(_("%(code)s is hidden: its code now shows the kind page.", code=photo.code), "info")
    return redirect(url_for("organiser.reports_queue"))


@bp.post("/photos/<code>/restore")
@login_required
def restore_photo(code: str):
    """Show a hidden photo again."""
    site = context.site()
    photo = reports.restore(site, or_404(moderation.find_photo(site, code)), by=g.organiser)
    flash(_("%(code)s is shown again.", code=photo.code), "info")
    return redirect(url_for("organiser.reports_queue"))


@bp.post("/reports/<int:report_id>/dismiss")
@login_required
def dismiss_report(report_id: int):
    """Close a report and leave its photo as it is."""
    or_404(reports.dismiss(context.site(), report_id, by=g.organiser))
    flash(_("Report dismissed; the photo stays as it was."), "info")
    return redirect(url_for("organiser.reports_queue"))
