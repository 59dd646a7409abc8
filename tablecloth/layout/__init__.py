"""Cloth geometry in millimetres (pure): settings, validation, ordering and the plan.

See ``layout.plan`` for the coordinate system (finished mm, origin at the trim's top-left).
"""

from __future__ import annotations

from collections.abc import Sequence

from .order import alternate_cities
from .plan import (
    DEFAULT_SYMBOL,
    SLUG_MM,
    CellSpec,
    ClothSettings,
    Grid,
    LayoutError,
    Panel,
    PlacedCell,
    Plan,
    Rect,
    TitleBlock,
    capacity,
    contrast_ratio,
    grid,
    parse_colour,
    plan_cloth,
)
from .text import FONT_BOLD_PATH, FONT_PATH, fit_size_mm, text_width_mm


def grid_slots(settings: ClothSettings, count: int, symbol: int = DEFAULT_SYMBOL) -> list:
    """Return the (row, col) of the first count placement positions, for alternate_cities."""
    return grid(settings, symbol, count=count).slots_for(count)


def order_for_cloth(
    cells: Sequence[CellSpec], settings: ClothSettings, symbol: int | None = None
) -> list[CellSpec]:
    """Return cells in chessboard order of cities for this cloth's grid."""
    if symbol is None:
        from tablecloth import qr

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
    "DEFAULT_SYMBOL", "FONT_BOLD_PATH", "FONT_PATH", "SLUG_MM", "CellSpec", "ClothSettings",
    "Grid", "LayoutError", "Panel", "PlacedCell", "Plan", "Rect", "TitleBlock",
    "alternate_cities", "capacity", "contrast_ratio", "fit_size_mm", "grid", "grid_slots",
    "order_for_cloth", "parse_colour", "plan_cloth", "text_width_mm",
]
