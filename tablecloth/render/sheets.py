"""The office test print: the cloth at 1:1 on A4 or A3 sheets, to tape together and scan.

Each sheet carries one tile of a panel (``layout.tiles.sheets``: cut between rows and
columns, so every code is whole on one sheet), crop marks at its edges, its name and its
neighbours' names on each side, and a 100 mm bar to check that the printer did not "fit to
page". The cloth itself is drawn once, as the print PDF's panel pages, and each sheet shows
its part of a panel through a clip (a form XObject placed by pikepdf): the file stays small
and the sheets show exactly what the fabric will.
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf
from reportlab.pdfgen.canvas import Canvas

from tablecloth.layout import Plan
from tablecloth.layout.text import FONT_BOLD_NAME, FONT_NAME
from tablecloth.layout.tiles import (
    FOOTER_MM,
    SHEET_MARGIN_MM,
    Tile,
    paper_of,
    sheet_frame,
    sheet_tiles,
)
from tablecloth.layout.units import PT_PER_MM, Frame

from .common import Out, compact, open_out, progress_of
from .pdf import binary_streams, register_fonts, render_pdf

SCALE_BAR_MM = 100.0


def _neighbours(tile: Tile, tiles: list[Tile]) -> dict[str, str]:
    by_place = {(t.panel, t.row, t.col): t for t in tiles}
    out = {}
    for side, (dr, dc) in {"left": (0, -1), "right": (0, 1), "top": (-1, 0),
                           "bottom": (1, 0)}.items():
        other = by_place.get((tile.panel, tile.row + dr, tile.col + dc))
        if other is not None:
            out[side] = _label(other)
    return out


def _label(tile: Tile) -> str:
    return f"P{tile.panel + 1}-{tile.row + 1}{chr(ord('A') + tile.col)}"


def _marks(c: Canvas, plan: Plan, tile: Tile, tiles: list[Tile], paper: tuple[float, float],
           panels: int) -> None:
    """Draw crop marks, the sheet's name and its neighbours, and the 100 mm bar."""
    k = PT_PER_MM
    w_mm, h_mm = paper
    fr = sheet_frame(plan, tile)
    x0, x1 = fr.x(tile.x0_mm), fr.x(tile.x1_mm)
    y0, y1 = fr.y(tile.y0_mm), fr.y(tile.y1_mm)

    def pt(x: float, y: float) -> tuple[float, float]:
        return x * k, (h_mm - y) * k

    c.setLineWidth(0.3)
    c.setStrokeColorRGB(0, 0, 0)
    gap, length = 2.0, 8.0
    for x in (x0, x1):
        for y, sign in ((y0, -1), (y1, 1)):
            c.line(*pt(x, y + sign * gap), *pt(x, y + sign * (gap + length)))
    for y in (y0, y1):
        for x, sign in ((x0, -1), (x1, 1)):
            c.line(*pt(x + sign * gap, y), *pt(x + sign * (gap + length), y))
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT_BOLD_NAME, 9)
    c.drawString(*pt(x0, h_mm - SHEET_MARGIN_MM / 2 - FOOTER_MM + 2), _label(tile))
    c.setFont(FONT_NAME, 6.5)
    c.drawString(*pt(x0 + 16, h_mm - SHEET_MARGIN_MM / 2 - FOOTER_MM + 2),
                 f"panel {tile.panel + 1} of {panels} · row {tile.row + 1} of {tile.rows}, "
                 f"column {tile.col + 1} of {tile.cols} · {len(tile.cells(plan))} codes · "
                 "print at 100 % (actual size), then trim at the marks and butt the edges")
    c.drawString(*pt(x0, h_mm - SHEET_MARGIN_MM / 2 + 1),
                 f"this bar must measure {SCALE_BAR_MM:g} mm:")
    bar_x = x0 + 40
    c.setLineWidth(0.6)
    c.line(*pt(bar_x, h_mm - SHEET_MARGIN_MM / 2), *pt(bar_x + SCALE_BAR_MM,
                                                       h_mm - SHEET_MARGIN_MM / 2))
    for x in (bar_x, bar_x + SCALE_BAR_MM):
        c.line(*pt(x, h_mm - SHEET_MARGIN_MM / 2 - 1.5), *pt(x, h_mm - SHEET_MARGIN_MM / 2 + 1.5))
    c.setFont(FONT_NAME, 7)
    near = _neighbours(tile, tiles)
    mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
    if "top" in near:
        c.drawCentredString(*pt(mid_x, y0 - 4), f"↑ {near['top']}")
    if "bottom" in near:
        c.drawCentredString(*pt(mid_x, y1 + 6), f"↓ {near['bottom']}")
    for side, x, angle in (("left", x0 - 4, 90), ("right", x1 + 4, -90)):
        if side in near:
            c.saveState()
            c.translate(*pt(x, mid_y))
            c.rotate(angle)
            c.drawCentredString(0, 0, f"{'←' if side == 'left' else '→'} {near[side]}")
            c.restoreState()


def render_sheets(plan: Plan, out: Out, **options: Any) -> None:
    """Write the office test print: A4 (or paper="a3") sheets at 1:1 with assembly marks."""
    progress = progress_of(options)
    name, paper = paper_of(options)
    tiles = sheet_tiles(plan, options)
    panels_pdf = io.BytesIO()
    render_pdf(plan, panels_pdf, progress=lambda f, m: progress(f * 0.5, m))
    register_fonts()
    k = PT_PER_MM
    drawn = io.BytesIO()
    with binary_streams():
        c = Canvas(drawn, pagesize=(paper[0] * k, paper[1] * k), pageCompression=1,
                   invariant=1, initialFontName=FONT_NAME)
        c.setTitle(f"Test print on {name.upper()}: {plan.settings.title}")
        c.setCreator("tablecloth")
        for tile in tiles:
            _marks(c, plan, tile, tiles, paper, len(plan.panels))
            c.showPage()
        c.save()
    progress(0.7, "placing the cloth on the sheets")
    with pikepdf.open(io.BytesIO(drawn.getvalue())) as doc, \
            pikepdf.open(io.BytesIO(panels_pdf.getvalue())) as panels:
        forms = [doc.copy_foreign(page.as_form_xobject()) for page in panels.pages]
        for tile, page in zip(tiles, doc.pages, strict=True):
            panel = plan.panels[tile.panel]
            source = Frame.for_panel(plan, panel)
            sheet = sheet_frame(plan, tile)
            # Panel page points to sheet points: a translation (both at the same scale).
            tx = (sheet.x(tile.x0_mm) - source.x(tile.x0_mm)) * k
            ty = (source.y(tile.y0_mm) - sheet.y(tile.y0_mm)) * k + (
                paper[1] - source.height_mm) * k
            cx0, cx1 = sheet.x(tile.x0_mm) * k, sheet.x(tile.x1_mm) * k
            cy0, cy1 = (paper[1] - sheet.y(tile.y1_mm)) * k, (paper[1] - sheet.y(tile.y0_mm)) * k
            if "/XObject" not in page.Resources:
                page.Resources.XObject = pikepdf.Dictionary()
            page.Resources.XObject["/Cloth"] = forms[tile.panel]
            clip = (f"q {compact(cx0)} {compact(cy0)} {compact(cx1 - cx0)} "
                    f"{compact(cy1 - cy0)} re W n 1 0 0 1 {compact(tx)} {compact(ty)} cm "
                    "/Cloth Do Q\n")
            page.contents_add(pikepdf.Stream(doc, clip.encode()), prepend=True)
            box = pikepdf.Array([cx0, cy0, cx1, cy1])
            page.obj.TrimBox = box
            page.obj.BleedBox = box
        with open_out(out) as f:
            doc.save(f, deterministic_id=True, compress_streams=True)
    progress(1.0, "sheets written")
