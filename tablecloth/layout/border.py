"""A design's ornament on the plan: the border band with its dedication, the title's frame.

The classic border is a band inside the hem: a rule in the accent colour at its outer edge,
a hairline in the ink at its inner edge, between them the dedication in both languages on
each side, turned to face that side's edge (whoever sits there reads it upright), and a
small finder pattern in each corner, in the cities' colours. The title block gets a double
rule round it and short rules either side of the subtitle. Sizes follow the band, so a small cloth
gets a narrow border and a large one a wide one; codes keep clear (``designs.inset_mm``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .designs import border_mm, design_named
from .fonts import CAP_HEIGHT_EM, clean
from .geometry import Rect, Rule, Swatch, TextItem
from .settings import ClothSettings, LayoutWarning
from .text import MIN_LABEL_EM_MM, fit_size_mm

SEPARATOR = "   ·   "  # between the two languages of the dedication


def frame_rules(rect: Rect, inset: float, thick: float, colour: str) -> list[Rule]:
    """Return four rules of this thickness making a frame inset into rect."""
    x0, y0 = rect.x_mm + inset, rect.y_mm + inset
    w, h = rect.w_mm - 2 * inset, rect.h_mm - 2 * inset
    return [Rule(x0, y0, w, thick, colour), Rule(x0, y0 + h - thick, w, thick, colour),
            Rule(x0, y0 + thick, thick, h - 2 * thick, colour),
            Rule(x0 + w - thick, y0 + thick, thick, h - 2 * thick, colour)]


def border(settings: ClothSettings, first: str, second: str) -> tuple[
        list[TextItem], list[Rule], list[Swatch], list[LayoutWarning]]:
    """Return the border band's lines, rules and corner squares (nothing without a border).

    ``first`` and ``second`` are the cities' colours for the corner squares.
    """
    s = settings
    band = border_mm(s)
    if not band:
        return [], [], [], []
    finished = Rect(s.hem_mm, s.hem_mm, s.width_mm, s.height_mm)
    outer = band * 0.14
    thick = max(0.8, band * 0.05)
    hair = max(0.35, band * 0.018)
    rules = frame_rules(finished, outer, thick, s.accent)
    rules += frame_rules(finished, band - hair, hair, s.dark)
    # The line of words and the corner squares stand centred between the two rules.
    middle = (outer + thick + band - hair) / 2
    square = (band - hair - outer - thick) * 0.62
    swatches = []
    for i, (cx, cy) in enumerate(((0, 0), (1, 0), (1, 1), (0, 1))):
        x = finished.x_mm + (finished.w_mm - 2 * middle) * cx + middle - square / 2
        y = finished.y_mm + (finished.h_mm - 2 * middle) * cy + middle - square / 2
        swatches.append(Swatch(x, y, square, (first if i % 2 == 0 else second) or s.dark))
    words = SEPARATOR.join(clean(line).text for line in (s.dedication or "").splitlines()
                           if clean(line).text)
    if not words:
        return [], rules, swatches, []
    max_em = band * 0.36
    clear = middle + square  # the words keep clear of the corner squares
    along = min(finished.w_mm, finished.h_mm) - 2 * clear - 2 * max_em
    size = fit_size_mm(words, along, max_em)
    lift = middle - size * CAP_HEIGHT_EM / 2  # from the edge to the baseline
    x_mid, y_mid = finished.x_mm + finished.w_mm / 2, finished.y_mm + finished.h_mm / 2
    sides = ((x_mid, finished.y1_mm - lift, 0), (finished.x_mm + lift, y_mid, 90),
             (x_mid, finished.y_mm + lift, 180), (finished.x1_mm - lift, y_mid, 270))
    texts = [TextItem("border", words, x, y, size, rotate=turn) for x, y, turn in sides]
    warnings = []
    if size < MIN_LABEL_EM_MM - 1e-9:
        warnings.append(LayoutWarning("border_small", {"mm": round(size * CAP_HEIGHT_EM, 1)}))
    return texts, rules, swatches, warnings


def title_inset_mm(settings: ClothSettings, rect: Rect) -> float:
    """Return how far the title's words keep in from its block: room for the frame."""
    if not design_named(settings.design).title_frame or rect.w_mm <= 0:
        return 0.0
    return min(rect.w_mm, rect.h_mm) * 0.1


def title_frame(settings: ClothSettings, rect: Rect, items: Sequence[TextItem]) -> tuple[
        list[TextItem], list[Rule]]:
    """Restyle the title block's lines for the design and return them with its rules."""
    s = settings
    if not design_named(s.design).title_frame or rect.w_mm <= 0:
        return list(items), []
    colours = {"subtitle": s.accent, "address": s.accent_first or s.accent}
    styled = [replace(item, colour=colours.get(item.role, item.colour)) for item in items]
    base = min(rect.w_mm, rect.h_mm)
    thick = max(0.8, base * 0.006)
    hair = max(0.35, thick * 0.4)
    inset = base * 0.045
    rules = frame_rules(rect, inset, thick, s.accent)
    rules += frame_rules(rect, inset + thick * 2.5, hair, s.dark)
    # Short rules either side of the subtitle, at the height of its figures' middle, as a
    # book's title page sets the date.
    sub = next((item for item in styled if item.role == "subtitle"), None)
    if sub is not None:
        length = min(sub.width_mm * 0.6, rect.w_mm * 0.12)
        gap = sub.size_mm * 0.6
        rule_h = max(hair, sub.size_mm * 0.045)
        y = sub.y_mm - sub.size_mm * CAP_HEIGHT_EM / 2 - rule_h / 2
        rules.append(Rule(sub.x0_mm - gap - length, y, length, rule_h, s.accent))
        rules.append(Rule(sub.x1_mm + gap, y, length, rule_h, s.accent))
    return styled, rules
