"""Preflight: rasterise a rendered file independently, decode every planned cell alone.

A whole-page scan of a dense grid misses codes (zxing-cpp finds about 60 of 100 when they
stand 4 modules apart), so each planned cell is cropped with its quiet zone at its planned
position and decoded on its own; the decoded URL must be the one planned for that place.
PDFs are rasterised by pdfium (pypdfium2), SVGs by librsvg (rsvg-convert); PNG/TIFF are read
by Pillow, or row by row when too large to hold (memory stays flat); decoding is zxing-cpp.
Nothing is raised on failure: the caller decides.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image

from tablecloth.layout import Plan, contrast_ratio
from tablecloth.layout.plan import PlacedCell
from tablecloth.render.units import PT_PER_MM, Frame

Source = str | os.PathLike | bytes
MISSING, UNREADABLE = "missing", "unreadable"
MAX_BAND_PIXELS = 40_000_000  # render PDF pages in bands above this many pixels


@dataclass(frozen=True)
class Failure:
    """One cell that did not decode to its planned URL."""

    code: str
    position: str
    problem: str  # "missing", "unreadable" or "wrong url: X"


@dataclass
class VerifyReport:
    """What preflight found."""

    fmt: str
    ok: bool
    checked: int
    expected: int
    failures: list[Failure] = field(default_factory=list)
    min_module_mm: float = 0.0
    contrast: float = 0.0
    scan_distance_mm: float = 0.0
    px_per_module: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the report as a few lines of plain text."""
        head = "PASS" if self.ok else "FAIL"
        lines = [
            f"{head}: {self.checked - len(self.failures)} of {self.expected} codes in the "
            f"{self.fmt.upper()} decode to their planned URLs "
            f"(each cell decoded alone at {self.px_per_module:.1f} px per module).",
            f"Smallest module {self.min_module_mm:g} mm; contrast {self.contrast:.1f}:1; "
            f"scan from about {self.scan_distance_mm / 10:g} cm.",
        ]
        for f in self.failures[:50]:
            lines.append(f"  {f.code} at {f.position}: {f.problem}")
        if len(self.failures) > 50:
            lines.append(f"  ... and {len(self.failures) - 50} more")
        lines.extend(f"Warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def decode_cell(image: Image.Image) -> tuple[str | None, str | None]:
    """Return (text, None) for one decoded QR code in image, or (None, problem)."""
    # The crop is upright at full resolution: searching rotations and downscales only costs
    # time (a third), and never inverted, as the cloth is never printed light on dark.
    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.QRCode, try_rotate=False, try_downscale=False,
        try_invert=False, return_errors=True,
    )
    texts = [b.text for b in found if b.valid]
    if len(texts) == 1:
        return texts[0], None
    if len(texts) > 1:
        return None, f"{len(texts)} codes in one cell"
    return None, UNREADABLE if found else MISSING


def _check(cell: PlacedCell, image: Image.Image) -> Failure | None:
    text, problem = decode_cell(image)
    if problem:
        return Failure(cell.spec.code, cell.position, problem)
    if text != cell.spec.url:
        return Failure(cell.spec.code, cell.position, f"wrong url: {text}")
    return None


def _crop_box(cell: PlacedCell, frame: Frame, px_per_mm: float) -> tuple[int, int, int, int]:
    """Return the pixel box of a cell's code with its quiet zone on a rendered frame."""
    x0 = frame.x(cell.x_mm) * px_per_mm
    y0 = frame.y(cell.y_mm) * px_per_mm
    size = frame.size(cell.size_mm) * px_per_mm
    return round(x0), round(y0), round(x0 + size), round(y0 + size)


def verify(
    source: Source,
    fmt: str,
    plan: Plan,
    *,
    px_per_module: int = 6,
    progress: Callable[[float, str], None] | None = None,
    panel: int | None = None,
    stream: bool | None = None,
) -> VerifyReport:
    """Decode every planned cell of a rendered file and compare it with the plan.

    ``panel`` is for rasters rendered with the same option (one panel's image). Rasters
    larger than Pillow's bomb limit are read row by row; ``stream`` forces either way.
    """
    progress = progress or (lambda fraction, message: None)
    s = plan.settings
    report = VerifyReport(
        fmt=fmt, ok=False, checked=0, expected=len(plan.cells),
        min_module_mm=plan.min_module_mm, contrast=round(contrast_ratio(s.dark, s.light), 2),
        scan_distance_mm=plan.scan_distance_mm, warnings=list(plan.warnings),
    )
    if fmt == "pdf":
        pairs = _pdf_cells(source, plan, px_per_module, report)
    elif fmt == "svg":
        pairs = _svg_cells(source, plan, px_per_module, report)
    elif fmt in ("png", "tiff"):
        pairs = _raster_cells(source, plan, report, panel, stream)
    else:
        raise ValueError(f"cannot verify format {fmt!r}; known: pdf, svg, png, tiff")
    total = max(1, len(plan.cells))
    for cell, image in pairs:
        report.checked += 1
        if image is None:
            report.failures.append(Failure(cell.spec.code, cell.position, MISSING))
        else:
            failure = _check(cell, image)
            if failure:
                report.failures.append(failure)
        if report.checked % 50 == 0:
            progress(report.checked / total, f"checked {report.checked} of {total} codes")
    report.ok = report.checked == report.expected and not report.failures
    progress(1.0, "preflight done")
    return report


def _pdf_cells(source: Source, plan: Plan, px_per_module: int,
               report: VerifyReport) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    import pypdfium2 as pdfium

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    pdf = pdfium.PdfDocument(data)
    try:
        if len(pdf) != len(plan.panels):
            report.warnings.append(f"{len(pdf)} pages for {len(plan.panels)} panels")
        module_on_page = plan.min_module_mm * plan.scale
        px_per_mm = px_per_module / module_on_page
        scale = px_per_mm / PT_PER_MM  # pdfium scale is pixels per point
        report.px_per_module = px_per_module
        for panel in plan.panels:
            cells = plan.panel_cells(panel)
            if panel.index >= len(pdf):
                for cell in cells:
                    yield cell, None
                continue
            page = pdf[panel.index]
            frame = Frame.for_panel(plan, panel)
            w_pt, h_pt = page.get_size()
            yield from _page_cells(page, cells, frame, scale, px_per_mm, w_pt, h_pt)
            page.close()
    finally:
        pdf.close()


def _page_cells(page: Any, cells: list[PlacedCell], frame: Frame, scale: float, px_per_mm: float,
                w_pt: float, h_pt: float) -> Iterator[tuple[PlacedCell, Image.Image]]:
    """Yield (cell, crop) rendering the page whole, or in bands of grid rows if huge."""
    if w_pt * h_pt * scale * scale <= MAX_BAND_PIXELS:
        image = page.render(scale=scale, grayscale=True).to_pil()
        for cell in cells:
            yield cell, image.crop(_crop_box(cell, frame, px_per_mm))
        return
    rows: dict[int, list[PlacedCell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    for row_cells in rows.values():
        top_mm = min(frame.y(c.y_mm) for c in row_cells) - 1
        bottom_mm = max(frame.y(c.y_mm) + frame.size(c.size_mm) for c in row_cells) + 1
        top_pt, bottom_pt = max(0.0, top_mm * PT_PER_MM), min(h_pt, bottom_mm * PT_PER_MM)
        crop = (0, h_pt - bottom_pt, 0, top_pt)  # left, bottom, right, top to cut away
        band = page.render(scale=scale, grayscale=True, crop=crop).to_pil()
        offset = round(top_pt * scale)
        for cell in row_cells:
            x0, y0, x1, y1 = _crop_box(cell, frame, px_per_mm)
            yield cell, band.crop((x0, y0 - offset, x1, y1 - offset))


def _svg_cells(source: Source, plan: Plan, px_per_module: int,
               report: VerifyReport) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    exe = shutil.which("rsvg-convert")
    if exe is None:
        raise RuntimeError("rsvg-convert is missing: install the Debian package librsvg2-bin")
    px_per_mm = px_per_module / (plan.min_module_mm * plan.scale)
    dpi = px_per_mm * 25.4
    report.px_per_module = px_per_module
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.svg"
        if isinstance(source, bytes):
            src.write_bytes(source)
        else:
            src = Path(source)
        png = Path(tmp) / "out.png"
        subprocess.run([exe, "--dpi-x", f"{dpi:.4f}", "--dpi-y", f"{dpi:.4f}", "-f", "png",
                        "-o", str(png), str(src)], check=True, capture_output=True)
        with Image.open(png) as im:
            image = im.convert("L")
    frame = Frame.whole(plan)
    # Scale crops by the size librsvg actually produced (it rounds the page to whole pixels).
    sx = image.width / (frame.width_mm * px_per_mm)
    for cell in plan.cells:
        x0, y0, x1, y1 = _crop_box(cell, frame, px_per_mm * sx)
        yield cell, image.crop((x0, y0, x1, y1))


def _raster_cells(source: Source, plan: Plan, report: VerifyReport, panel: int | None,
                  stream: bool | None) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    frame = Frame.whole(plan) if panel is None else Frame.for_panel(plan, plan.panels[panel], 0)
    cells = plan.cells if panel is None else plan.panel_cells(plan.panels[panel])
    if panel is not None:
        report.expected = len(cells)
    fp = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    with fp:
        raster = _open_raster(fp)
        px_per_mm = raster.width / frame.width_mm
        report.px_per_module = round(plan.min_module_mm * plan.scale * px_per_mm, 1)
        if raster.ppi and abs(raster.ppi / 25.4 - px_per_mm) > 0.01 * px_per_mm:
            report.warnings.append(f"image says {raster.ppi:g} ppi but its width implies "
                                   f"{px_per_mm * 25.4:.1f}")
        rows: dict[int, list[PlacedCell]] = {}
        for cell in cells:
            rows.setdefault(cell.row, []).append(cell)
        bands = sorted(
            (min(_crop_box(c, frame, px_per_mm)[1] for c in rc),
             max(_crop_box(c, frame, px_per_mm)[3] for c in rc), rc)
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
                    yield cell, grey.crop(_crop_box(cell, frame, px_per_mm))
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
                x0, y0, x1, y1 = _crop_box(cell, frame, px_per_mm)
                yield cell, band.crop((x0, y0 - top, x1, y1 - top))


@dataclass
class _Raster:
    """A PNG or TIFF read row by row, so a 21,000 px cloth never sits in memory whole."""

    width: int
    height: int
    mode: str  # "L" or "RGB"
    ppi: float | None
    rows: Callable[[], Iterator[bytes]]


def _open_raster(fp: io.BufferedIOBase) -> _Raster:
    head = fp.read(8)
    fp.seek(0)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(fp)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff(fp)
    raise ValueError("not a PNG or TIFF file")


def _png(fp: io.BufferedIOBase) -> _Raster:
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

    def rows() -> Iterator[bytes]:
        fp.seek(idat_at)
        z = zlib.decompressobj()
        pending = b""
        prev = bytes(stride)
        while True:
            length, kind = struct.unpack(">I4s", fp.read(8))
            data = fp.read(length)
            fp.read(4)
            if kind == b"IEND":
                return
            if kind != b"IDAT":
                continue
            pending += z.decompress(data)
            while len(pending) > stride:
                kind_, line = pending[0], pending[1:stride + 1]
                pending = pending[stride + 1:]
                prev = line if kind_ == 0 else _unfilter(kind_, line, prev, channels)
                yield prev

    return _Raster(width, height, mode, ppi, rows)


def _unfilter(kind: int, line: bytes, prev: bytes, bpp: int) -> bytes:
    """Undo PNG filters 1-4 (slow, pure Python; our own PNGs use filter 0)."""
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


def _tiff(fp: io.BufferedIOBase) -> _Raster:
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

    return _Raster(width, height, "L" if channels == 1 else "RGB", ppi or None, rows)
