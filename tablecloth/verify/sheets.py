"""Preflight the office test print: each sheet rasterised by pdfium, its codes decoded alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.tiles import sheet_frame, sheet_tiles
from tablecloth.layout.units import PT_PER_MM

from .cells import Progress, Source, check_cells, crop_box
from .pdfx import pdf_problems
from .report import MISSING, Failure, VerifyReport


def verify_sheets(source: Source, plan: Plan, *, progress: Progress | None = None,
                  px_per_module: int = 6, paper: str = "a4") -> VerifyReport:
    """Decode every planned cell on the sheet that should hold it; check fonts and boxes."""
    report = VerifyReport.for_plan("sheets", plan, px_per_module=px_per_module)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    check_cells(report, _cells(data, plan, px_per_module, paper, report), plan, progress)
    problems = pdf_problems(data, pdfx=False)
    report.failures += [Failure("PDF", "", problem) for problem in problems]
    report.ok = report.ok and not problems
    return report


def _cells(data: bytes, plan: Plan, px_per_module: int, paper: str, report: VerifyReport
           ) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    tiles = sheet_tiles(plan, {"paper": paper})
    placed = [c for t in tiles for c in t.cells(plan)]
    if len(placed) != len(plan.cells):  # a code cut by a sheet edge is on no sheet
        on_sheets = {c.spec.code for c in placed}
        for cell in plan.cells:
            if cell.spec.code not in on_sheets:
                report.failures.append(Failure(cell.spec.code, cell.position, MISSING))
    px_per_mm = px_per_module / (plan.min_module_mm * min(plan.scale_x, plan.scale_y))
    pdf = pdfium.PdfDocument(data)
    try:
        if len(pdf) != len(tiles):
            report.warnings.append(f"{len(pdf)} pages for {len(tiles)} sheets")
        for tile in tiles:
            cells = tile.cells(plan)
            if tile.index >= len(pdf):
                yield from ((cell, None) for cell in cells)
                continue
            page = pdf[tile.index]
            image = page.render(scale=px_per_mm / PT_PER_MM, grayscale=True).to_pil()
            frame = sheet_frame(plan, tile)
            for cell in cells:
                yield cell, image.crop(crop_box(cell, frame, px_per_mm))
            page.close()
    finally:
        pdf.close()
