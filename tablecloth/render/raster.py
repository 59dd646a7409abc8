"""PNG and TIFF rasters, written strip by strip so memory stays flat for any size.

A 1.8 m cloth at 300 ppi is ~21,000 px square: 450 MB as one 8-bit bitmap, 1.3 GB in RGB.
strips.py draws one strip of rows at a time, and this module streams it out: PNG rows go
through one zlib stream into IDAT chunks, TIFF strips are deflated one by one and the
directory is written at the end. PNG rows that repeat the row above, most of them, are
written with the "Up" filter as zeros: the file is as small as Pillow's adaptive filtering
makes it.

``panel=N`` writes one panel's own file, as the PDF's page: the panel with its bleed and a
slug around it carrying crop, join and registration marks and the panel's number. A city
told apart by colour has its finder patterns drawn in its colour (``PlacedCell.finder``);
text is the plan's ``TextItem``s, drawn from the same shaped runs as the PDF and SVG.
"""

from __future__ import annotations

import math
import shutil
import struct
import tempfile
import zlib
from collections.abc import Generator
from typing import IO, Any

from tablecloth.errors import Refusal
from tablecloth.layout import Plan
from tablecloth.layout.units import Frame

from .colour import png_iccp_chunk_data, profile_for
from .common import Out, Progress, open_out, progress_of
from .strips import STRIP_ROWS, Painter

# zlib level of PNG data. Measured on a 10,000-code cloth at 150 ppi (27,494 px square):
# level 1: 4.2 s, 12.7 MB; 3: 4.2 s, 8.9 MB; 6: 6.0 s, 5.5 MB; 9: 17.6 s, 3.8 MB.
# 6 matched Pillow's default level; not its optimize=True, which the next lines measure.
# On a 900-code cloth at 150 ppi (11,070 px square, 1.25 mm modules, two cities tinted):
# level 6: 1.73 MB, 4.3 s; 7: 1.65 MB, 4.1 s; 8: 1.41 MB, 4.1 s; 9: 1.29 MB, 6.3 s, against
# Pillow's optimize=True 1.33 MB. Issue 11 asks for at most 1.2x Pillow's: 8 (1.06x).
PNG_LEVEL = 8
IDAT_BYTES = 256 * 1024  # PNG data gathered into chunks of about this size
PPI_CHOICES = (150, 300)  # what fabric shops print at; offered to organisers in this order


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


def _filtered_rows(row_bytes: int) -> Generator[bytes, bytes, None]:
    """Receive strips of raw rows; give back each strip's rows with their PNG filter byte.

    A row equal to the one above (most are: a module is several pixels tall) goes out as
    filter 2, "Up", which makes it all zeros; any other row as filter 0, unfiltered, its
    runs of flat colour left to zlib. A wide cloth's row is longer than zlib's 32 KB window,
    so without "Up" a repeated row would be compressed again from scratch every time.
    """
    up_zero = b"\x02" + bytes(row_bytes)
    previous = b""
    out = b""
    while True:
        data = yield out
        parts = []
        for i in range(0, len(data), row_bytes):
            row = data[i:i + row_bytes]
            if row == previous:
                parts.append(up_zero)
            else:
                parts.append(b"\x00")
                parts.append(row)
                previous = row
        out = b"".join(parts)


def render_png(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as a PNG at ppi (150 or 300), streamed strip by strip."""
    progress = progress_of(options)
    ppi = _ppi(options)
    _write_png(Painter(plan, ppi, options.get("panel"), options.get("tile")), out, ppi,
               progress)


def render_preview(plan: Plan, out: Out, *, width_px: int) -> None:
    """Write the whole cloth as a PNG width_px wide, for a screen rather than a printer.

    Where a module would be under 2 px, each code is drawn as its average tone, as the
    cloth looks from afar: then the plan needs no QR matrices (``design.outline_plan``).
    """
    frame = Frame.whole(plan)
    ppi = width_px / (frame.width_mm / 25.4)
    px_per_module = plan.min_module_mm * plan.scale_x * ppi / 25.4
    # Labels too small to read on screen are left out: drawing 10,000 of them took seconds.
    painter = Painter(plan, ppi, None, coarse=px_per_module < 2, min_text_px=6)
    _write_png(painter, out, ppi, progress_of({}))


def _write_png(painter: Painter, out: Out, ppi: float, progress: Progress) -> None:
    channels = 1 if painter.mode == "L" else 3
    ppm = round(ppi / 0.0254)
    with open_out(out) as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", painter.width, painter.height, 8,
                                            0 if channels == 1 else 2, 0, 0, 0)))
        # The colour profile (sRGB, or its grey twin), so the shop's RIP need not guess.
        f.write(_chunk(b"iCCP", png_iccp_chunk_data(painter.mode)))
        f.write(_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
        z = zlib.compressobj(PNG_LEVEL)
        rows = _filtered_rows(painter.width * channels)
        next(rows)
        pending: list[bytes] = []
        for strip in painter.strips(progress):
            packed = z.compress(rows.send(strip.tobytes()))
            if packed:
                pending.append(packed)
            if sum(map(len, pending)) >= IDAT_BYTES:
                f.write(_chunk(b"IDAT", b"".join(pending)))
                pending = []
        pending.append(z.flush())
        f.write(_chunk(b"IDAT", b"".join(pending)))
        f.write(_chunk(b"IEND", b""))
    progress(1.0, "PNG written")


def render_tiff(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as a deflate-compressed striped TIFF at ppi (150 or 300)."""
    progress = progress_of(options)
    ppi = _ppi(options)
    painter = Painter(plan, ppi, options.get("panel"), options.get("tile"))
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


def _write_tiff(f: IO[bytes], painter: Painter, ppi: int, progress: Progress) -> None:
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
