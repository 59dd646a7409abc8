"""Organiser pages: design the cloth, preview it, export print files, freeze an edition."""

from __future__ import annotations

import dataclasses
import io

from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale, gettext, lazy_gettext

from ... import db
from ...context import store as storage
from ...services import cloth as service
from . import bp
from .auth import login_required
from .common import or_404

# (key, width_mm, height_mm, label): common tables and what fabric shops print.
PRESETS = (
    ("square-60in", 1800, 1800, lazy_gettext("Square table, 60 in (1800 × 1800 mm)")),
    ("square-1400", 1400, 1400, lazy_gettext("Small square (1400 × 1400 mm)")),
    ("round-1500", 1500, 1500, lazy_gettext("Round table, square cloth (1500 × 1500 mm)")),
    ("rect-1800x2400", 1800, 2400, lazy_gettext("Rectangular table (1800 × 2400 mm)")),
)

# Form fields of the designer: name in ClothSettings, and how to read it from the form.
NUMBER_FIELDS = ("width_mm", "height_mm", "module_mm", "roll_width_mm", "shrink_pct", "hem_mm",
                 "bleed_mm", "overlap_mm")
COLOUR_FIELDS = ("dark", "light")


def _number(name: str) -> float | None:
    raw = request.form.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise service.ClothError(
            gettext("“%(value)s” is not a number.", value=raw)) from None


def _settings_from_form() -> dict:
    known = service.settings_fields()
    values: dict = {}
    preset = request.form.get("preset", "custom")
    for key, width, height, _label in PRESETS:
        if key == preset:
            values["width_mm"], values["height_mm"] = float(width), float(height)
    for name in NUMBER_FIELDS:
        if name in values or name not in known:
            continue
        number = _number(name)
        if number is not None:
            values[name] = number
    for name in COLOUR_FIELDS:
        if name in known and request.form.get(name):
            values[name] = request.form[name].strip().lower()
    for name in ("title", "subtitle"):
        if name in known and name in request.form:
            values[name] = request.form[name].strip()
    if "labels" in known:
        values["labels"] = request.form.get("labels") == "on"
    return values


def _preset_of(settings) -> str:
    for key, width, height, _label in PRESETS:
        if (settings.width_mm, settings.height_mm) == (width, height):
            return key
    return "custom"


def _thumb_url(code: str) -> str:
    # The moderation pages' organiser-only image route (any state, never cached publicly).
    return url_for("organiser.photo_file", code=code, kind="thumb")


def _chosen_cloth():
    """Return the edition named by ?edition=, else the one being designed."""
    wanted = request.args.get("edition", type=int)
    if wanted is not None:
        found = service.edition(wanted)
        if found is None:
            abort(404)
        return found
    return service.current_cloth()


@bp.get("/cloth")
@login_required
def cloth():
    """Show the cloth designer: settings, photo order, preview, export and freeze."""
    current = _chosen_cloth()
    settings = service.settings_of(current)
    photos = service.selection(current)
    fits = service.capacity(settings)
    layout_error = None
    try:
        if photos:
            service.build_plan(current, settings=settings)
    except service.ClothError as exc:
        layout_error = str(exc)
    warnings = service.check_settings(dataclasses.asdict(settings)) if not layout_error else []
    return render_template(
        "organiser/cloth.html",
        cloth=current,
        settings=settings,
        presets=PRESETS,
        preset=_preset_of(settings),
        photos=photos,
        order_mode=service.order_mode(current),
        capacity=fits,
        approved=service.approved_count(),
        layout_error=layout_error,
        warnings=warnings,
        contrast=service.contrast_ratio(settings.dark, settings.light),
        exports=service.exports_of(current),
        last_good=service.last_good_export(current),
        editions=service.editions(),
        overflow=max(0, len(photos) - fits),
        formats=service.FORMATS,
        ppi_choices=service.PPI_CHOICES,
        base_url_problem=_base_url_problem(),
        thumb_url=_thumb_url,
    )


def _base_url_problem() -> str | None:
    from flask import current_app

    try:
        service.check_base_url(current_app.config["PUBLIC_BASE_URL"])
    except service.BaseUrlRefused as exc:
        return str(exc)
    return None


@bp.post("/cloth/settings")
@login_required
def cloth_settings():
    """Save the designer's print settings."""
    current = service.current_cloth()
    try:
        warnings = service.save_settings(current, _settings_from_form())
    except service.ClothError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Settings saved."), "ok")
        for warning in warnings:
            flash(warning, "warning")
    return redirect(url_for("organiser.cloth") + "#settings")


@bp.post("/cloth/order")
@login_required
def cloth_order():
    """Save the photo order: alternate cities automatically, or the dragged order."""
    current = service.current_cloth()
    try:
        if request.form.get("mode") == "manual":
            codes = [c for c in request.form.get("order", "").replace(",", " ").split() if c]
            service.save_order(current, codes)
        else:
            service.save_order(current, None)
    except service.ClothError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Order saved."), "ok")
    return redirect(url_for("organiser.cloth") + "#order")


@bp.get("/cloth/preview.svg")
@login_required
def cloth_preview():
    """Draw the current cloth as an SVG, as it will print."""
    from ...render import render

    current = _chosen_cloth()
    try:
        plan = service.build_plan(current)
    except service.ClothError as exc:
        return Response(str(exc), status=422, mimetype="text/plain")
    out = io.BytesIO()
    render("svg", plan, out)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cloth/plan.json")
@login_required
def cloth_plan():
    """Return where each code sits on the cloth, for the preview's hover and zoom."""
    current = _chosen_cloth()
    settings = service.settings_of(current)
    body: dict = {"capacity": service.capacity(settings), "cells": []}
    try:
        plan = service.build_plan(current, settings=settings)
    except service.ClothError as exc:
        body["error"] = str(exc)
        return jsonify(body)
    body.update(service.plan_outline(plan))
    for cell in body["cells"]:
        cell["thumb"] = _thumb_url(cell["code"])
    return jsonify(body)


@bp.post("/cloth/export")
@login_required
def cloth_export():
    """Start an export in the background and show its progress."""
    current = service.current_cloth()
    formats = request.form.getlist("format") or ["pdf"]
    try:
        ppi = int(request.form.get("ppi", "150"))
        export = service.new_export(current, formats, ppi=ppi,
                                    draft=request.form.get("draft") == "on", by=g.organiser)
    except ValueError as exc:  # ClothError, or a ppi that is not a number
        flash(str(exc) if isinstance(exc, service.ClothError)
              else gettext("Raster resolution must be 150 or 300 ppi."), "error")
        return redirect(url_for("organiser.cloth") + "#export")
    service.start_export(export, str(get_locale() or "en"))
    return redirect(url_for("organiser.cloth_export_page", export_id=export.id))


def _export_or_404(export_id: int):
    return or_404(service.export_by_id(export_id))


@bp.get("/cloth/exports/<int:export_id>")
@login_required
def cloth_export_page(export_id: int):
    """Show an export's progress, then its files and preflight report."""
    export = _export_or_404(export_id)
    return render_template("organiser/cloth_export.html", export=export,
                           status=_status(export))


def _status(export) -> dict:
    files = [
        {**{k: entry.get(k) for k in ("format", "name", "size", "sha256", "preflight_ok")},
         "url": url_for("organiser.cloth_export_file", export_id=export.id,
                        fmt=entry["format"])}
        for entry in export.files or []
    ]
    return {
        "id": export.id,
        "edition": export.cloth.edition,
        "status": export.status,
        "progress": round(float(export.progress or 0.0), 4),
        "message": export.message,
        "draft": export.draft,
        "files": files,
        "finished": export.status in ("done", "failed"),
        "ok": export.status == "done",
        "summary": (export.report or {}).get("summary", ""),
        "report_url": url_for("organiser.cloth_export_report", export_id=export.id),
    }


@bp.get("/cloth/exports/<int:export_id>/status")
@login_required
def cloth_export_status(export_id: int):
    """Return an export's progress as JSON, for the progress page to poll."""
    export = _export_or_404(export_id)
    db.session().refresh(export)
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
    """Send one exported file from storage."""
    export = _export_or_404(export_id)
    entry = next((e for e in export.files or [] if e["format"] == fmt), None)
    if entry is None:
        abort(404)
    try:
        stream = storage().open(entry["key"])
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=service.CONTENT_TYPES[fmt], as_attachment=True,
                         download_name=entry["name"], etag=entry["sha256"])
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/cloth/freeze")
@login_required
def cloth_freeze():
    """Freeze the current edition once it has been exported."""
    current = service.current_cloth()
    if request.form.get("confirm") != "yes":
        flash(gettext("Tick the box to confirm that this edition goes to print."), "error")
        return redirect(url_for("organiser.cloth") + "#freeze")
    try:
        service.freeze(current, by=g.organiser)
    except service.ClothError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Edition %(n)d is frozen. New photos go to edition %(m)d.",
                      n=current.edition, m=current.edition + 1), "ok")
    return redirect(url_for("organiser.cloth"))
