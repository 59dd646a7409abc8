"""Preflight a PDF: rasterised by pdfium (pypdfium2), an engine other than the one that wrote it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image

from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.units import PT_PER_MM, Frame

from .cells import Progress, Source, check_cells, crop_box
from .pdfx import pdf_problems
from .report import Failure, VerifyReport

MAX_BAND_PIXELS = 40_000_000  # render PDF pages in bands above this many pixels


def verify_pdf(source: Source, plan: Plan, *, progress: Progress | None = None,
               px_per_module: int = 6) -> VerifyReport:
    """Decode every planned cell of a PDF, one page per panel, and compare it with the plan."""
    report = VerifyReport.for_plan("pdf", plan, px_per_module=px_per_module)
    check_cells(report, _cells(source, plan, px_per_module, report), plan, progress)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    # A file the shop's preflight rejects fails here too, whatever its codes say.
    problems = pdf_problems(data)
    report.failures += [Failure("PDF", "", problem) for problem in problems]
    report.ok = report.ok and not problems
    return report


def _cells(source: Source, plan: Plan, px_per_module: int,
           report: VerifyReport) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    pdf = pdfium.PdfDocument(data)
    try:
        if len(pdf) != len(plan.panels):
            report.warnings.append(f"{len(pdf)} pages for {len(plan.panels)} panels")
        module_on_page = plan.min_module_mm * min(plan.scale_x, plan.scale_y)
        px_per_mm = px_per_module / module_on_page
        scale = px_per_mm / PT_PER_MM  # pdfium scale is pixels per point
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
            yield cell, image.crop(crop_box(cell, frame, px_per_mm))
        return
    rows: dict[int, list[PlacedCell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    for row_cells in rows.values():
        top_mm = min(frame.y(c.y_mm) for c in row_cells) - 1
        bottom_mm = max(frame.y(c.y_mm) + frame.size_y(c.size_mm) for c in row_cells) + 1
        top_pt, bottom_pt = max(0.0, top_mm * PT_PER_MM), min(h_pt, bottom_mm * PT_PER_MM)
        crop = (0, h_pt - bottom_pt, 0, top_pt)  # left, bottom, right, top to cut away
        band = page.render(scale=scale, grayscale=True, crop=crop).to_pil()
        offset = round(top_pt * scale)
        for cell in row_cells:
            x0, y0, x1, y1 = crop_box(cell, frame, px_per_mm)
            yield cell, band.crop((x0, y0 - offset, x1, y1 - offset))
