"""The cloth as its pages show it: the ordered selection and plan outline, stored per version.

Computing them costs a query over every approved photo, the chessboard order and the grid
(about half a second at 10,000 photos). They change only when the cloth's version changes
(``tablecloth.versions``: an approval, a withdrawal, an order or settings change), so the
first worker to see a new version computes them once and stores them in ``cloth_views``;
every other worker, on any machine, reads that row, and each keeps the decoded copy of the
version it last saw. Reading the version is one indexed query.

Pages then take what they show by page or by region (``cells_in``, ``page_of``), so their
size does not grow with the cloth. The outline is planned from symbol sizes alone: positions
need no QR matrices, which only print files and the preview at full zoom draw.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ... import layout
from ...errors import Refusal
from ...models import Cloth, ClothView, StoredFile
from ..site import PerDatabase, Site
from . import computing, design

FORMAT = 4  # of the stored JSON; a stored view of another format is computed again
WAIT_FOR_OTHER_S = 10.0  # at most, for another thread or process computing the same view


@dataclass
class StoredCloth:
    """One version of a cloth as its pages show it (plain values, shared read-only)."""

    cloth_id: int
    version: int
    base_url: str
    cells: list[dict[str, Any]]          # in printing order; positions when the plan fits
    outline: dict[str, Any] | None       # layout.outline without its cells, None if refused
    error: dict[str, Any] | None         # {"reason", "detail"} of the layout's refusal
    warning_list: list[dict[str, Any]] = field(default_factory=list)  # the plan's, as error
    edition: int = 0                     # the cloth's edition number, and whether printed
    printed: bool = False
    by_code: dict[str, int] = field(default_factory=dict, repr=False)
    _derived: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.by_code = {cell["code"]: i for i, cell in enumerate(self.cells)}

    @property
    def shown(self) -> list[dict[str, Any]]:
        """Return the cells of photos the public may see (approved, not hidden)."""
        return [c for c in self.cells if c["shown"]]

    def warnings(self) -> list[layout.LayoutWarning]:
        """Return the plan's warnings (settings, names left out, small labels, sparse)."""
        return [layout.LayoutWarning(w["reason"], w.get("detail") or {})
                for w in self.warning_list]

    def refusal(self) -> Refusal | None:
        """Return the layout's refusal of this selection, if any."""
        if self.error is None:
            return None
        return layout.LayoutError(self.error["reason"], **self.error["detail"])

    def pages(self, per_page: int) -> list[list[dict[str, Any]]]:
        """Return the placed cells in pages of whole grid rows, top to bottom.

        Each page holds at most per_page cells unless one grid row alone holds more.
        """
        key = ("pages", per_page)
        if key not in self._derived:
            rows: dict[int, list[dict[str, Any]]] = {}
            for cell in self.cells:
                if "row" in cell:
                    rows.setdefault(cell["row"], []).append(cell)
            pages: list[list[dict[str, Any]]] = []
            for row in sorted(rows):
                row_cells = sorted(rows[row], key=lambda c: c["col"])
                if pages and len(pages[-1]) + len(row_cells) <= per_page:
                    pages[-1].extend(row_cells)
                else:
                    pages.append(row_cells)
            self._derived[key] = pages
        return self._derived[key]

    def frame(self) -> dict[str, float]:
        """Return the box around the codes and title (a sparse cloth is mostly fabric)."""
        if "frame" not in self._derived:
            self._derived["frame"] = _frame(self)
        return self._derived["frame"]

    def place_of(self, code: str) -> dict[str, int] | None:
        """Return where a code is printed: panel, row and square from the left, from 1.

        Rows count from the cloth's top edge; squares count the codes of that row in that
        panel from its left edge (a reader at the table counts printed squares, and the title
        block is no square). None when the code is not placed on this cloth.
        """
        i = self.by_code.get(code)
        if i is None or "row" not in self.cells[i]:
            return None
        if "squares" not in self._derived:
            lines: dict[tuple[int, int], list[int]] = {}
            for cell in self.cells:
                if "row" in cell:
                    lines.setdefault((cell["row"], cell.get("panel", 0)), []).append(cell["col"])
            self._derived["squares"] = {key: sorted(cols) for key, cols in lines.items()}
        cell = self.cells[i]
        panel = cell.get("panel", 0)
        cols = self._derived["squares"][(cell["row"], panel)]
        return {"panel": panel + 1, "panels": len((self.outline or {}).get("panels") or [1]),
                "row": cell["row"] + 1, "square": cols.index(cell["col"]) + 1}

    def cells_in(self, x0_mm: float, y0_mm: float, x1_mm: float, y1_mm: float,
                 limit: int | None = None) -> list[dict[str, Any]]:
        """Return the placed cells overlapping a rectangle of the outline (bleed origin)."""
        found = []
        for cell in self.cells:
            if "x_mm" not in cell:
                break
            if (cell["x_mm"] < x1_mm and cell["x_mm"] + cell["size_mm"] > x0_mm
                    and cell["y_mm"] < y1_mm and cell["y_mm"] + cell["height_mm"] > y0_mm):
                found.append(cell)
                if limit is not None and len(found) >= limit:
                    break
        return found


def _frame(view: StoredCloth) -> dict[str, float]:
    """Return x0, y0, x1, y1 (mm, bleed origin) around the placed codes and the title."""
    outline = view.outline or {}
    boxes = [(c["x_mm"], c["y_mm"], c["size_mm"], c["height_mm"])
             for c in view.cells if "x_mm" in c]
    if not boxes:
        return {"x0_mm": 0.0, "y0_mm": 0.0, "x1_mm": outline.get("width_mm", 0.0),
                "y1_mm": outline.get("height_mm", 0.0)}
    title = outline["title"]
    if title["w_mm"] > 0:
        boxes.append((title["x_mm"], title["y_mm"], title["w_mm"], title["h_mm"]))
    margin = min(b[2] for b in boxes) / 4
    return {"x0_mm": max(0.0, min(b[0] for b in boxes) - margin),
            "y0_mm": max(0.0, min(b[1] for b in boxes) - margin),
            "x1_mm": min(outline["width_mm"], max(b[0] + b[2] for b in boxes) + margin),
            "y1_mm": min(outline["height_mm"], max(b[1] + b[3] for b in boxes) + margin)}


def _digests(site: Site, ids: list[int]) -> dict[tuple[int, str], str]:
    """Return the content-hash digests of the photos' thumbnails and tiles."""
    if not ids:
        return {}
    wanted = set(ids)
    # Every such row, filtered here: an IN list of 10,000 ids cost more than this.
    rows = site.db.connection().execute(
        select(StoredFile.photo_id, StoredFile.kind, StoredFile.sha256)
        .where(StoredFile.kind.in_(("thumb", "tile"))))
    return {(photo_id, kind): sha[:16] for photo_id, kind, sha in rows if photo_id in wanted}


def compute(site: Site, cloth: Cloth, version: int) -> StoredCloth:
    """Compute the cloth's selection and outline as of this version."""
    photos = design.chosen(site, cloth)
    digests = _digests(site, [p.id for p in photos])
    specs = [design.spec_of(p, site.base_url) for p in photos]
    cells = []
    for p, spec in zip(photos, specs, strict=True):
        cells.append({
            "code": p.code, "name": p.first_name, "name_other": spec.name_other,
            "city": p.city_label, "city_slug": p.city_slug, "city_en": p.city_en,
            "city_ru": p.city_ru, "thumb": digests.get((p.id, "thumb"), ""),
            "tile": digests.get((p.id, "tile"), ""), "shown": p.shown,
        })
    outline, error, warnings = None, None, []
    if photos:
        try:
            plan = design.outline_plan(specs, design.settings_of(cloth))
        except Refusal as refusal:
            error = {"reason": refusal.reason, "detail": refusal.detail}
        else:
            placed = layout.outline(plan)
            for cell, at, where in zip(cells, placed.pop("cells"), plan.cells, strict=True):
                cell.update({k: at[k] for k in ("x_mm", "y_mm", "size_mm", "height_mm")})
                cell["row"], cell["col"], cell["panel"] = where.row, where.col, where.panel
                # As printed: the label's words, and the finders' colour of a tinted city.
                cell["label"], cell["finder"] = where.label_text, where.finder
            # The printed panels, in the outline's coordinates (bleed origin): the view draws
            # their joins, and a code's place in words names its panel.
            bleed = plan.bleed_mm
            placed["panels"] = [{"x0_mm": round(p.x0_mm + bleed, 2),
                                 "x1_mm": round(p.x1_mm + bleed, 2)} for p in plan.panels]
            placed["dark"], placed["light"] = plan.settings.dark, plan.settings.light
            outline = placed
            warnings = [{"reason": w.reason, "detail": w.detail} for w in plan.warnings]
    return StoredCloth(cloth.id, version, site.base_url, cells, outline, error, warnings)


def _encode(view: StoredCloth) -> bytes:
    body = {"format": FORMAT, "cells": view.cells, "outline": view.outline,
            "error": view.error, "warnings": view.warning_list}
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), 5)


def _decode(row: ClothView) -> StoredCloth | None:
    body = json.loads(gzip.decompress(row.data))
    if body.get("format") != FORMAT:
        return None
    return StoredCloth(row.cloth_id, row.version, row.base_url, body["cells"],
                       body["outline"], body["error"], body.get("warnings") or [])


def _store(site: Site, view: StoredCloth) -> None:
    """Keep the view for every worker, unless another already stored a newer one."""
    session = site.db
    data = _encode(view)
    values = {"version": view.version, "base_url": view.base_url, "data": data}
    done = session.execute(
        update(ClothView).where(ClothView.cloth_id == view.cloth_id,
                                ClothView.version <= view.version).values(**values),
        execution_options={"synchronize_session": False}).rowcount
    if not done and session.get(ClothView, view.cloth_id) is None:
        try:
            with session.begin_nested():
                session.add(ClothView(cloth_id=view.cloth_id, **values))
        except IntegrityError:
            pass  # another worker stored it meanwhile: theirs is as good
    session.commit()


class _Memo:
    """This process's decoded views, one per cloth, for each database."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: dict[int, StoredCloth] = {}
        # (cloth id, version, base URL) being computed by a thread of this process.
        self.computing: dict[tuple[int, int, str], threading.Event] = {}


_memo = PerDatabase(_Memo)


def version_of(site: Site, cloth: Cloth) -> int:
    """Return the cloth's current version, read from the database (one indexed query)."""
    return site.db.scalar(select(Cloth.version).where(Cloth.id == cloth.id)) or 0


def view(site: Site, cloth: Cloth) -> StoredCloth:
    """Return the cloth's selection and outline for its current version."""
    version = version_of(site, cloth)
    memo = _memo(site)
    with memo.lock:
        known = memo.views.get(cloth.id)
    if known is not None and known.version == version and known.base_url == site.base_url:
        return known
    row = site.db.get(ClothView, cloth.id, populate_existing=True)
    found = None
    if row is not None and row.version == version and row.base_url == site.base_url:
        found = _decode(row)
    if found is None:
        found = _compute_once(site, cloth, version)
    _remember(memo, _of_cloth(found, cloth))
    return found


def _of_cloth(found: StoredCloth, cloth: Cloth) -> StoredCloth:
    found.edition, found.printed = cloth.edition, cloth.frozen_at is not None
    return found


def _remember(memo: _Memo, found: StoredCloth) -> None:
    with memo.lock:
        current = memo.views.get(found.cloth_id)
        if current is None or current.version <= found.version:
            memo.views[found.cloth_id] = found


def _compute_once(site: Site, cloth: Cloth, version: int) -> StoredCloth:
    """Compute and store this version; a thread that asks while another computes it waits.

    The background refresh (refresh.py) and a viewer who arrived first would otherwise both
    compute it, each at half speed under one interpreter lock. Other processes may still
    compute it at the same time: ``_store`` keeps either.
    """
    memo = _memo(site)
    key = (cloth.id, version, site.base_url)
    with memo.lock:
        running = memo.computing.get(key)
        if running is None:
            running = memo.computing[key] = threading.Event()
            mine = True
        else:
            mine = False
    if not mine:
        running.wait(WAIT_FOR_OTHER_S)
        with memo.lock:
            known = memo.views.get(cloth.id)
        if known is not None and known.version >= version and known.base_url == site.base_url:
            return known
        return _compute_and_store(site, cloth, version)  # the other thread failed or is slow
    try:
        found = _compute_and_store(site, cloth, version)
        _remember(memo, found)
        return found
    finally:
        with memo.lock:
            memo.computing.pop(key, None)
        running.set()


def _compute_and_store(site: Site, cloth: Cloth, version: int) -> StoredCloth:
    with computing.one_at_a_time(site, cloth.id, WAIT_FOR_OTHER_S):
        # Another process may have stored it since we looked (or while we waited).
        row = site.db.get(ClothView, cloth.id, populate_existing=True)
        if row is not None and row.version >= version and row.base_url == site.base_url:
            found = _decode(row)
            if found is not None:
                return _of_cloth(found, cloth)
        found = compute(site, cloth, version)
        _store(site, found)
        return _of_cloth(found, cloth)


def held(site: Site, cloth_id: int, version: int) -> StoredCloth | None:
    """Return this process's decoded view of that cloth version, if it has it: no query."""
    with _memo(site).lock:
        known = _memo(site).views.get(cloth_id)
    if known is not None and known.version == version and known.base_url == site.base_url:
        return known
    return None


def forget(site: Site) -> None:
    """Drop this process's decoded views (the stored ones stay)."""
    with _memo(site).lock:
        _memo(site).views.clear()

