"""The test swatch: sample codes at the cloth's module size and around it, in its colours.

Printed on the real fabric by the real shop before the cloth is ordered, each code leads to
``/S/CODE``, where a phone that opens it records that this size and colour pair read on
this fabric. The swatch is 300 × 300 mm (a shop's swatch or a square of a metre's order);
codes stand in rows, smallest first, each on its own light ground with a label under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tablecloth import qr
from tablecloth.qr import Matrix

from .settings import MIN_MODULE_MM, LayoutError, contrast_ratio
from .text import fit_size_mm

SWATCH_MM = 300.0
SWATCH_BLEED_MM = 10.0
MARGIN_MM = 12.0
HEADER_MM = 16.0  # the title and the instruction above the codes
GAP_MM = 6.0
LABEL_MM = 9.0  # two lines under each code
QUIET_MODULES = 4
SIZE_STEPS_MM = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


def sample_sizes(module_mm: float) -> list[float]:
    """Return the module sizes to try: the cloth's, the two smaller steps and one larger."""
    smaller = [m for m in SIZE_STEPS_MM if MIN_MODULE_MM <= m < module_mm - 1e-9][-2:]
    larger = [m for m in SIZE_STEPS_MM if m > module_mm + 1e-9][:1]
    return [*smaller, round(module_mm, 2), *larger]


@dataclass(frozen=True)
class Sample:
    """One code to print: its /S/ code and URL, module size and colour pair."""

    code: str
    url: str
    module_mm: float
    dark: str
    light: str
    role: str = ""  # what the design prints in this colour ("codes and words", ...)

    @property
    def label(self) -> tuple[str, str]:
        """Return the two label lines: size, contrast and role, then the colours."""
        ratio = contrast_ratio(self.dark, self.light)
        first = f"{self.module_mm:g} mm · {ratio:.1f}:1"
        return (f"{first} · {self.role}" if self.role else first,
                f"{self.dark} on {self.light}")


@dataclass(frozen=True)
class PlacedSample:
    """A sample at its place: (x_mm, y_mm) is the top-left of its quiet zone, trim origin."""

    sample: Sample
    matrix: Matrix
    x_mm: float
    y_mm: float
    label_font_mm: float

    @property
    def size_mm(self) -> float:
        """Return the code's width with its quiet zone."""
        return (self.matrix.size + 2 * QUIET_MODULES) * self.sample.module_mm

    @property
    def symbol_x_mm(self) -> float:
        return self.x_mm + QUIET_MODULES * self.sample.module_mm

    @property
    def symbol_y_mm(self) -> float:
        return self.y_mm + QUIET_MODULES * self.sample.module_mm


@dataclass(frozen=True)
class SwatchPlan:
    """Where every sample goes on the swatch, in millimetres of the trimmed square."""

    samples: tuple[PlacedSample, ...]
    title: str
    instruction: str
    size_mm: float = SWATCH_MM
    bleed_mm: float = SWATCH_BLEED_MM

    @property
    def min_module_mm(self) -> float:
        return min(p.sample.module_mm for p in self.samples)


def plan_swatch(samples: Sequence[Sample], title: str, instruction: str) -> SwatchPlan:
    """Place samples in rows, in the given order; refuse more than the swatch holds."""
    placed: list[PlacedSample] = []
    x, y, row_h = MARGIN_MM, MARGIN_MM + HEADER_MM, 0.0
    right = bottom = SWATCH_MM - MARGIN_MM
    for sample in samples:
        matrix = qr.encode(sample.url, "H")
        size = (matrix.size + 2 * QUIET_MODULES) * sample.module_mm
        if x + size > right and x > MARGIN_MM:
            x, y, row_h = MARGIN_MM, y + row_h + GAP_MM, 0.0
        if x + size > right or y + size + LABEL_MM > bottom:
            raise LayoutError("swatch_too_full", count=len(samples))
        font = min(fit_size_mm(line, size * 0.95, LABEL_MM * 0.38) for line in sample.label)
        placed.append(PlacedSample(sample, matrix, x, y, font))
        x += size + GAP_MM
        row_h = max(row_h, size + LABEL_MM)
    return SwatchPlan(tuple(placed), title, instruction)
