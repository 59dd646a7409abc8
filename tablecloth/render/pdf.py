"""Vector PDF at 1:1 physical size, one page per panel, with TrimBox and BleedBox.

Codes are written as raw content-stream operators, one filled path per code made of merged
rectangles in module units under a per-code ``cm``: reportlab's per-call drawing API costs
tens of microseconds per rectangle, which is what made the obvious approach take ~50 s for
10,000 codes. Reportlab still writes the document, compresses the streams and embeds subsets
of the fonts that names, title and legend use (``render.text``: Noto for alphabets, Arabic and
Indic scripts, WenQuanYi Micro Hei for Chinese), and DejaVu Sans for the printer's marks.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from tablecloth.layout import ClothSettings, Panel, Plan, parse_colour
from tablecloth.layout.text import FONT_BOLD_NAME, FONT_NAME, ttf
from tablecloth.layout.units import PT_PER_MM, Frame
from tablecloth.qr import Matrix, split_finders

from .common import Out, compact, in_frame, open_out, progress_of
from .marks import panel_marks
from .pdfx import make_pdfx
from .text import pdf_rules, pdf_swatches, pdf_texts

CHUNK = 11  # modules per cached row piece: 2,048 patterns per (row, column) place


class _ChunkOps(dict):
    """Row-piece pattern -> rectangle operators for that piece at one (x0, y) place."""

    def __init__(self, x0: int, y: int) -> None:
        super().__init__()
        self.x0, self.tail = x0, f" {y} "

    def __missing__(self, piece: str) -> str:
        parts = []
        x = self.x0
        for seg in piece.split("0"):
            if seg:
                parts.append(f"{x}{self.tail}{len(seg)} 1 re\n")
                x += len(seg) + 1
            else:
                x += 1
        ops = self[piece] = "".join(parts)
        return ops


@lru_cache(maxsize=64)
def _chunk_tables(size: int) -> list[list[tuple[int, int, _ChunkOps]]]:
    return [[(x0, x0 + CHUNK, _ChunkOps(x0, y)) for x0 in range(0, size, CHUNK)]
            for y in range(size)]


@lru_cache(maxsize=2048)
def code_path(matrix: Matrix) -> str:
    """Return the dark modules of matrix as PDF rectangle operators in module units.

    One rectangle per horizontal run, split at every 11th module so that the operators for
    each 11-module piece of each row can be looked up instead of formatted: 10,000 codes
    then cost ~0.2 s instead of ~3 s. Pieces of a run share edges exactly (integer module
    coordinates, one fill), so the split leaves no seam.
    """
    tables = _chunk_tables(matrix.size)
    return "".join([
        ops[row[a:b]]
        for row, places in zip(matrix.rows, tables, strict=True)
        for a, b, ops in places
    ])


def _rgb(colour: str) -> str:
    r, g, b = parse_colour(colour)
    return f"{compact(r / 255)} {compact(g / 255)} {compact(b / 255)}"


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Write streams deflated but not ASCII85-armoured (reportlab's default adds 25%).

    Set for the whole process, not restored: renders run in threads, and restoring the
    old value under another thread's feet would only make its file bigger.
    """
    rl_config.useA85 = 0
    yield


def register_fonts() -> None:
    """Register the label and title fonts with reportlab (embedded as subsets)."""
    for bold in (False, True):
        name = FONT_BOLD_NAME if bold else FONT_NAME
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(ttf(bold))


def render_pdf(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as a print-ready PDF, one page per panel."""
    progress = progress_of(options)
    register_fonts()
    s: ClothSettings = plan.settings
    total = max(1, len(plan.cells))
    done = 0
    drawn = io.BytesIO()
    with binary_streams():
        # The first font is ours, or reportlab names Helvetica on every page, unembedded.
        c = Canvas(drawn, pageCompression=1, invariant=1, initialFontName=FONT_NAME)
        c.setTitle(s.title)
        c.setCreator("tablecloth")
        c.setSubject(f"{len(plan.cells)} codes, {s.width_mm:g} x {s.height_mm:g} mm finished, "
                     f"cut {s.cut_width_mm:g} x {s.cut_height_mm:g} mm")
        k = PT_PER_MM
        for panel in plan.panels:
            fr = Frame.for_panel(plan, panel)
            w_pt, h_pt = fr.width_mm * k, fr.height_mm * k
            c.setPageSize((w_pt, h_pt))

            def box(x0: float, y0: float, x1: float, y1: float, fr: Frame = fr,
                    h_pt: float = h_pt) -> tuple[float, float, float, float]:
                return (fr.x(x0) * k, h_pt - fr.y(y1) * k, fr.x(x1) * k, h_pt - fr.y(y0) * k)

            c.setBleedBox(box(panel.x0_mm, panel.y0_mm, panel.x1_mm, panel.y1_mm))
            c.setTrimBox(box(panel.trim_x0_mm, 0.0, panel.trim_x1_mm, s.cut_height_mm))
            bx0, by0, bx1, by1 = box(panel.x0_mm, panel.y0_mm, panel.x1_mm, panel.y1_mm)
            parts = [f"q {_rgb(s.light)} rg {compact(bx0)} {compact(by0)} {compact(bx1 - bx0)} "
                     f"{compact(by1 - by0)} re f Q\nq {_rgb(s.dark)} rg\n"]
            cells = plan.panel_cells(panel)
            tinted: dict[str, list[str]] = {}
            for cell in cells:
                a = cell.module_mm * k
                tx = fr.x(cell.symbol_x_mm) * k
                ty = h_pt - fr.y(cell.symbol_y_mm) * k
                # One path per code, y flipped so module rows run downwards.
                place = (f"q {compact(a * fr.scale_x)} 0 0 {compact(-a * fr.scale_y)} "
                         f"{compact(tx)} {compact(ty)} cm\n")
                matrix = cell.matrix
                if cell.finder:
                    matrix, finders = split_finders(cell.matrix)
                    tinted.setdefault(cell.finder, []).append(
                        place + code_path(finders) + "f Q\n")
                parts.append(place)
                parts.append(code_path(matrix))
                parts.append("f Q\n")
                done += 1
                if done % 500 == 0:
                    progress(0.8 * done / total, "drawing codes")
            parts.append("Q\n")
            for colour, paths in tinted.items():
                parts.append(f"q {_rgb(colour)} rg\n{''.join(paths)}Q\n")
            c.addLiteral("".join(parts))
            pdf_rules(c, [r for r in plan.rules if r.x_mm < fr.x1_mm and
                          r.x_mm + r.w_mm > fr.x0_mm], fr, h_pt)
            texts = [t for t in plan.texts if in_frame(t, fr)]
            pdf_texts(c, texts, fr, h_pt, s.dark)
            pdf_swatches(c, [w for w in plan.swatches if fr.x0_mm <= w.x_mm <= fr.x1_mm],
                         fr, h_pt, s.light)
            _marks(c, plan, panel, fr, h_pt)
            c.showPage()
            progress(0.8 * done / total, f"panel {panel.index + 1} of {len(plan.panels)}")
        progress(0.9, "writing PDF")
        c.save()
    with open_out(out) as f:
        make_pdfx(drawn.getvalue(), f)
    progress(1.0, "PDF written")


def _xy(*values: float) -> str:
    """Return coordinates for a content-stream operator, separated by spaces."""
    return " ".join(compact(v) for v in values)


def _marks(c: Canvas, plan: Plan, panel: Panel, fr: Frame, h_pt: float) -> None:
    k = PT_PER_MM
    mk = panel_marks(plan, panel, fr)
    # Registration black: marks print on every ink channel.
    ops = ["q 0 0 0 rg 0 0 0 RG 0.25 w\n"]
    for x0, y0, x1, y1 in mk.lines:
        ops.append(f"{_xy(x0 * k, h_pt - y0 * k)} m {_xy(x1 * k, h_pt - y1 * k)} l S\n")
    for cx, cy, r in mk.targets:
        x, y, rr = cx * k, h_pt - cy * k, r * k
        kappa = 0.5523 * rr
        ops.append(
            f"{_xy(x + rr, y)} m "
            f"{_xy(x + rr, y + kappa, x + kappa, y + rr, x, y + rr)} c "
            f"{_xy(x - kappa, y + rr, x - rr, y + kappa, x - rr, y)} c "
            f"{_xy(x - rr, y - kappa, x - kappa, y - rr, x, y - rr)} c "
            f"{_xy(x + kappa, y - rr, x + rr, y - kappa, x + rr, y)} c S\n"
            f"{_xy(x - rr * 1.4, y)} m {_xy(x + rr * 1.4, y)} l S "
            f"{_xy(x, y - rr * 1.4)} m {_xy(x, y + rr * 1.4)} l S\n"
        )
    ops.append("Q\n")
    c.addLiteral("".join(ops))
    c.setFillColorRGB(0, 0, 0)
    for x, y, size, text, bold in mk.texts:
        c.setFont(FONT_BOLD_NAME if bold else FONT_NAME, size * k)
        c.drawString(x * k, h_pt - y * k, text)
