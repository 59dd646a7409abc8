"""Preflight an SVG: rasterised by librsvg (rsvg-convert), then decoded cell by cell."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.units import Frame

from .cells import Progress, Source, check_cells, crop_box
from .report import VerifyReport


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
    px_per_mm = px_per_module / (plan.min_module_mm * plan.scale)
    dpi = px_per_mm * 25.4
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
        x0, y0, x1, y1 = crop_box(cell, frame, px_per_mm * sx)
        yield cell, image.crop((x0, y0, x1, y1))
