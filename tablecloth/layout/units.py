"""The one place where finished millimetres become page millimetres, points and pixels.

Renderers draw through a Frame and preflight crops through the same Frame, so what is
checked is exactly where it was drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import Panel
from .plan import Plan

MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH


def mm_to_pt(mm: float) -> float:
    """Return mm in PDF points."""
    return mm * PT_PER_MM


def mm_to_px(mm: float, ppi: float) -> float:
    """Return mm in pixels at ppi."""
    return mm * ppi / MM_PER_INCH


@dataclass(frozen=True)
class Frame:
    """Map finished cloth mm onto one output page (or image) in mm, y down.

    A page shows finished x in [x0_mm, x1_mm] and y in [y0_mm, y1_mm] (a panel with its
    bleed), scaled by the shrink allowances (``scale_x`` across the weave, ``scale_y`` along
    it), with margin_mm of unscaled slug around it.
    """

    x0_mm: float
    y0_mm: float
    x1_mm: float
    y1_mm: float
    scale_x: float
    scale_y: float
    margin_mm: float

    @classmethod
    def for_panel(cls, plan: Plan, panel: Panel, margin_mm: float | None = None) -> Frame:
        """Return the frame of a panel page; margin defaults to the plan's slug."""
        return cls(panel.x0_mm, panel.y0_mm, panel.x1_mm, panel.y1_mm, plan.scale_x,
                   plan.scale_y, plan.slug_mm if margin_mm is None else margin_mm)

    @classmethod
    def whole(cls, plan: Plan, margin_mm: float = 0.0) -> Frame:
        """Return the frame of the whole cloth with its bleed."""
        b = plan.bleed_mm
        return cls(-b, -b, plan.trim_width_mm + b, plan.trim_height_mm + b, plan.scale_x,
                   plan.scale_y, margin_mm)

    @property
    def width_mm(self) -> float:
        return (self.x1_mm - self.x0_mm) * self.scale_x + 2 * self.margin_mm

    @property
    def height_mm(self) -> float:
        return (self.y1_mm - self.y0_mm) * self.scale_y + 2 * self.margin_mm

    def x(self, x_mm: float) -> float:
        """Return page mm from the left edge for finished x_mm."""
        return self.margin_mm + (x_mm - self.x0_mm) * self.scale_x

    def y(self, y_mm: float) -> float:
        """Return page mm from the top edge for finished y_mm."""
        return self.margin_mm + (y_mm - self.y0_mm) * self.scale_y

    def size_x(self, d_mm: float) -> float:
        """Return a finished length across the weave on the page."""
        return d_mm * self.scale_x

    def size_y(self, d_mm: float) -> float:
        """Return a finished length along the weave on the page."""
        return d_mm * self.scale_y

    def pixel_size(self, ppi: float) -> tuple[int, int]:
        """Return the page size in whole pixels at ppi."""
        return round(mm_to_px(self.width_mm, ppi)), round(mm_to_px(self.height_mm, ppi))

    def px(self, x_mm: float, ppi: float) -> float:
        """Return the pixel column of finished x_mm at ppi."""
        return mm_to_px(self.x(x_mm), ppi)

    def py(self, y_mm: float, ppi: float) -> float:
        """Return the pixel row of finished y_mm at ppi."""
        return mm_to_px(self.y(y_mm), ppi)

    def contains(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Return whether the finished rectangle lies within this frame's content."""
        return self.x0_mm <= x0 and x1 <= self.x1_mm and self.y0_mm <= y0 and y1 <= self.y1_mm
