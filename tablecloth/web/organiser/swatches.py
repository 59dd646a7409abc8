"""Organiser pages for the test swatch: make one, download its files."""

from __future__ import annotations

from flask import flash, g, redirect, request, send_file, url_for
from flask_babel import gettext

from ... import context
from ...errors import Refusal
from ...services.cloth import editions, swatches
from ..messages import say_refusal
from .auth import login_required
from .blueprint import bp
from .common import or_404


@bp.post("/cloth/swatch")
@login_required
def cloth_swatch():
    """Make a test swatch of the cloth in progress, and check every code on it."""
    site = context.site()
    try:
        swatch = swatches.create_swatch(site, editions.current_cloth(site),
                                        note=request.form.get("note", ""),
                                        draft=request.form.get("draft") == "on", by=g.organiser)
    except Refusal as refusal:
        flash(say_refusal(refusal), "error")
    else:
        flash(gettext("Test swatch %(n)d is ready: every code on it decodes. Download it below "
                      "and send it to your printer with the cloth's fabric.", n=swatch.id), "ok")
    return redirect(url_for("organiser.cloth") + "#swatch")


@bp.get("/cloth/swatches/<int:swatch_id>/files/<name>")
@login_required
def cloth_swatch_file(swatch_id: int, name: str):
    """Send one file of a test swatch."""
    entry, stream = or_404(swatches.open_file(context.site(), swatch_id, name))
    response = send_file(stream, mimetype="application/pdf" if entry["format"] == "pdf"
                         else "image/png", as_attachment=True, download_name=entry["name"],
                         etag=entry["sha256"])
    response.headers["Cache-Control"] = "private, no-cache"
    return response
