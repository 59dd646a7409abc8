"""Preflight a PDF: rasterised by pdfium (pypdfium2), an engine other than the one that wrote it.

pdfium works in a thread of its own (parsing each page, rendering bands of grid rows) while
this thread decodes the bands already rendered: the two overlap, and pdfium is only ever
called from that one thread. A band is copied out of pdfium's bitmap before it crosses, and
the decoder reads each cell from it in place.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import zxingcpp

from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.units import PT_PER_MM, Frame

from .cells import Progress, Source, check_cells, crop_box
from .pdfx import pdf_problems
from .report import Failure, VerifyReport

MAX_BAND_PIXELS = 40_000_000  # render PDF pages in bands above this many pixels
# Pixels per module of the smallest code: 4 to 6 is enough for an exact rendering of vector
# art (DESIGN section 4); pdfium's time goes with the pixels, so 4.
PX_PER_MODULE = 4
BANDS_AHEAD = 3  # rendered bands waiting for the decoder, at most


@dataclass
class _Band:
    cells: list[PlacedCell]
    pixels: bytes
    width: int
    height: int
    stride: int
    channels: int
    top_px: int  # the band's first row on the page


def verify_pdf(source: Source, plan: Plan, *, progress: Progress | None = None,
               px_per_module: int = PX_PER_MODULE) -> VerifyReport:
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
           report: VerifyReport) -> Iterator[tuple[PlacedCell, Any]]:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    px_per_mm = px_per_module / (plan.min_module_mm * min(plan.scale_x, plan.scale_y))
    bands: queue.Queue = queue.Queue(BANDS_AHEAD)
    stop = threading.Event()
    worker = threading.Thread(target=_render_bands, name="preflight-pdfium",
                              args=(data, plan, px_per_mm, report, bands, stop), daemon=True)
    worker.start()
    try:
        while True:
            item = bands.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, PlacedCell):
                yield item, None  # its page is missing
                continue
            frame = item.cells and Frame.for_panel(plan, plan.panels[item.cells[0].panel])
            view = memoryview(item.pixels)
            kind = zxingcpp.ImageFormat.Lum if item.channels == 1 else zxingcpp.ImageFormat.BGRA
            for cell in item.cells:
                x0, y0, x1, y1 = crop_box(cell, frame, px_per_mm)
                x0, y0 = max(0, x0), max(0, y0 - item.top_px)
                x1, y1 = min(item.width, x1), min(item.height, y1 - item.top_px)
                yield cell, zxingcpp.ImageView(view[y0 * item.stride + x0 * item.channels:],
                                               x1 - x0, y1 - y0, kind, item.stride,
                                               item.channels)
    finally:
        stop.set()
        while worker.is_alive():  # let a blocked put() see the stop
            try:
                bands.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def _put(bands: queue.Queue, item: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            bands.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _render_bands(data: bytes, plan: Plan, px_per_mm: float, report: VerifyReport,
                  bands: queue.Queue, stop: threading.Event) -> None:
    """Render every page in bands into the queue, then None (or the error that stopped it)."""
    try:
        pdf = pdfium.PdfDocument(data)
        try:
            if len(pdf) != len(plan.panels):
                report.warnings.append(f"{len(pdf)} pages for {len(plan.panels)} panels")
            scale = px_per_mm / PT_PER_MM  # pdfium scale is pixels per point
            for panel in plan.panels:
                cells = plan.panel_cells(panel)
                if panel.index >= len(pdf):
                    for cell in cells:
                        if not _put(bands, cell, stop):
                            return
                    continue
                page = pdf[panel.index]
                try:
                    frame = Frame.for_panel(plan, panel)
                    for band in _page_bands(page, cells, frame, scale):
                        if not _put(bands, band, stop):
                            return
                finally:
                    page.close()
        finally:
            pdf.close()
        _put(bands, None, stop)
    except BaseException as exc:  # noqa: BLE001  (handed to the decoding thread, raised there)
        _put(bands, exc, stop)


def _page_bands(page: Any, cells: list[PlacedCell], frame: Frame,
                scale: float) -> Iterator[_Band]:
    """Render a page whole, or one band per grid row when it is large.

    A band covers the row's codes only, not the labels and gutters between rows: pdfium's
    time goes with the pixels it fills.
    """
    w_pt, h_pt = page.get_size()
    if w_pt * h_pt * scale * scale <= MAX_BAND_PIXELS:
        yield _render(page, cells, scale, 0.0, h_pt, h_pt)
        return
    rows: dict[int, list[PlacedCell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    for row in sorted(rows):
        row_cells = rows[row]
        top_mm = min(frame.y(c.y_mm) for c in row_cells) - 1
        bottom_mm = max(frame.y(c.y_mm) + frame.size_y(c.size_mm) for c in row_cells) + 1
        yield _render(page, row_cells, scale, max(0.0, top_mm * PT_PER_MM),
                      min(h_pt, bottom_mm * PT_PER_MM), h_pt)


def _render(page: Any, cells: list[PlacedCell], scale: float, top_pt: float,
            bottom_pt: float, h_pt: float) -> _Band:
    crop = (0, h_pt - bottom_pt, 0, top_pt)  # left, bottom, right, top to cut away
    bitmap = page.render(scale=scale, grayscale=True, crop=crop)
    try:
        pixels = bytes(memoryview(bitmap.buffer).cast("B"))
        return _Band(cells, pixels, bitmap.width, bitmap.height, bitmap.stride,
                     bitmap.n_channels, round(top_pt * scale))
    finally:
        bitmap.close()
