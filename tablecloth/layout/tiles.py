"""Pieces of a cloth smaller than a panel: lengths a shop's file cap allows, paper sheets.

A tile is a rectangle of the artwork in finished millimetres whose edges run through the
light between codes (the middle of the gap between two columns or two rows, or a panel's
own edge), so every code, with its quiet zone and label, lies wholly on one tile and
decodes there. An online printer that caps a file's length gets a long panel in lengths
cut between rows; an office printer gets A4 or A3 sheets cut between rows and columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .geometry import PlacedCell
from .plan import Plan
from .settings import LayoutError
from .units import Frame

EPS_MM = 1e-6


@dataclass(frozen=True)
class Tile:
    """One piece: finished-mm region, its panel, and its place in the grid of pieces."""

    index: int
    panel: int
    row: int
    col: int
    rows: int
    cols: int
    x0_mm: float
    y0_mm: float
    x1_mm: float
    y1_mm: float

    def frame(self, plan: Plan, margin_mm: float = 0.0) -> Frame:
        """Return the frame that draws this piece (shrink allowance included)."""
        return Frame(self.x0_mm, self.y0_mm, self.x1_mm, self.y1_mm, plan.scale_x,
                     plan.scale_y, margin_mm)

    def cells(self, plan: Plan) -> list[PlacedCell]:
        """Return the cells whose code lies on this piece."""
        return [c for c in plan.cells if c.panel == self.panel and self.holds(c)]

    def holds(self, cell: PlacedCell) -> bool:
        """Say whether a cell's code and quiet zone lie on this piece."""
        return (self.x0_mm - EPS_MM <= cell.x_mm and cell.x_mm + cell.size_mm <= self.x1_mm
                + EPS_MM and self.y0_mm - EPS_MM <= cell.y_mm
                and cell.y_mm + cell.size_mm <= self.y1_mm + EPS_MM)

    @property
    def name(self) -> str:
        """Return "r2c3" style coordinates counted from 1, for file names and marks."""
        return f"r{self.row + 1}c{self.col + 1}"


def _gaps(starts: tuple[float, ...], size: float, lo: float = 0.0, hi: float = 0.0
          ) -> list[float]:
    """Return where to cut in the light between items starting at starts (each size long).

    The middle of each gap between two items, and every millimetre of the blank margins
    before the first and after the last (between lo and hi), where nothing is printed.
    """
    cuts = [(a + size + b) / 2 for a, b in zip(starts, starts[1:], strict=False)]
    if starts:
        first, last = starts[0], starts[-1] + size
        cuts += [float(y) for y in range(int(lo) + 1, int(first))]
        cuts += [float(y) for y in range(int(last) + 1, int(hi))]
    return cuts


def _cuts(lo: float, hi: float, candidates: list[float], span: float) -> list[float]:
    """Return edges lo, ..., hi choosing cuts among candidates so no piece exceeds span."""
    edges = [lo]
    inside = sorted(c for c in candidates if lo + EPS_MM < c < hi - EPS_MM)
    while hi - edges[-1] > span + EPS_MM:
        fitting = [c for c in inside if edges[-1] + EPS_MM < c <= edges[-1] + span + EPS_MM]
        if not fitting:
            raise LayoutError("piece_too_small", mm=round(span, 1))
        edges.append(fitting[-1])
    edges.append(hi)
    return edges


def _balanced(lo: float, hi: float, candidates: list[float], span: float) -> list[float]:
    """Return the fewest cuts (as _cuts) moved towards equal pieces where the gaps allow."""
    edges = _cuts(lo, hi, candidates, span)
    n = len(edges) - 1
    if n <= 1:
        return edges
    inside = sorted(c for c in candidates if lo + EPS_MM < c < hi - EPS_MM)
    want = (hi - lo) / n
    out = [lo]
    for k in range(1, n):
        target = lo + k * want
        # The gap nearest the equal share that keeps this piece and what is left printable.
        ok = [c for c in inside if out[-1] + EPS_MM < c <= out[-1] + span + EPS_MM
              and hi - c <= (n - k) * span + EPS_MM]
        out.append(min(ok, key=lambda c: abs(c - target)) if ok else edges[k])
    out.append(hi)
    return out


def _row_cuts(plan: Plan) -> list[float]:
    """Return the middles of the gaps between rows, except through the title block."""
    g = plan.grid
    r0, r1 = g.title_rows
    middles = _gaps(g.row_y, g.cell_h_mm)
    margins = _gaps(g.row_y, g.cell_h_mm, -plan.bleed_mm,
                    plan.trim_height_mm + plan.bleed_mm)[len(middles):]
    return [y for r, y in enumerate(middles) if not r0 <= r < r1 - 1] + margins


def split_lengthwise(plan: Plan, max_length_mm: float) -> list[Tile]:
    """Return each panel cut between rows into lengths at most max_length_mm as printed."""
    span = max_length_mm / plan.scale_y  # lengths run along the roll
    cuts = _row_cuts(plan)
    out: list[Tile] = []
    for panel in plan.panels:
        edges = _balanced(panel.y0_mm, panel.y1_mm, cuts, span)
        for i in range(len(edges) - 1):
            out.append(Tile(len(out), panel.index, i, 0, len(edges) - 1, 1,
                            panel.x0_mm, edges[i], panel.x1_mm, edges[i + 1]))
    return out


def sheets(plan: Plan, width_mm: float, height_mm: float) -> list[Tile]:
    """Return each panel cut between rows and columns into sheets of this printed size.

    Sheets keep to their panel, so the paper panels join as the fabric ones will.
    """
    g = plan.grid
    b = plan.bleed_mm
    col_cuts = _gaps(g.col_x, g.cell_mm, -b, plan.trim_width_mm + b)
    row_cuts = _gaps(g.row_y, g.cell_h_mm, -b, plan.trim_height_mm + b)
    out: list[Tile] = []
    for panel in plan.panels:
        xs = _balanced(panel.x0_mm, panel.x1_mm, col_cuts, width_mm / plan.scale_x)
        ys = _balanced(panel.y0_mm, panel.y1_mm, row_cuts, height_mm / plan.scale_y)
        for r in range(len(ys) - 1):
            for c in range(len(xs) - 1):
                out.append(Tile(len(out), panel.index, r, c, len(ys) - 1, len(xs) - 1,
                                xs[c], ys[r], xs[c + 1], ys[r + 1]))
    return out


# The office test print: sheets of paper at 1:1 (render.sheets draws them).
PAPERS_MM = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}
SHEET_MARGIN_MM = 14.0  # office printers leave 3-5 mm blank; the rest holds marks and names
FOOTER_MM = 8.0  # under the tile: what the sheet is


def paper_of(options: Mapping[str, Any]) -> tuple[str, tuple[float, float]]:
    """Return the paper name and (width, height) in mm from options; refuse another size."""
    name = str(options.get("paper") or "a4").lower()
    if name not in PAPERS_MM:
        raise LayoutError("paper_not_offered", paper=name, choices=", ".join(PAPERS_MM))
    return name, PAPERS_MM[name]


def sheet_tiles(plan: Plan, options: Mapping[str, Any]) -> list[Tile]:
    """Return the tiles of the cloth, one a sheet, for the paper named in options."""
    _name, (w, h) = paper_of(options)
    return sheets(plan, w - 2 * SHEET_MARGIN_MM, h - 2 * SHEET_MARGIN_MM - FOOTER_MM)


def sheet_frame(plan: Plan, tile: Tile) -> Frame:
    """Return where a tile sits on its sheet: its top-left corner at the margin."""
    return tile.frame(plan, SHEET_MARGIN_MM)
