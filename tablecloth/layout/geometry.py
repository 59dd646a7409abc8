"""The placed things of a cloth, in finished millimetres: cells, rectangles, panels, the title."""

from __future__ import annotations

from dataclasses import dataclass

from tablecloth.qr import Matrix

from .text import text_width_mm


@dataclass(frozen=True)
class CellSpec:
    """One photo to place: its code, the URL in its QR code, and what its label says."""

    code: str
    url: str
    name: str
    city_label: str  # bilingual, e.g. "Volgograd / Волгоград"
    city_slug: str
    name_other: str = ""  # the name in the other script ("Anya" for "Аня"), or nothing


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
    label_text: str  # as printed: emoji and characters no font has are left out
    label_font_mm: float
    finder: str = ""  # colour of the finder patterns when the city is told apart, else ""
    # Counted from 1 among the codes of its row in its panel, from the left: what a reader
    # at the table counts (the title block and a centred short row's gap are no squares).
    square: int = 0

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
        """Return a human position: row, square from the left in its panel, and panel."""
        return f"row {self.row + 1}, square {self.square}, panel {self.panel + 1}"


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
    """The central block: title and subtitle centred in rect, the legend under them."""

    rect: Rect
    title: str
    subtitle: str
    title_font_mm: float
    subtitle_font_mm: float
    legend_font_mm: float = 0.0


@dataclass(frozen=True)
class TextItem:
    """One line of text on the cloth: a building block that renderers draw as it says.

    ``x_mm`` is where the line is anchored (its start, middle or end, by ``align``) and
    ``y_mm`` its baseline, in finished millimetres; ``size_mm`` the em size. ``colour`` is a
    colour (#rrggbb) or "" for the cloth's dark colour. ``role`` names what it is ("label",
    "title", "subtitle", "legend", "address", "key"), so a design can restyle one kind.
    """

    role: str
    text: str
    x_mm: float
    y_mm: float
    size_mm: float
    bold: bool = False
    align: str = "middle"
    colour: str = ""
    # Degrees clockwise on the cloth about the anchor: 0, 90, 180 or 270. A border line
    # faces the edge it runs along, so whoever sits there reads it the right way up.
    rotate: int = 0

    @property
    def width_mm(self) -> float:
        return text_width_mm(self.text, self.size_mm, self.bold)

    @property
    def start_mm(self) -> tuple[float, float]:
        """Return where the line starts on its baseline (its left end when not rotated)."""
        shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[self.align] * self.width_mm
        dx, dy = _DIRECTION[self.rotate % 360]
        return self.x_mm - dx * shift, self.y_mm - dy * shift

    @property
    def bounds(self) -> Rect:
        """Return a box holding the whole line, ascenders and descenders, in any rotation."""
        (sx, sy), w, s = self.start_mm, self.width_mm, self.size_mm
        dx, dy = _DIRECTION[self.rotate % 360]
        ux, uy = dy, -dx  # towards the tops of the letters
        xs = [sx + a * dx + b * ux for a in (0, w) for b in (-0.3 * s, 1.0 * s)]
        ys = [sy + a * dy + b * uy for a in (0, w) for b in (-0.3 * s, 1.0 * s)]
        return Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    @property
    def x0_mm(self) -> float:
        """Return the left end of the line."""
        shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[self.align]
        return self.x_mm - self.width_mm * shift

    @property
    def x1_mm(self) -> float:
        return self.x0_mm + self.width_mm


# The reading direction of a line on the cloth (x right, y down) for each rotation.
_DIRECTION = {0: (1.0, 0.0), 90: (0.0, 1.0), 180: (-1.0, 0.0), 270: (0.0, -1.0)}


@dataclass(frozen=True)
class Rule:
    """A filled rectangle of colour: a design's border rules and frames."""

    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float
    colour: str


@dataclass(frozen=True)
class Swatch:
    """A small filled square of colour on the cloth (the city key in the legend)."""

    x_mm: float
    y_mm: float
    size_mm: float
    colour: str
