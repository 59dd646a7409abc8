"""What an organiser can set about a cloth, the print limits, and the colour maths behind them.

Every rule about what can print lives here once: ``ClothSettings.validate`` refuses an
unprintable setting with a ``LayoutError`` (a reason code with its detail, worded in
``messages``) and returns ``LayoutWarning``s for risky ones. Services, the web and the CLI
show these; none of them checks a setting again.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

from tablecloth import messages
from tablecloth.errors import Refusal

from . import designs

# The print limits (DESIGN section 4).
MIN_MODULE_MM, WARN_MODULE_MM = 1.0, 1.5  # refuse below, warn below
MIN_CONTRAST = 7.0  # WCAG contrast between the two colours
MAX_SHRINK_PCT = 15.0  # fabric usually shrinks 2-5 %
MAX_BLEED_MM = 100.0
MAX_SIDE_MM = 20_000.0
MIN_ROLL_MM = 200.0
MIN_QUIET_MODULES = 4  # ISO/IEC 18004: never shrunk
MIN_LIGHT_MODULES = 8  # light between neighbouring codes, so a phone sees one at a time
ERROR_CORRECTION_LEVELS = ("L", "M", "Q", "H")
PANEL_STYLES = ("auto", "equal", "centre")  # how a cloth wider than the roll is split
LEGEND = ("Point your phone's camera at a square to see its photo\n"
          "Наведите камеру телефона на квадрат, чтобы увидеть фото")
SLUG_MM = 12.0  # margin outside the bleed for crop and registration marks, never scaled
PDF_PAGE_LIMIT_MM = 5080.0  # 14,400 pt: Acrobat's largest page without UserUnit


class LayoutError(Refusal):
    """The settings or the cells cannot make a printable cloth; the reason says why.

    When there are too many cells, the detail holds ``fits``, ``needed`` and the
    suggestions ``suggest_size_mm`` (width, height) and ``suggest_module_mm``.
    """

    @property
    def fits(self) -> int | None:
        return self.detail.get("fits")

    @property
    def needed(self) -> int | None:
        return self.detail.get("needed")

    @property
    def suggest_size_mm(self) -> tuple[float, float] | None:
        width, height = self.detail.get("width"), self.detail.get("height")
        return (width, height) if width is not None else None

    @property
    def suggest_module_mm(self) -> float | None:
        return self.detail.get("module")


@dataclass(frozen=True)
class LayoutWarning:
    """A setting that prints but risks codes that do not scan: a reason code and its detail."""

    reason: str
    detail: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return messages.text(self.reason, self.detail)


_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_colour(value: str) -> tuple[int, int, int]:
    """Return (r, g, b) 0-255 from '#rgb' or '#rrggbb'."""
    if not _HEX.match(str(value or "")):
        raise LayoutError("colour_not_hex", colour=str(value))
    h = value[1:]
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(rgb: tuple[int, int, int]) -> float:
    """Return WCAG relative luminance of an sRGB colour."""
    def lin(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(dark: str, light: str) -> float:
    """Return the WCAG contrast ratio between two colours (1 to 21)."""
    a, b = luminance(parse_colour(dark)), luminance(parse_colour(light))
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class ClothSettings:
    """Everything an organiser can set about a cloth; defaults from DESIGN section 4.

    ``width_mm`` and ``height_mm`` are the *finished* size, the cloth as it lies hemmed on
    the table. The hem allowance ``hem_mm`` is added outside it on every side and folded
    under, so the fabric is cut at ``cut_width_mm`` x ``cut_height_mm``. Fabric shrinks
    differently across the weave (the roll's width, the cloth's x) and along it (the roll's
    length, y), so the artwork is printed larger by two separate allowances.
    """

    width_mm: float = 1800.0
    height_mm: float = 1800.0
    hem_mm: float = 25.0
    bleed_mm: float = 10.0
    module_mm: float = 2.0
    quiet_modules: int = 4
    min_light_modules: int = 8
    error_correction: str = "H"
    dark: str = "#1a1a1a"
    light: str = "#ffffff"
    title: str = "Coventry · Ковентри — Volgograd · Волгоград"
    subtitle: str = "1944 · 2026"
    roll_width_mm: float = 1400.0
    overlap_mm: float = 20.0
    shrink_across_pct: float = 3.0
    shrink_along_pct: float = 3.0
    panels: str = "auto"
    labels: bool = True
    crop_marks: bool = True
    draft: bool = False
    city_tint: bool = True  # the second city's finder patterns in the accent colour
    accent: str = "#9b1c1c"
    legend: str = LEGEND  # lines for visitors, printed under the title with the address
    design: str = "plain"  # layout.designs.DESIGNS: the colours and ornament of the cloth
    accent_first: str = ""  # the first city's corner squares ("" for the code colour)
    dedication: str = designs.DEDICATION  # the border's words, one line per language

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ClothSettings:
        """Return settings from stored values, ignoring unknown keys and reading old ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = dict(values)
        if "shrink_pct" in values:  # one allowance for both directions, before issue 14
            old = values.pop("shrink_pct")
            values.setdefault("shrink_across_pct", old)
            values.setdefault("shrink_along_pct", old)
        return cls(**{k: v for k, v in values.items() if k in known})

    @property
    def scale_x(self) -> float:
        """Return the factor from finished to printed millimetres across the weave (x)."""
        return 1 + self.shrink_across_pct / 100

    @property
    def scale_y(self) -> float:
        """Return the factor from finished to printed millimetres along the weave (y)."""
        return 1 + self.shrink_along_pct / 100

    @property
    def cut_width_mm(self) -> float:
        """Return the width the fabric is cut to: finished width plus the hem on each side."""
        return self.width_mm + 2 * self.hem_mm

    @property
    def cut_height_mm(self) -> float:
        return self.height_mm + 2 * self.hem_mm

    @property
    def accent_contrast(self) -> float:
        """Return the WCAG contrast ratio of the accent colour on the background."""
        return contrast_ratio(self.accent, self.light)

    @property
    def contrast(self) -> float:
        """Return the WCAG contrast ratio of the code colour on the background."""
        return contrast_ratio(self.dark, self.light)

    def colour_pairs(self) -> list[designs.ColourPair]:
        """Return every ink this cloth prints on its ground, with its contrast."""
        return [designs.ColourPair(role, ink, self.light, contrast_ratio(ink, self.light))
                for role, ink in designs.pair_inks(self)]

    def validate(self) -> list[LayoutWarning]:
        """Raise LayoutError for an unprintable setting; return warnings for risky ones."""
        self._check_numbers()
        warnings: list[LayoutWarning] = []
        if self.width_mm <= 0 or self.height_mm <= 0:
            raise LayoutError("cloth_size_not_positive")
        if max(self.width_mm, self.height_mm) > MAX_SIDE_MM:
            raise LayoutError("cloth_too_large")
        if self.hem_mm * 2 >= min(self.width_mm, self.height_mm):
            raise LayoutError("hem_too_wide", mm=self.hem_mm)
        if self.panels not in PANEL_STYLES:
            raise LayoutError("panel_style_unknown", style=str(self.panels))
        if self.bleed_mm > MAX_BLEED_MM:
            raise LayoutError("bleed_too_wide", mm=self.bleed_mm)
        for shrink in (self.shrink_across_pct, self.shrink_along_pct):
            if not 0 <= shrink <= MAX_SHRINK_PCT:
                raise LayoutError("shrink_out_of_range", most=MAX_SHRINK_PCT)
        if self.module_mm < MIN_MODULE_MM:
            raise LayoutError("module_too_small", mm=self.module_mm)
        if self.module_mm < WARN_MODULE_MM:
            warnings.append(LayoutWarning("module_small", {"mm": self.module_mm}))
        if self.quiet_modules < MIN_QUIET_MODULES:
            raise LayoutError("quiet_zone_too_small")
        if self.min_light_modules < MIN_LIGHT_MODULES:
            raise LayoutError("codes_too_close")
        if self.error_correction not in ERROR_CORRECTION_LEVELS:
            raise LayoutError("error_correction_unknown", level=str(self.error_correction))
        if self.error_correction != "H":
            warnings.append(LayoutWarning("error_correction_low"))
        dark, light = parse_colour(self.dark), parse_colour(self.light)
        if luminance(dark) >= luminance(light):
            raise LayoutError("colours_inverted")
        ratio = self.contrast
        if ratio < MIN_CONTRAST:
            shown = round(ratio, 1)
            if shown >= MIN_CONTRAST:  # never round up to the minimum it falls short of
                shown = math.floor(ratio * 10) / 10
            raise LayoutError("contrast_too_low", ratio=shown, minimum=MIN_CONTRAST)
        if self.city_tint:
            accent = parse_colour(self.accent)
            if luminance(accent) >= luminance(light) or self.accent_contrast < MIN_CONTRAST:
                shown = math.floor(self.accent_contrast * 10) / 10
                raise LayoutError("accent_contrast_too_low", ratio=shown, minimum=MIN_CONTRAST)
        if self.design not in designs.DESIGNS:
            raise LayoutError("design_unknown", design=str(self.design),
                              choices=", ".join(designs.DESIGNS))
        for pair in self.colour_pairs():
            if luminance(parse_colour(pair.ink)) >= luminance(light) or (
                    pair.ratio < MIN_CONTRAST):
                raise LayoutError("design_contrast_too_low", role=pair.words, ink=pair.ink,
                                  ratio=math.floor(pair.ratio * 10) / 10,
                                  minimum=MIN_CONTRAST)
        if self.roll_width_mm < MIN_ROLL_MM:
            raise LayoutError("roll_too_narrow", mm=self.roll_width_mm)
        length = (self.cut_height_mm + 2 * self.bleed_mm) * self.scale_y + 2 * SLUG_MM
        if length > PDF_PAGE_LIMIT_MM:
            warnings.append(LayoutWarning("pdf_page_too_long", {"m": round(length / 1000, 2)}))
        return warnings

    def _check_numbers(self) -> None:
        """Refuse a size that is not a number, or a margin below zero."""
        for name in ("width_mm", "height_mm", "module_mm", "roll_width_mm", "hem_mm",
                     "bleed_mm", "overlap_mm", "shrink_across_pct", "shrink_along_pct"):
            value = getattr(self, name)
            if not _number(value):
                raise LayoutError("setting_not_a_number", setting=name, value=str(value))
        if self.module_mm <= 0:
            raise LayoutError("module_too_small", mm=self.module_mm)
        if self.roll_width_mm <= 0:
            raise LayoutError("roll_too_narrow", mm=self.roll_width_mm)
        for name in ("hem_mm", "bleed_mm", "overlap_mm"):
            if getattr(self, name) < 0:
                raise LayoutError("setting_negative", setting=name, value=getattr(self, name))
