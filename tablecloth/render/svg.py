"""SVG in millimetres: the whole cloth with its bleed, one path per code, labels as text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from tablecloth.layout import Plan
from tablecloth.qr import Matrix

from .common import Out, open_out, progress_of
from .pdf import LABEL_BASELINE, _n
from .units import Frame

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
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(w)}mm" height="{_n(h)}mm" '
        f'viewBox="0 0 {_n(w)} {_n(h)}">\n',
        f"<title>{escape(s.title)}</title>\n",
        f'<rect width="{_n(w)}" height="{_n(h)}" fill="{s.light}"/>\n',
        f'<g fill="{s.dark}">\n',
    ]
    total = max(1, len(plan.cells))
    for i, cell in enumerate(plan.cells, 1):
        a = cell.module_mm * fr.scale
        parts.append(
            f'<path id="c-{cell.spec.code}" transform="translate({_n(fr.x(cell.symbol_x_mm))} '
            f'{_n(fr.y(cell.symbol_y_mm))}) scale({_n(a)})" d="{svg_path(cell.matrix)}"/>\n'
        )
        if i % 500 == 0:
            progress(0.7 * i / total, "drawing codes")
    parts.append("</g>\n")
    parts.append(f'<g fill="{s.dark}" font-family="{FONT_FAMILY}" text-anchor="middle">\n')
    for cell in plan.cells:
        if cell.label is None or not cell.label_text:
            continue
        x = fr.x(cell.label.x_mm + cell.label.w_mm / 2)
        y = fr.y(cell.label.y_mm + cell.label.h_mm * LABEL_BASELINE)
        parts.append(f'<text x="{_n(x)}" y="{_n(y)}" font-size="'
                     f'{_n(cell.label_font_mm * fr.scale)}">{escape(cell.label_text)}</text>\n')
    t = plan.title
    if t.rect.w_mm > 0:
        cx = fr.x(t.rect.x_mm + t.rect.w_mm / 2)
        gap = t.title_font_mm * 0.45
        block = t.title_font_mm + (gap + t.subtitle_font_mm if t.subtitle else 0)
        top = t.rect.y_mm + (t.rect.h_mm - block) / 2
        parts.append(
            f'<text x="{_n(cx)}" y="{_n(fr.y(top + t.title_font_mm * 0.8))}" font-size="'
            f'{_n(t.title_font_mm * fr.scale)}" font-weight="bold">{escape(t.title)}</text>\n'
        )
        if t.subtitle:
            y = top + t.title_font_mm + gap + t.subtitle_font_mm * 0.8
            parts.append(f'<text x="{_n(cx)}" y="{_n(fr.y(y))}" font-size="'
                         f'{_n(t.subtitle_font_mm * fr.scale)}">{escape(t.subtitle)}</text>\n')
    if s.draft:
        parts.append(f'<text x="{_n(w / 2)}" y="{_n(fr.y(-s.bleed_mm / 2) + 2)}" '
                     f'font-size="5" font-weight="bold">DRAFT · NOT FOR PRINT</text>\n')
    parts.append("</g>\n</svg>\n")
    progress(0.9, "writing SVG")
    with open_out(out) as f:
        f.write("".join(parts).encode("utf-8"))
    progress(1.0, "SVG written")
