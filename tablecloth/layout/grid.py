"""The grid of a cloth: columns between the hems and across panel joins, rows, the title."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .designs import inset_mm
from .settings import SLUG_MM, ClothSettings, LayoutError
from .text import MIN_LABEL_EM_MM
from .texts import LABEL_EM_OF_BOX

# Symbol size of a 39-character alphanumeric URL (https://host.example.org/P/CODE) at level H.
DEFAULT_SYMBOL = 33
JOIN_CLEAR_MM = 3.0  # light kept between a join band and the nearest quiet zone
LABEL_MODULES = 3.0  # label line height in modules
ROW_GAP_MODULES = 1.0  # light between a label and the next row's quiet zone


@dataclass(frozen=True)
class Grid:
    """Column and row origins of the cells, joins and the title block's cell range."""

    col_x: tuple[float, ...]
    row_y: tuple[float, ...]
    cell_mm: float
    cell_h_mm: float
    label_h_mm: float
    joins: tuple[float, ...]  # left edge of each join band
    title_cols: tuple[int, int]  # [c0, c1)
    title_rows: tuple[int, int]  # [r0, r1)
    symbol: int
    panel_style: str = "one"  # "one", "equal" or "centre" (see _panel_edges)
    title_across_join: bool = False

    @property
    def slots(self) -> list[tuple[int, int]]:
        """Return (row, col) of every placement position in placement order."""
        (c0, c1), (r0, r1) = self.title_cols, self.title_rows
        return [
            (r, c)
            for r in range(len(self.row_y))
            for c in range(len(self.col_x))
            if not (r0 <= r < r1 and c0 <= c < c1)
        ]

    def slots_for(self, count: int) -> list[tuple[int, int]]:
        """Return the first count slots, with a partly filled last row centred."""
        slots = self.slots[:count]
        if not slots:
            return slots
        last = slots[-1][0]
        r0, r1 = self.title_rows
        in_row = [s for s in slots if s[0] == last]
        if len(in_row) < len(self.col_x) and not r0 <= last < r1:
            shift = (len(self.col_x) - len(in_row)) // 2
            slots = slots[: len(slots) - len(in_row)] + [(last, c + shift) for _, c in in_row]
        return slots


def _cell_metrics(s: ClothSettings, symbol: int) -> tuple[float, float, float, float]:
    """Return (cell size incl. quiet zones, label height, column gutter, row gutter) in mm."""
    m = s.module_mm
    cell = (symbol + 2 * s.quiet_modules) * m
    # Never smaller than a line whose capitals stand MIN_CAP_HEIGHT_MM tall.
    label_h = max(LABEL_MODULES * m, MIN_LABEL_EM_MM / LABEL_EM_OF_BOX) if s.labels else 0.0
    col_gap = max(0.0, (s.min_light_modules - 2 * s.quiet_modules) * m)
    row_gap = max(col_gap, ROW_GAP_MODULES * m)
    return cell, label_h, col_gap, row_gap


def _panel_edges(s: ClothSettings, cell: float, gap: float) -> tuple[list[float], str]:
    """Return the left edge of each panel after the first (each join band starts there),
    and the style used: "one", "equal" or "centre".

    Equal panels split the artwork evenly. "centre" is a panel the roll's full width in the
    middle with equal panels on both sides, as seamstresses join fabric so that no seam runs
    down the middle of the table; "auto" takes it when an even number of equal panels would
    put a join through the middle, and the sides can hold codes.
    """
    full = s.cut_width_mm + 2 * s.bleed_mm
    max_w = (s.roll_width_mm - 2 * SLUG_MM) / s.scale_x  # finished mm one panel can hold
    ov = s.overlap_mm
    if full <= max_w + 1e-9:
        return [], "one"
    if max_w <= ov + cell + 2 * JOIN_CLEAR_MM:
        raise LayoutError("roll_too_narrow_for_join", roll_mm=s.roll_width_mm,
                          cell_mm=round(cell, 2))
    count = math.ceil((full - ov) / (max_w - ov) - 1e-9)
    side = (full - max_w) / 2 + ov  # one side beside a full-width centre panel
    style = s.panels
    if style == "auto":
        holds_codes = side - ov - JOIN_CLEAR_MM - s.bleed_mm - s.hem_mm >= cell
        style = "centre" if count % 2 == 0 and holds_codes else "equal"
    if style == "equal":
        w = (full + (count - 1) * ov) / count
        return [-s.bleed_mm + k * (w - ov) for k in range(1, count)], "equal"
    # The centre panel as wide as its whole columns need (at most the roll), so the
    # gutters at its joins are no wider than the bands.
    band = ov + JOIN_CLEAR_MM
    n_centre = int((max_w - 2 * band + gap + 1e-9) // (cell + gap))
    centre_w = min(max_w, n_centre * (cell + gap) - gap + 2 * band)
    side = (full - centre_w) / 2 + ov
    per_side = math.ceil((side - ov) / (max_w - ov) - 1e-9) if side > max_w else 1
    w_side = (side + (per_side - 1) * ov) / per_side
    left = [-s.bleed_mm + k * (w_side - ov) for k in range(1, per_side + 1)]
    centre_right = left[-1] + centre_w  # the centre panel ends here
    right = [centre_right - ov + k * (w_side - ov) for k in range(per_side)]
    return left + right, "centre"


def _columns(s: ClothSettings, cell: float, gap: float) -> tuple[
    list[float], list[float], list[int], str
]:
    """Return column left edges, join band left edges, columns per panel and the style.

    Columns fill each panel between the hems and the join bands (clear of each band by
    JOIN_CLEAR_MM): pushed towards the joins in the outer panels and centred in the inner
    ones, so the gutter at a join is as narrow as the band allows and the layout is
    symmetric whenever the panels are.
    """
    inset = inset_mm(s)  # a design's border band keeps codes in from the hem
    left, right = s.hem_mm + inset, s.hem_mm + s.width_mm - inset
    pitch = cell + gap
    joins, style = _panel_edges(s, cell, gap)
    ov = s.overlap_mm
    n_panels = len(joins) + 1
    cols: list[float] = []
    per_panel: list[int] = []
    for k in range(n_panels):
        lo = left if k == 0 else max(left, joins[k - 1] + ov + JOIN_CLEAR_MM)
        hi = right if k == n_panels - 1 else min(right, joins[k] - JOIN_CLEAR_MM)
        n = max(0, int((hi - lo + gap + 1e-9) // pitch))
        used = n * cell + max(0, n - 1) * gap
        if n_panels == 1 or 0 < k < n_panels - 1:
            x0 = lo + (hi - lo - used) / 2
        elif k == 0:
            x0 = hi - used
        else:
            x0 = lo
        cols.extend(x0 + i * pitch for i in range(n))
        per_panel.append(n)
    if joins and not cols:
        raise LayoutError("roll_too_narrow_for_codes", roll_mm=s.roll_width_mm)
    return cols, joins, per_panel, style


def _title_range(n: int, frac: float, at_least: int) -> tuple[int, int]:
    """Return a centred [start, end) range of about frac * n items, same parity as n."""
    k = max(at_least, round(n * frac))
    if (n - k) % 2:
        k = k + 1 if k + 1 <= n else k - 1
    k = max(0, min(n, k))
    start = (n - k) // 2
    return start, start + k


def grid(settings: ClothSettings, symbol: int = DEFAULT_SYMBOL, count: int | None = None) -> Grid:
    """Return the grid for symbols of this size; with count, only as many rows as needed."""
    s = settings
    cell, label_h, col_gap, row_gap = _cell_metrics(s, symbol)
    col_x, joins, per_panel, style = _columns(s, cell, col_gap)
    cell_h = cell + label_h
    inset = inset_mm(s)
    top, bottom = s.hem_mm + inset, s.hem_mm + s.height_mm - inset
    n_rows = int((bottom - top + row_gap + 1e-9) // (cell_h + row_gap))
    n_cols = len(col_x)
    # The title goes in the panel that holds the cloth's middle; with an even number of
    # equal panels a join runs through the middle and the title has to cross it.
    middle = s.cut_width_mm / 2
    span, across, first = (0, n_cols), bool(joins), 0
    for k, n in enumerate(per_panel):
        lo = joins[k - 1] + s.overlap_mm if k else -math.inf
        hi = joins[k] if k < len(joins) else math.inf
        if lo < middle < hi:
            span, across = (first, first + n), False
        first += n

    def title_cells(rows: int, shift: int = 0) -> tuple[tuple[int, int], tuple[int, int]]:
        if rows == 0 or n_cols == 0:
            return (0, 0), (0, 0)
        c0, c1 = _title_range(n_cols, 0.5, 1)
        if not across:
            a, b = span
            k = min(b - a, c1 - c0)
            if (b - a - k) % 2:
                k -= 1
            c0 = a + (b - a - k) // 2
            c1 = c0 + k
        # Keep the block's middle on the cloth's middle: as many rows as parity needs, except
        # on a cloth of a few rows, where one more title row would cost too many places.
        k = max(1, round(rows * 0.12))
        if (rows - k) % 2 and rows >= 5:
            k += 1
        r0 = (rows - k) // 2
        r1 = r0 + k
        shift = max(-r0, min(rows - r1, shift))
        return (c0, c1), (r0 + shift, r1 + shift)

    def cap(rows: int) -> int:
        (c0, c1), (r0, r1) = title_cells(rows)
        return rows * n_cols - (c1 - c0) * (r1 - r0)

    if count is not None:
        while n_rows > 1 and cap(n_rows - 1) >= count:
            n_rows -= 1
    used = n_rows * cell_h + max(0, n_rows - 1) * row_gap
    y0 = top + (bottom - top - used) / 2
    row_y = tuple(y0 + i * (cell_h + row_gap) for i in range(n_rows))

    def make(shift: int) -> Grid:
        tc, tr = title_cells(n_rows, shift)
        return Grid(tuple(col_x), row_y, cell, cell_h, label_h, tuple(joins), tc, tr, symbol,
                    style, across and tc[1] > tc[0])

    g = make(0)
    if count is not None and count < len(g.slots):
        # A sparse cloth fills row by row from the top: move the title up a row or two
        # rather than leave an empty row under it (the organiser is told it is sparse).
        for shift in (0, -1, 1, -2, 2):
            trial = make(shift)
            if len({r for r, _c in trial.slots_for(count)}) == n_rows:
                return trial
    return g


def capacity(settings: ClothSettings, symbol: int = DEFAULT_SYMBOL) -> int:
    """Return how many codes of this symbol size (33 for a typical URL at H) fit the cloth."""
    settings.validate()
    return len(grid(settings, symbol).slots)


def grid_slots(settings: ClothSettings, count: int, symbol: int = DEFAULT_SYMBOL) -> list:
    """Return the (row, col) of the first count placement positions, for alternate_cities."""
    return grid(settings, symbol, count=count).slots_for(count)
