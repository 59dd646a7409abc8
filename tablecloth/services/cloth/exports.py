"""Exporting an edition to print files: render each format, store it, preflight it, record it.

What an export is doing is noted on its row as a reason code (export_notes.py), so each
reader sees it in their own language.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, BinaryIO

from sqlalchemy import select

from ... import messages, printers
from ...errors import Refusal
from ...layout import CellSpec, ClothSettings, Plan, plan_cloth
from ...models import Cloth, Export, Organiser, Photo, utcnow
from ...render import FORMATS, PPI_CHOICES, Format, check_ppi, content_type_for, format_named
from ...verify import VerifyReport
from .. import audit
from ..site import Site
from . import ClothError
from .base_url import check_base_url
from .design import cell_specs, outline_plan, settings_of
from .export_notes import jsonable, note, summary, words

Progress = Callable[[float, str], None]
STALLED_AFTER = timedelta(minutes=10)


class _Job:
    """Write an export's progress and what it is doing to its row, a few times a second."""

    def __init__(self, site: Site, export: Export, also: Progress | None = None) -> None:
        self.site, self.export, self.also = site, export, also
        self.last = 0.0

    def tell(self, fraction: float, reason: str, step: str = "", **detail: Any) -> None:
        """Report progress (0 to 1) and what is being done."""
        fraction = max(0.0, min(1.0, float(fraction)))
        if self.also is not None:
            self.also(fraction, words(messages.text, reason, detail, step))
        now = time.monotonic()
        if now - self.last < 0.25 and fraction < 1.0:
            return
        self.last = now
        self.export.progress = fraction
        note(self.export, reason, step, **detail)
        self.export.updated_at = utcnow()
        self.site.db.commit()

    def step(self, start: float, width: float, reason: str, **detail: Any) -> Progress:
        """Return a progress callback mapping a step's own 0..1 onto its share of the job."""

        def progress(fraction: float, step: str = "") -> None:
            self.tell(start + width * max(0.0, min(1.0, fraction)), reason, step, **detail)

        return progress


# ---------------------------------------------------------------- export


def _clean_formats(formats: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for raw in formats:
        for name in str(raw).split(","):
            if name.strip() and format_named(name).name not in chosen:
                chosen.append(format_named(name).name)
    if not chosen:
        raise ClothError("no_format_chosen")
    return chosen


def new_export(site: Site, cloth: Cloth, formats: Iterable[str], *,
               ppi: int | str | None = None,
               draft: bool = False, overrides: dict[str, Any] | None = None,
               by: Organiser | None = None, printer: str | None = None) -> Export:
    """Check the request and record a queued export; overrides change settings for it alone.

    With a printer preset (``printers.PRINTERS``) the formats default to the preset's, and
    what its printer would reject is refused here in plain words; its pieces (panels,
    lengths, sheets) are what ``run_export`` writes.
    """
    preset = printers.printer_named(printer) if printer else None
    formats = list(formats) or ([preset.formats[0]] if preset else [])
    chosen = _clean_formats(formats)
    if ppi is None or ppi == "":
        ppi = preset.ppi[0] if preset and preset.ppi else PPI_CHOICES[0]
    ppi = check_ppi(ppi)
    base = site.base_url
    if not draft:
        check_base_url(base)
    settings = settings_of(cloth, **(overrides or {}))
    settings.validate()
    if preset is not None:
        printers.check(preset, settings, chosen, ppi)
    cells = cell_specs(site, cloth, base)
    if not cells:
        raise ClothError("no_photos")
    if draft:
        settings = dataclasses.replace(settings, draft=True)
    # Positions and refusals only: the one real plan, with every code encoded, is made by
    # run_export from this snapshot.
    plan = outline_plan(cells, settings)
    for name in chosen:  # a file the preset's caps would reject, and no split mends, stops here
        printers.pieces(preset, name, plan, ppi)
    export = Export(
        cloth_id=cloth.id, status="queued", progress=0.0, draft=draft,
        settings={
            "formats": chosen,
            "ppi": ppi,
            "printer": preset.name if preset else None,
            "base_url": base,
            "layout": jsonable(dataclasses.asdict(plan.settings)),
            "cells": [dataclasses.asdict(c) for c in cells],
        },
    )
    note(export, "export_waiting")
    site.db.add(export)
    site.db.flush()
    audit.record(site, "cloth.export", f"edition {cloth.edition}",
                 {"export": export.id, "formats": chosen, "draft": draft,
                  "photos": len(cells)}, organiser=by)
    site.db.commit()
    return export


def export_plan(export: Export) -> Plan:
    """Rebuild the exact plan an export was made from, from its recorded snapshot."""
    snapshot = export.settings
    settings = ClothSettings.from_values(snapshot["layout"])
    return plan_cloth([CellSpec(**c) for c in snapshot["cells"]], settings)


def file_name(cloth: Cloth, fmt: Format, draft: bool, piece: str = "") -> str:
    """Return the download name of one exported file (piece: "-panel1of2", say)."""
    # A format sharing its extension with one offered before it is named, so both fit.
    earlier = list(FORMATS)[:list(FORMATS).index(fmt.name)] if fmt.name in FORMATS else []
    shared = any(FORMATS[name].extension == fmt.extension for name in earlier)
    suffix = f"-{fmt.name}" if fmt.proof or shared else ""
    prefix = "DRAFT-" if draft else ""
    return f"{prefix}cloth-edition{cloth.edition}{suffix}{piece}.{fmt.extension}"


def _preset(export: Export) -> printers.Printer | None:
    """Return the printer preset an export was made for, or None."""
    name = (export.settings or {}).get("printer")
    return printers.printer_named(name) if name else None


def _proof_extras(site: Site, plan: Plan) -> dict[str, dict[str, Any]]:
    """Fetch each photo's thumbnail and caption for a proof sheet."""
    wanted = [c.spec.code for c in plan.cells]
    thumbnails: dict[str, bytes] = {}
    captions: dict[str, str] = {}
    for photo in site.db.scalars(select(Photo).where(Photo.code.in_(wanted))):
        captions[photo.code] = photo.caption or ""
        thumb = photo.file("thumb")
        if thumb is not None:
            try:
                thumbnails[photo.code] = site.store.get(thumb.key)
            except FileNotFoundError:
                pass
    return {"thumbnails": thumbnails, "captions": captions}


def _copied(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return fresh copies: a JSON column is saved only when its value compares different."""
    return [dict(entry) for entry in files]


def run_export(site: Site, export: Export, progress: Progress | None = None) -> Export:
    """Render every asked format into storage, preflight each file, and record the outcome."""
    session = site.db
    job = _Job(site, export, progress)
    export.status = "running"
    export.updated_at = utcnow()
    session.commit()
    files: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    try:
        formats = [format_named(name) for name in export.settings["formats"]]
        job.tell(0.0, "export_laying_out")
        plan = export_plan(export)
        preset = _preset(export)
        ppi = int(export.settings["ppi"])
        jobs = [(fmt, piece) for fmt in formats
                for piece in printers.pieces(preset, fmt.name, plan, ppi)]
        share = 1.0 / len(jobs)
        for index, (fmt, piece) in enumerate(jobs):
            start = index * share
            render_width = share * (0.55 if fmt.preflighted else 0.9)
            shown = f"{fmt.name.upper()} {piece.label}".strip()
            piece_options = printers.render_options(piece.options)
            options: dict[str, Any] = {
                "progress": job.step(start, render_width, "export_rendering", format=shown),
                **piece_options}
            if fmt.raster:
                options["ppi"] = ppi
            if fmt.proof:
                options.update(_proof_extras(site, plan))
            out = io.BytesIO()
            fmt.render(plan, out, **options)
            data = out.getvalue()
            name = file_name(export.cloth, fmt, export.draft, piece.suffix)
            if printers.file_too_large(preset, len(data)):
                raise printers.PrinterRefused(
                    "printer_file_too_large", file=name, mb=round(len(data) / 1e6, 1),
                    most=round(preset.max_file_bytes / 1e6))
            key = f"exports/{export.id}/{name}"
            site.store.put(key, data, fmt.content_type)
            entry = {"format": fmt.name, "key": key, "sha256": hashlib.sha256(data).hexdigest(),
                     "size": len(data), "name": name}
            if piece.options:
                entry.update(piece=piece.label, options=piece.options)
            files.append(entry)
            export.files = _copied(files)
            session.commit()
            if fmt.verify is not None:
                checked = fmt.verify(data, plan, progress=job.step(
                    start + render_width, share - render_width, "export_checking",
                    format=shown), **piece_options)
                result_key = fmt.name + piece.suffix
                results[result_key] = jsonable(checked.to_dict())
                entry["preflight_ok"] = checked.ok
                export.files = _copied(files)
                session.commit()
        _finish(job, export, plan, results)
    except Exception as exc:  # noqa: BLE001  (any failure must reach the organiser)
        session.rollback()
        export = session.get(Export, export.id)
        export.status = "failed"
        export.files = _copied(files)
        export.report = {"ok": False, "formats": results}
        if isinstance(exc, Refusal):  # a reason the organiser can read in their language
            note(export, exc.reason, **exc.detail)
        else:
            note(export, "export_stopped", error=str(exc) or repr(exc))
        export.report = {**export.report, "summary": export.message}
    export.finished_at = utcnow()
    session.commit()
    return export


def _finish(job: _Job, export: Export, plan: Plan, results: dict[str, Any]) -> None:
    """Record the preflight outcome of every file, and say whether to print."""
    failing = {name: result["failing_cells"] for name, result in results.items()
               if not result["ok"]}
    export.report = {"ok": not failing, "formats": results, "cells": len(plan.cells),
                     "draft": export.draft,
                     # The plan's warnings as reasons, for each reader's language.
                     "warnings": [{"reason": w.reason, "detail": jsonable(w.detail)}
                                  for w in plan.warnings]}
    export.report = {**export.report, "summary": summary(export)}
    if failing:
        export.status = "failed"
        job.tell(1.0, "export_failed_preflight", cells=_failing_text(failing))
    else:
        export.status = "done"
        job.tell(1.0, "export_done" if results else "export_done_unchecked")


def _failing_text(failing: dict[str, list[str]]) -> str:
    parts = []
    for name, cells in failing.items():
        shown = ", ".join(cells[:12]) + (" …" if len(cells) > 12 else "")
        parts.append(f"{name.upper()}: {shown}")
    return "; ".join(parts)


def verify_file(data: bytes, fmt: str, export: Export,
                progress: Progress | None = None, entry: dict | None = None) -> VerifyReport:
    """Preflight any file against the plan of the export that made it.

    ``entry`` is the exported file's record: a panel, a length or sheets are checked as
    that piece.
    """
    found = format_named(fmt)
    if found.verify is None:
        raise ClothError("format_not_checked", format=found.name.upper())
    options = printers.render_options((entry or {}).get("options") or {})
    return found.verify(data, export_plan(export), progress=progress, **options)


# ---------------------------------------------------------------- the export rows


def _reap(site: Site, exports: list[Export]) -> list[Export]:
    """Mark failed any queued or running export that has reported nothing for 10 minutes."""
    # Its thread died with its worker (a restart, a crash): without this the progress bar
    # would wait for ever. Every step reports progress far more often than this.
    now, changed = utcnow(), False
    for export in exports:
        last = export.updated_at or export.created_at
        if export.status in ("queued", "running") and now - last > STALLED_AFTER:
            export.status = "failed"
            note(export, "export_interrupted")
            export.finished_at = now
            changed = True
    if changed:
        site.db.commit()
    return exports


def export_by_id(site: Site, export_id: int) -> Export | None:
    """Return an export by id."""
    export = site.db.get(Export, export_id)
    return _reap(site, [export])[0] if export is not None else None


def exports_of(site: Site, cloth: Cloth | None = None) -> list[Export]:
    """Return exports, newest first; of one cloth when given."""
    query = select(Export).order_by(Export.created_at.desc(), Export.id.desc())
    if cloth is not None:
        query = query.where(Export.cloth_id == cloth.id)
    return _reap(site, list(site.db.scalars(query)))


def export_for_sha256(site: Site, sha256: str) -> tuple[Export, dict] | None:
    """Find the export that produced a file with this SHA-256, and that file's entry."""
    for export in exports_of(site):
        for entry in export.files or []:
            if entry.get("sha256") == sha256:
                return export, entry
    return None


def last_good_export(site: Site, cloth: Cloth) -> Export | None:
    """Return the newest export of the cloth that passed preflight and is not a draft."""
    for export in exports_of(site, cloth):
        if export.status == "done" and not export.draft:
            return export
    return None


def open_file(site: Site, export: Export, fmt: str) -> tuple[dict, BinaryIO, str] | None:
    """Return an exported file's entry, an open stream and its content type, or None."""
    entry = next((e for e in export.files or [] if e["format"] == fmt), None) or next(
        (e for e in export.files or [] if e["name"] == fmt), None)  # one of several pieces
    if entry is None:
        return None
    try:
        stream = site.store.open(entry["key"])
    except FileNotFoundError:
        return None
    return entry, stream, content_type_for(entry["format"])
