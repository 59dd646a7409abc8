"""Cloth geometry in millimetres: settings, validation, the grid and the plan of placed cells.

Coordinates are *finished* millimetres: origin at the top-left corner of the trim (the cloth's
finished edge), x to the right, y down. The bleed extends ``bleed_mm`` beyond the trim on every
side (negative coordinates on the left and top). The hem is ``hem_mm`` inside the trim and is
folded under, so nothing is placed there: the safe area is the trim inset by the hem.
The printed artwork is the bleed box scaled by ``1 + shrink_pct / 100`` (fabric shrinks);
renderers apply that scale at their edge (``render.units``), the plan never does.
Panels split the width when the artwork is wider than the printer's roll; each join is a
band ``overlap_mm`` wide lying in a gutter between columns, clear of every quiet zone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .text import fit_size_mm

if TYPE_CHECKING:
    from tablecloth.qr import Matrix

# Symbol size of a 39-character alphanumeric URL (https://host.example.org/P/CODE) at level H.
DEFAULT_SYMBOL = 33
SLUG_MM = 12.0  # margin outside the bleed for crop and registration marks, never scaled
JOIN_CLEAR_MM = 3.0  # light kept between a join band and the nearest quiet zone
LABEL_MODULES = 3.0  # label line height in modules
ROW_GAP_MODULES = 1.0  # light between a label and the next row's quiet zone
MIN_MODULE_MM, WARN_MODULE_MM = 1.0, 1.5
MIN_CONTRAST = 7.0
PDF_PAGE_LIMIT_MM = 5080.0  # 14,400 pt: Acrobat's largest page without UserUnit


class LayoutError(ValueError):
    """The settings or the cells cannot make a printable cloth; the message says why.

    ``fits``/``needed`` and the suggestions are set when there are too many cells.
    """

    def __init__(self, message: str, *, fits: int | None = None, needed: int | None = None,
                 suggest_size_mm: tuple[float, float] | None = None,
                 suggest_module_mm: float | None = None) -> None:
        super().__init__(message)
        self.fits = fits
        self.needed = needed
        self.suggest_size_mm = suggest_size_mm
        self.suggest_module_mm = suggest_module_mm


_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_colour(value: str) -> tuple[int, int, int]:
    """Return (r, g, b) 0-255 from '#rgb' or '#rrggbb'."""
    if not _HEX.match(value or ""):
        raise LayoutError(f"colour {value!r} is not #rrggbb")
    h = value[1:]
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(rgb: tuple[int, int, int]) -> float:
    """Return WCAG relative luminance of an sRGB colour."""
    def lin(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(dark: str, light: str) -> float:
    """Return the WCAG contrast ratio between two colours (1 to 21)."""
    a, b = luminance(parse_colour(dark)), luminance(parse_colour(light))
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class ClothSettings:
    """Everything an organiser can set about a cloth; defaults from DESIGN section 4."""

    width_mm: float = 1800.0
    height_mm: float = 1800.0
    hem_mm: float = 25.0
    bleed_mm: float = 10.0
    module_mm: float = 2.0
    quiet_modules: int = 4
    min_light_modules: int = 8
    error_correction: str = "H"
    dark: str = "#1a1a1a"
    light: str = "#ffffff"
    title: str = "Coventry · Ковентри — Volgograd · Волгоград"
    subtitle: str = "1944 · 2026"
    roll_width_mm: float = 1400.0
    overlap_mm: float = 20.0
    shrink_pct: float = 3.0
    labels: bool = True
    crop_marks: bool = True
    draft: bool = False

    @property
    def scale(self) -> float:
        """Return the factor from finished millimetres to printed (pre-shrink) millimetres."""
        return 1 + self.shrink_pct / 100

    def validate(self) -> list[str]:
        """Raise LayoutError for an unprintable setting; return warnings for risky ones."""
        warnings: list[str] = []
        for name in ("width_mm", "height_mm", "module_mm", "roll_width_mm"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise LayoutError(f"{name} must be a positive number, not {value!r}")
        for name in ("hem_mm", "bleed_mm", "overlap_mm", "shrink_pct"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise LayoutError(f"{name} must be zero or more, not {value!r}")
        if max(self.width_mm, self.height_mm) > 20_000:
            raise LayoutError("a cloth larger than 20 m is not a tablecloth")
        if self.hem_mm * 2 >= min(self.width_mm, self.height_mm):
            raise LayoutError(f"the {self.hem_mm:g} mm hem leaves no room on the cloth")
        if self.bleed_mm > 100:
            raise LayoutError(f"bleed of {self.bleed_mm:g} mm is too much (shops ask 5-20 mm)")
        if self.shrink_pct > 15:
            raise LayoutError(f"shrink allowance of {self.shrink_pct:g}% is too much (2-5% usual)")
        if self.module_mm < MIN_MODULE_MM:
            raise LayoutError(
                f"module size {self.module_mm:g} mm is below {MIN_MODULE_MM:g} mm: "
                "codes woven or printed on fabric that small do not scan"
            )
        if self.module_mm < WARN_MODULE_MM:
            warnings.append(
                f"module size {self.module_mm:g} mm is below {WARN_MODULE_MM:g} mm: "
                "test-print a sample on the chosen fabric"
            )
        if self.quiet_modules < 4:
            raise LayoutError("the quiet zone is 4 modules and is never shrunk")
        if self.min_light_modules < 8:
            raise LayoutError("keep at least 8 modules of light between neighbouring codes")
        if self.error_correction not in ("L", "M", "Q", "H"):
            raise LayoutError(f"error correction {self.error_correction!r} is not L, M, Q or H")
        if self.error_correction != "H":
            warnings.append("error correction below H: fabric stains and folds cost codes")
        dark, light = parse_colour(self.dark), parse_colour(self.light)
        if luminance(dark) >= luminance(light):
            raise LayoutError("the dark colour must be darker than the light one (never inverted)")
        ratio = contrast_ratio(self.dark, self.light)
        if ratio < MIN_CONTRAST:
            raise LayoutError(
                f"contrast {ratio:.1f}:1 between {self.dark} and {self.light} is below "
                f"{MIN_CONTRAST:g}:1"
            )
        if self.roll_width_mm < 200:
            raise LayoutError(f"a roll of {self.roll_width_mm:g} mm is too narrow")
        length = (self.height_mm + 2 * self.bleed_mm) * self.scale + 2 * SLUG_MM
        if length > PDF_PAGE_LIMIT_MM:
            warnings.append(
                f"each panel is {length / 1000:.2f} m long: PDF pages above 5.08 m (200 in) "
                "are refused by some print software; ask the shop or use PNG/TIFF"
            )
        return warnings


@dataclass(frozen=True)
class CellSpec:
    """One photo to place: its code, the URL in its QR code, and what its label says."""

    code: str
    url: str
    name: str
    city_label: str  # bilingual, e.g. "Volgograd / Волгоград"
    city_slug: str


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in finished millimetres (y down)."""

    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float

    @property
    def x1_mm(self) -> float:
        return self.x_mm + self.w_mm

    @property
    def y1_mm(self) -> float:
        return self.y_mm + self.h_mm


@dataclass(frozen=True)
class PlacedCell:
    """A code at its place: (x_mm, y_mm) is the top-left of the quiet zone."""

    spec: CellSpec
    matrix: Matrix
    row: int
    col: int
    panel: int
    x_mm: float
    y_mm: float
    size_mm: float  # code including the quiet zone on both sides
    module_mm: float
    quiet_modules: int
    label: Rect | None
    label_text: str
    label_font_mm: float

    @property
    def symbol_x_mm(self) -> float:
        return self.x_mm + self.quiet_modules * self.module_mm

    @property
    def symbol_y_mm(self) -> float:
        return self.y_mm + self.quiet_modules * self.module_mm

    @property
    def symbol_size_mm(self) -> float:
        return self.matrix.size * self.module_mm

    @property
    def box(self) -> Rect:
        """Return the code with its quiet zone."""
        return Rect(self.x_mm, self.y_mm, self.size_mm, self.size_mm)

    @property
    def position(self) -> str:
        """Return a human position: row, column and panel, counted from 1."""
        return f"row {self.row + 1}, column {self.col + 1}, panel {self.panel + 1}"


@dataclass(frozen=True)
class Panel:
    """One printed width of fabric: x0..x1 in finished mm (bleed outside, overlap at joins)."""

    index: int
    x0_mm: float
    x1_mm: float
    y0_mm: float
    y1_mm: float
    trim_x0_mm: float
    trim_x1_mm: float
    overlap_left_mm: float
    overlap_right_mm: float

    @property
    def width_mm(self) -> float:
        return self.x1_mm - self.x0_mm


@dataclass(frozen=True)
class TitleBlock:
    """The central block: title and subtitle centred in rect."""

    rect: Rect
    title: str
    subtitle: str
    title_font_mm: float
    subtitle_font_mm: float


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


@dataclass(frozen=True)
class Plan:
    """Where everything goes on one cloth, in finished millimetres."""

    settings: ClothSettings
    cells: tuple[PlacedCell, ...]
    panels: tuple[Panel, ...]
    title: TitleBlock
    grid: Grid
    warnings: tuple[str, ...] = field(default=())

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
        raise LayoutError(
            f"a {s.roll_width_mm:g} mm roll cannot hold one {cell:g} mm code beside a join"
        )
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
            raise LayoutError(f"a {s.roll_width_mm:g} mm roll is too narrow for these codes")
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


def _suggest(settings: ClothSettings, symbol: int, needed: int) -> tuple[
    tuple[float, float] | None, float | None
]:
    """Return a cloth size and a module size (each alone) that would hold needed codes."""
    size = None
    aspect = settings.height_mm / settings.width_mm
    w = settings.width_mm
    while w < 20_000:
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


def _label(spec: CellSpec) -> str:
    return f"{spec.name} · {spec.city_label}" if spec.name else spec.city_label


def plan_cloth(
    cells: Sequence[CellSpec],
    settings: ClothSettings,
    matrices: Mapping[str, Matrix] | None = None,
) -> Plan:
    """Place cells in the given order on the grid around the central title block.

    ``matrices`` maps URL to matrix; missing ones are encoded (and cached) here.
    Raises LayoutError when a setting is unprintable or the cells do not fit.
    """
    from tablecloth import qr

    warnings = settings.validate()
    codes = [c.code for c in cells]
    if len(set(codes)) != len(codes):
        raise LayoutError("the same code appears twice on the cloth")
    mats = dict(matrices or {})
    for c in cells:
        if c.url not in mats:
            mats[c.url] = qr.encode(c.url, settings.error_correction)
    symbol = max((mats[c.url].size for c in cells), default=DEFAULT_SYMBOL)
    g = grid(settings, symbol, count=len(cells))
    if len(cells) > len(g.slots):
        size, module = _suggest(settings, symbol, len(cells))
        hints = []
        if size:
            hints.append(f"a {size[0]:g} × {size[1]:g} mm cloth")
        if module:
            hints.append(f"{module:g} mm modules")
        hint = (" Would fit: " + " or ".join(hints) + ".") if hints else ""
        raise LayoutError(
            f"{len(cells)} codes do not fit: this cloth holds {len(g.slots)} at "
            f"{settings.module_mm:g} mm modules.{hint}",
            fits=len(g.slots), needed=len(cells), suggest_size_mm=size,
            suggest_module_mm=module,
        )
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

