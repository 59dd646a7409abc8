"""The cloth editions: which photos, in what order, with what settings; export and freeze."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import ipaddress
import json
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from .. import codes, context, db
from ..context import store as storage
from ..models import Cloth, ClothItem, Export, Organiser, Photo, PhotoState, utcnow
from . import audit

FORMATS = ("pdf", "svg", "png", "tiff", "proof")
# Print files the core's cell-by-cell preflight decodes; the proof sheet, for human eyes,
# is checked here with a whole-page decode (check_proof).
VERIFIED_FORMATS = ("pdf", "svg", "png", "tiff")
PPI_CHOICES = (150, 300)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "svg": "image/svg+xml",
    "png": "image/png",
    "tiff": "image/tiff",
    "proof": "application/pdf",
}
EXTENSIONS = {"pdf": "pdf", "svg": "svg", "png": "png", "tiff": "tif", "proof": "pdf"}
ORDER_KEY = "order"  # "auto" (cities alternate) or "manual" (the saved ClothItem order)
# Host names that never reach the public internet, whatever DNS says today.
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain",
                    ".intranet", ".corp", ".home", ".test", ".invalid", ".example")
MIN_CONTRAST = 7.0

Progress = Callable[[float, str], None]


class ClothError(ValueError):
    """The cloth cannot do what was asked; the message is translated and shown as is."""


class ClothFrozen(ClothError):
    """The cloth edition is frozen: its photos and settings can no longer change."""


class BaseUrlRefused(ClothError):
    """PUBLIC_BASE_URL cannot go on a print file (not https, or not public)."""


class PreflightFailed(ClothError):
    """An exported file failed its preflight; the export row says which cells."""

    def __init__(self, message: str, export: Export) -> None:
        super().__init__(message)
        self.export = export


# ---------------------------------------------------------------- editions


def current_cloth() -> Cloth:
    """Return the newest unfrozen edition, creating the next one after a frozen edition."""
    session = db.session()
    newest = session.scalars(select(Cloth).order_by(Cloth.edition.desc()).limit(1)).first()
    if newest is not None and newest.frozen_at is None:
        return newest
    edition = 1 if newest is None else newest.edition + 1
    cloth = Cloth(edition=edition, title="", settings={})
    if newest is not None:
        # The next edition keeps the organiser's print settings (size, module, colours):
        # they were chosen for a printer and fabric, not for one edition's photos.
        cloth.settings = {k: v for k, v in (newest.settings or {}).items() if k != ORDER_KEY}
        cloth.title = newest.title
    session.add(cloth)
    session.commit()
    return cloth


def public_cloth() -> Cloth | None:
    """Return the cloth the public sees: the newest frozen edition, else the one in progress."""
    session = db.session()
    frozen = session.scalars(
        select(Cloth).where(Cloth.frozen_at.is_not(None)).order_by(Cloth.edition.desc()).limit(1)
    ).first()
    if frozen is not None:
        return frozen
    return session.scalars(select(Cloth).order_by(Cloth.edition.desc()).limit(1)).first()


def _require_unfrozen(cloth: Cloth) -> None:
    if cloth.frozen_at is not None:
        raise ClothFrozen(
            gettext("Edition %(n)d is frozen: its photos and settings can no longer change.",
                    n=cloth.edition)
        )


# ---------------------------------------------------------------- settings


def _layout():
    from .. import layout

    return layout


def settings_fields() -> dict[str, dataclasses.Field]:
    """Return the layout settings' fields by name."""
    return {f.name: f for f in dataclasses.fields(_layout().ClothSettings)}


def settings_of(cloth: Cloth, **overrides: Any):
    """Return the cloth's ClothSettings: defaults, then its stored values, then overrides."""
    known = settings_fields()
    values = {k: v for k, v in (cloth.settings or {}).items() if k in known}
    if "title" in known and cloth.title and "title" not in values:
        values["title"] = cloth.title
    values.update({k: v for k, v in overrides.items() if k in known})
    return _layout().ClothSettings(**values)


def contrast_ratio(dark: str, light: str) -> float:
    """Return the WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        value = colour.lstrip("#")
        channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    first, second = luminance(dark), luminance(light)
    return (max(first, second) + 0.05) / (min(first, second) + 0.05)


def _is_colour(value: Any) -> bool:
    text = str(value)
    return len(text) == 7 and text[0] == "#" and all(c in "0123456789abcdefABCDEF"
                                                     for c in text[1:])


def check_settings(values: dict[str, Any]) -> list[str]:
    """Refuse values that cannot print with a translated ClothError; return warnings."""
    warnings: list[str] = []
    module = values.get("module_mm")
    if module is not None:
        if module < 1.0:
            raise ClothError(gettext(
                "A module of %(mm).2f mm is too small to print on fabric: the weave blurs it "
                "and phones cannot read the code. Use 1.0 mm or more (2.0 mm is recommended).",
                mm=module))
        if module < 1.5:
            warnings.append(gettext(
                "Modules of %(mm).2f mm are below 1.5 mm: codes may not scan on textured or "
                "stretched fabric. Order a test swatch and scan it before printing.",
                mm=module))
    for key in ("width_mm", "height_mm"):
        if key in values and values[key] is not None and values[key] <= 0:
            raise ClothError(gettext("The cloth's width and height must be more than 0 mm."))
    dark, light = values.get("dark"), values.get("light")
    if dark is not None and light is not None:
        if not (_is_colour(dark) and _is_colour(light)):
            raise ClothError(gettext("Colours must be written as #rrggbb."))
        ratio = contrast_ratio(dark, light)
        if contrast_ratio(dark, "#000000") > contrast_ratio(light, "#000000"):
            raise ClothError(gettext(
                "The code colour must be darker than the background: phone scanners expect "
                "dark modules on a light ground, never the reverse."))
        if ratio < MIN_CONTRAST:
            raise ClothError(gettext(
                "The two colours have a contrast of %(ratio).1f:1; codes need at least "
                "%(minimum).0f:1 to scan reliably on fabric.", ratio=ratio, minimum=MIN_CONTRAST))
    shrink = values.get("shrink_pct")
    if shrink is not None and not 0 <= shrink <= 15:
        raise ClothError(gettext(
            "The shrinkage allowance must be between 0 and %(most)d%%; fabric usually shrinks "
            "2–5%%.", most=15))
    return warnings


def _validate(settings) -> list[str]:
    """Run the core's own checks; turn its LayoutError into a ClothError."""
    layout = _layout()
    try:
        found = settings.validate()
    except layout.LayoutError as exc:
        raise ClothError(
            gettext("These settings cannot print: %(reason)s", reason=str(exc))) from exc
    return [str(w) for w in (found or [])]


def save_settings(cloth: Cloth, values: dict[str, Any]) -> list[str]:
    """Check and store new settings for the cloth; return warnings to show the organiser."""
    _require_unfrozen(cloth)
    known = settings_fields()
    cleaned = {k: v for k, v in values.items() if k in known}
    warnings = check_settings({**dataclasses.asdict(settings_of(cloth)), **cleaned})
    merged = {**(cloth.settings or {}), **cleaned}
    settings = settings_of(Cloth(settings=merged, title=""))
    for warning in _validate(settings):
        if warning not in warnings and not _covered(warning, warnings):
            warnings.append(warning)
    cloth.settings = merged
    if "title" in cleaned:
        cloth.title = cleaned["title"] or ""
    db.session().commit()
    return warnings


def _covered(core_warning: str, ours: list[str]) -> bool:
    # Our translated module-size warning says what the core's English one says.
    return "module" in core_warning.lower() and any("1.5" in w for w in ours)


# ---------------------------------------------------------------- photos and order


def _frozen_photo_ids() -> set[int]:
    rows = db.session().scalars(
        select(ClothItem.photo_id).join(Cloth).where(Cloth.frozen_at.is_not(None))
    )
    return set(rows)


def order_mode(cloth: Cloth) -> str:
    """Say whether the cloth's order is 'auto' (cities alternate) or 'manual'."""
    return (cloth.settings or {}).get(ORDER_KEY, "auto")


def selection(cloth: Cloth) -> list[Photo]:
    """Return the photos on the cloth in printing order."""
    if cloth.frozen_at is not None:
        return [item.photo for item in cloth.items]
    on_frozen = _frozen_photo_ids()
    approved = [
        p for p in db.session().scalars(
            select(Photo).where(Photo.state == PhotoState.APPROVED, Photo.hidden_at.is_(None))
            .order_by(Photo.reviewed_at, Photo.id)
        )
        if p.id not in on_frozen
    ]
    if order_mode(cloth) == "manual":
        by_id = {p.id: p for p in approved}
        ordered = [by_id.pop(item.photo_id) for item in cloth.items if item.photo_id in by_id]
        # Photos approved after the order was saved join at the end, in approval order.
        return ordered + [p for p in approved if p.id in by_id]
    return _alternate(approved, settings_of(cloth))


def _alternate(photos: list[Photo], settings) -> list[Photo]:
    """Order photos so that cities alternate like a chessboard on this cloth's grid."""
    layout = _layout()
    by_code = {p.code: p for p in photos}
    # Real URLs: the grid, and so the chessboard, depends on the printed symbol's size.
    specs = [_spec(p, current_app.config["PUBLIC_BASE_URL"]) for p in photos]
    return [by_code[spec.code] for spec in layout.order_for_cloth(specs, settings)]


def save_order(cloth: Cloth, order: Iterable[str] | None) -> None:
    """Store a manual order of codes, or go back to alternating cities when order is None."""
    _require_unfrozen(cloth)
    session = db.session()
    settings = dict(cloth.settings or {})
    cloth.items.clear()
    session.flush()
    if order is None:
        settings[ORDER_KEY] = "auto"
    else:
        wanted = [c for c in (codes.normalise(raw) for raw in order) if c]
        photos = {
            p.code: p for p in session.scalars(
                select(Photo).where(Photo.code.in_(wanted), Photo.state == PhotoState.APPROVED)
            )
        }
        on_frozen = _frozen_photo_ids()
        position = 0
        seen: set[str] = set()
        for code in wanted:
            photo = photos.get(code)
            if photo is None or code in seen or photo.id in on_frozen:
                continue
            seen.add(code)
            cloth.items.append(ClothItem(photo_id=photo.id, position=position))
            position += 1
        settings[ORDER_KEY] = "manual"
    cloth.settings = settings
    session.commit()


def approved_count() -> int:
    """Return how many approved photos are not yet on a frozen cloth."""
    on_frozen = _frozen_photo_ids()
    ids = db.session().scalars(select(Photo.id).where(Photo.state == PhotoState.APPROVED))
    return sum(1 for i in ids if i not in on_frozen)


# ---------------------------------------------------------------- plan


def _spec(photo: Photo, base_url: str):
    return _layout().CellSpec(
        code=photo.code,
        url=codes.photo_url(base_url, photo.code),
        name=photo.first_name,
        city_label=photo.city.bilingual(),
        city_slug=photo.city.slug,
    )


def cell_specs(cloth: Cloth, base_url: str | None = None) -> list:
    """Return the CellSpecs of the cloth's photos in order, with their printed URLs."""
    base = base_url or current_app.config["PUBLIC_BASE_URL"]
    return [_spec(p, base) for p in selection(cloth)]


def capacity(settings, base_url: str | None = None) -> int:
    """Return how many codes of this site's URL length fit on a cloth with these settings."""
    from .. import qr

    layout = _layout()
    base = base_url or current_app.config["PUBLIC_BASE_URL"]
    # A longer base URL needs a larger symbol, so fewer codes fit.
    symbol = qr.symbol_size(codes.photo_url(base, "0" * codes.LENGTH), settings.error_correction)
    try:
        return int(layout.capacity(settings, symbol))
    except layout.LayoutError:
        return 0


def build_plan(cloth: Cloth, *, draft: bool = False, settings=None, cells=None):
    """Lay out the cloth: its photos' codes placed in millimetres, ready to render."""
    layout = _layout()
    settings = settings if settings is not None else settings_of(cloth)
    if draft and "draft" in settings_fields():
        settings = dataclasses.replace(settings, draft=True)
    cells = cells if cells is not None else cell_specs(cloth)
    try:
        return layout.plan_cloth(cells, settings)
    except layout.LayoutError as exc:
        raise ClothError(
            gettext("The cloth cannot be laid out: %(reason)s", reason=str(exc))) from exc


# ---------------------------------------------------------------- base URL


def check_base_url(url: str) -> None:
    """Refuse a base URL that is not https or not on the public internet."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise BaseUrlRefused(gettext(
            "PUBLIC_BASE_URL is %(url)s: printed codes must use https. Set "
            "TABLECLOTH_PUBLIC_BASE_URL to the site's public https address, or export a draft.",
            url=url))
    host = (parts.hostname or "").lower().rstrip(".")
    refused = not host or host == "localhost" or host.endswith(PRIVATE_SUFFIXES)
    if not refused:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            # A bare name without a dot ("myserver") only resolves on a local network.
            refused = "." not in host
        else:
            refused = not address.is_global or address.is_multicast
    if refused:
        raise BaseUrlRefused(gettext(
            "PUBLIC_BASE_URL is %(url)s, which phones outside your network cannot reach: "
            "every code on the cloth would lead nowhere. Set TABLECLOTH_PUBLIC_BASE_URL to the "
            "site's public https address, or export a draft.", url=url))


# ---------------------------------------------------------------- export


class _ProgressWriter:
    """Write progress to the export row, at most a few times a second."""

    def __init__(self, export: Export, also: Progress | None = None) -> None:
        self.export = export
        self.also = also
        self.last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        fraction = max(0.0, min(1.0, float(fraction)))
        if self.also is not None:
            self.also(fraction, message)
        now = time.monotonic()
        if now - self.last < 0.25 and fraction < 1.0:
            return
        self.last = now
        self.export.progress = fraction
        self.export.message = message
        self.export.updated_at = utcnow()
        db.session().commit()


def _span(report: Progress, start: float, width: float, label: str) -> Progress:
    """Map a step's own 0..1 progress onto its share of the whole export."""

    def step(fraction: float, message: str = "") -> None:
        report(start + width * max(0.0, min(1.0, fraction)),
               f"{label}: {message}" if message else label)

    return step


def new_export(cloth: Cloth, formats: Iterable[str], *, ppi: int = 150,
               draft: bool = False, overrides: dict[str, Any] | None = None,
               by: Organiser | None = None) -> Export:
    """Check the request and record a queued export; overrides change settings for it alone."""
    formats = _clean_formats(formats)
    if ppi not in PPI_CHOICES:
        raise ClothError(gettext("Raster resolution must be 150 or 300 ppi."))
    base = current_app.config["PUBLIC_BASE_URL"]
    if not draft:
        check_base_url(base)
    settings = settings_of(cloth, **(overrides or {}))
    check_settings(dataclasses.asdict(settings))
    _validate(settings)
    cells = cell_specs(cloth, base)
    if not cells:
        raise ClothError(gettext("No approved photos yet: there is nothing to print."))
    plan = build_plan(cloth, draft=draft, settings=settings, cells=cells)  # raises if no fit
    export = Export(
        cloth_id=cloth.id, status="queued", progress=0.0, draft=draft,
        message=gettext("Waiting to start"),
        settings={
            "formats": formats,
            "ppi": ppi,
            "base_url": base,
            "layout": _jsonable(dataclasses.asdict(plan_settings(plan, settings))),
            "cells": [dataclasses.asdict(c) for c in cells],
        },
    )
    session = db.session()
    session.add(export)
    session.flush()
    audit.record(context.site(), "cloth.export", f"edition {cloth.edition}",
                 {"export": export.id, "formats": formats, "draft": draft,
                  "photos": len(cells)}, organiser=by)
    session.commit()
    return export


def plan_settings(plan, fallback):
    """Return the settings a plan was made with."""
    return getattr(plan, "settings", None) or fallback


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _clean_formats(formats: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for raw in formats:
        for name in str(raw).split(","):
            name = name.strip().lower()
            if name == "tif":
                name = "tiff"
            if not name:
                continue
            if name not in FORMATS:
                raise ClothError(gettext("Unknown format %(name)s; choose from %(choices)s.",
                                         name=name, choices=", ".join(FORMATS)))
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise ClothError(gettext("Choose at least one file format."))
    return chosen


def export_plan(export: Export):
    """Rebuild the exact plan an export was made from, from its recorded snapshot."""
    layout = _layout()
    snapshot = export.settings
    known = settings_fields()
    settings = layout.ClothSettings(**{k: v for k, v in snapshot["layout"].items() if k in known})
    cells = [layout.CellSpec(**c) for c in snapshot["cells"]]
    return layout.plan_cloth(cells, settings)


def file_name(cloth: Cloth, fmt: str, draft: bool) -> str:
    """Return the download name of one exported file."""
    suffix = "-proof" if fmt == "proof" else ""
    prefix = "DRAFT-" if draft else ""
    return f"{prefix}cloth-edition{cloth.edition}{suffix}.{EXTENSIONS[fmt]}"


def _proof_extras(cells) -> dict[str, dict[str, Any]]:
    """Fetch each photo's thumbnail and caption for the proof sheet."""
    wanted = [c.spec.code for c in cells]
    photos = db.session().scalars(select(Photo).where(Photo.code.in_(wanted)))
    thumbnails: dict[str, bytes] = {}
    captions: dict[str, str] = {}
    store = storage()
    for photo in photos:
        captions[photo.code] = photo.caption or ""
        thumb = photo.file("thumb")
        if thumb is not None:
            try:
                thumbnails[photo.code] = store.get(thumb.key)
            except FileNotFoundError:
                pass
    return {"thumbnails": thumbnails, "captions": captions}


def run_export(job: Export | Cloth, formats: Iterable[str] | None = None, *, ppi: int = 150,
               draft: bool = False, progress: Progress | None = None) -> Export:
    """Render every asked format into storage, preflight each file, and record the outcome.

    job is an export from new_export, or a cloth to export now with formats, ppi and draft
    (which raises ClothError, before any row is written, when the request cannot print).
    """
    from ..render import render
    from ..verify import verify

    export = job if isinstance(job, Export) else new_export(job, formats or ["pdf"], ppi=ppi,
                                                            draft=draft)
    session = db.session()
    cloth = export.cloth
    report = _ProgressWriter(export, progress)
    export.status = "running"
    export.updated_at = utcnow()
    session.commit()
    snapshot = export.settings
    formats: list[str] = snapshot["formats"]
    ppi = int(snapshot["ppi"])
    files: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    failing: dict[str, list[str]] = {}
    try:
        report(0.0, gettext("Laying out the cloth"))
        plan = export_plan(export)
        share = 1.0 / len(formats)
        for index, fmt in enumerate(formats):
            start = index * share
            verified = fmt in VERIFIED_FORMATS
            render_width = share * (0.55 if verified else 0.9)
            label = fmt.upper()
            options: dict[str, Any] = {"progress": _span(report, start, render_width,
                                                         gettext("Rendering %(f)s", f=label))}
            if fmt in ("png", "tiff"):
                options["ppi"] = ppi
            if fmt == "proof":
                options.update(_proof_extras(plan_cells(plan)))
            out = io.BytesIO()
            render(fmt, plan, out, **options)
            data = out.getvalue()
            key = f"exports/{export.id}/{file_name(cloth, fmt, export.draft)}"
            storage().put(key, data, CONTENT_TYPES[fmt])
            entry = {"format": fmt, "key": key, "sha256": hashlib.sha256(data).hexdigest(),
                     "size": len(data), "name": key.rsplit("/", 1)[1]}
            files.append(entry)
            export.files = _copied(files)
            session.commit()
            if verified:
                checked = verify(data, fmt, plan, progress=_span(
                    report, start + render_width, share - render_width,
                    gettext("Checking %(f)s", f=label)))
                results[fmt] = _report_json(checked)
            else:
                report(start + (share + render_width) / 2, gettext("Checking %(f)s", f=label))
                results[fmt] = check_proof(data, plan)
            entry["preflight_ok"] = bool(results[fmt]["ok"])
            if not results[fmt]["ok"]:
                failing[fmt] = results[fmt]["failing_cells"]
            export.files = _copied(files)
            session.commit()
        summary = _summary(export, plan, results, failing)
        export.report = {"ok": not failing, "formats": results, "summary": summary,
                         "cells": len(plan_cells(plan)), "draft": export.draft}
        if failing:
            export.status = "failed"
            export.message = _failure_message(failing)
        else:
            export.status = "done"
            export.message = gettext("Done: every code in every file decodes to its photo's "
                                     "address.") if results else gettext("Done.")
        report(1.0, export.message)
    except Exception as exc:  # noqa: BLE001  (any failure must reach the organiser)
        session.rollback()
        export = session.get(Export, export.id)
        export.status = "failed"
        export.files = _copied(files)
        export.message = gettext("The export stopped: %(error)s", error=str(exc) or repr(exc))
        export.report = {"ok": False, "formats": results, "summary": export.message}
    export.finished_at = utcnow()
    session.commit()
    return export


def check_proof(data: bytes, plan) -> dict[str, Any]:
    """Decode the proof sheet's codes: each planned URL exactly once, nothing else.

    The core's preflight is for the cloth; the proof's codes stand far apart on A4, so a
    whole-page decode (pdfium raster, zxing-cpp) finds them all.
    """
    import pypdfium2
    import zxingcpp

    expected = {c.spec.url: c.spec.code for c in plan.cells}
    found: list[str] = []
    document = pypdfium2.PdfDocument(data)
    try:
        for page in document:
            image = page.render(scale=200 / 72, grayscale=True).to_pil()
            found += [b.text for b in zxingcpp.read_barcodes(
                image, formats=zxingcpp.BarcodeFormat.QRCode)]
    finally:
        document.close()
    failing = [f"{code} (missing)" for url, code in expected.items() if url not in found]
    failing += [f"{text} (not on the cloth)" for text in found if text not in expected]
    failing += [f"{expected[u]} (listed {found.count(u)} times)" for u in expected
                if found.count(u) > 1]
    ok = not failing
    summary = (f"{'PASS' if ok else 'FAIL'}: {len(set(found) & set(expected))} of "
               f"{len(expected)} codes on the proof sheet decode to their planned URLs.")
    return {"ok": ok, "failing_cells": failing, "summary": summary, "checked": len(found),
            "expected": len(expected)}


def _copied(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return fresh copies: a JSON column is saved only when its value compares different."""
    return [dict(entry) for entry in files]


def plan_cells(plan) -> list:
    """Return a plan's placed cells."""
    return list(plan.cells)


def plan_outline(plan) -> dict[str, Any]:
    """Return where each code and the title sit, in mm of the whole cloth with its bleed.

    The origin is the bleed's top-left corner, as in the SVG, so a browser can place
    elements at percentages of the cloth.
    """
    b = plan.bleed_mm
    cells = [
        {"code": c.spec.code, "name": c.spec.name, "city": c.spec.city_label,
         "city_slug": c.spec.city_slug, "x_mm": round(c.x_mm + b, 2),
         "y_mm": round(c.y_mm + b, 2), "size_mm": round(c.size_mm, 2),
         "height_mm": round(c.size_mm + (c.label.h_mm if c.label else 0.0), 2)}
        for c in plan.cells
    ]
    t = plan.title.rect
    return {
        "width_mm": plan.trim_width_mm + 2 * b,
        "height_mm": plan.trim_height_mm + 2 * b,
        "trim": {"x_mm": b, "y_mm": b, "w_mm": plan.trim_width_mm, "h_mm": plan.trim_height_mm},
        "title": {"x_mm": round(t.x_mm + b, 2), "y_mm": round(t.y_mm + b, 2),
                  "w_mm": round(t.w_mm, 2), "h_mm": round(t.h_mm, 2),
                  "text": plan.title.title, "subtitle": plan.title.subtitle},
        "cells": cells,
        "columns": plan.cols,
        "rows": plan.rows,
    }


def _failure_message(failing: dict[str, list[str]]) -> str:
    parts = []
    for fmt, cells in failing.items():
        shown = ", ".join(cells[:12]) + (" …" if len(cells) > 12 else "")
        parts.append(f"{fmt.upper()}: {shown}")
    return gettext("PREFLIGHT FAILED — do not print these files. Codes that do not decode "
                   "correctly: %(cells)s", cells="; ".join(parts))


def _failure_label(failure: Any) -> str:
    if isinstance(failure, dict):
        code = failure.get("code") or failure.get("expected") or ""
        reason = failure.get("reason") or failure.get("problem") or ""
        return f"{code} ({reason})" if reason else str(code)
    code = getattr(failure, "code", None)
    reason = getattr(failure, "reason", None) or getattr(failure, "problem", None)
    if code is not None:
        return f"{code} ({reason})" if reason else str(code)
    return str(failure)


def _report_json(checked) -> dict[str, Any]:
    failures = list(getattr(checked, "failures", []) or [])
    as_dict = {}
    if hasattr(checked, "to_dict"):
        as_dict = _jsonable(checked.to_dict())
    elif dataclasses.is_dataclass(checked):
        as_dict = _jsonable(dataclasses.asdict(checked))
    return {
        **as_dict,
        "ok": bool(checked.ok),
        "failing_cells": [_failure_label(f) for f in failures],
        "summary": checked.summary(),
        "min_module_mm": getattr(checked, "min_module_mm", None),
        "contrast": getattr(checked, "contrast", None),
        "scan_distance_mm": getattr(checked, "scan_distance_mm", None),
    }


def _summary(export: Export, plan, results: dict, failing: dict) -> str:
    lines = [gettext("Edition %(n)d, %(count)d codes, base address %(url)s.",
                     n=export.cloth.edition, count=len(plan_cells(plan)),
                     url=export.settings["base_url"])]
    if export.draft:
        lines.append(gettext("DRAFT: not for printing."))
    for fmt, result in results.items():
        status = gettext("FAILED") if fmt in failing else gettext("passed")
        lines.append(f"{fmt.upper()} — {status}: {result['summary']}")
    return "\n".join(lines)


def start_export(export: Export, language: str = "en") -> threading.Thread:
    """Run the export in a background thread that outlives the request that asked for it."""
    app = current_app._get_current_object()
    thread = threading.Thread(target=_export_in_background, args=(app, export.id, language),
                              name=f"export-{export.id}")
    thread.start()
    return thread


def _export_in_background(app: Flask, export_id: int, language: str) -> None:
    with app.app_context(), force_locale(language):
        export = db.session().get(Export, export_id)
        if export is not None:
            run_export(export)


STALLED_AFTER = timedelta(minutes=10)


def _reap(exports: list[Export]) -> list[Export]:
    """Mark failed any queued or running export that has reported nothing for 10 minutes."""
    # Its thread died with its worker (a restart, a crash): without this the progress bar
    # would wait for ever. Every step reports progress far more often than this.
    now, changed = utcnow(), False
    for export in exports:
        last = export.updated_at or export.created_at
        if export.status in ("queued", "running") and now - last > STALLED_AFTER:
            export.status = "failed"
            export.message = gettext(
                "This export was interrupted (the server stopped while it ran). "
                "Start the export again.")
            export.finished_at = now
            changed = True
    if changed:
        db.session().commit()
    return exports


def export_by_id(export_id: int) -> Export | None:
    """Return an export by id."""
    export = db.session().get(Export, export_id)
    return _reap([export])[0] if export is not None else None


def exports_of(cloth: Cloth | None = None) -> list[Export]:
    """Return exports, newest first; of one cloth when given."""
    query = select(Export).order_by(Export.created_at.desc(), Export.id.desc())
    if cloth is not None:
        query = query.where(Export.cloth_id == cloth.id)
    return _reap(list(db.session().scalars(query)))


def export_for_sha256(sha256: str) -> tuple[Export, dict] | None:
    """Find the export that produced a file with this SHA-256, and that file's entry."""
    for export in exports_of():
        for entry in export.files or []:
            if entry.get("sha256") == sha256:
                return export, entry
    return None


def verify_file(data: bytes, fmt: str, export: Export, progress: Progress | None = None):
    """Preflight any file against the plan of the export that made it."""
    from ..verify import verify

    return verify(data, fmt, export_plan(export), progress=progress)


def guess_format(name: str) -> str | None:
    """Return the format of a file name by its extension."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {"pdf": "pdf", "svg": "svg", "png": "png", "tif": "tiff", "tiff": "tiff"}.get(extension)


# ---------------------------------------------------------------- freeze


def last_good_export(cloth: Cloth) -> Export | None:
    """Return the newest export of the cloth that passed preflight and is not a draft."""
    for export in exports_of(cloth):
        if export.status == "done" and not export.draft:
            return export
    return None


def freeze(cloth: Cloth, now: datetime | None = None, by: Organiser | None = None) -> Cloth:
    """Fix the cloth's codes and positions for good; later photos go to the next edition."""
    _require_unfrozen(cloth)
    session = db.session()
    export = last_good_export(cloth)
    if export is not None:
        # Freeze exactly what went to the printer, not what the selection is now.
        order = [c["code"] for c in export.settings["cells"]]
        by_code = {p.code: p for p in session.scalars(select(Photo).where(Photo.code.in_(order)))}
        photos = [by_code[c] for c in order if c in by_code]
        cloth.settings = {**(cloth.settings or {}), **export.settings["layout"]}
    else:
        photos = selection(cloth)
    cloth.items.clear()
    session.flush()
    for position, photo in enumerate(photos):
        cloth.items.append(ClothItem(photo_id=photo.id, position=position))
    cloth.settings = {**(cloth.settings or {}), ORDER_KEY: "manual"}
    cloth.frozen_at = now or utcnow()
    audit.record(context.site(), "cloth.freeze", f"edition {cloth.edition}",
                 {"photos": len(photos)}, organiser=by)
    session.commit()
    return cloth


def editions() -> list[Cloth]:
    """Return every edition, newest first."""
    return list(db.session().scalars(select(Cloth).order_by(Cloth.edition.desc())))


def edition(number: int) -> Cloth | None:
    """Return the edition with this number."""
    return db.session().scalars(select(Cloth).where(Cloth.edition == number)).first()


def edition_count() -> int:
    """Return how many editions exist."""
    return db.session().scalar(select(func.count(Cloth.id))) or 0
