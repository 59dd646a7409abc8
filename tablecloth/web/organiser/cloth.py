"""Organiser pages: design the cloth, preview it, freeze an edition (exports: cloth_exports.py)."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext, lazy_gettext

from ... import context, printers
from ...errors import Refusal
from ...layout import DESIGNS, MIN_CAP_HEIGHT_MM, MIN_CONTRAST, scan
from ...render import FORMATS, PPI_CHOICES
from ...services.cloth import (
    BaseUrlRefused,
    ClothError,
    design,
    editions,
    exports,
    preview,
    stored,
    swatches,
)
from ...services.cloth.base_url import check_base_url, plain_reason
from ..messages import say, say_refusal
from . import export_words
from .auth import login_required
from .blueprint import bp
from .common import or_404

# (key, width_mm, height_mm, label): common tables and what fabric shops print.
PRESETS = (
    ("square-60in", 1800, 1800, lazy_gettext("Square table, 60 in (1800 × 1800 mm)")),
    ("square-1400", 1400, 1400, lazy_gettext("Small square (1400 × 1400 mm)")),
    ("round-1500", 1500, 1500, lazy_gettext("Round table, square cloth (1500 × 1500 mm)")),
    ("rect-1800x2400", 1800, 2400, lazy_gettext("Rectangular table (1800 × 2400 mm)")),
)

# Form fields of the designer: name in ClothSettings, and how to read it from the form.
NUMBER_FIELDS = ("width_mm", "height_mm", "module_mm", "roll_width_mm", "shrink_across_pct",
                 "shrink_along_pct", "hem_mm", "bleed_mm", "overlap_mm")
COLOUR_FIELDS = ("dark", "light", "accent")
# How a cloth wider than the roll is split (layout.settings.PANEL_STYLES).
PANEL_CHOICES = (
    ("auto", lazy_gettext("Automatic: no seam down the middle")),
    ("equal", lazy_gettext("Equal panels")),
    ("centre", lazy_gettext("A full centre panel and equal sides")),
)
ORDER_PER_PAGE = 200  # photos in the order list at once; the hidden field holds them all
PLAN_CELLS = 2000  # cells plan.json sends at once


def _number(name: str) -> float | None:
    raw = request.form.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ClothError("number_expected", value=raw) from None


def _settings_from_form() -> dict:
    known = design.settings_fields()
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
    for name in ("legend", "dedication"):
        if name in request.form:
            lines = [line.strip() for line in request.form[name].splitlines()]
            values[name] = "\n".join(line for line in lines if line)
    if request.form.get("panels") in {key for key, _label in PANEL_CHOICES}:
        values["panels"] = request.form["panels"]
    for name in ("labels", "city_tint"):
        if name in known:
            values[name] = request.form.get(name) == "on"
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
        return or_404(editions.edition(context.site(), wanted))
    return editions.current_cloth(context.site())


@bp.get("/cloth")
@login_required
def cloth():
    """Show the cloth designer: settings, photo order (a page at a time), preview, export."""
    site = context.site()
    current = _chosen_cloth()
    settings = design.settings_of(current)
    view = stored.view(site, current)
    fits = design.capacity(site, settings)
    chosen = design.printer_of(current)
    printer = printers.PRINTERS[chosen] if chosen else None
    layout_error, warnings = None, []
    try:
        warnings = settings.validate()
        if view.refusal() is not None:
            raise view.refusal()
        # The plan's warnings include the settings' and what only the photos show:
        # names that lose an emoji, labels that shrink, a cloth mostly empty.
        warnings = view.warnings() or warnings
    except Refusal as refusal:
        layout_error, warnings = say_refusal(refusal), []
    total = len(view.cells)
    pages = max(1, -(-total // ORDER_PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    offset = (page - 1) * ORDER_PER_PAGE
    language = str(get_locale())
    photos = [{"code": c["code"], "name": c["name"],
               "city": c["city_ru"] if language == "ru" else c["city_en"]}
              for c in view.cells[offset:offset + ORDER_PER_PAGE]]
    return render_template(
        "organiser/cloth.html",
        cloth=current,
        settings=settings,
        presets=PRESETS,
        preset=_preset_of(settings),
        photos=photos,
        total=total,
        order=",".join(c["code"] for c in view.cells),
        offset=offset,
        page=page,
        pages=pages,
        order_mode=design.order_mode(current),
        capacity=fits,
        approved=design.approved_count(site),
        layout_error=layout_error,
        warnings=[say(w.reason, w.detail) for w in warnings],
        exports=exports.exports_of(site, current),
        last_good=exports.last_good_export(site, current),
        editions=editions.editions(site),
        overflow=max(0, total - fits),
        formats=_formats_for(printer),
        ppi_choices=printer.ppi if printer and printer.ppi else PPI_CHOICES,
        printers=printers.PRINTERS.values(),
        printer=printer,
        designs=DESIGNS.values(),
        colour_pairs=_colour_pairs(settings),
        swatches=swatches.swatches_of(site, current),
        confirmed=swatches.confirmed_sizes(site, current),
        recommended=swatches.recommended_module_mm(site, current),
        min_contrast=MIN_CONTRAST,
        panel_choices=PANEL_CHOICES,
        scan_cm=scan.scan_distance_cm(settings.module_mm),
        scan=scan,
        min_cap_mm=MIN_CAP_HEIGHT_MM,
        base_url_problem=base_url_problem(),
        thumb_url=_thumb_url,
        version=view.version,
        file_size=export_words.file_size,
    )


def _colour_pairs(settings) -> list:
    """Return the design's colour pairs for the designer, or none if a colour is not valid."""
    try:
        return settings.colour_pairs()
    except Refusal:
        return []


def _formats_for(printer):
    """Return the formats offered for a printer preset (and the proof sheet), or all."""
    if printer is None:
        return list(FORMATS.values())
    return [f for f in FORMATS.values() if f.name in printer.formats or f.proof]


def base_url_problem() -> dict | None:
    """Say why the site's address cannot be printed: to the organiser, and to the server's."""
    try:
        check_base_url(context.site().base_url)
    except BaseUrlRefused as refused:
        return {"plain": say(plain_reason(refused), refused.detail),
                "technical": say_refusal(refused)}
    return None


@bp.post("/cloth/settings")
@login_required
def cloth_settings():
    """Save the designer's print settings."""
    site = context.site()
    current = editions.current_cloth(site)
    try:
        warnings = design.save_settings(site, current, _settings_from_form())
        chosen_design = request.form.get("design", "")
        if chosen_design and chosen_design != design.settings_of(current).design:
            # A new design brings its colours; the colour fields can then be fine-tuned.
            warnings += design.choose_design(site, current, chosen_design)
        wanted = request.form.get("printer", "") or None
        if "printer" in request.form and wanted != design.printer_of(current):
            # A new printer brings its roll width, bleed and shrink allowance.
            warnings += design.choose_printer(site, current, wanted)
    except Refusal as refusal:
        flash(say_refusal(refusal), "error")
    else:
        flash(gettext("Settings saved."), "ok")
        for warning in warnings:
            flash(say(warning.reason, warning.detail), "warning")
    return redirect(url_for("organiser.cloth") + "#settings")


@bp.post("/cloth/order")
@login_required
def cloth_order():
    """Save the photo order: alternate cities automatically, or the dragged order."""
    site = context.site()
    current = editions.current_cloth(site)
    try:
        if request.form.get("mode") == "manual":
            codes = [c for c in request.form.get("order", "").replace(",", " ").split() if c]
            design.save_order(site, current, codes)
        else:
            design.save_order(site, current, None)
    except Refusal as refusal:
        flash(say_refusal(refusal), "error")
    else:
        flash(gettext("Order saved."), "ok")
    return redirect(url_for("organiser.cloth") + "#order")


@bp.get("/cloth/preview.svg")
@login_required
def cloth_preview():
    """Draw the current cloth as an SVG, as it will print."""
    try:
        svg = design.preview_svg(context.site(), _chosen_cloth())
    except Refusal as refusal:
        return Response(say_refusal(refusal), status=422, mimetype="text/plain")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cloth/preview.png")
@login_required
def cloth_preview_png():
    """Draw the cloth as a picture a screen wide, made once per version of the cloth."""
    site = context.site()
    try:
        data, version = preview.preview_png(site, _chosen_cloth())
    except Refusal as refusal:
        return Response(say_refusal(refusal), status=422, mimetype="text/plain")
    response = Response(data, mimetype="image/png")
    response.set_etag(f"preview-{version}")
    response.make_conditional(request)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/cloth/plan.json")
@login_required
def cloth_plan():
    """Return where codes sit on the cloth, for the preview's hover and zoom.

    Every cell when the cloth has at most PLAN_CELLS; otherwise only those in the region
    asked (x0_mm, y0_mm, x1_mm, y1_mm, mm of the whole cloth with bleed), and ``regions``
    says so, so the answer stays small whatever the number of photos.
    """
    site = context.site()
    current = _chosen_cloth()
    settings = design.settings_of(current)
    view = stored.view(site, current)
    body: dict = {"capacity": design.capacity(site, settings), "cells": [],
                  "version": view.version, "count": len(view.cells)}
    if view.outline is None:
        if view.error is not None:
            body["error"] = say_refusal(view.refusal())
        return jsonify(body)
    body.update(view.outline)
    names = ("x0_mm", "y0_mm", "x1_mm", "y1_mm")
    region = [request.args.get(name, type=float) for name in names]
    if all(v is not None for v in region):
        cells = view.cells_in(*region, limit=PLAN_CELLS)
    elif len(view.cells) <= PLAN_CELLS:
        cells = view.cells
    else:
        cells = []
    body["regions"] = len(view.cells) > PLAN_CELLS
    keys = ("code", "name", "city", "city_slug", "x_mm", "y_mm", "size_mm", "height_mm")
    thumb = _thumb_url("CODE00")  # built once; url_for per cell cost more than the rest
    body["cells"] = [{k: c[k] for k in keys} | {"thumb": thumb.replace("CODE00", c["code"])}
                     for c in cells]
    return jsonify(body)


@bp.post("/cloth/freeze")
@login_required
def cloth_freeze():
    """Freeze the current edition once it has been exported."""
    site = context.site()
    current = editions.current_cloth(site)
    if request.form.get("confirm") != "yes":
        flash(gettext("Tick the box to confirm that this edition goes to print."), "error")
        return redirect(url_for("organiser.cloth") + "#freeze")
    try:
        editions.freeze(site, current, by=g.organiser)
    except Refusal as refusal:
        flash(say_refusal(refusal), "error")
    else:
        flash(gettext("Edition %(n)d is frozen. New photos go to edition %(m)d.",
                      n=current.edition, m=current.edition + 1), "ok")
    return redirect(url_for("organiser.cloth"))
