"""SVG in millimetres: the whole cloth with its bleed, one path per code, labels as text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from tablecloth.layout import Plan
from tablecloth.layout.units import Frame
from tablecloth.qr import Matrix

from .common import LABEL_BASELINE, Out, compact, open_out, progress_of

FONT_FAMILY = "DejaVu Sans, sans-serif"


@lru_cache(maxsize=2048)
def svg_path(matrix: Matrix) -> str:
    """Return the dark modules of matrix as SVG path data in module units, a box per run."""
    return "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in matrix.runs())


def render_svg(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as an SVG sized in millimetres (the printed size, bleed included)."""
    progress = progress_of(options)
    s = plan.settings
    fr = Frame.whole(plan)
    w, h = fr.width_mm, fr.height_mm
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{compact(w)}mm" height="{compact(h)}mm" '
        f'viewBox="0 0 {compact(w)} {compact(h)}">\n',
        f"<title>{escape(s.title)}</title>\n",
        f'<rect width="{compact(w)}" height="{compact(h)}" fill="{s.light}"/>\n',
        f'<g fill="{s.dark}">\n',
    ]
    total = max(1, len(plan.cells))
    for i, cell in enumerate(plan.cells, 1):
        a = cell.module_mm * fr.scale
        x, y = compact(fr.x(cell.symbol_x_mm)), compact(fr.y(cell.symbol_y_mm))
        parts.append(f'<path id="c-{cell.spec.code}" transform="translate({x} {y}) '
                     f'scale({compact(a)})" d="{svg_path(cell.matrix)}"/>\n')
        if i % 500 == 0:
            progress(0.7 * i / total, "drawing codes")
    parts.append("</g>\n")
    parts.append(f'<g fill="{s.dark}" font-family="{FONT_FAMILY}" text-anchor="middle">\n')
    for cell in plan.cells:
        if cell.label is None or not cell.label_text:
            continue
        x = fr.x(cell.label.x_mm + cell.label.w_mm / 2)
        y = fr.y(cell.label.y_mm + cell.label.h_mm * LABEL_BASELINE)
        size = compact(cell.label_font_mm * fr.scale)
        parts.append(f'<text x="{compact(x)}" y="{compact(y)}" font-size="{size}">'
                     f'{escape(cell.label_text)}</text>\n')
    t = plan.title
    if t.rect.w_mm > 0:
        cx = fr.x(t.rect.x_mm + t.rect.w_mm / 2)
        gap = t.title_font_mm * 0.45
        block = t.title_font_mm + (gap + t.subtitle_font_mm if t.subtitle else 0)
        top = t.rect.y_mm + (t.rect.h_mm - block) / 2
        parts.append(
            f'<text x="{compact(cx)}" y="{compact(fr.y(top + t.title_font_mm * 0.8))}" font-size="'
            f'{compact(t.title_font_mm * fr.scale)}" font-weight="bold">{escape(t.title)}</text>\n'
        )
        if t.subtitle:
            y = top + t.title_font_mm + gap + t.subtitle_font_mm * 0.8
            parts.append(f'<text x="{compact(cx)}" y="{compact(fr.y(y))}" font-size="'
                         f'{compact(t.subtitle_font_mm * fr.scale)}">{escape(t.subtitle)}</text>\n')
    if s.draft:
        parts.append(f'<text x="{compact(w / 2)}" y="{compact(fr.y(-s.bleed_mm / 2) + 2)}" '
                     f'font-size="5" font-weight="bold">DRAFT · NOT FOR PRINT</text>\n')
    parts.append("</g>\n</svg>\n")
    progress(0.9, "writing SVG")
    with open_out(out) as f:
        f.write("".join(parts).encode("utf-8"))
    progress(1.0, "SVG written")
