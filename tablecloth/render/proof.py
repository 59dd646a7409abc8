"""A4 proof sheet: every code beside its thumbnail, caption and place on the cloth.

Organisers check each line by eye (is this the right photo, the right name?) and can scan
the small code on paper; the codes are the same matrices as on the cloth.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from tablecloth.layout import Plan, TextItem, clean
from tablecloth.layout.units import PT_PER_MM, Frame

from .common import Out, compact, open_out, progress_of
from .pdf import FONT_BOLD_NAME, FONT_NAME, binary_streams, code_path, register_fonts
from .text import pdf_texts

A4_MM = (210.0, 297.0)
MARGIN_MM = 12.0
ROW_MM = 31.0
QR_MM = 27.0  # ~0.66 mm modules for a 33-module symbol: scans easily on paper
THUMB_MM = 27.0


def render_proof(plan: Plan, out: Out, **options: Any) -> None:
    """Write the A4 proof sheet PDF; options thumbnails {code: JPEG} and captions {code: text}."""
    progress = progress_of(options)
    thumbnails: dict[str, bytes] = options.get("thumbnails") or {}
    captions: dict[str, str] = options.get("captions") or {}
    register_fonts()
    k = PT_PER_MM
    w_mm, h_mm = A4_MM
    per_page = int((h_mm - 2 * MARGIN_MM - 22) // ROW_MM)
    cells = sorted(plan.cells, key=lambda c: (c.panel, c.row, c.col))
    pages = max(1, -(-len(cells) // per_page))
    s = plan.settings
    cities = Counter(c.spec.city_label for c in cells)
    with open_out(out) as f, binary_streams():
        c = Canvas(f, pagesize=(w_mm * k, h_mm * k), pageCompression=1, invariant=1,
                   initialFontName=FONT_NAME)
        c.setTitle(f"Proof: {s.title}")
        c.setCreator("tablecloth")
        for page in range(pages):
            top = h_mm - MARGIN_MM
            c.setFont(FONT_BOLD_NAME, 11)
            c.drawString(MARGIN_MM * k, (top - 4) * k, f"Proof sheet · {s.title}")
            c.setFont(FONT_NAME, 8)
            c.drawRightString((w_mm - MARGIN_MM) * k, (top - 4) * k,
                              f"page {page + 1} of {pages}")
            c.drawString(MARGIN_MM * k, (top - 9) * k,
                         f"{len(cells)} codes · finished {s.width_mm:g} × {s.height_mm:g} mm "
                         f"(cut {s.cut_width_mm:g} × {s.cut_height_mm:g}) · "
                         f"modules {s.module_mm:g} mm · {len(plan.panels)} panel(s) · "
                         + ", ".join(f"{name}: {n}" for name, n in sorted(cities.items())))
            if s.draft:
                c.setFont(FONT_BOLD_NAME, 9)
                c.drawString(MARGIN_MM * k, (top - 14) * k, "DRAFT · NOT FOR PRINT")
            y = top - 20
            for cell in cells[page * per_page:(page + 1) * per_page]:
                _entry(c, cell, y, thumbnails.get(cell.spec.code), captions.get(cell.spec.code))
                y -= ROW_MM
            c.showPage()
            progress((page + 1) / pages, f"proof page {page + 1} of {pages}")
        c.save()


def _entry(c: Canvas, cell: Any, y_top: float, thumb: bytes | None, caption: str | None) -> None:
    """Draw one line of the proof: QR, thumbnail, text; y_top in mm from the page bottom."""
    k = PT_PER_MM
    x = MARGIN_MM
    n = cell.matrix.size + 2 * cell.quiet_modules
    a = QR_MM / n * k
    q = cell.quiet_modules
    tx, ty = (x + q * QR_MM / n) * k, (y_top - q * QR_MM / n) * k
    c.addLiteral(f"q 0 0 0 rg {compact(a)} 0 0 {compact(-a)} {compact(tx)} {compact(ty)} cm\n"
                 f"{code_path(cell.matrix)}f Q\n")
    x += QR_MM + 3
    if thumb:
        try:
            img = ImageReader(io.BytesIO(thumb))
            iw, ih = img.getSize()
            scale = min(THUMB_MM / iw, THUMB_MM / ih)
            w, h = iw * scale, ih * scale
            c.drawImage(img, (x + (THUMB_MM - w) / 2) * k, (y_top - THUMB_MM + (THUMB_MM - h) / 2)
                        * k, w * k, h * k)
        except Exception:  # a bad thumbnail must not stop the proof
            _no_thumb(c, x, y_top, "thumbnail unreadable")
    else:
        _no_thumb(c, x, y_top, "no thumbnail")
    x += THUMB_MM + 4
    width = (A4_MM[0] - MARGIN_MM - x) * k
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT_BOLD_NAME, 12)
    c.drawString(x * k, (y_top - 4.5) * k, cell.spec.code)
    c.setFont(FONT_NAME, 9)
    c.drawString((x + 22) * k, (y_top - 4.5) * k, cell.position)
    # Names and captions in any script, in the cloth's fonts; emoji left out as on the cloth.
    _line(c, x, y_top - 10, f"{clean(cell.spec.name).text} · {cell.spec.city_label}", 9)
    c.setFont(FONT_NAME, 7)
    c.drawString(x * k, (y_top - 14) * k, cell.spec.url)
    if caption:
        lines = simpleSplit(clean(caption).text, FONT_NAME, 8, width)
        if len(lines) > 4:
            lines = lines[:4]
            lines[-1] = lines[-1].rstrip() + " …"
        for i, line in enumerate(lines):
            _line(c, x, y_top - 18.5 - i * 3.3, line, 8)
    c.setStrokeColorRGB(0.8, 0.8, 0.8)
    c.setLineWidth(0.3)
    c.line(MARGIN_MM * k, (y_top - ROW_MM + 1.5) * k, (A4_MM[0] - MARGIN_MM) * k,
           (y_top - ROW_MM + 1.5) * k)


def _line(c: Canvas, x_mm: float, baseline_mm: float, text: str, size_pt: float) -> None:
    """Draw one line of text at x_mm, baseline_mm (from the page's bottom) in size_pt."""
    page = Frame(0.0, 0.0, A4_MM[0], A4_MM[1], 1.0, 1.0, 0.0)
    item = TextItem("proof", text, x_mm, A4_MM[1] - baseline_mm, size_pt / PT_PER_MM,
                    align="start")
    pdf_texts(c, [item], page, A4_MM[1] * PT_PER_MM, "#000000")


def _no_thumb(c: Canvas, x: float, y_top: float, text: str) -> None:
    k = PT_PER_MM
    c.setStrokeColorRGB(0.7, 0.7, 0.7)
    c.setLineWidth(0.5)
    c.rect(x * k, (y_top - THUMB_MM) * k, THUMB_MM * k, THUMB_MM * k)
    c.setFillColorRGB(0.5, 0.5, 0.5)
    c.setFont(FONT_NAME, 6)
    c.drawCentredString((x + THUMB_MM / 2) * k, (y_top - THUMB_MM / 2) * k, text)
