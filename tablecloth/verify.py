"""Preflight: rasterise a rendered file independently, decode every planned cell alone.

A whole-page scan of a dense grid misses codes (zxing-cpp finds about 60 of 100 when they
stand 4 modules apart), so each planned cell is cropped with its quiet zone at its planned
position and decoded on its own; the decoded URL must be the one planned for that place.
PDFs are rasterised by pdfium (pypdfium2), SVGs by librsvg (rsvg-convert), PNG/TIFF are read
with Pillow; decoding is zxing-cpp. Nothing is raised on failure: the caller decides.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False, return_errors=True
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
) -> VerifyReport:
    """Decode every planned cell of a rendered file and compare it with the plan.

    ``panel`` is for rasters rendered with the same option (one panel's image).
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
        pairs = _raster_cells(source, plan, report, panel)
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


def _page_cells(page, cells, frame, scale, px_per_mm, w_pt, h_pt):  # noqa: ANN001, ANN202
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


def _raster_cells(source: Source, plan: Plan, report: VerifyReport,
                  panel: int | None) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    frame = Frame.whole(plan) if panel is None else Frame.for_panel(plan, plan.panels[panel], 0)
    cells = plan.cells if panel is None else plan.panel_cells(plan.panels[panel])
    if panel is not None:
        report.expected = len(cells)
    fp = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    with fp, Image.open(fp) as im:
        ppi = _ppi(im)
        width_px = im.width
        px_per_mm = width_px / frame.width_mm
        report.px_per_module = round(plan.min_module_mm * plan.scale * px_per_mm, 1)
        if ppi and abs(ppi / 25.4 - px_per_mm) > 0.01 * px_per_mm:
            report.warnings.append(f"image says {ppi:g} ppi but its width implies "
                                   f"{px_per_mm * 25.4:.1f}")
        for band_cells, band, top in _bands(im, cells, frame, px_per_mm):
            for cell in band_cells:
                x0, y0, x1, y1 = _crop_box(cell, frame, px_per_mm)
                yield cell, band.crop((x0, y0 - top, x1, y1 - top))


def _ppi(im: Image.Image) -> float | None:
    dpi = im.info.get("dpi")
    return float(dpi[0]) if dpi else None


def _bands(im: Image.Image, cells, frame: Frame, px_per_mm: float):  # noqa: ANN001, ANN202
    """Yield (cells, band image, band top px) reading the image one grid row at a time."""
    rows: dict[int, list[PlacedCell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    # Pillow decodes PNG/TIFF whole on load; Image.MAX_IMAGE_PIXELS guards bombs, and our
    # own rasters are within it at 150 ppi. Convert once, then crop per row band.
    grey = im.convert("L")
    for row_cells in rows.values():
        top = min(_crop_box(c, frame, px_per_mm)[1] for c in row_cells)
        bottom = max(_crop_box(c, frame, px_per_mm)[3] for c in row_cells)
        yield row_cells, grey.crop((0, top, grey.width, bottom)), top
