"""Organiser download of the whole archive: the BagIt bag, zipped."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import current_app, send_file

from ... import context
from ...services import archive
from .auth import admin_required
from .blueprint import bp


@bp.get("/archive")
@admin_required
def archive_download():
    """Send the whole site as a zipped BagIt bag (admins only: it holds every master)."""
    folder = Path(tempfile.mkdtemp(prefix="tablecloth-archive-"))
    try:
        target, summary = archive.build_zip(context.site(), folder)
        # Opened before the folder goes: the open file outlives its name, so nothing is
        # left on disk whether the download finishes or the visitor goes away.
        stream = target.open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for problem in summary.problems:
        current_app.logger.warning("archive: %s", problem)
    response = send_file(stream, mimetype="application/zip", as_attachment=True,
                         download_name=target.name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Archive-Problems"] = str(len(summary.problems))
    return response
