"""The plan of one cloth: every cell placed on the grid around the title, and its panels.

Coordinates are *finished* millimetres: origin at the top-left corner of the trim (the cloth's
finished edge), x to the right, y down. The bleed extends ``bleed_mm`` beyond the trim on every
side (negative coordinates on the left and top). The hem is ``hem_mm`` inside the trim and is
folded under, so nothing is placed there: the safe area is the trim inset by the hem.
The printed artwork is the bleed box scaled by ``1 + shrink_pct / 100`` (fabric shrinks);
renderers apply that scale at their edge (``layout.units``), the plan never does.
Panels split the width when the artwork is wider than the printer's roll; each join is a
band ``overlap_mm`` wide lying in a gutter between columns, clear of every quiet zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tablecloth import qr
from tablecloth.qr import Matrix

from .geometry import CellSpec, Panel, PlacedCell, Rect, TitleBlock
from .grid import DEFAULT_SYMBOL, Grid, grid
from .settings import (
    MAX_SIDE_MM,
    MIN_MODULE_MM,
    SLUG_MM,
    ClothSettings,
    LayoutError,
    LayoutWarning,
)
from .text import fit_size_mm


@dataclass(frozen=True)
class Plan:
    """Where everything goes on one cloth, in finished millimetres."""

    settings: ClothSettings
    cells: tuple[PlacedCell, ...]
    panels: tuple[Panel, ...]
    title: TitleBlock
    grid: Grid
    warnings: tuple[LayoutWarning, ...] = field(default=())

    @property
    def scale(self) -> float:
        return self.settings.scale

    @property
    def trim_width_mm(self) -> float:
        return self.settings.width_mm

    @property
    def trim_height_mm(self) -> float:
        return self.settings.height_mm

    @property
    def bleed_mm(self) -> float:
        return self.settings.bleed_mm

    @property
    def slug_mm(self) -> float:
        return SLUG_MM

    @property
    def artwork_width_mm(self) -> float:
        """Return the printed width of the whole cloth with bleed, shrink allowance included."""
        return (self.settings.width_mm + 2 * self.settings.bleed_mm) * self.scale

    @property
    def artwork_height_mm(self) -> float:
        return (self.settings.height_mm + 2 * self.settings.bleed_mm) * self.scale

    @property
    def safe(self) -> Rect:
        """Return the area inside the hem where cells and title may go."""
        s = self.settings
        return Rect(s.hem_mm, s.hem_mm, s.width_mm - 2 * s.hem_mm, s.height_mm - 2 * s.hem_mm)

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
        """Return how far a phone can scan from: ten times the smallest symbol's width."""
        size = min((c.symbol_size_mm for c in self.cells), default=0.0)
        return round(size * 10, 0)


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
    return LayoutError(reason[bool(size), bool(module)], **detail)


def _label(spec: CellSpec) -> str:
    name = f"{spec.name} / {spec.name_other}" if spec.name_other else spec.name
    return f"{name} · {spec.city_label}" if name else spec.city_label


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
    placed = []
    for spec, (r, c) in zip(cells, slots, strict=False):
        mat = mats[spec.url]
        own = (mat.size + 2 * s.quiet_modules) * m
        offset = (g.cell_mm - own) / 2  # a smaller symbol sits centred in its cell
        x, y = g.col_x[c] + offset, g.row_y[r] + offset
        label, text, font = None, "", 0.0
        if s.labels:
            label = Rect(g.col_x[c], g.row_y[r] + g.cell_mm, g.cell_mm, g.label_h_mm)
            text = _label(spec)
            font = fit_size_mm(text, label.w_mm * 0.96, label.h_mm * 0.62)
        panel = next(p.index for p in panels if p.x0_mm <= g.col_x[c] and
                     g.col_x[c] + g.cell_mm <= p.x1_mm)
        placed.append(PlacedCell(spec, mat, r, c, panel, x, y, own, m, s.quiet_modules,
                                 label, text, font))
    return Plan(s, tuple(placed), panels, _title_block(s, g), g, tuple(warnings))


def _panels(s: ClothSettings, g: Grid) -> tuple[Panel, ...]:
    edges = [-s.bleed_mm, *g.joins, s.width_mm + s.bleed_mm]
    out = []
    for i in range(len(edges) - 1):
        x0 = edges[i]
        x1 = edges[i + 1] + (s.overlap_mm if i + 1 < len(edges) - 1 else 0.0)
        out.append(Panel(
            index=i, x0_mm=x0, x1_mm=x1, y0_mm=-s.bleed_mm, y1_mm=s.height_mm + s.bleed_mm,
            trim_x0_mm=max(x0, 0.0), trim_x1_mm=min(x1, s.width_mm),
            overlap_left_mm=s.overlap_mm if i > 0 else 0.0,
            overlap_right_mm=s.overlap_mm if i + 1 < len(edges) - 1 else 0.0,
        ))
    return tuple(out)


def _title_block(s: ClothSettings, g: Grid) -> TitleBlock:
    (c0, c1), (r0, r1) = g.title_cols, g.title_rows
    if c1 <= c0 or r1 <= r0:
        rect = Rect(0, 0, 0, 0)
        return TitleBlock(rect, s.title, s.subtitle, 0.0, 0.0)
    x0, x1 = g.col_x[c0], g.col_x[c1 - 1] + g.cell_mm
    y0, y1 = g.row_y[r0], g.row_y[r1 - 1] + g.cell_h_mm
    rect = Rect(x0, y0, x1 - x0, y1 - y0)
    title_font = fit_size_mm(s.title, rect.w_mm * 0.92, rect.h_mm * 0.3, bold=True)
    sub_font = fit_size_mm(s.subtitle, rect.w_mm * 0.92, title_font * 0.7)
    return TitleBlock(rect, s.title, s.subtitle, title_font, sub_font)


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
        "title": {"x_mm": round(t.x_mm + b, 2), "y_mm": round(t.y_mm + b, 2),
                  "w_mm": round(t.w_mm, 2), "h_mm": round(t.h_mm, 2),
                  "text": plan.title.title, "subtitle": plan.title.subtitle},
        "cells": cells,
        "columns": plan.cols,
        "rows": plan.rows,
    }
