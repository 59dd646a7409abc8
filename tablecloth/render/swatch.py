"""The test swatch as print files: a PDF/X-4 for wide-format shops, a PNG for online ones.

Both at 1:1 with 10 mm of bleed, each sample on its own light ground; the PDF has trim and
bleed boxes and embedded fonts like the cloth's, the PNG the sRGB profile and resolution.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen.canvas import Canvas

from tablecloth.layout import parse_colour
from tablecloth.layout.swatch import LABEL_MM, SwatchPlan
from tablecloth.layout.text import FONT_BOLD_NAME, FONT_BOLD_PATH, FONT_NAME, FONT_PATH
from tablecloth.layout.units import PT_PER_MM, mm_to_px

from .colour import profile_for
from .common import Out, compact, open_out, progress_of
from .pdf import binary_streams, code_path, register_fonts
from .pdfx import make_pdfx

SWATCH_PPI = 150


def _rgb(colour: str) -> tuple[float, float, float]:
    r, g, b = parse_colour(colour)
    return r / 255, g / 255, b / 255


def render_swatch_pdf(plan: SwatchPlan, out: Out, **options: Any) -> None:
    """Write the swatch as a one-page PDF/X-4 at 1:1, with trim and bleed boxes."""
    progress = progress_of(options)
    register_fonts()
    k = PT_PER_MM
    b = plan.bleed_mm
    side = plan.size_mm + 2 * b
    drawn = io.BytesIO()
    with binary_streams():
        c = Canvas(drawn, pagesize=(side * k, side * k), pageCompression=1, invariant=1,
                   initialFontName=FONT_NAME)
        c.setTitle(plan.title)
        c.setCreator("tablecloth")
        c.setTrimBox((b * k, b * k, (b + plan.size_mm) * k, (b + plan.size_mm) * k))
        c.setBleedBox((0, 0, side * k, side * k))

        def y_pt(y_mm: float) -> float:  # trim mm, y down, to page points, y up
            return (side - b - y_mm) * k

        c.setFillColorRGB(0.1, 0.1, 0.1)
        c.setFont(FONT_BOLD_NAME, 4.2 * k)
        c.drawString((b + 12) * k, y_pt(17), plan.title)
        c.setFont(FONT_NAME, 3.0 * k)
        c.drawString((b + 12) * k, y_pt(23), plan.instruction)
        for p in plan.samples:
            s = p.sample
            c.setFillColorRGB(*_rgb(s.light))
            c.rect((b + p.x_mm) * k, y_pt(p.y_mm + p.size_mm + LABEL_MM),
                   p.size_mm * k, (p.size_mm + LABEL_MM) * k, stroke=0, fill=1)
            a = s.module_mm * k
            tx, ty = (b + p.symbol_x_mm) * k, y_pt(p.symbol_y_mm)
            r, g, bl = _rgb(s.dark)
            c.addLiteral(f"q {compact(r)} {compact(g)} {compact(bl)} rg {compact(a)} 0 0 "
                         f"{compact(-a)} {compact(tx)} {compact(ty)} cm\n"
                         f"{code_path(p.matrix)}f Q\n")
            c.setFillColorRGB(r, g, bl)
            c.setFont(FONT_NAME, p.label_font_mm * k)
            cx = (b + p.x_mm + p.size_mm / 2) * k
            for i, line in enumerate(s.label):
                c.drawCentredString(cx, y_pt(p.y_mm + p.size_mm + 3.4 + i * 4.0), line)
        c.showPage()
        c.save()
    with open_out(out) as f:
        make_pdfx(drawn.getvalue(), f)
    progress(1.0, "swatch PDF written")


def render_swatch_png(plan: SwatchPlan, out: Out, **options: Any) -> None:
    """Write the swatch as a PNG at 150 ppi (sRGB profile, resolution stored)."""
    ppi = int(options.get("ppi", SWATCH_PPI))
    b = plan.bleed_mm
    side = round(mm_to_px(plan.size_mm + 2 * b, ppi))

    def px(mm: float) -> int:
        return round(mm_to_px(b + mm, ppi))

    image = Image.new("RGB", (side, side), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    title = ImageFont.truetype(str(FONT_BOLD_PATH), round(mm_to_px(4.2, ppi)))
    body = ImageFont.truetype(str(FONT_PATH), round(mm_to_px(3.0, ppi)))
    draw.text((px(12), px(17)), plan.title, fill=(26, 26, 26), font=title, anchor="ls")
    draw.text((px(12), px(23)), plan.instruction, fill=(26, 26, 26), font=body, anchor="ls")
    for p in plan.samples:
        s = p.sample
        dark, light = parse_colour(s.dark), parse_colour(s.light)
        draw.rectangle((px(p.x_mm), px(p.y_mm), px(p.x_mm + p.size_mm) - 1,
                        px(p.y_mm + p.size_mm + LABEL_MM) - 1), fill=light)
        m = s.module_mm
        for x, y, n in p.matrix.runs():
            draw.rectangle((px(p.symbol_x_mm + x * m), px(p.symbol_y_mm + y * m),
                            px(p.symbol_x_mm + (x + n) * m) - 1,
                            px(p.symbol_y_mm + (y + 1) * m) - 1), fill=dark)
        font = ImageFont.truetype(str(FONT_PATH), max(1, round(mm_to_px(p.label_font_mm, ppi))))
        for i, line in enumerate(s.label):
            draw.text((px(p.x_mm + p.size_mm / 2), px(p.y_mm + p.size_mm + 3.4 + i * 4.0)),
                      line, fill=dark, font=font, anchor="ms")
    with open_out(out) as f:
        image.save(f, "PNG", optimize=True, dpi=(ppi, ppi), icc_profile=profile_for("RGB")[1])
