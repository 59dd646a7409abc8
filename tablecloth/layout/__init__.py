"""Cloth geometry in millimetres (pure): settings and their limits, the grid, order and plan.

See ``layout.plan`` for the coordinate system (finished mm, origin at the trim's top-left)
and ``layout.units`` for the one conversion to points and pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

from tablecloth import qr

from . import scan
from .designs import DESIGNS, ColourPair, Design, design_named
from .fonts import Printable, clean
from .geometry import (
    CellSpec,
    Panel,
    PlacedCell,
    Rect,
    Rule,
    Swatch,
    TextItem,
    TitleBlock,
)
from .grid import DEFAULT_SYMBOL, Grid, capacity, grid, grid_slots
from .order import alternate_cities
from .plan import Plan, outline, plan_cloth
from .settings import (
    MIN_CONTRAST,
    MIN_MODULE_MM,
    SLUG_MM,
    WARN_MODULE_MM,
    ClothSettings,
    LayoutError,
    LayoutWarning,
    contrast_ratio,
    parse_colour,
)
from .text import (
    FONT_BOLD_PATH,
    FONT_PATH,
    MIN_CAP_HEIGHT_MM,
    fit_size_mm,
    text_width_mm,
)


def order_for_cloth(
    cells: Sequence[CellSpec], settings: ClothSettings, symbol: int | None = None
) -> list[CellSpec]:
    """Return cells in chessboard order of cities for this cloth's grid."""
    if symbol is None:
        # The grid depends on the symbol size, so use the one plan_cloth will use.
        symbol = max((qr.symbol_size(c.url, settings.error_correction) for c in cells),
                     default=DEFAULT_SYMBOL)
    try:
        slots = grid_slots(settings, len(cells), symbol)
    except LayoutError:
        slots = []
    if len(slots) < len(cells):
        return alternate_cities(cells)  # plan_cloth will say it does not fit
    return alternate_cities(cells, slots)


__all__ = [
    "DESIGNS", "ColourPair", "Design", "Rule", "design_named",
    "DEFAULT_SYMBOL", "FONT_BOLD_PATH", "FONT_PATH", "MIN_CAP_HEIGHT_MM", "MIN_CONTRAST",
    "MIN_MODULE_MM", "SLUG_MM", "WARN_MODULE_MM", "CellSpec", "ClothSettings", "Grid",
    "LayoutError", "LayoutWarning", "Panel", "PlacedCell", "Plan", "Printable", "Rect",
    "Swatch", "TextItem", "TitleBlock", "alternate_cities", "capacity", "clean",
    "contrast_ratio", "fit_size_mm", "grid", "grid_slots", "order_for_cloth", "outline",
    "parse_colour", "plan_cloth", "scan", "text_width_mm",
]
