"""SVG in millimetres: the whole cloth with its bleed, one path per code, text as outlines.

Names, title and legend are glyph outlines (``render.text``), defined once per glyph and
placed with ``<use>``: an SVG with live text would print in whatever fonts the printer's
machine has, and names in Arabic, Punjabi or Chinese would come out as boxes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from tablecloth.layout import Plan
from tablecloth.layout.units import Frame
from tablecloth.qr import Matrix, split_finders

from .common import Out, compact, open_out, progress_of
from .text import draft_item, svg_rules, svg_swatches, svg_texts


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
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{compact(w)}mm" height="{compact(h)}mm" '
        f'viewBox="0 0 {compact(w)} {compact(h)}">\n',
        f"<title>{escape(s.title)}</title>\n",
        f'<rect width="{compact(w)}" height="{compact(h)}" fill="{s.light}"/>\n',
        f'<g fill="{s.dark}">\n',
    ]
    total = max(1, len(plan.cells))
    tinted: dict[str, list[str]] = {}
    for i, cell in enumerate(plan.cells, 1):
        a = cell.module_mm
        x, y = compact(fr.x(cell.symbol_x_mm)), compact(fr.y(cell.symbol_y_mm))
        place = (f'transform="translate({x} {y}) '
                 f'scale({compact(a * fr.scale_x)} {compact(a * fr.scale_y)})"')
        matrix = cell.matrix
        if cell.finder:
            matrix, finders = split_finders(cell.matrix)
            tinted.setdefault(cell.finder, []).append(f'<path {place} d="{svg_path(finders)}"/>\n')
        parts.append(f'<path id="c-{cell.spec.code}" {place} d="{svg_path(matrix)}"/>\n')
        if i % 500 == 0:
            progress(0.7 * i / total, "drawing codes")
    parts.append("</g>\n")
    for colour, paths in tinted.items():
        parts.append(f'<g fill="{colour}" class="finders">\n{"".join(paths)}</g>\n')
    parts.append(svg_rules(plan.rules, fr))
    defs, lines = svg_texts(plan.texts, fr, s.dark)
    parts.append(f"<defs>{defs}</defs>\n")
    parts.append(f'<g fill="{s.dark}">\n{lines}</g>\n')
    parts.append(svg_swatches(plan.swatches, fr, s.light))
    if s.draft:
        parts.append(_draft(plan, fr))
    parts.append("</svg>\n")
    progress(0.9, "writing SVG")
    with open_out(out) as f:
        f.write("".join(parts).encode("utf-8"))
    progress(1.0, "SVG written")


def _draft(plan: Plan, fr: Frame) -> str:
    """Return the DRAFT line on the top hem allowance (folded under once sewn), as outlines."""
    item = draft_item(plan)
    defs, body = svg_texts([item], fr, plan.settings.dark, prefix="d")
    return f"<defs>{defs}</defs>\n<g fill=\"{plan.settings.dark}\">{body}</g>\n"
