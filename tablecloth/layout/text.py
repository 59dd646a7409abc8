"""Text metrics shared by layout (fitting) and renderers (drawing), and the fixed fonts.

Names and titles are measured as they print: cleaned (``fonts.clean``) and shaped in the
fallback fonts of ``layout.fonts``. The proof sheet and invitation letters, which only ever
carry Latin and Cyrillic, keep DejaVu Sans (``FONT_NAME``) through reportlab directly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFont

from .fonts import CAP_HEIGHT_EM, shape

# From Debian's fonts-dejavu-core (scripts/bootstrap installs it): Latin and Cyrillic.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_PATH = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD_PATH = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT_NAME = "DejaVuSans"
FONT_BOLD_NAME = "DejaVuSans-Bold"

# A label a visitor reads from a chair: capitals at least 2.5 mm tall (DESIGN section 4).
MIN_CAP_HEIGHT_MM = 2.5
MIN_LABEL_EM_MM = MIN_CAP_HEIGHT_MM / CAP_HEIGHT_EM  # 3.5 mm in Noto Sans


@lru_cache(maxsize=4)
def _ttf(bold: bool) -> TTFont:
    path = FONT_BOLD_PATH if bold else FONT_PATH
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install the Debian package fonts-dejavu-core")
    return TTFont(FONT_BOLD_NAME if bold else FONT_NAME, str(path))


def ttf(bold: bool = False) -> TTFont:
    """Return the reportlab TTFont of DejaVu Sans (proof sheets, letters, printer's marks)."""
    return _ttf(bold)


def text_width_mm(text: str, size_mm: float, bold: bool = False) -> float:
    """Return the advance width of (cleaned) text set at size_mm (em height) in millimetres."""
    return shape(text, bold).width_em * size_mm


def marks_width_mm(text: str, size_mm: float, bold: bool = False) -> float:
    """Return the width of printer's-mark text, set in DejaVu Sans."""
    return _ttf(bold).stringWidth(text, 1.0) * size_mm


def fit_size_mm(text: str, max_width_mm: float, max_size_mm: float, bold: bool = False) -> float:
    """Return the largest font size not above max_size_mm at which text fits max_width_mm."""
    unit = text_width_mm(text, 1.0, bold)
    if unit <= 0:
        return max_size_mm
    return min(max_size_mm, max_width_mm / unit)
