"""The plan of one cloth: every cell placed on the grid around the title, and its panels.

Coordinates are *finished* millimetres: origin at the top-left corner of the trim (where the
fabric is cut), x to the right, y down. The trim is the finished cloth with the hem allowance
``hem_mm`` outside it on every side, folded under when sewn: the finished cloth, where codes,
labels and title go, is [hem, hem + width] x [hem, hem + height]. The bleed extends
``bleed_mm`` beyond the trim (negative coordinates on the left and top). The printed artwork
is the bleed box scaled by the shrink allowances, across the weave in x and along it in y;
renderers apply them at their edge (``layout.units``), the plan never does.
Panels split the width when the artwork is wider than the printer's roll; each join is a
band ``overlap_mm`` wide lying in a gutter between columns, clear of every quiet zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tablecloth import qr
from tablecloth.qr import Matrix

from . import border, scan
from .fonts import clean
from .geometry import CellSpec, Panel, PlacedCell, Rect, Rule, Swatch, TextItem, TitleBlock
from .grid import DEFAULT_SYMBOL, Grid, grid
from .settings import (
    MAX_SIDE_MM,
    MIN_MODULE_MM,
    SLUG_MM,
    WARN_MODULE_MM,
    ClothSettings,
    LayoutError,
    LayoutWarning,
)
from .texts import city_colours, label_for, label_item, title_block

SPARSE_SHARE = 0.5  # warn when the codes fill less than this share of the cloth's places


@dataclass(frozen=True)
class Plan:
    """Where everything goes on one cloth, in finished millimetres."""

    settings: ClothSettings
    cells: tuple[PlacedCell, ...]
    panels: tuple[Panel, ...]
    title: TitleBlock
    grid: Grid
    warnings: tuple[LayoutWarning, ...] = field(default=())
    texts: tuple[TextItem, ...] = field(default=())  # labels, title, legend: every line
    swatches: tuple[Swatch, ...] = field(default=())  # the city key's colour squares
    rules: tuple[Rule, ...] = field(default=())  # a design's border and title frame

    @property
    def scale_x(self) -> float:
        return self.settings.scale_x

    @property
    def scale_y(self) -> float:
        return self.settings.scale_y

    @property
    def trim_width_mm(self) -> float:
        """Return the cut width: the finished width and the hem allowance on both sides."""
        return self.settings.cut_width_mm

    @property
    def trim_height_mm(self) -> float:
        return self.settings.cut_height_mm

    @property
    def bleed_mm(self) -> float:
        return self.settings.bleed_mm

    @property
    def slug_mm(self) -> float:
        return SLUG_MM

    @property
    def artwork_width_mm(self) -> float:
        """Return the printed width of the whole cloth with bleed, shrink allowance included."""
        return (self.trim_width_mm + 2 * self.bleed_mm) * self.scale_x

    @property
    def artwork_height_mm(self) -> float:
        return (self.trim_height_mm + 2 * self.bleed_mm) * self.scale_y

    @property
    def safe(self) -> Rect:
        """Return the finished cloth (inside the hem), where cells and title go."""
        s = self.settings
        return Rect(s.hem_mm, s.hem_mm, s.width_mm, s.height_mm)

    @property
    def rows(self) -> int:
        return len(self.grid.row_y)

    @property
    def cols(self) -> int:
        return len(self.grid.col_x)

    def cell(self, code: str) -> PlacedCell:
        """Return the placed cell of a code."""
        for c in self.cells:
            if c.spec.code == code:
                return c
        raise KeyError(code)

    def panel_cells(self, panel: Panel) -> list[PlacedCell]:
        """Return the cells printed on a panel (each lies wholly on exactly one)."""
        return [c for c in self.cells if c.panel == panel.index]

    @property
    def min_module_mm(self) -> float:
        return min((c.module_mm for c in self.cells), default=self.settings.module_mm)

    @property
    def scan_distance_mm(self) -> float:
        """Return how far a phone reads the smallest module from (``layout.scan``'s model)."""
        return scan.scan_distance_cm(self.min_module_mm) * 10.0


def _suggest(settings: ClothSettings, symbol: int, needed: int) -> tuple[
    tuple[float, float] | None, float | None
]:
    """Return a cloth size and a module size (each alone) that would hold needed codes."""
    size = None
    aspect = settings.height_mm / settings.width_mm
    w = settings.width_mm
    while w < MAX_SIDE_MM:
        w += 50
        trial = replace(settings, width_mm=w, height_mm=round(w * aspect / 50) * 50 or 50)
        try:
            if len(grid(trial, symbol).slots) >= needed:
                size = (trial.width_mm, trial.height_mm)
                break
        except LayoutError:
            continue
    module = None
    m = round(settings.module_mm, 2)
    while m > MIN_MODULE_MM:
        m = round(m - 0.05, 2)
        try:
            if len(grid(replace(settings, module_mm=m), symbol).slots) >= needed:
                module = m
                break
        except LayoutError:
            continue
    return size, module


def _too_many(settings: ClothSettings, symbol: int, needed: int, fits: int) -> LayoutError:
    """Return the refusal for too many codes, with what would fit instead."""
    size, module = _suggest(settings, symbol, needed)
    detail: dict[str, Any] = {"needed": needed, "fits": fits, "mm": settings.module_mm}
    if size:
        detail["width"], detail["height"] = size
    if module:
        detail["module"] = module
    reason = {(True, True): "too_many_codes_either", (True, False): "too_many_codes_bigger",
              (False, True): "too_many_codes_smaller", (False, False): "too_many_codes"}
    code = reason[bool(size), bool(module)]
    if module and module < WARN_MODULE_MM:
        code += "_risky"  # the smaller module is below the line where codes may not scan
    return LayoutError(code, **detail)


def plan_cloth(
    cells: Sequence[CellSpec],
    settings: ClothSettings,
    matrices: Mapping[str, Matrix] | None = None,
) -> Plan:
    """Place cells in the given order on the grid around the central title block.

    ``matrices`` maps URL to matrix; missing ones are encoded (and cached) here.
    Raises LayoutError when a setting is unprintable or the cells do not fit.
    """
    warnings = settings.validate()
    codes = [c.code for c in cells]
    if len(set(codes)) != len(codes):
        raise LayoutError("code_twice")
    mats = dict(matrices or {})
    for c in cells:
        if c.url not in mats:
            mats[c.url] = qr.encode(c.url, settings.error_correction)
    symbol = max((mats[c.url].size for c in cells), default=DEFAULT_SYMBOL)
    g = grid(settings, symbol, count=len(cells))
    if len(cells) > len(g.slots):
        raise _too_many(settings, symbol, len(cells), len(g.slots))
    slots = g.slots_for(len(cells))
    s = settings
    m = s.module_mm
    panels = _panels(s, g)
    colours = city_colours(cells, s)
    placed = []
    texts: list[TextItem] = []
    small_labels = []
    for spec, (r, c) in zip(cells, slots, strict=False):
        mat = mats[spec.url]
        own = (mat.size + 2 * s.quiet_modules) * m
        offset = (g.cell_mm - own) / 2  # a smaller symbol sits centred in its cell
        x, y = g.col_x[c] + offset, g.row_y[r] + offset
        box, text, font = None, "", 0.0
        if s.labels:
            box = Rect(g.col_x[c], g.row_y[r] + g.cell_mm, g.cell_mm, g.label_h_mm)
            label = label_for(spec, box)
            text, font = label.text, label.size_mm
            if label.small:
                small_labels.append(label)
            if text:
                texts.append(label_item(box, label))
        panel = next(p.index for p in panels if p.x0_mm <= g.col_x[c] and
                     g.col_x[c] + g.cell_mm <= p.x1_mm)
        placed.append(PlacedCell(spec, mat, r, c, panel, x, y, own, m, s.quiet_modules,
                                 box, text, font, colours.get(spec.city_slug, "")))
    rect = _title_rect(g)
    inset = border.title_inset_mm(s, rect)
    words_rect = Rect(rect.x_mm + inset, rect.y_mm + inset, rect.w_mm - 2 * inset,
                      rect.h_mm - 2 * inset) if inset else rect
    block, title_texts, swatches, title_warnings = title_block(words_rect, s, cells, colours)
    block = replace(block, rect=rect)
    title_texts, rules = border.title_frame(s, rect, title_texts)
    slugs = sorted(colours)
    band_texts, band_rules, band_swatches, band_warnings = border.border(
        s, colours.get(slugs[0], "") if slugs else s.accent_first,
        colours.get(slugs[-1], "") if len(slugs) > 1 else s.accent)
    title_texts += band_texts
    rules += band_rules
    swatches += band_swatches
    warnings += title_warnings + band_warnings
    if small_labels:
        cap = min(label.size_mm for label in small_labels) * 0.714
        warnings.append(LayoutWarning("labels_small", {"count": len(small_labels),
                                                       "mm": round(cap, 1)}))
    if g.title_across_join:
        warnings.append(LayoutWarning("title_crosses_join"))
    warnings += _name_warnings(cells)
    sparse = _sparse(s, symbol, len(cells))
    if sparse:
        warnings.append(sparse)
    return Plan(s, _counted(placed), panels, block, g, tuple(warnings),
                tuple(texts + title_texts), tuple(swatches), tuple(rules))


def _counted(placed: list[PlacedCell]) -> tuple[PlacedCell, ...]:
    """Number each code among the codes of its row in its panel, from the left."""
    lines: dict[tuple[int, int], list[int]] = {}
    for cell in placed:
        lines.setdefault((cell.row, cell.panel), []).append(cell.col)
    squares = {key: {col: i for i, col in enumerate(sorted(cols), start=1)}
               for key, cols in lines.items()}
    return tuple(replace(cell, square=squares[(cell.row, cell.panel)][cell.col])
                 for cell in placed)


def _name_warnings(cells: Sequence[CellSpec]) -> list[LayoutWarning]:
    """Say, naming each photo, which emoji were left out and which characters cannot print."""
    emoji, missing = [], []
    for c in cells:
        found = clean(c.name)
        if found.emoji:
            emoji.append(f"{c.code} “{c.name}” → “{found.text}”")
        if found.missing:
            chars = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in found.missing)
            missing.append(f"{c.code} “{c.name}”: {chars}")
    out = []
    if emoji:
        out.append(LayoutWarning("names_emoji_left_out", {"names": "; ".join(emoji)}))
    if missing:
        out.append(LayoutWarning("names_unprintable", {"names": "; ".join(missing)}))
    return out


def _sparse(settings: ClothSettings, symbol: int, count: int) -> LayoutWarning | None:
    """Warn when the codes fill under half the cloth, and name a size that holds them."""
    fits = len(grid(settings, symbol).slots)
    if count == 0 or count >= fits * SPARSE_SHARE:
        return None
    aspect = settings.height_mm / settings.width_mm
    w = settings.width_mm
    best = None
    while w > 100:
        w -= 50
        trial = replace(settings, width_mm=w, height_mm=max(50, round(w * aspect / 50) * 50))
        try:
            if len(grid(trial, symbol).slots) < count:
                break
        except LayoutError:
            break
        best = (trial.width_mm, trial.height_mm)
    if best is None:
        return None
    return LayoutWarning("cloth_sparse", {"count": count, "fits": fits, "width": best[0],
                                          "height": best[1]})


def _panels(s: ClothSettings, g: Grid) -> tuple[Panel, ...]:
    edges = [-s.bleed_mm, *g.joins, s.cut_width_mm + s.bleed_mm]
    out = []
    for i in range(len(edges) - 1):
        x0 = edges[i]
        x1 = edges[i + 1] + (s.overlap_mm if i + 1 < len(edges) - 1 else 0.0)
        out.append(Panel(
            index=i, x0_mm=x0, x1_mm=x1, y0_mm=-s.bleed_mm, y1_mm=s.cut_height_mm + s.bleed_mm,
            trim_x0_mm=max(x0, 0.0), trim_x1_mm=min(x1, s.cut_width_mm),
            overlap_left_mm=s.overlap_mm if i > 0 else 0.0,
            overlap_right_mm=s.overlap_mm if i + 1 < len(edges) - 1 else 0.0,
        ))
    return tuple(out)


def _title_rect(g: Grid) -> Rect:
    (c0, c1), (r0, r1) = g.title_cols, g.title_rows
    if c1 <= c0 or r1 <= r0:
        return Rect(0, 0, 0, 0)
    x0, x1 = g.col_x[c0], g.col_x[c1 - 1] + g.cell_mm
    y0, y1 = g.row_y[r0], g.row_y[r1 - 1] + g.cell_h_mm
    return Rect(x0, y0, x1 - x0, y1 - y0)


def outline(plan: Plan) -> dict[str, Any]:
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
        "finished": {"x_mm": b + plan.settings.hem_mm, "y_mm": b + plan.settings.hem_mm,
                     "w_mm": plan.settings.width_mm, "h_mm": plan.settings.height_mm},
        "title": {"x_mm": round(t.x_mm + b, 2), "y_mm": round(t.y_mm + b, 2),
                  "w_mm": round(t.w_mm, 2), "h_mm": round(t.h_mm, 2),
                  "text": plan.title.title, "subtitle": plan.title.subtitle},
        # Every line of text but the codes' labels (title, years, legend, address, border),
        # where the print files draw it, so a screen shows the same words in the same places.
        "texts": [{"role": t.role, "text": t.text, "x_mm": round(t.x_mm + b, 2),
                   "y_mm": round(t.y_mm + b, 2), "size_mm": round(t.size_mm, 2),
                   "bold": t.bold, "align": t.align, "colour": t.colour, "rotate": t.rotate}
                  for t in plan.texts if t.role != "label"],
        "cells": cells,
        "columns": plan.cols,
        "rows": plan.rows,
    }
