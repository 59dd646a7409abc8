"""Preflight an SVG: rasterised by librsvg (rsvg-convert), then decoded cell by cell.

A large cloth at fine modules is far more pixels than one image should hold (2.5 m at 1 mm
modules is 15,000 px square), so the SVG is rasterised in horizontal bands of whole grid rows,
each a page of its own cut from the drawing with ``--top`` and ``--page-height``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.units import MM_PER_INCH, Frame

from .cells import Progress, Source, check_cells, crop_box, rows_of
from .report import VerifyReport

MAX_BAND_PIXELS = 40_000_000  # rasterise in bands above this many pixels


def verify_svg(source: Source, plan: Plan, *, progress: Progress | None = None,
               px_per_module: int = 6) -> VerifyReport:
    """Decode every planned cell of an SVG and compare it with the plan."""
    report = VerifyReport.for_plan("svg", plan, px_per_module=px_per_module)
    return check_cells(report, _cells(source, plan, px_per_module), plan, progress)


def _cells(source: Source, plan: Plan,
           px_per_module: int) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    exe = shutil.which("rsvg-convert")
    if exe is None:
        raise RuntimeError("rsvg-convert is missing: install the Debian package librsvg2-bin")
    px_per_mm = px_per_module / (plan.min_module_mm * min(plan.scale_x, plan.scale_y))
    dpi = px_per_mm * MM_PER_INCH
    frame = Frame.whole(plan)
    width_px = frame.width_mm * px_per_mm
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.svg"
        if isinstance(source, bytes):
            src.write_bytes(source)
        else:
            src = Path(source)
        png = Path(tmp) / "out.png"
        base = [exe, "-u", "--dpi-x", f"{dpi:.4f}", "--dpi-y", f"{dpi:.4f}", "-f", "png",
                "-o", str(png)]
        if width_px * frame.height_mm * px_per_mm <= MAX_BAND_PIXELS:
            subprocess.run([*base, str(src)], check=True, capture_output=True)
            with Image.open(png) as im:
                image = im.convert("L")
            # Scale crops by the size librsvg actually produced (it rounds to whole pixels).
            sx = image.width / width_px
            for cell in plan.cells:
                yield cell, image.crop(crop_box(cell, frame, px_per_mm * sx))
            return
        band_px = max(1, int(MAX_BAND_PIXELS / width_px))

        def extent(row: list[PlacedCell]) -> tuple[int, int]:
            top = min(frame.y(c.y_mm) for c in row) * px_per_mm
            bottom = max(frame.y(c.y_mm) + frame.size_y(c.size_mm) for c in row) * px_per_mm
            return max(0, int(top) - 2), int(bottom) + 3

        bands: list[list[list[PlacedCell]]] = []
        for row in rows_of(plan.cells):
            if bands and extent(row)[1] - extent(bands[-1][0])[0] <= band_px:
                bands[-1].append(row)
            else:
                bands.append([row])
        for band_rows in bands:
            top_px, bottom_px = extent(band_rows[0])[0], extent(band_rows[-1])[1]
            # "--top=-N": a separate "-N" would be read as an option.
            subprocess.run([*base, f"--top=-{top_px}px", f"--page-width={round(width_px)}px",
                            f"--page-height={bottom_px - top_px}px", str(src)],
                           check=True, capture_output=True)
            with Image.open(png) as im:
                band = im.convert("L")
            for row in band_rows:
                for cell in row:
                    x0, y0, x1, y1 = crop_box(cell, frame, px_per_mm)
                    yield cell, band.crop((x0, y0 - top_px, x1, y1 - top_px))
