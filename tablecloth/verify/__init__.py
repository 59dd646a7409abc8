"""Preflight: decode what was rendered, compare it with what was meant.

Each verifier takes a rendered file (a path or bytes) and the plan it was rendered from and
returns a VerifyReport; nothing is raised when codes fail, the caller decides. Print files
are rasterised independently (PDF by pdfium, SVG by librsvg; PNG/TIFF read by Pillow or row
by row) and every planned cell is decoded alone by zxing-cpp; a proof sheet is decoded page
by page. The format registry (``render.FORMATS``) names the verifier of each format.
"""

from __future__ import annotations

from .cells import Source, decode_cell
from .jpeg import verify_jpeg
from .pdf import verify_pdf
from .proof import verify_proof
from .raster import verify_png, verify_tiff
from .report import MISSING, UNREADABLE, Failure, VerifyReport
from .sheets import verify_sheets
from .svg import verify_svg

__all__ = [
    "MISSING", "UNREADABLE", "Failure", "Source", "VerifyReport", "decode_cell", "verify_jpeg",
    "verify_pdf", "verify_png", "verify_proof", "verify_sheets", "verify_svg", "verify_tiff",
]
