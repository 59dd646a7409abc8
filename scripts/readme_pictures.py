"""Make the README's pictures of print files: real PDFs, rasterised by poppler's pdftoppm.

Usage: .venv/bin/python scripts/readme_pictures.py [OUTPUT_FOLDER]  (default docs/screenshots)
Needs pdftoppm (Debian's poppler-utils, installed by `scripts/bootstrap test`).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from tablecloth.layout import CellSpec, ClothSettings, order_for_cloth, plan_cloth
from tablecloth.layout.units import Frame
from tablecloth.names import other_script
from tablecloth.render import render

NAMES = [("Аня 🌸", "volgograd"), ("Tom", "coventry"), ("李娜", "coventry"),
         ("Дмитрий", "volgograd"), ("Zofia Wójcik", "coventry"), ("Маша", "volgograd"),
         ("سارا", "coventry"), ("Олег", "volgograd"), ("ਹਰਪ੍ਰੀਤ", "coventry"),
         ("Катя", "volgograd")]
CITIES = {"coventry": "Coventry / Ковентри", "volgograd": "Volgograd / Волгоград"}
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as tablecloth.codes


def cells(count: int) -> list[CellSpec]:
    """Return count example cells: names in several scripts, two cities alternating."""
    out = []
    for i in range(count):
        name, city = NAMES[i % len(NAMES)]
        number = i * 7919 + 104729  # spread out, so codes look like real ones
        code = "".join(ALPHABET[(number // 32 ** k) % 32] for k in range(6))
        # The name's other script too ("Аня / Anya"), as services.cloth.design gives it.
        out.append(CellSpec(code, f"HTTPS://TABLECLOTH.EXAMPLE.ORG/P/{code}", name,
                            CITIES[city], city, other_script(name)))
    return out


def pages(plan, tmp: Path, dpi: float) -> list[Image.Image]:
    """Render the plan's PDF and return each page as pdftoppm draws it."""
    pdf = tmp / "cloth.pdf"
    render("pdf", plan, pdf)
    subprocess.run(["pdftoppm", "-r", f"{dpi:g}", "-png", str(pdf), str(tmp / "page")],
                   check=True)
    return [Image.open(p).convert("RGB") for p in sorted(tmp.glob("page-*.png"))]


def as_sewn(plan, images: list[Image.Image], dpi: float) -> Image.Image:
    """Return the pages joined as the seamstress joins them: each panel up to the seam line
    in the middle of its overlap band, the seam drawn as a thin grey line."""
    px = dpi / 25.4
    parts = []
    for panel, im in zip(plan.panels, images, strict=True):
        frame = Frame.for_panel(plan, panel)
        left = frame.x(panel.x0_mm + panel.overlap_left_mm / 2) * px if panel.index else 0
        right = (frame.x(panel.x1_mm - panel.overlap_right_mm / 2) * px
                 if panel.overlap_right_mm else im.width)
        parts.append(im.crop((round(left), 0, round(right), im.height)))
    out = Image.new("RGB", (sum(p.width for p in parts), max(p.height for p in parts)), "white")
    x = 0
    for i, part in enumerate(parts):
        out.paste(part, (x, 0))
        x += part.width
        if i + 1 < len(parts):
            ImageDraw.Draw(out).line((x, 0, x, out.height), fill=(150, 150, 150), width=1)
    return out


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    default = ClothSettings()
    for name, settings, count in (
        ("cloth-full.png", default, 380),
        ("cloth-two-panels.png", ClothSettings(panels="equal"), 360),
    ):
        plan = plan_cloth(order_for_cloth(cells(count), settings), settings)
        with tempfile.TemporaryDirectory() as tmp:
            as_sewn(plan, pages(plan, Path(tmp), 14), 14).save(folder / name, optimize=True)
        print(name, [round(p.width_mm) for p in plan.panels])
    plan = plan_cloth(order_for_cloth(cells(380), default), default)
    middle = next(p for p in plan.panels if p.x0_mm < plan.title.rect.x_mm < p.x1_mm)
    frame = Frame.for_panel(plan, middle)
    dpi = 60
    with tempfile.TemporaryDirectory() as tmp:
        page = pages(plan, Path(tmp), dpi)[middle.index]
    px = dpi / 25.4
    t = plan.title.rect
    legend = page.crop((round(frame.x(t.x_mm) * px), round(frame.y(t.y_mm) * px),
                        round(frame.x(t.x1_mm) * px), round(frame.y(t.y1_mm) * px)))
    legend.save(folder / "cloth-legend.png", optimize=True)
    # A detail: codes with their labels beside the title block's corner.
    row = plan.grid.title_rows[0] - 2
    c0 = plan.grid.title_cols[0] - 2
    x0 = max(plan.grid.col_x[max(0, c0)] - 10, middle.x0_mm + middle.overlap_left_mm)
    y0 = plan.grid.row_y[max(0, row)]
    detail = page.crop((round(frame.x(x0) * px), round(frame.y(y0) * px),
                        round(frame.x(x0 + 560) * px), round(frame.y(y0 + 330) * px)))
    detail.save(folder / "cloth.png", optimize=True)
    print("legend", legend.size, "detail", detail.size)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
