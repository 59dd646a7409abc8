"""PNG and TIFF rasters, drawn in horizontal strips so memory stays flat for any size.

A 1.8 m cloth at 300 ppi is ~21,000 px square: 450 MB as one 8-bit bitmap, 1.3 GB in RGB.
We draw one strip of rows at a time (codes, labels and title clipped to the strip), and
stream it out: PNG rows go through one zlib stream into IDAT chunks, TIFF strips are
deflated one by one and the directory is written at the end. Module edges are rounded to
whole pixels from their absolute millimetre positions, so neighbouring modules share
edges exactly and every code keeps its geometry.
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
from tablecloth.layout import PlacedCell, Plan, parse_colour
from tablecloth.layout.text import FONT_BOLD_PATH, FONT_PATH
from tablecloth.layout.units import Frame, mm_to_px

from .colour import png_iccp_chunk_data, profile_for
from .common import LABEL_BASELINE, Out, Progress, open_out, progress_of

STRIP_ROWS = 256
PPI_CHOICES = (150, 300)  # what fabric shops print at; offered to organisers in this order


@lru_cache(maxsize=64)
def _font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD_PATH if bold else FONT_PATH), max(1, size_px))


@dataclass
class _Code:
    """A cell's code in pixels: its box and, once needed, its own small mask image."""

    cell: PlacedCell
    x0: int
    y0: int
    xs: list[int]
    ys: list[int]
    mask: Image.Image | None = None

    @property
    def y1(self) -> int:
        return self.ys[-1]

    def draw_mask(self) -> Image.Image:
        """Return a 1-bit-in-L mask of the dark modules, drawn once per cell."""
        if self.mask is None:
            xs, ys = self.xs, self.ys
            img = Image.new("L", (xs[-1] - self.x0, ys[-1] - self.y0), 0)
            d = ImageDraw.Draw(img)
            for x, y, n in self.cell.matrix.runs():
                d.rectangle((xs[x] - self.x0, ys[y] - self.y0,
                             xs[x + n] - self.x0 - 1, ys[y + 1] - self.y0 - 1), fill=255)
            self.mask = img
        return self.mask


@dataclass
class _Text:
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
            self.frame = Frame.for_panel(plan, p, margin_mm=0.0)
            cells = plan.panel_cells(p)
        self.ppi = ppi
        self.width, self.height = self.frame.pixel_size(ppi)
        dark, light = parse_colour(s.dark), parse_colour(s.light)
        grey = dark[0] == dark[1] == dark[2] and light[0] == light[1] == light[2]
        self.mode = "L" if grey else "RGB"
        self.dark = dark[0] if grey else dark
        self.light = light[0] if grey else light
        fx, fy = self.frame.px, self.frame.py
        self.codes: list[_Code] = []
        for cell in cells:
            m = cell.module_mm
            n = cell.matrix.size
            xs = [round(fx(cell.symbol_x_mm + i * m, ppi)) for i in range(n + 1)]
            ys = [round(fy(cell.symbol_y_mm + i * m, ppi)) for i in range(n + 1)]
            self.codes.append(_Code(cell, xs[0], ys[0], xs, ys))
        self.codes.sort(key=lambda c: c.y0)
        self.texts: list[_Text] = []
        scale_px = mm_to_px(self.frame.scale, ppi)  # pixels per finished mm
        for cell in cells:
            if cell.label is None or not cell.label_text:
                continue
            size = cell.label_font_mm * scale_px
            base = fy(cell.label.y_mm + cell.label.h_mm * LABEL_BASELINE, ppi)
            self.texts.append(_Text(fx(cell.label.x_mm + cell.label.w_mm / 2, ppi), base,
                                    base - size, base + size * 0.3, round(size),
                                    cell.label_text, False))
        t = plan.title
        if t.rect.w_mm > 0 and self.frame.contains(t.rect.x_mm, t.rect.y_mm, t.rect.x1_mm,
                                                   t.rect.y1_mm):
            cx = fx(t.rect.x_mm + t.rect.w_mm / 2, ppi)
            gap = t.title_font_mm * 0.45
            block = t.title_font_mm + (gap + t.subtitle_font_mm if t.subtitle else 0)
            top = t.rect.y_mm + (t.rect.h_mm - block) / 2
            lines = [(top + t.title_font_mm * 0.8, t.title_font_mm, t.title, True)]
            if t.subtitle:
                lines.append((top + t.title_font_mm + gap + t.subtitle_font_mm * 0.8,
                              t.subtitle_font_mm, t.subtitle, False))
            for y_mm, size_mm, text, bold in lines:
                size = size_mm * scale_px
                base = fy(y_mm, ppi)
                self.texts.append(_Text(cx, base, base - size, base + size * 0.3,
                                        round(size), text, bold))
        if s.draft:
            size = min(7.0, s.hem_mm * 0.5) * scale_px
            base = fy(s.hem_mm * 0.7, ppi)
            self.texts.append(_Text(self.width / 2, base, base - size, base + size * 0.3,
                                    round(size), "DRAFT · NOT FOR PRINT", True))

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
                elif i == first:
                    first += 1
                    code.mask = None  # done with it: keep memory flat
                i += 1
            draw = None
            for t in self.texts:
                if t.top < bottom and t.bottom > top:
                    draw = draw or ImageDraw.Draw(strip)
                    draw.text((t.x, t.y - top), t.text, fill=self.dark,
                              font=_font(t.size_px, t.bold), anchor="ms")
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
