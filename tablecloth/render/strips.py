"""The cloth drawn as pixels, one horizontal strip of rows at a time, for every raster writer.

Each symbol's box is rounded to whole pixels from its absolute millimetre position, and its
modules are whole pixels within it (scaled from one pixel per module by nearest neighbour),
so neighbouring modules share edges exactly. Codes, labels, title and a panel's marks are
clipped to the strip being drawn, so memory stays flat for any size of cloth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from tablecloth.layout import Panel, PlacedCell, Plan, TextItem, parse_colour
from tablecloth.layout.text import FONT_BOLD_PATH, FONT_PATH
from tablecloth.layout.units import Frame, mm_to_px
from tablecloth.qr import split_finders

from .common import Progress, in_frame
from .marks import panel_marks
from .text import draft_item, raster_text, raster_turned

STRIP_ROWS = 256


@lru_cache(maxsize=16)
def _mark_font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD_PATH if bold else FONT_PATH), max(1, size_px))


@dataclass
class _Code:
    """A cell's code in pixels: its box and, once needed, its own small opaque image."""

    cell: PlacedCell
    x0: int
    y0: int
    x1: int
    y1: int
    image: Image.Image | None = None

    def draw(self, mode: str, dark: bytes, light: bytes, coarse: bool,
             finder: bytes = b"") -> Image.Image:
        """Return the symbol drawn in dark and light, made once per cell.

        One pixel per module, from the matrix's rows in one translate, then scaled to the
        symbol's box by nearest neighbour: every module keeps whole pixels and neighbours
        share their edges. ``finder``: the colour of the three finder patterns' dark
        modules, when the cell's city is told apart. ``coarse``: modules under 2 px, the
        symbol drawn as its average tone (a preview seen from afar).
        """
        if self.image is None:
            width, height = self.x1 - self.x0, self.y1 - self.y0
            if coarse:
                tone = bytes((d + 2 * li) // 3 for d, li in zip(dark, light, strict=True))
                self.image = Image.new(mode, (width, height), tuple(tone) if len(tone) > 1
                                       else tone[0])
            else:
                n = self.cell.matrix.size
                table = str.maketrans({"1": dark.decode("latin-1"),
                                       "0": light.decode("latin-1"),
                                       "2": (finder or dark).decode("latin-1")})
                rows = self.cell.matrix.rows
                if finder:  # the finder patterns' dark modules as "2"
                    body, finders = split_finders(self.cell.matrix)
                    rows = tuple(b if "1" not in f else "".join(
                        "2" if fc == "1" else bc for bc, fc in zip(b, f, strict=True))
                        for b, f in zip(body.rows, finders.rows, strict=True))
                modules = "".join(rows).translate(table).encode("latin-1")
                self.image = Image.frombytes(mode, (n, n), modules).resize(
                    (width, height), Image.Resampling.NEAREST)
        return self.image


@dataclass
class _Text:
    item: TextItem
    x: float  # left end
    y: float  # baseline
    top: float
    bottom: float
    size_px: float
    fill: Any


@dataclass
class _MarkText:
    x: float
    y: float  # baseline
    top: float
    bottom: float
    size_px: int
    text: str
    bold: bool


class Painter:
    """Draw the plan strip by strip."""

    def __init__(self, plan: Plan, ppi: float, panel: int | None, tile: Any = None,
                 coarse: bool = False, min_text_px: float = 0.0) -> None:
        self.plan = plan
        s = plan.settings
        if tile is not None:  # a layout.tiles.Tile: a length of a panel, cut between rows
            self.frame = tile.frame(plan)
            cells = tile.cells(plan)
        elif panel is None:
            self.frame = Frame.whole(plan)
            cells = list(plan.cells)
        else:
            p = plan.panels[panel]
            # A panel's own file carries its slug: crop, join and registration marks, and
            # which panel it is, as the PDF's page does.
            self.frame = Frame.for_panel(plan, p)
            cells = plan.panel_cells(p)
        self.ppi = ppi
        self.width, self.height = self.frame.pixel_size(ppi)
        colours = [s.dark, s.light, *(c.finder for c in cells if c.finder),
                   *(sw.colour for sw in plan.swatches), *(t.colour for t in plan.texts),
                   *(r.colour for r in plan.rules)]
        rgb = {c: parse_colour(c) for c in colours if c}
        grey = all(r == g == b for r, g, b in rgb.values())
        self.mode = "L" if grey else "RGB"
        self.ink = {c: (v[0] if grey else v) for c, v in rgb.items()}
        self.ink_bytes = {c: bytes(v[:1] if grey else v) for c, v in rgb.items()}
        self.dark, self.light = self.ink[s.dark], self.ink[s.light]
        self.dark_bytes, self.light_bytes = self.ink_bytes[s.dark], self.ink_bytes[s.light]
        self.coarse = coarse
        fx, fy = self.frame.px, self.frame.py
        self.codes: list[_Code] = []
        for cell in cells:
            side_mm = cell.matrix.size * cell.module_mm
            x, y = cell.symbol_x_mm, cell.symbol_y_mm
            self.codes.append(_Code(cell, round(fx(x, ppi)), round(fy(y, ppi)),
                                    round(fx(x + side_mm, ppi)), round(fy(y + side_mm, ppi))))
        self.codes.sort(key=lambda c: c.y0)
        px_per_mm_y = mm_to_px(self.frame.scale_y, ppi)  # pixels per finished mm, along
        items = [t for t in plan.texts if in_frame(t, self.frame)]
        if s.draft:
            items.append(draft_item(plan))
        self.texts: list[_Text] = []
        self.turned: list[tuple[int, int, Image.Image, Image.Image]] = []
        for t in items:
            size = t.size_mm * px_per_mm_y
            if size < min_text_px and t.role != "border":  # too small to read on a screen
                continue
            if t.rotate % 360:  # a border line facing its edge: drawn once, pasted by strips
                (ink_image, mask), (ax, ay) = raster_turned(
                    t, size, self.ink.get(t.colour, self.dark), self.mode)
                sx, sy = t.start_mm
                self.turned.append((round(fx(sx, ppi)) - ax, round(fy(sy, ppi)) - ay,
                                    ink_image, mask))
                continue
            base = fy(t.y_mm, ppi)
            self.texts.append(_Text(t, fx(t.x0_mm, ppi), base, base - size, base + size * 0.35,
                                    size, self.ink.get(t.colour, self.dark)))
        self.swatches = [
            (fx(sw.x_mm, ppi), fy(sw.y_mm, ppi), fx(sw.x_mm + sw.size_mm, ppi),
             fy(sw.y_mm + sw.size_mm, ppi), self.ink[sw.colour])
            for sw in plan.swatches if self.frame.x0_mm <= sw.x_mm <= self.frame.x1_mm
        ]
        self.rules = [
            (round(fx(r.x_mm, ppi)), round(fy(r.y_mm, ppi)),
             max(round(fx(r.x_mm, ppi)) + 1, round(fx(r.x_mm + r.w_mm, ppi))),
             max(round(fy(r.y_mm, ppi)) + 1, round(fy(r.y_mm + r.h_mm, ppi))),
             self.ink[r.colour])
            for r in plan.rules
            if r.x_mm < self.frame.x1_mm and r.x_mm + r.w_mm > self.frame.x0_mm
        ]
        self.lines: list[tuple[float, float, float, float]] = []
        self.targets: list[tuple[float, float, float]] = []
        self.mark_texts: list[_MarkText] = []
        if panel is not None and tile is None:
            self._marks(plan.panels[panel], ppi)

    def _marks(self, panel: Panel, ppi: float) -> None:
        """Convert the panel's printer's marks (page mm) to pixels."""
        marks = panel_marks(self.plan, panel, self.frame)
        px = ppi / 25.4
        self.lines = [(a * px, b * px, c * px, d * px) for a, b, c, d in marks.lines]
        self.targets = [(x * px, y * px, r * px) for x, y, r in marks.targets]
        for x, y, size, text, bold in marks.texts:
            size_px = max(1, int(size * px))  # never larger than measured
            self.mark_texts.append(_MarkText(x * px, y * px, y * px - size_px,
                                             y * px + size_px * 0.3, size_px, text, bold))

    def _extras(self, strip: Image.Image, top: int, bottom: int) -> None:
        """Draw rules, text, swatches and marks that reach into the strip [top, bottom)."""
        draw = None
        for x0, y0, x1, y1, ink in self.rules:
            if y0 < bottom and y1 > top:
                draw = draw or ImageDraw.Draw(strip)
                draw.rectangle((x0, y0 - top, x1 - 1, y1 - 1 - top), fill=ink)
        for x, y, ink_image, mask in self.turned:
            if y < bottom and y + mask.height > top:
                strip.paste(ink_image, (x, y - top), mask)
        for t in self.texts:
            if t.top < bottom and t.bottom > top:
                draw = draw or ImageDraw.Draw(strip)
                raster_text(draw, t.item, t.x, t.y - top, t.size_px, t.fill)
        for x0, y0, x1, y1, ink in self.swatches:
            if y0 < bottom and y1 > top:
                draw = draw or ImageDraw.Draw(strip)
                side = x1 - x0
                for inset, fill in ((0.0, ink), (1 / 7, self.light), (2 / 7, ink)):
                    a = side * inset
                    draw.rectangle((round(x0 + a), round(y0 + a - top), round(x1 - a) - 1,
                                    round(y1 - a - top) - 1), fill=fill)
        black = 0 if self.mode == "L" else (0, 0, 0)
        for x0, y0, x1, y1 in self.lines:
            if min(y0, y1) < bottom and max(y0, y1) + 1 > top:
                draw = draw or ImageDraw.Draw(strip)
                draw.line((x0, y0 - top, x1, y1 - top), fill=black, width=1)
        for cx, cy, r in self.targets:
            if cy - r * 1.4 < bottom and cy + r * 1.4 > top:
                draw = draw or ImageDraw.Draw(strip)
                y = cy - top
                draw.ellipse((cx - r, y - r, cx + r, y + r), outline=black, width=1)
                draw.line((cx - r * 1.4, y, cx + r * 1.4, y), fill=black, width=1)
                draw.line((cx, y - r * 1.4, cx, y + r * 1.4), fill=black, width=1)
        for t in self.mark_texts:
            if t.top < bottom and t.bottom > top:
                draw = draw or ImageDraw.Draw(strip)
                draw.text((t.x, t.y - top), t.text, fill=black,
                          font=_mark_font(t.size_px, t.bold), anchor="ls")

    def strips(self, progress: Progress) -> Iterator[Image.Image]:
        """Yield the image in strips of STRIP_ROWS rows (the last may be shorter)."""
        first = 0  # codes before this index ended above the current strip
        for top in range(0, self.height, STRIP_ROWS):
            bottom = min(self.height, top + STRIP_ROWS)
            strip = Image.new(self.mode, (self.width, bottom - top), self.light)
            i = first
            while i < len(self.codes) and self.codes[i].y0 < bottom:
                code = self.codes[i]
                if code.y1 > top:
                    # Opaque: the symbol area lies on light ground and nothing overlaps it.
                    finder = self.ink_bytes[code.cell.finder] if code.cell.finder else b""
                    strip.paste(code.draw(self.mode, self.dark_bytes, self.light_bytes,
                                          self.coarse, finder), (code.x0, code.y0 - top))
                elif i == first:
                    first += 1
                    code.image = None  # done with it: keep memory flat
                i += 1
            self._extras(strip, top, bottom)
            progress(bottom / self.height * 0.95, "drawing strips")
            yield strip
