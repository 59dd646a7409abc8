"""Organiser pages: export the cloth to print files in the background, its progress and files."""

from __future__ import annotations

import threading

from flask import (
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from ... import context
from ...errors import Refusal
from ...services.cloth import BaseUrlRefused, design, editions, exports, preflight
from ...services.cloth.base_url import plain_reason
from ..messages import say, say_refusal
from . import export_words
from .auth import login_required
from .blueprint import bp
from .cloth import base_url_problem
from .common import or_404


@bp.post("/cloth/export")
@login_required
def cloth_export():
    """Start an export in the background and show its progress."""
    site = context.site()
    current = editions.current_cloth(site)
    printer = design.printer_of(current)
    formats = request.form.getlist("format") or ([] if printer else ["pdf"])
    try:
        export = exports.new_export(site, current, formats,
                                    ppi=request.form.get("ppi") or None,
                                    draft=request.form.get("draft") == "on", by=g.organiser,
                                    printer=printer)
    except BaseUrlRefused as refused:
        flash(say(plain_reason(refused), refused.detail), "error")
        return redirect(url_for("organiser.cloth") + "#export")
    except Refusal as refusal:
        flash(say_refusal(refusal), "error")
        return redirect(url_for("organiser.cloth") + "#export")
    start_export(export.id)
    return redirect(url_for("organiser.cloth_export_page", export_id=export.id))


def start_export(export_id: int) -> threading.Thread:
    """Run an export in a thread of its own that outlives the request that asked for it."""
    app = current_app._get_current_object()
    thread = threading.Thread(target=_export_in_background, args=(app, export_id),
                              name=f"export-{export_id}")
    thread.start()
    return thread


def _export_in_background(app: Flask, export_id: int) -> None:
    with context.site_for(app) as site:
        export = exports.export_by_id(site, export_id)
        if export is not None:
            exports.run_export(site, export)


def _export_or_404(export_id: int):
    return or_404(exports.export_by_id(context.site(), export_id))


@bp.get("/cloth/exports/<int:export_id>")
@login_required
def cloth_export_page(export_id: int):
    """Show an export's progress, then its files and preflight report."""
    export = _export_or_404(export_id)
    results = preflight.results(export)
    return render_template(
        "organiser/cloth_export.html", export=export, status=_status(export),
        results=results, failures=[(r, f) for r in results for f in r.failures],
        warnings=export_words.warning_lines(export), files=preflight.files(export),
        words=export_words, base_url_problem=base_url_problem() if export.draft else None)


def _status(export) -> dict:
    files = [
        {**{k: entry.get(k) for k in ("format", "name", "size", "sha256", "preflight_ok")},
         # A piece (a panel, a length) by its file name; a format's one file by the format.
         "url": url_for("organiser.cloth_export_file", export_id=export.id,
                        fmt=entry["name"] if entry.get("options") else entry["format"]),
         "size_words": export_words.file_size(entry.get("size"))}
        for entry in export.files or []
    ]
    return {
        "id": export.id,
        "edition": export.cloth.edition,
        "status": export.status,
        "progress": round(float(export.progress or 0.0), 4),
        "message": export_words.status_message(export),
        "draft": export.draft,
        "files": files,
        "finished": export.status in ("done", "failed"),
        "ok": export.status == "done",
        "summary": (export_words.summary(export)
                    if export.status in ("done", "failed") else ""),
        "report_url": url_for("organiser.cloth_export_report", export_id=export.id),
    }


@bp.get("/cloth/exports/<int:export_id>/status")
@login_required
def cloth_export_status(export_id: int):
    """Return an export's progress as JSON, for the progress page to poll."""
    export = _export_or_404(export_id)
    context.site().db.refresh(export)
    response = jsonify(_status(export))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cloth/exports/<int:export_id>/report.json")
@login_required
def cloth_export_report(export_id: int):
    """Return an export's full preflight report."""
    export = _export_or_404(export_id)
    return jsonify({"export": export.id, "status": export.status, "message": export.message,
                    "files": export.files, **(export.report or {})})


@bp.get("/cloth/exports/<int:export_id>/files/<fmt>")
@login_required
def cloth_export_file(export_id: int, fmt: str):
    """Send one exported file from storage; ?view=1 opens a PDF in the browser instead."""
    export = _export_or_404(export_id)
    entry, stream, content_type = or_404(exports.open_file(context.site(), export, fmt))
    view = request.args.get("view") == "1" and content_type == "application/pdf"
    response = send_file(stream, mimetype=content_type, as_attachment=not view,
                         download_name=entry["name"], etag=entry["sha256"])
    response.headers["Cache-Control"] = "private, no-cache"
    return response
