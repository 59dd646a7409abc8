"""Preflight a PNG or TIFF: read by Pillow, or row by row when too large to hold.

A 1.8 m cloth at 300 ppi is 21,000 px square; Pillow refuses images above its bomb limit,
so those are read here row by row (our own 8-bit PNG and TIFF writers' shapes) and cropped
band by band: memory stays flat whatever the size.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image, JpegImagePlugin

from tablecloth.errors import Refusal
from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.units import Frame

from .cells import Progress, Source, check_cells, crop_box
from .report import VerifyReport

INFLATE_BYTES = 4 * 1024 * 1024  # PNG data inflated at most this much at a time
SHAPE_TOLERANCE = 0.02  # a picture's width:height may differ this much from its file's


def verify_png(source: Source, plan: Plan, *, progress: Progress | None = None,
               panel: int | None = None, stream: bool | None = None,
               tile: Any = None) -> VerifyReport:
    """Decode every planned cell of a PNG and compare it with the plan.

    ``panel`` (or ``tile``, a layout.tiles.Tile) is for an image rendered with the same
    option (one panel's image, or one length of it). Images
    larger than Pillow's bomb limit are read row by row; ``stream`` forces either way.
    """
    return _verify("png", source, plan, progress, panel, stream, tile)


def verify_tiff(source: Source, plan: Plan, *, progress: Progress | None = None,
                panel: int | None = None, stream: bool | None = None,
                tile: Any = None) -> VerifyReport:
    """Decode every planned cell of a TIFF and compare it with the plan (as verify_png)."""
    return _verify("tiff", source, plan, progress, panel, stream, tile)


def _verify(fmt: str, source: Source, plan: Plan, progress: Progress | None,
            panel: int | None, stream: bool | None, tile: Any = None) -> VerifyReport:
    report = VerifyReport.for_plan(fmt, plan)
    return check_cells(report, _cells(source, plan, report, panel, stream, tile), plan,
                       progress)


def _cells(source: Source, plan: Plan, report: VerifyReport, panel: int | None,
           stream: bool | None, tile: Any = None
           ) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    # A panel's own file has its slug of marks around it, as the PDF's page.
    frame = Frame.whole(plan) if panel is None else Frame.for_panel(plan, plan.panels[panel])
    cells = plan.cells if panel is None else plan.panel_cells(plan.panels[panel])
    if tile is not None:
        frame, cells = tile.frame(plan), tile.cells(plan)
    if panel is not None or tile is not None:
        report.expected = len(cells)
    fp = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    with fp:
        try:
            raster = open_raster(fp)
        except (ValueError, struct.error, KeyError) as exc:
            # Not our own PNG or TIFF: a JPEG the printer sent back, or a re-saved file.
            fp.seek(0)
            image = _picture(fp, exc, frame, plan)
            _check_shape(report, plan, frame, image.width, image.height, panel, tile)
            px_per_mm = image.width / frame.width_mm
            report.px_per_module = round(plan.min_module_mm * plan.scale_x * px_per_mm, 1)
            for cell in cells:
                yield cell, image.crop(crop_box(cell, frame, px_per_mm))
            return
        _check_shape(report, plan, frame, raster.width, raster.height, panel, tile)
        px_per_mm = raster.width / frame.width_mm
        report.px_per_module = round(plan.min_module_mm * plan.scale_x * px_per_mm, 1)
        if raster.ppi and abs(raster.ppi / 25.4 - px_per_mm) > 0.01 * px_per_mm:
            report.warnings.append(f"image says {raster.ppi:g} ppi but its width implies "
                                   f"{px_per_mm * 25.4:.1f}")
        rows: dict[int, list[PlacedCell]] = {}
        for cell in cells:
            rows.setdefault(cell.row, []).append(cell)
        bands = sorted(
            (min(crop_box(c, frame, px_per_mm)[1] for c in rc),
             max(crop_box(c, frame, px_per_mm)[3] for c in rc), rc)
            for rc in rows.values()
        )
        if stream is None:
            stream = raster.width * raster.height > (Image.MAX_IMAGE_PIXELS or 0)
        if not stream:
            fp.seek(0)
            with Image.open(fp) as im:
                grey = im.convert("L")
            for _top, _bottom, row_cells in bands:
                for cell in row_cells:
                    yield cell, grey.crop(crop_box(cell, frame, px_per_mm))
            return
        lines = raster.rows()
        y = 0
        for top, bottom, row_cells in bands:
            # Grid rows never overlap, so one forward pass over the pixel rows is enough.
            top, bottom = max(top, y), min(bottom, raster.height)
            for _ in range(top - y):
                next(lines)
            data = b"".join(next(lines) for _ in range(bottom - top))
            y = bottom
            band = Image.frombytes(raster.mode, (raster.width, bottom - top), data).convert("L")
            for cell in row_cells:
                x0, y0, x1, y1 = crop_box(cell, frame, px_per_mm)
                yield cell, band.crop((x0, y0 - top, x1, y1 - top))


def _check_shape(report: VerifyReport, plan: Plan, frame: Frame, width: int, height: int,
                 panel: int | None, tile: Any) -> None:
    """Warn when the picture is not the shape of the file asked for, naming the panel it is.

    A shop sends back one panel's file as often as the whole picture; checked as the whole
    cloth every code would be "missing", which says nothing of what is wrong.
    """
    def same(fr: Frame) -> bool:
        return abs(width / height * fr.height_mm / fr.width_mm - 1) <= SHAPE_TOLERANCE

    if tile is not None or height == 0 or same(frame):
        return
    what = "the whole cloth's" if panel is None else f"panel {panel + 1}'s"
    others = [p.index + 1 for p in plan.panels if p.index != panel
              and same(Frame.for_panel(plan, p))]
    if panel is not None and same(Frame.whole(plan)):
        hint = ": it has the shape of the whole cloth's file; check it as the whole cloth"
    elif others:
        named = " or ".join(f"panel {n}'s" for n in others)
        hint = (f": it has the shape of {named} file; check it as "
                + ("that panel" if len(others) == 1 else "one of those panels"))
    else:
        hint = ""
    report.warnings.append(f"the picture's width to height, {width / height:.2f}, is not that "
                           f"of {what} file, {frame.width_mm / frame.height_mm:.2f}{hint}")


def _picture(fp: io.BufferedIOBase, why: Exception, frame: Frame, plan: Plan) -> Image.Image:
    """Return any other picture as greyscale, a large JPEG decoded at a reduced scale.

    A JPEG is opened by its plugin directly, skipping Pillow's bomb check: the file is an
    organiser's own export, and JPEG draft decoding at 1/2 to 1/8 scale keeps at least
    8 pixels a module while memory stays small. Anything Pillow cannot read, or any other
    format too large to hold, is refused with a message.
    """
    head = fp.read(3)
    fp.seek(0)
    try:
        if head == b"\xff\xd8\xff":
            im = JpegImagePlugin.JpegImageFile(fp)
            px_per_module = im.width / frame.width_mm * plan.min_module_mm * plan.scale_x
            reduce = 1
            while reduce < 8 and px_per_module / (reduce * 2) >= 8:
                reduce *= 2
            im.draft("L", (im.width // reduce, im.height // reduce))
            return im.convert("L")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fp) as im:
                return im.convert("L")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        megapixels = round(int(pixels.group(1)) / 1e6) if pixels else "?"
        raise Refusal("raster_too_large", megapixels=megapixels) from None
    except Image.UnidentifiedImageError:
        # Pillow's own words name a BytesIO object: say what the file is not instead.
        raise Refusal("raster_unreadable", problem="not a PNG, TIFF or JPEG file") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise Refusal("raster_unreadable", problem=str(exc) or str(why)) from None


@dataclass
class Raster:
    """A PNG or TIFF read row by row, so a 21,000 px cloth never sits in memory whole."""

    width: int
    height: int
    mode: str  # "L" or "RGB"
    ppi: float | None
    rows: Callable[[], Iterator[bytes]]


def open_raster(fp: io.BufferedIOBase) -> Raster:
    """Return the size, mode, resolution and a row reader of a PNG or TIFF file."""
    head = fp.read(8)
    fp.seek(0)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(fp)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff(fp)
    raise ValueError("not a PNG or TIFF file")


def _png(fp: io.BufferedIOBase) -> Raster:
    fp.read(8)
    width = height = 0
    mode, channels, ppi, idat_at = "L", 1, None, None
    while True:
        length, kind = struct.unpack(">I4s", fp.read(8))
        if kind == b"IDAT":
            idat_at = fp.tell() - 8
            break
        data = fp.read(length)
        fp.read(4)
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data)
            if depth != 8 or colour not in (0, 2) or interlace:
                raise ValueError("only 8-bit grey or RGB, non-interlaced PNG can be checked")
            mode, channels = ("L", 1) if colour == 0 else ("RGB", 3)
        elif kind == b"pHYs":
            ppm_x, _, unit = struct.unpack(">IIB", data)
            ppi = ppm_x * 0.0254 if unit == 1 else None
        elif kind == b"IEND":
            raise ValueError("PNG without image data")
    stride = width * channels

    def inflated() -> Iterator[bytes]:
        """Yield the image data inflated a few MB at a time, however well it compressed."""
        fp.seek(idat_at)
        z = zlib.decompressobj()
        while True:
            length, kind = struct.unpack(">I4s", fp.read(8))
            data = fp.read(length)
            fp.read(4)
            if kind == b"IEND":
                return
            while kind == b"IDAT" and data:
                yield z.decompress(data, INFLATE_BYTES)
                data = z.unconsumed_tail

    def rows() -> Iterator[bytes]:
        step = stride + 1
        zero = bytes(stride)
        prev = zero
        buf = bytearray()
        for piece in inflated():
            buf += piece
            pos = 0
            # Walk the buffer by offset and drop what was read once per piece: slicing the
            # rest off after every row made this quadratic.
            while len(buf) - pos >= step:
                kind = buf[pos]
                line = bytes(buf[pos + 1:pos + step])
                pos += step
                if kind == 0:
                    prev = line
                elif kind == 2 and line == zero:
                    pass  # "Up" with no change: the row above again (most rows of ours)
                else:
                    prev = _unfilter(kind, line, prev, channels)
                yield prev
            del buf[:pos]
    return Raster(width, height, mode, ppi, rows)


def _unfilter(kind: int, line: bytes, prev: bytes, bpp: int) -> bytes:
    """Undo PNG filters 1-4 (slow, pure Python; our own PNGs use 0, and 2 only on rows that
    repeat the row above, which rows() reads without this)."""
    out = bytearray(line)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            pred = a
        elif kind == 2:
            pred = b
        elif kind == 3:
            pred = (a + b) // 2
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (out[i] + pred) & 0xFF
    return bytes(out)


def _tiff(fp: io.BufferedIOBase) -> Raster:
    order = "<" if fp.read(2) == b"II" else ">"
    fp.read(2)
    (ifd,) = struct.unpack(order + "I", fp.read(4))
    fp.seek(ifd)
    (count,) = struct.unpack(order + "H", fp.read(2))
    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8}
    tags: dict[int, list[float]] = {}
    for _ in range(count):
        code, typ, n, raw = struct.unpack(order + "HHI4s", fp.read(12))
        size = sizes.get(typ, 1) * n
        if size > 4:
            here = fp.tell()
            fp.seek(struct.unpack(order + "I", raw)[0])
            raw = fp.read(size)
            fp.seek(here)
        if typ == 3:
            tags[code] = list(struct.unpack(f"{order}{n}H", raw[:2 * n]))
        elif typ == 4:
            tags[code] = list(struct.unpack(f"{order}{n}I", raw[:4 * n]))
        elif typ == 5:
            num, den = struct.unpack(order + "II", raw[:8])
            tags[code] = [num / den if den else 0.0]
    width, height = int(tags[256][0]), int(tags[257][0])
    compression = int(tags.get(259, [1])[0])
    channels = int(tags.get(277, [1])[0])
    if compression not in (1, 8, 32946) or channels not in (1, 3) or tags.get(258, [8])[0] != 8:
        raise ValueError("only 8-bit grey or RGB TIFF, uncompressed or deflate, can be checked")
    if int(tags.get(317, [1])[0]) != 1:
        raise ValueError("TIFF predictors are not supported")
    offsets, counts = tags[273], tags[279]
    per_strip = int(tags.get(278, [height])[0])
    stride = width * channels
    unit = tags.get(296, [2])[0]
    res = tags.get(282, [0.0])[0]
    ppi = res if unit == 2 else (res * 2.54 if unit == 3 else None)

    def rows() -> Iterator[bytes]:
        left = height
        for off, n in zip(offsets, counts, strict=True):
            fp.seek(int(off))
            data = fp.read(int(n))
            if compression != 1:
                data = zlib.decompress(data)
            for i in range(min(per_strip, left)):
                yield data[i * stride:(i + 1) * stride]
            left -= per_strip

    return Raster(width, height, "L" if channels == 1 else "RGB", ppi or None, rows)
