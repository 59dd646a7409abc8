"""The grid of a cloth: columns between the hems and across panel joins, rows, the title."""

from __future__ import annotations

from dataclasses import dataclass

from .settings import SLUG_MM, ClothSettings, LayoutError

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
    label_h = LABEL_MODULES * m if s.labels else 0.0
    col_gap = max(0.0, (s.min_light_modules - 2 * s.quiet_modules) * m)
    row_gap = max(col_gap, ROW_GAP_MODULES * m)
    return cell, label_h, col_gap, row_gap


def _columns(s: ClothSettings, cell: float, gap: float) -> tuple[list[float], list[float]]:
    """Return column left edges and join band left edges across the safe width."""
    left, right = s.hem_mm, s.width_mm - s.hem_mm
    max_w = (s.roll_width_mm - 2 * SLUG_MM) / s.scale  # finished mm one panel can hold
    eps = 1e-9
    full = s.width_mm + 2 * s.bleed_mm
    if full <= max_w + eps:
        n = int((right - left + gap + eps) // (cell + gap))
        used = n * cell + max(0, n - 1) * gap
        x0 = left + (right - left - used) / 2
        return [x0 + i * (cell + gap) for i in range(n)], []
    if cell + 2 * JOIN_CLEAR_MM + s.overlap_mm + s.bleed_mm + s.hem_mm > max_w:
        raise LayoutError("roll_too_narrow_for_join", roll_mm=s.roll_width_mm,
                          cell_mm=round(cell, 2))
    cols: list[float] = []
    joins: list[float] = []
    panel_start = -s.bleed_mm
    in_panel = 0
    x = left
    while x + cell <= right + eps:
        r = x + cell
        if s.width_mm + s.bleed_mm - panel_start <= max_w + eps or (
            r + JOIN_CLEAR_MM + s.overlap_mm <= panel_start + max_w + eps
        ):
            cols.append(x)
            in_panel += 1
            x = r + gap
            continue
        if in_panel == 0:
            raise LayoutError("roll_too_narrow_for_codes", roll_mm=s.roll_width_mm)
        j0 = cols[-1] + cell + JOIN_CLEAR_MM
        joins.append(j0)
        panel_start = j0
        in_panel = 0
        x = max(x, j0 + s.overlap_mm + JOIN_CLEAR_MM)
    if not cols:
        return cols, joins
    # Centre the columns; only the first panel grows, so stay within the roll there.
    slack = right - (cols[-1] + cell)
    first_w = (joins[0] + s.overlap_mm if joins else s.width_mm + s.bleed_mm) + s.bleed_mm
    delta = max(0.0, min(slack / 2, max_w - first_w))
    return [c + delta for c in cols], [j + delta for j in joins]


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
    col_x, joins = _columns(s, cell, col_gap)
    cell_h = cell + label_h
    top, bottom = s.hem_mm, s.height_mm - s.hem_mm
    n_rows = int((bottom - top + row_gap + 1e-9) // (cell_h + row_gap))
    n_cols = len(col_x)

    def title_cells(rows: int) -> tuple[tuple[int, int], tuple[int, int]]:
        if rows == 0 or n_cols == 0:
            return (0, 0), (0, 0)
        c0, c1 = _title_range(n_cols, 0.5, 1)
        # Keep the title off any join: shrink the block to the larger side of the join.
        for j in joins:
            split = sum(1 for x in col_x if x < j)
            if c0 < split < c1:
                c0, c1 = (c0, split) if split - c0 >= c1 - split else (split, c1)
        k = max(1, round(rows * 0.12))  # rows are few: centre as well as parity allows
        r0 = (rows - k) // 2
        return (c0, c1), (r0, r0 + k)

    def cap(rows: int) -> int:
        (c0, c1), (r0, r1) = title_cells(rows)
        return rows * n_cols - (c1 - c0) * (r1 - r0)

    if count is not None:
        while n_rows > 1 and cap(n_rows - 1) >= count:
            n_rows -= 1
    used = n_rows * cell_h + max(0, n_rows - 1) * row_gap
    y0 = top + (bottom - top - used) / 2
    row_y = tuple(y0 + i * (cell_h + row_gap) for i in range(n_rows))
    tc, tr = title_cells(n_rows)
    return Grid(tuple(col_x), row_y, cell, cell_h, label_h, tuple(joins), tc, tr, symbol)


def capacity(settings: ClothSettings, symbol: int = DEFAULT_SYMBOL) -> int:
    """Return how many codes of this symbol size (33 for a typical URL at H) fit the cloth."""
    settings.validate()
    return len(grid(settings, symbol).slots)


def grid_slots(settings: ClothSettings, count: int, symbol: int = DEFAULT_SYMBOL) -> list:
    """Return the (row, col) of the first count placement positions, for alternate_cities."""
    return grid(settings, symbol, count=count).slots_for(count)
