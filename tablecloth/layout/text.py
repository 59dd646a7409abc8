"""Fonts and text metrics shared by layout (fitting) and renderers (drawing)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFont

# From Debian's fonts-dejavu-core (scripts/bootstrap installs it): Latin and Cyrillic.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_PATH = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD_PATH = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT_NAME = "DejaVuSans"
FONT_BOLD_NAME = "DejaVuSans-Bold"


@lru_cache(maxsize=4)
def _ttf(bold: bool) -> TTFont:
    path = FONT_BOLD_PATH if bold else FONT_PATH
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install the Debian package fonts-dejavu-core")
    return TTFont(FONT_BOLD_NAME if bold else FONT_NAME, str(path))


def ttf(bold: bool = False) -> TTFont:
    """Return the reportlab TTFont object for the label (or bold title) font."""
    return _ttf(bold)


@lru_cache(maxsize=8192)
def text_width_mm(text: str, size_mm: float, bold: bool = False) -> float:
    """Return the advance width of text set at size_mm (em height) in millimetres."""
    return _ttf(bold).stringWidth(text, 1.0) * size_mm


def fit_size_mm(text: str, max_width_mm: float, max_size_mm: float, bold: bool = False) -> float:
    """Return the largest font size not above max_size_mm at which text fits max_width_mm."""
    unit = text_width_mm(text, 1.0, bold)
    if unit <= 0:
        return max_size_mm
    return min(max_size_mm, max_width_mm / unit)
