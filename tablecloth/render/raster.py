"""PNG and TIFF rasters, drawn in horizontal strips so memory stays flat for any size.

A 1.8 m cloth at 300 ppi is ~21,000 px square: 450 MB as one 8-bit bitmap, 1.3 GB in RGB.
We draw one strip of rows at a time (codes, text and marks clipped to the strip), and
stream it out: PNG rows go through one zlib stream into IDAT chunks, TIFF strips are
deflated one by one and the directory is written at the end. Module edges are rounded to
whole pixels from their absolute millimetre positions, so neighbouring modules share
edges exactly and every code keeps its geometry.

``panel=N`` writes one panel's own file, as the PDF's page: the panel with its bleed and a
slug around it carrying crop, join and registration marks and the panel's number.
"""

from __future__ import annotations

import math
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from PIL import Image, ImageDraw, ImageFont

from tablecloth.errors import Refusal
from tablecloth.layout import Panel, PlacedCell, Plan, TextItem, parse_colour
from tablecloth.layout.text import FONT_BOLD_PATH, FONT_PATH
from tablecloth.layout.units import Frame, mm_to_px
from tablecloth.qr import Matrix, split_finders

from .colour import png_iccp_chunk_data, profile_for
from .common import Out, Progress, in_frame, open_out, progress_of
from .marks import panel_marks
from .text import draft_item, raster_text

STRIP_ROWS = 256
PPI_CHOICES = (150, 300)  # what fabric shops print at; offered to organisers in this order


@lru_cache(maxsize=16)
def _mark_font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD_PATH if bold else FONT_PATH), max(1, size_px))


@dataclass
class _Code:
    """A cell's code in pixels: its box and, once needed, its own small mask images."""

    cell: PlacedCell
    x0: int
    y0: int
    xs: list[int]
    ys: list[int]
    mask: Image.Image | None = None
    finder_mask: Image.Image | None = None

    @property
    def y1(self) -> int:
        return self.ys[-1]

    def _mask_of(self, matrix: Matrix) -> Image.Image:
        xs, ys = self.xs, self.ys
        img = Image.new("L", (xs[-1] - self.x0, ys[-1] - self.y0), 0)
        d = ImageDraw.Draw(img)
        for x, y, n in matrix.runs():
            d.rectangle((xs[x] - self.x0, ys[y] - self.y0,
                         xs[x + n] - self.x0 - 1, ys[y + 1] - self.y0 - 1), fill=255)
        return img

    def draw_mask(self) -> Image.Image:
        """Return a 1-bit-in-L mask of the dark modules (finders apart if tinted), once."""
        if self.mask is None:
            if self.cell.finder:
                body, finders = split_finders(self.cell.matrix)
                self.mask, self.finder_mask = self._mask_of(body), self._mask_of(finders)
            else:
                self.mask = self._mask_of(self.cell.matrix)
        return self.mask


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


class _Painter:
    """Draw the plan strip by strip."""

    def __init__(self, plan: Plan, ppi: float, panel: int | None, tile: Any = None) -> None:
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
                   *(sw.colour for sw in plan.swatches), *(t.colour for t in plan.texts)]
        rgb = {c: parse_colour(c) for c in colours if c}
        grey = all(r == g == b for r, g, b in rgb.values())
        self.mode = "L" if grey else "RGB"
        self.ink = {c: (v[0] if grey else v) for c, v in rgb.items()}
        self.dark, self.light = self.ink[s.dark], self.ink[s.light]
        fx, fy = self.frame.px, self.frame.py
        self.codes: list[_Code] = []
        for cell in cells:
            m = cell.module_mm
            n = cell.matrix.size
            xs = [round(fx(cell.symbol_x_mm + i * m, ppi)) for i in range(n + 1)]
            ys = [round(fy(cell.symbol_y_mm + i * m, ppi)) for i in range(n + 1)]
            self.codes.append(_Code(cell, xs[0], ys[0], xs, ys))
        self.codes.sort(key=lambda c: c.y0)
        px_per_mm_y = mm_to_px(self.frame.scale_y, ppi)  # pixels per finished mm, along
        items = [t for t in plan.texts if in_frame(t, self.frame)]
        if s.draft:
            items.append(draft_item(plan))
        self.texts = []
        for t in items:
            size = t.size_mm * px_per_mm_y
            base = fy(t.y_mm, ppi)
            self.texts.append(_Text(t, fx(t.x0_mm, ppi), base, base - size, base + size * 0.35,
                                    size, self.ink.get(t.colour, self.dark)))
        self.swatches = [
            (fx(sw.x_mm, ppi), fy(sw.y_mm, ppi), fx(sw.x_mm + sw.size_mm, ppi),
             fy(sw.y_mm + sw.size_mm, ppi), self.ink[sw.colour])
            for sw in plan.swatches if self.frame.x0_mm <= sw.x_mm <= self.frame.x1_mm
        ]
        self.lines: list[tuple[float, float, float, float]] = []
        self.targets: list[tuple[float, float, float]] = []
        self.mark_texts: list[_MarkText] = []
        if panel is not None:
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
        """Draw text, swatches and marks that reach into the strip [top, bottom)."""
        draw = None
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
                draw.text((t.x, t.y - top), t.text, fill=black, font=_mark_font(t.size_px, t.bold),
                          anchor="ls")

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
                    mask = code.draw_mask()
                    strip.paste(self.dark, (code.x0, code.y0 - top), mask)
                    if code.finder_mask is not None:
                        strip.paste(self.ink[code.cell.finder], (code.x0, code.y0 - top),
                                    code.finder_mask)
                elif i == first:
                    first += 1
                    code.mask = code.finder_mask = None  # done with it: keep memory flat
                i += 1
            self._extras(strip, top, bottom)
            progress(bottom / self.height * 0.95, "drawing strips")
            yield strip


def check_ppi(ppi: Any) -> int:
    """Return ppi as a whole number; refuse one that is not among PPI_CHOICES."""
    try:
        value = int(ppi)
    except (TypeError, ValueError):
        raise Refusal("ppi_not_offered", ppi=str(ppi)) from None
    if value not in PPI_CHOICES:
        raise Refusal("ppi_not_offered", ppi=value)
    return value


def _ppi(options: dict[str, Any]) -> int:
    return check_ppi(options.get("ppi", PPI_CHOICES[0]))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def render_png(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as a PNG at ppi (150 or 300), streamed strip by strip."""
    progress = progress_of(options)
    ppi = _ppi(options)
    painter = _Painter(plan, ppi, options.get("panel"), options.get("tile"))
    channels = 1 if painter.mode == "L" else 3
    ppm = round(ppi / 0.0254)
    with open_out(out) as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", painter.width, painter.height, 8,
                                            0 if channels == 1 else 2, 0, 0, 0)))
        # The colour profile (sRGB, or its grey twin), so the shop's RIP need not guess.
        f.write(_chunk(b"iCCP", png_iccp_chunk_data(painter.mode)))
        f.write(_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
        z = zlib.compressobj(6)
        row_bytes = painter.width * channels
        for strip in painter.strips(progress):
            data = strip.tobytes()
            # Filter type 0 per row: flat colour compresses well without filtering.
            raw = b"".join(b"\x00" + data[i:i + row_bytes]
                           for i in range(0, len(data), row_bytes))
            packed = z.compress(raw)
            if packed:
                f.write(_chunk(b"IDAT", packed))
        f.write(_chunk(b"IDAT", z.flush()))
        f.write(_chunk(b"IEND", b""))
    progress(1.0, "PNG written")


def render_tiff(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as a deflate-compressed striped TIFF at ppi (150 or 300)."""
    progress = progress_of(options)
    ppi = _ppi(options)
    painter = _Painter(plan, ppi, options.get("panel"), options.get("tile"))
    with open_out(out) as f:
        if _seekable(f):
            _write_tiff(f, painter, ppi, progress)
        else:
            with tempfile.TemporaryFile() as tmp:
                _write_tiff(tmp, painter, ppi, progress)
                tmp.seek(0)
                shutil.copyfileobj(tmp, f)
    progress(1.0, "TIFF written")


def _seekable(f: IO[bytes]) -> bool:
    try:
        return f.seekable()
    except (AttributeError, OSError):
        return False


def _write_tiff(f: IO[bytes], painter: _Painter, ppi: int, progress: Progress) -> None:
    start = f.tell()
    f.write(b"II*\x00\x00\x00\x00\x00")  # little-endian; IFD offset patched at the end
    offsets, counts = [], []
    for strip in painter.strips(progress):
        data = zlib.compress(strip.tobytes(), 6)
        offsets.append(f.tell() - start)
        counts.append(len(data))
        f.write(data)
        if f.tell() - start > 0xFFFF_0000:
            raise ValueError("TIFF over 4 GB: use PNG or a lower ppi")
    channels = 1 if painter.mode == "L" else 3
    # Out-of-line values first, then the directory that points at them.
    extra = bytearray()
    base = f.tell() - start

    def put(data: bytes) -> int:
        if (base + len(extra)) % 2:
            extra.append(0)
        at = base + len(extra)
        extra.extend(data)
        return at

    n = len(offsets)
    entries: list[tuple[int, int, int, int | bytes]] = []

    def tag(code: int, typ: int, values: list[int]) -> None:
        fmt = {3: "H", 4: "I"}[typ]
        data = struct.pack(f"<{len(values)}{fmt}", *values)
        entries.append((code, typ, len(values), data if len(data) <= 4 else put(data)))

    res = put(struct.pack("<II", ppi, 1))
    icc = profile_for(painter.mode)[1]
    entries.append((34675, 7, len(icc), put(icc)))  # InterColorProfile: sRGB
    software = put(b"tablecloth\x00")
    tag(256, 4, [painter.width])
    tag(257, 4, [painter.height])
    tag(258, 3, [8] * channels)
    tag(259, 3, [8])  # Adobe deflate
    tag(262, 3, [1 if channels == 1 else 2])  # BlackIsZero or RGB
    tag(273, 4, offsets)
    tag(277, 3, [channels])
    tag(278, 4, [STRIP_ROWS])
    tag(279, 4, counts)
    entries.append((282, 5, 1, res))
    entries.append((283, 5, 1, res))
    tag(284, 3, [1])
    tag(296, 3, [2])  # inch
    entries.append((305, 2, len(b"tablecloth\x00"), software))
    entries.sort()
    f.write(bytes(extra))
    if (f.tell() - start) % 2:
        f.write(b"\x00")
    ifd = f.tell() - start
    f.write(struct.pack("<H", len(entries)))
    for code, typ, count, value in entries:
        if isinstance(value, bytes):
            f.write(struct.pack("<HHI", code, typ, count) + value.ljust(4, b"\x00"))
        else:
            f.write(struct.pack("<HHII", code, typ, count, value))
    f.write(struct.pack("<I", 0))
    end = f.tell()
    f.seek(start + 4)
    f.write(struct.pack("<I", ifd))
    f.seek(end)
    assert n == math.ceil(painter.height / STRIP_ROWS)
