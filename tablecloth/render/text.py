"""The plan's words and swatches drawn in each format, from the same shaped glyph runs.

PDF: each run in its own font, embedded as a subset (reportlab shapes it with HarfBuzz, as
``layout.fonts`` measured it). SVG: glyph outlines, defined once and placed with ``<use>``,
so the file never depends on the fonts of the machine that opens it. PNG/TIFF: each run drawn
by Pillow's FreeType with Raqm (HarfBuzz and FriBidi) shaping.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from tablecloth.layout import Rule, Swatch, TextItem
from tablecloth.layout.fonts import Face, hb_font, shape
from tablecloth.layout.units import PT_PER_MM, Frame

from .common import compact

_QUOTE = {'"': "&quot;"}

# ---------------------------------------------------------------- PDF


def pdf_font(face: Face, bold: bool) -> str:
    """Register a face with reportlab (embedded as a subset when used); return its name."""
    name = face.pdf_name(bold)
    if name not in pdfmetrics.getRegisteredFontNames():
        path = face.path(bold)
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: install the Debian package "
                                    f"{face.package}")
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=face.index))
    return name


def _rgb01(colour: str) -> tuple[float, float, float]:
    from tablecloth.layout import parse_colour

    r, g, b = parse_colour(colour)
    return r / 255, g / 255, b / 255


def _pdf_char(name: str, face: Face, bold: bool, gid: int) -> str:
    """Return the character that selects glyph gid in the registered font name.

    A shaped glyph with no character of its own (an Arabic letter's joined form, a Gurmukhi
    conjunct) gets a private-use one, as reportlab's own shaping does, so the subset keeps it.
    """
    font = pdfmetrics.getFont(name)
    chars = font.face.glyphToChar.get(gid)
    if chars:
        return chr(chars[0])
    hb = hb_font(face, bold)
    font.hbFont()  # makes hbAddPrivate available
    advance = hb.get_glyph_h_advance(gid) * 1000 / hb.face.upem
    return chr(font.hbAddPrivate(hb.glyph_to_string(gid), gid, advance))


def pdf_texts(c: Any, items: Iterable[TextItem], fr: Frame, h_pt: float, dark: str) -> None:
    """Draw text items on a reportlab canvas page whose frame is fr.

    Each glyph is placed where ``layout.fonts`` shaped it (reportlab's own shaping lays
    right-to-left runs out backwards), in its font, embedded as a subset. The operators are
    written directly, one TJ array a run with the shaper's kerning as adjustments: drawing
    glyph by glyph through reportlab's text objects cost a second a thousand labels.
    """
    k = PT_PER_MM
    ops: list[str] = []
    colour = None
    for item in items:
        if not item.text:
            continue
        wanted = item.colour or dark
        if wanted != colour:
            colour = wanted
            r, g, b = (compact(v) for v in _rgb01(colour))
            ops.append(f"{r} {g} {b} rg\n")
        size = item.size_mm
        # Finished millimetres from the line's start on its baseline, y up, shrink scaled,
        # turned clockwise on the cloth by the item's rotation.
        sx, sy = item.start_mm
        cos, sin = _TURN[item.rotate % 360]
        ops.append(f"BT {compact(fr.scale_x * k * cos)} {compact(-fr.scale_y * k * sin)} "
                   f"{compact(fr.scale_x * k * sin)} {compact(fr.scale_y * k * cos)} "
                   f"{compact(fr.x(sx) * k)} {compact(h_pt - fr.y(sy) * k)} Tm\n")
        pen = 0.0
        line = _Line()
        for run in shape(item.text, item.bold).runs:
            ops.append(_pdf_run(c, run, pen, size, line))
            pen += run.advance_em
        ops.append("ET\n")
    if ops:
        c.addLiteral("q\n" + "".join(ops) + "Q\n")


_TURN = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}  # (cos, sin) of a rotation


class _Line:
    """Where the current text line starts, within one BT ... ET (Td moves are relative)."""

    def __init__(self) -> None:
        self.x = self.y = 0.0


def _pdf_run(c: Any, run: Any, pen_em: float, size: float, line: _Line) -> str:
    """Return the operators that show one shaped run from pen_em (in em) on the line.

    Text space is finished millimetres here (the Tm scales it), so positions are in mm and
    TJ adjustments in thousandths of the font size; a glyph raised or lowered by the shaper
    (an Arabic or Gurmukhi mark) gets a line of its own.
    """
    name = pdf_font(run.face, run.bold)
    font = pdfmetrics.getFont(name)
    chars = [_pdf_char(name, run.face, run.bold, gid) for gid in run.glyphs]
    widths = font.face.charWidths
    out = []
    i = 0
    for subset, data in font.splitString("".join(chars), c._doc):
        out.append(f"{font.getSubsetInternalName(subset, c._doc)} {compact(size)} Tf\n")
        parts: list[str] = []
        expected = None
        for byte in data:
            x = (pen_em + run.x_em[i]) * size
            y = run.y_em[i] * size
            if expected is None or y != line.y:
                if parts:
                    out.append(f"[{' '.join(parts)}] TJ\n")
                    parts = []
                out.append(f"{compact(x - line.x)} {compact(y - line.y)} Td\n")
                line.x, line.y = x, y
            else:
                shift = (x - expected) * 1000 / size
                if abs(shift) > 0.05:
                    parts.append(compact(-shift))
            parts.append("(" + c._escape(bytes([byte])) + ")")
            expected = x + widths.get(ord(chars[i]), 0) * size / 1000
            i += 1
        if parts:
            out.append(f"[{' '.join(parts)}] TJ\n")
    return "".join(out)


def pdf_swatches(c: Any, swatches: Iterable[Swatch], fr: Frame, h_pt: float, light: str) -> None:
    """Draw each swatch as a small finder pattern in its colour."""
    k = PT_PER_MM
    for sw in swatches:
        for inset, colour in ((0.0, sw.colour), (1 / 7, light), (2 / 7, sw.colour)):
            a = sw.size_mm * inset
            w = sw.size_mm - 2 * a
            c.setFillColorRGB(*_rgb01(colour))
            c.rect(fr.x(sw.x_mm + a) * k, h_pt - fr.y(sw.y_mm + a + w) * k,
                   fr.size_x(w) * k, fr.size_y(w) * k, stroke=0, fill=1)


def pdf_rules(c: Any, rules: Iterable[Rule], fr: Frame, h_pt: float) -> None:
    """Draw a design's rules as filled rectangles."""
    k = PT_PER_MM
    ops = []
    for rule in rules:
        r, g, b = (compact(v) for v in _rgb01(rule.colour))
        ops.append(f"{r} {g} {b} rg {compact(fr.x(rule.x_mm) * k)} "
                   f"{compact(h_pt - fr.y(rule.y_mm + rule.h_mm) * k)} "
                   f"{compact(fr.size_x(rule.w_mm) * k)} {compact(fr.size_y(rule.h_mm) * k)} "
                   f"re f\n")
    if ops:
        c.addLiteral("q\n" + "".join(ops) + "Q\n")


# ---------------------------------------------------------------- SVG


class _SvgPen:
    """Collect a glyph outline as SVG path data in thousandths of an em, y down."""

    def __init__(self, factor: float) -> None:
        self.f = factor
        self.parts: list[str] = []

    def _p(self, pt: tuple[float, float]) -> str:
        return f"{compact(pt[0] * self.f)} {compact(-pt[1] * self.f)}"

    def moveTo(self, pt):  # noqa: N802  (the pen protocol's names)
        self.parts.append("M" + self._p(pt))

    def lineTo(self, pt):  # noqa: N802
        self.parts.append("L" + self._p(pt))

    def qCurveTo(self, *pts):  # noqa: N802
        self.parts.append("Q" + " ".join(self._p(p) for p in pts))

    def curveTo(self, *pts):  # noqa: N802
        self.parts.append("C" + " ".join(self._p(p) for p in pts))

    def closePath(self):  # noqa: N802
        self.parts.append("Z")

    endPath = closePath  # noqa: N815


@lru_cache(maxsize=65536)
def glyph_path(face: Face, bold: bool, gid: int) -> str:
    """Return a glyph's outline as SVG path data, 1000 units to the em, y down."""
    font = hb_font(face, bold)
    pen = _SvgPen(1000 / font.face.upem)
    font.draw_glyph_with_pen(gid, pen)
    return "".join(pen.parts)


def svg_texts(items: Iterable[TextItem], fr: Frame, dark: str,
              prefix: str = "g") -> tuple[str, str]:
    """Return (glyph definitions, placed lines) for text items as SVG outlines.

    Glyph ids are prefix + a number, so two calls for one file need different prefixes.
    """
    defs: dict[tuple[str, bool, int], str] = {}  # glyph -> its id, "" for an empty glyph
    paths: list[str] = []
    body: list[str] = []
    for item in items:
        if not item.text:
            continue
        shaped = shape(item.text, item.bold)
        kx = fr.scale_x * item.size_mm / 1000
        ky = fr.scale_y * item.size_mm / 1000
        uses = []
        pen = 0.0
        for run in shaped.runs:
            for gid, gx, gy in zip(run.glyphs, run.x_em, run.y_em, strict=True):
                key = (run.face.key, run.bold, gid)
                if key not in defs:
                    d = glyph_path(run.face, run.bold, gid)
                    defs[key] = f"{prefix}{len(paths)}" if d else ""
                    if d:
                        paths.append(f'<path id="{defs[key]}" d="{d}"/>')
                if defs[key]:
                    uses.append(f'<use xlink:href="#{defs[key]}" x="{compact((pen + gx) * 1000)}"'
                                + (f' y="{compact(-gy * 1000)}"' if gy else "") + "/>")
            pen += run.advance_em
        colour = f' fill="{item.colour}"' if item.colour and item.colour != dark else ""
        if item.rotate % 360:  # turned about its start, then scaled by the shrink allowances
            sx, sy = item.start_mm
            em = item.size_mm / 1000
            place = (f"translate({compact(fr.x(sx))} {compact(fr.y(sy))}) "
                     f"scale({fr.scale_x:.6g} {fr.scale_y:.6g}) rotate({item.rotate % 360}) "
                     f"scale({em:.6g})")
        else:
            place = (f"translate({compact(fr.x(item.x0_mm))} {compact(fr.y(item.y_mm))}) "
                     f"scale({kx:.6g} {ky:.6g})")
        # The words stay readable to search and screen readers, never drawn as live text.
        body.append(
            f'<g class="{item.role}" aria-label="{escape(item.text, _QUOTE)}"{colour} '
            f'transform="{place}">{"".join(uses)}</g>\n')
    return "".join(paths), "".join(body)


def svg_swatches(swatches: Iterable[Swatch], fr: Frame, light: str) -> str:
    """Return each swatch as a small finder pattern of three squares."""
    out = []
    for sw in swatches:
        for inset, colour in ((0.0, sw.colour), (1 / 7, light), (2 / 7, sw.colour)):
            a = sw.size_mm * inset
            w = sw.size_mm - 2 * a
            out.append(f'<rect x="{compact(fr.x(sw.x_mm + a))}" y="{compact(fr.y(sw.y_mm + a))}" '
                       f'width="{compact(fr.size_x(w))}" height="{compact(fr.size_y(w))}" '
                       f'fill="{colour}"/>\n')
    return "".join(out)


def svg_rules(rules: Iterable[Rule], fr: Frame) -> str:
    """Return a design's rules as SVG rectangles."""
    return "".join(
        f'<rect x="{compact(fr.x(r.x_mm))}" y="{compact(fr.y(r.y_mm))}" '
        f'width="{compact(fr.size_x(r.w_mm))}" height="{compact(fr.size_y(r.h_mm))}" '
        f'fill="{r.colour}"/>\n' for r in rules)


# ---------------------------------------------------------------- PNG and TIFF


@lru_cache(maxsize=256)
def _pil_font(face: Face, bold: bool, size_q: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(face.path(bold)), size_q / 4, index=face.index,
                              layout_engine=ImageFont.Layout.RAQM)


def raster_text(draw: ImageDraw.ImageDraw, item: TextItem, x_px: float, base_px: float,
                size_px: float, fill: Any) -> None:
    """Draw one text item with its left end at x_px on the baseline base_px."""
    x = x_px
    for run in shape(item.text, item.bold).runs:
        font = _pil_font(run.face, run.bold, max(1, round(size_px * 4)))
        draw.text((x, base_px), run.text, fill=fill, font=font, anchor="ls",
                  direction="rtl" if run.rtl else "ltr", features=["kern", "liga"])
        x += run.advance_em * size_px


def raster_turned(item: TextItem, size_px: float, ink: Any, mode: str) -> tuple[Any, Any]:
    """Return a turned line as (ink image, mask) and where the line's start lands in it.

    The line is drawn upright on a mask of its own, then turned a quarter or half turn
    (exactly, pixel for pixel), so strips can paste the part they hold.
    """
    pad = round(size_px * 0.1)  # room for a glyph reaching left of its origin
    width = max(1, round(item.width_mm / item.size_mm * size_px) + 2 * pad)
    height = max(1, round(size_px * 1.4))
    base = round(size_px * 1.05)
    mask = Image.new("L", (width, height), 0)
    raster_text(ImageDraw.Draw(mask), item, pad, base, size_px, 255)
    turn = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
            270: Image.Transpose.ROTATE_90}[item.rotate % 360]
    mask = mask.transpose(turn)
    # Where the upright image's (0, base) went: the line's start on its baseline.
    start = {90: (height - 1 - base, pad), 180: (width - 1 - pad, height - 1 - base),
             270: (base, width - 1 - pad)}[item.rotate % 360]
    return (Image.new(mode, mask.size, ink), mask), start


def draft_item(plan: Any) -> TextItem:
    """Return the DRAFT line of a draft file, on the top hem allowance (folded under)."""
    hem = plan.settings.hem_mm
    size = max(2.0, min(7.0, hem * 0.5))
    return TextItem("draft", "DRAFT · NOT FOR PRINT", plan.trim_width_mm / 2,
                    max(hem * 0.7, size), size, bold=True)
