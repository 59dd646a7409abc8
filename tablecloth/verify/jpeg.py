"""Preflight a JPEG: decoded by Pillow straight to grey, then each cell decoded alone."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import Any

from PIL import Image

from tablecloth.layout import PlacedCell, Plan
from tablecloth.layout.units import Frame

from .cells import Progress, Source, check_cells, crop_box
from .report import VerifyReport


def verify_jpeg(source: Source, plan: Plan, *, progress: Progress | None = None,
                panel: int | None = None, tile: Any = None,
                stream: bool | None = None) -> VerifyReport:
    """Decode every planned cell of a JPEG (of the cloth, a panel or a length) against plan.

    ``stream`` is accepted as for PNG and TIFF, but a JPEG is always decoded whole (to grey,
    a byte a pixel): its capped size keeps that affordable.
    """
    report = VerifyReport.for_plan("jpeg", plan)
    return check_cells(report, _cells(source, plan, report, panel, tile), plan, progress)


def _cells(source: Source, plan: Plan, report: VerifyReport, panel: int | None,
           tile: Any) -> Iterator[tuple[PlacedCell, Image.Image | None]]:
    frame, cells = Frame.whole(plan), list(plan.cells)
    if panel is not None:
        frame = Frame.for_panel(plan, plan.panels[panel])  # with its slug of marks
        cells = plan.panel_cells(plan.panels[panel])
    if tile is not None:
        frame, cells = tile.frame(plan), tile.cells(plan)
    report.expected = len(cells)
    fp = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    with fp, warnings.catch_warnings():
        # Our own file, as large as the cloth: Pillow's bomb warning is for strangers' files.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(fp) as im:
            im.draft("L", im.size)  # decode to grey directly: a third of the memory
            grey = im.convert("L")
    px_per_mm = grey.width / frame.width_mm
    report.px_per_module = round(plan.min_module_mm * plan.scale_x * px_per_mm, 1)
    for cell in sorted(cells, key=lambda c: (c.y_mm, c.x_mm)):
        yield cell, grey.crop(crop_box(cell, frame, px_per_mm))
