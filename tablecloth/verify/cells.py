"""Cell by cell: crop each planned code with its quiet zone and decode it alone.

A whole-page scan of a dense grid misses codes (zxing-cpp finds about 60 of 100 when they
stand 4 modules apart), so each planned cell is cropped at its planned position and decoded
on its own; the decoded URL must be the one planned for that place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import zxingcpp
from PIL import Image

from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.units import Frame

from .report import MISSING, UNREADABLE, Failure, VerifyReport

Source = str | os.PathLike | bytes
Progress = Callable[[float, str], None]


def decode_cell(image: Image.Image | zxingcpp.ImageView) -> tuple[str | None, str | None]:
    """Return (text, None) for one decoded QR code in image, or (None, problem).

    image is a crop, or a view of the crop's pixels in a larger buffer (verify.pdf).
    """
    # The crop is upright at full resolution: searching rotations and downscales only costs
    # time (a third), and never inverted, as the cloth is never printed light on dark.
    # First as a "pure" symbol (an aligned code in its quiet zone, which every crop of a
    # rendering is: the fast path), then, if that finds nothing valid, searched in full.
    found = []
    for pure in (True, False):
        found = zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode, try_rotate=False,
            try_downscale=False, try_invert=False, return_errors=True, is_pure=pure,
        )
        if any(b.valid for b in found):
            break
    texts = [b.text for b in found if b.valid]
    if len(texts) == 1:
        return texts[0], None
    if len(texts) > 1:
        return None, f"{len(texts)} codes in one cell"
    return None, UNREADABLE if found else MISSING


def crop_box(cell: PlacedCell, frame: Frame, px_per_mm: float) -> tuple[int, int, int, int]:
    """Return the pixel box of a cell's code with its quiet zone on a rendered frame."""
    x0 = frame.x(cell.x_mm) * px_per_mm
    y0 = frame.y(cell.y_mm) * px_per_mm
    w = frame.size_x(cell.size_mm) * px_per_mm
    h = frame.size_y(cell.size_mm) * px_per_mm
    return round(x0), round(y0), round(x0 + w), round(y0 + h)


def rows_of(cells: Iterable[PlacedCell]) -> list[list[PlacedCell]]:
    """Return cells grouped by grid row, top row first."""
    rows: dict[int, list[PlacedCell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    return [rows[r] for r in sorted(rows)]


def _failure(cell: PlacedCell, image: Image.Image | None) -> Failure | None:
    if image is None:
        return Failure(cell.spec.code, cell.position, MISSING)
    text, problem = decode_cell(image)
    if problem:
        return Failure(cell.spec.code, cell.position, problem)
    if text != cell.spec.url:
        return Failure(cell.spec.code, cell.position, f"wrong url: {text}")
    return None


def check_cells(report: VerifyReport, pairs: Iterable[tuple[PlacedCell, Image.Image | None]],
                plan: Plan, progress: Progress | None = None) -> VerifyReport:
    """Decode each (cell, crop) pair into report; a crop of None means the cell is missing."""
    progress = progress or (lambda fraction, message: None)
    total = max(1, len(plan.cells))
    for cell, image in pairs:
        report.checked += 1
        failure = _failure(cell, image)
        if failure:
            report.failures.append(failure)
        if report.checked % 50 == 0:
            progress(report.checked / total, f"checked {report.checked} of {total} codes")
    report.passed = report.checked - len(report.failures)
    report.ok = report.checked == report.expected and not report.failures
    report.check_colours()  # a design's colours that fell under 7:1 fail the file too
    progress(1.0, "preflight done")
    return report
