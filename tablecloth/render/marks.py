"""Printer's marks in page millimetres (y down): crop marks, registration marks, slug text."""

from __future__ import annotations

from dataclasses import dataclass, field

from tablecloth.layout import Panel, Plan
from tablecloth.layout.text import marks_width_mm as text_width_mm
from tablecloth.layout.units import Frame

MARK_GAP_MM = 2.0  # crop marks stop this far from the bleed so they never print on the cloth
REG_RADIUS_MM = 3.0
SLUG_TEXT_MM = 3.0
DRAFT_TEXT_MM = 7.0
DRAFT_TEXT = "DRAFT · NOT FOR PRINT"


@dataclass
class Marks:
    """Lines (x0, y0, x1, y1), registration marks (cx, cy, r) and texts (x, y, size, text, bold)."""

    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    targets: list[tuple[float, float, float]] = field(default_factory=list)
    texts: list[tuple[float, float, float, str, bool]] = field(default_factory=list)


def panel_marks(plan: Plan, panel: Panel, frame: Frame) -> Marks:
    """Return the marks for one panel page (frame with a slug margin)."""
    s = plan.settings
    out = Marks()
    m = frame.margin_mm
    if m <= 0:
        return out
    w, h = frame.width_mm, frame.height_mm
    top_trim, bottom_trim = frame.y(0.0), frame.y(s.cut_height_mm)
    bleed_left, bleed_right = frame.x(panel.x0_mm), frame.x(panel.x1_mm)
    bleed_top, bleed_bottom = frame.y(panel.y0_mm), frame.y(panel.y1_mm)
    if s.crop_marks:
        xs = []
        if panel.overlap_left_mm == 0:
            xs.append(frame.x(0.0))
        if panel.overlap_right_mm == 0:
            xs.append(frame.x(s.cut_width_mm))
        # Vertical trim lines above and below the bleed; horizontal ones left and right.
        for x in xs + [frame.x(panel.trim_x0_mm), frame.x(panel.trim_x1_mm)]:
            out.lines.append((x, 0.5, x, bleed_top - MARK_GAP_MM))
            out.lines.append((x, bleed_bottom + MARK_GAP_MM, x, h - 0.5))
        for y in (top_trim, bottom_trim):
            if panel.overlap_left_mm == 0:
                out.lines.append((0.5, y, bleed_left - MARK_GAP_MM, y))
            if panel.overlap_right_mm == 0:
                out.lines.append((bleed_right + MARK_GAP_MM, y, w - 0.5, y))
    # Registration targets: mid-top and mid-bottom of the panel, and at each overlap band's
    # centre so two panels line up target on target.
    cx = [(bleed_left + bleed_right) / 2]
    if panel.overlap_left_mm:
        cx.append(frame.x(panel.x0_mm + panel.overlap_left_mm / 2))
    if panel.overlap_right_mm:
        cx.append(frame.x(panel.x1_mm - panel.overlap_right_mm / 2))
    r = min(REG_RADIUS_MM, m / 2 - 1)
    for x in cx:
        out.targets.append((x, m / 2, r))
        out.targets.append((x, h - m / 2, r))
    mid_y = (bleed_top + bleed_bottom) / 2
    if panel.overlap_left_mm == 0:
        out.targets.append((m / 2, mid_y, r))
    if panel.overlap_right_mm == 0:
        out.targets.append((w - m / 2, mid_y, r))
    # Join marks: the seam line (the band's middle) as a dashed tick above and below the
    # bleed, so the seamstress sews panel to panel along the same line on both.
    for band in _bands(panel):
        x = frame.x(band)
        for y0, y1 in ((0.5, bleed_top - MARK_GAP_MM), (bleed_bottom + MARK_GAP_MM, h - 0.5)):
            y = y0
            while y < y1:
                out.lines.append((x, y, x, min(y + 1.5, y1)))
                y += 3.0
    info = (
        f"tablecloth · finished {s.width_mm:g} × {s.height_mm:g} mm + hem {s.hem_mm:g} mm "
        f"each side = cut {s.cut_width_mm:g} × {s.cut_height_mm:g} mm · bleed {s.bleed_mm:g} mm"
        f" · printed +{s.shrink_across_pct:g}% across, +{s.shrink_along_pct:g}% along the "
        f"weave for shrinkage · {len(plan.panel_cells(panel))} codes"
    )
    # Between the left crop mark (or the join's target) and the centre target, never on one.
    start = max(frame.x(panel.trim_x0_mm), bleed_left + frame.size_x(panel.overlap_left_mm)) + 5
    room = cx[0] - r - 4 - start
    size = min(SLUG_TEXT_MM, m * 0.35, room / max(text_width_mm(info, 1.0), 1e-9))
    out.texts.append((start, m / 2 + size * 0.35, size, info, False))
    # The panel's number, large, right of the centre target: which piece this is.
    number = f"PANEL {panel.index + 1} OF {len(plan.panels)}"
    joins = []
    if panel.overlap_left_mm:
        joins.append(f"joins panel {panel.index} on the left")
    if panel.overlap_right_mm:
        joins.append(f"panel {panel.index + 2} on the right")
    if joins:
        number += " · " + ", ".join(joins)
    room = min(frame.x(panel.trim_x1_mm), bleed_right - frame.size_x(panel.overlap_right_mm))
    room -= cx[0] + r + 4 + 5
    big = min(SLUG_TEXT_MM * 1.6, m * 0.45, room / max(text_width_mm(number, 1.0, True), 1e-9))
    if big > 0.5:
        out.texts.append((cx[0] + r + 4, m / 2 + big * 0.35, big, number, True))
    if s.draft:
        size = min(DRAFT_TEXT_MM, m * 0.7)
        y = h - m / 2 + size * 0.35
        width = text_width_mm(DRAFT_TEXT, size, bold=True)
        repeats = max(1, min(4, int((bleed_right - bleed_left) // (width + 30))))
        step = (bleed_right - bleed_left) / repeats
        for i in range(repeats):
            out.texts.append((bleed_left + step * (i + 0.5) - width / 2, y, size, DRAFT_TEXT,
                              True))
    return out


def _bands(panel: Panel) -> list[float]:
    """Return the finished x of the seam line in each join band of the panel."""
    out = []
    if panel.overlap_left_mm:
        out.append(panel.x0_mm + panel.overlap_left_mm / 2)
    if panel.overlap_right_mm:
        out.append(panel.x1_mm - panel.overlap_right_mm / 2)
    return out
