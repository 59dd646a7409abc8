"""Benchmark the print core against the obvious approach, side by side, as ratios.

    .venv/bin/python bench/bench_cloth.py            # everything (the 10k baseline takes ~1 min)
    .venv/bin/python bench/bench_cloth.py --quick    # skip the 10,000-code baseline
    .venv/bin/python bench/bench_cloth.py --png-only # preflight and PNG against numpy only

Each case runs in its own subprocess so peak memory (ru_maxrss) is that case's alone.
Obvious approach: qrcode best-fit encoding (``make(fit=True)``), then reportlab's canvas
drawing one rectangle per dark module; for PNG, a numpy canvas of the whole cloth saved by
Pillow (needs numpy: `pip install numpy`, or the project's `bench` extra). Ours:
tablecloth.qr + tablecloth.render.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE = "HTTPS://TABLECLOTH.EXAMPLE.ORG/P/"


def _cells(n: int):
    from tablecloth.codes import ALPHABET
    from tablecloth.layout import CellSpec

    cities = [("coventry", "Coventry / Ковентри"), ("volgograd", "Volgograd / Волгоград")]
    out = []
    for i in range(n):
        code, v = "", i * 7919 + 12345  # deterministic distinct codes
        for _ in range(6):
            code += ALPHABET[v % 32]
            v //= 32
        slug, label = cities[i % 2]
        out.append(CellSpec(code, BASE + code, ["Аня", "Tom", "Маша", "Priya"][i % 4], label,
                            slug))
    return out


def _settings(n: int):
    """Return a cloth that holds n codes: the default cloth grown, or 1 mm modules for 10k."""
    from tablecloth.layout import ClothSettings, capacity

    s = ClothSettings()
    if n > 2000:
        s = replace(s, module_mm=1.0)  # 10,000 codes at 2 mm would be a 9 m cloth
    while capacity(s) < n:
        s = replace(s, width_mm=s.width_mm + 50, height_mm=s.height_mm + 50)
    return s


def _peak_mb() -> float:
    # VmHWM, this process's own peak: Linux keeps ru_maxrss across exec (the parent's).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_encode_ours(n: int) -> dict:
    from tablecloth import qr

    urls = [c.url for c in _cells(n)]
    qr.encode(urls[0])  # version tables, built once per process
    qr.clear_cache()
    t = time.perf_counter()
    qr.encode_many(urls)
    return {"seconds": time.perf_counter() - t}


def case_encode_obvious(n: int) -> dict:
    import qrcode

    urls = [c.url for c in _cells(n)]
    t = time.perf_counter()
    for url in urls:
        q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H)
        q.add_data(url)
        q.make(fit=True)
    return {"seconds": time.perf_counter() - t}


def case_pdf_ours(n: int, out: str) -> dict:
    from tablecloth import qr
    from tablecloth.layout import order_for_cloth, plan_cloth
    from tablecloth.render import render

    s = _settings(n)
    cells = _cells(n)
    matrices = qr.encode_many([c.url for c in cells])
    t = time.perf_counter()
    plan = plan_cloth(order_for_cloth(cells, s), s, matrices)
    plan_s = time.perf_counter() - t
    t = time.perf_counter()
    render("pdf", plan, out)
    return {"seconds": time.perf_counter() - t, "plan_seconds": plan_s,
            "bytes": os.path.getsize(out), "cloth": f"{s.width_mm:g}x{s.height_mm:g} mm, "
            f"{s.module_mm:g} mm modules, {len(plan.panels)} panels"}


def case_pdf_obvious(n: int, out: str) -> dict:
    """One rectangle per dark module through reportlab's canvas, qrcode best-fit encoding."""
    import qrcode
    from reportlab.pdfgen.canvas import Canvas

    from tablecloth.layout import order_for_cloth, plan_cloth
    from tablecloth.layout.units import PT_PER_MM, Frame

    s = _settings(n)
    cells = _cells(n)
    plan = plan_cloth(order_for_cloth(cells, s), s)  # same positions as ours, not timed
    t = time.perf_counter()
    modules = {}
    for cell in plan.cells:
        q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H)
        q.add_data(cell.spec.url)
        q.make(fit=True)
        modules[cell.spec.code] = q.modules
    encode_s = time.perf_counter() - t
    t = time.perf_counter()
    k = PT_PER_MM
    c = Canvas(out, pageCompression=1)
    for panel in plan.panels:
        fr = Frame.for_panel(plan, panel)
        h = fr.height_mm * k
        c.setPageSize((fr.width_mm * k, h))
        c.setFillColorRGB(0.1, 0.1, 0.1)
        for cell in plan.panel_cells(panel):
            a = cell.module_mm * fr.scale_x * k
            x0, y0 = fr.x(cell.symbol_x_mm) * k, h - fr.y(cell.symbol_y_mm) * k
            for y, row in enumerate(modules[cell.spec.code]):
                for x, dark in enumerate(row):
                    if dark:
                        c.rect(x0 + x * a, y0 - (y + 1) * a, a, a, stroke=0, fill=1)
        c.showPage()
    c.save()
    return {"seconds": time.perf_counter() - t, "encode_seconds": encode_s,
            "bytes": os.path.getsize(out)}


def case_preflight(n: int, out: str) -> dict:
    from tablecloth import qr
    from tablecloth.layout import order_for_cloth, plan_cloth
    from tablecloth.render import render
    from tablecloth.verify import verify_pdf

    s = _settings(n)
    cells = _cells(n)
    plan = plan_cloth(order_for_cloth(cells, s), s, qr.encode_many([c.url for c in cells]))
    t = time.perf_counter()
    render("pdf", plan, out)
    render_s = time.perf_counter() - t
    t = time.perf_counter()
    report = verify_pdf(out, plan)
    return {"seconds": time.perf_counter() - t, "render_seconds": render_s, "ok": report.ok,
            "checked": report.checked}


def case_raster(fmt: str, ppi: int, out: str) -> dict:
    from tablecloth.layout import ClothSettings, capacity, order_for_cloth, plan_cloth
    from tablecloth.layout.units import Frame
    from tablecloth.render import render

    s = ClothSettings()
    cells = _cells(capacity(s))
    plan = plan_cloth(order_for_cloth(cells, s), s)
    before = _peak_mb()
    t = time.perf_counter()
    render(fmt, plan, out, ppi=ppi)
    w, h = Frame.whole(plan).pixel_size(ppi)
    return {"seconds": time.perf_counter() - t, "bytes": os.path.getsize(out),
            "pixels": f"{w}x{h}", "whole_bitmap_mb": w * h / 2**20,
            "before_mb": before}


def _raster_plan(n: int):
    from tablecloth import qr
    from tablecloth.layout import order_for_cloth, plan_cloth

    s = _settings(n)
    cells = _cells(n)
    return plan_cloth(order_for_cloth(cells, s), s, qr.encode_many([c.url for c in cells]))


def case_png_numpy(n: int, ppi: int, out: str) -> dict:
    """The obvious raster: one numpy canvas of the whole cloth, modules set by slicing, labels
    and title drawn by Pillow on it, saved by Pillow's PNG encoder (adaptive row filters)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from tablecloth.layout import parse_colour
    from tablecloth.layout.text import FONT_BOLD_PATH, FONT_PATH
    from tablecloth.layout.units import Frame, mm_to_px
    label_baseline = 0.72  # of the label box height, from its top: a plain label's place

    plan = _raster_plan(n)
    t = time.perf_counter()
    frame = Frame.whole(plan)
    w, h = frame.pixel_size(ppi)
    dark, light = parse_colour(plan.settings.dark)[0], parse_colour(plan.settings.light)[0]
    canvas = np.full((h, w), light, dtype=np.uint8)
    for cell in plan.cells:
        m = cell.module_mm
        size = cell.matrix.size
        xs = [round(frame.px(cell.symbol_x_mm + i * m, ppi)) for i in range(size + 1)]
        ys = [round(frame.py(cell.symbol_y_mm + i * m, ppi)) for i in range(size + 1)]
        for x, y, run in cell.matrix.runs():
            canvas[ys[y]:ys[y + 1], xs[x]:xs[x + run]] = dark
    image = Image.fromarray(canvas, "L")
    draw = ImageDraw.Draw(image)
    px_per_mm = mm_to_px(frame.scale_y, ppi)
    fonts: dict = {}
    for cell in plan.cells:
        if cell.label is None or not cell.label_text:
            continue
        size = round(cell.label_font_mm * px_per_mm)
        font = fonts.get(size) or fonts.setdefault(size, ImageFont.truetype(str(FONT_PATH), size))
        draw.text((frame.px(cell.label.x_mm + cell.label.w_mm / 2, ppi),
                   frame.py(cell.label.y_mm + cell.label.h_mm * label_baseline, ppi)),
                  cell.label_text, fill=dark, font=font, anchor="ms")
    title = plan.title
    if title.rect.w_mm > 0:
        font = ImageFont.truetype(str(FONT_BOLD_PATH), round(title.title_font_mm * px_per_mm))
        draw.text((frame.px(title.rect.x_mm + title.rect.w_mm / 2, ppi),
                   frame.py(title.rect.y_mm + title.rect.h_mm / 2, ppi)), title.title,
                  fill=dark, font=font, anchor="mm")
    image.save(out, "PNG", dpi=(ppi, ppi))
    return {"seconds": time.perf_counter() - t, "bytes": os.path.getsize(out),
            "pixels": f"{w}x{h}"}


def case_png_ours(n: int, ppi: int, out: str) -> dict:
    """Ours: tablecloth.render's PNG, strip by strip."""
    from tablecloth.layout.units import Frame
    from tablecloth.render import render

    plan = _raster_plan(n)
    t = time.perf_counter()
    render("png", plan, out, ppi=ppi)
    w, h = Frame.whole(plan).pixel_size(ppi)
    return {"seconds": time.perf_counter() - t, "bytes": os.path.getsize(out),
            "pixels": f"{w}x{h}"}


def case_png_preflight(n: int, ppi: int, out: str) -> dict:
    """Render our PNG, then preflight it (decode every code), each timed."""
    from tablecloth.render import render
    from tablecloth.verify import verify_png

    plan = _raster_plan(n)
    t = time.perf_counter()
    render("png", plan, out, ppi=ppi)
    render_s = time.perf_counter() - t
    t = time.perf_counter()
    report = verify_png(out, plan)
    return {"seconds": time.perf_counter() - t, "render_seconds": render_s, "ok": report.ok,
            "checked": report.checked}


def run_case(*args: str) -> dict:
    """Run one case in a fresh interpreter; return its result with peak RSS."""
    proc = subprocess.run([sys.executable, __file__, "--case", *args], capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"case {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-code baseline")
    parser.add_argument("--png-only", action="store_true",
                        help="only the preflight and PNG comparisons")
    parser.add_argument("--png-rounds", type=int, default=3,
                        help="interleaved numpy/ours PNG runs per size (medians)")
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        name, *rest = args.case
        result = globals()[f"case_{name}"](*[int(a) if a.isdigit() else a for a in rest])
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        pdf = os.path.join(tmp, "cloth.pdf")
        print(f"{'work':46} {'obvious':>22} {'ours':>22} {'ratio':>7}")

        def row(label: str, base: float | None, ours: float, unit: str, fmt: str = ".2f"):
            b = f"{base:{fmt}} {unit}" if base is not None else "-"
            ratio = f"{base / ours:.1f}x" if base is not None and ours else "-"
            print(f"{label:46} {b:>22} {f'{ours:{fmt}} {unit}':>22} {ratio:>7}")

        enc_b, enc_o = run_case("encode_obvious", "900"), run_case("encode_ours", "900")
        row("QR encode 900 URLs (level H)", enc_b["seconds"], enc_o["seconds"], "s", ".3f")
        for n in () if args.png_only else (900, 10_000):
            ours = run_case("pdf_ours", str(n), pdf)
            print(f"-- {n} codes: {ours['cloth']}")
            if n == 10_000 and args.quick:
                base = None
            else:
                base = run_case("pdf_obvious", str(n), pdf)
            row(f"{n} codes -> PDF, matrices at hand", base and base["seconds"],
                ours["seconds"], "s")
            row(f"{n} codes -> PDF, encoding included",
                base and base["seconds"] + base["encode_seconds"],
                ours["seconds"] + ours["plan_seconds"], "s")
            row(f"{n} codes -> PDF file size", base and base["bytes"] / 2**20,
                ours["bytes"] / 2**20, "MB")
            row(f"{n} codes -> PDF peak memory (process RSS)", base and base["peak_mb"],
                ours["peak_mb"], "MB", ".0f")
        for n in (900, 10_000):
            pre = run_case("preflight", str(n), pdf)
            assert pre["ok"], "preflight failed on our own PDF"
            print(f"-- preflight of the {n}-code PDF (rasterise + decode every code): "
                  f"{pre['seconds']:.2f} s, {pre['seconds'] / pre['render_seconds']:.2f} x the "
                  f"render's {pre['render_seconds']:.2f} s (target: at most 2 x)")
        for n in (900, 10_000):
            png = os.path.join(tmp, "cloth.png")
            # Interleaved: numpy, ours, numpy, ours; medians of the times.
            runs = [(run_case("png_numpy", str(n), "150", png),
                     run_case("png_ours", str(n), "150", png)) for _ in range(args.png_rounds)]
            base = {k: sorted(b[k] for b, _ in runs)[len(runs) // 2]
                    for k in ("seconds", "bytes", "peak_mb")}
            ours = {k: sorted(o[k] for _, o in runs)[len(runs) // 2]
                    for k in ("seconds", "bytes", "peak_mb")}
            print(f"-- {n} codes as PNG at 150 ppi ({runs[0][1]['pixels']} px); obvious: a "
                  "numpy canvas of the whole cloth saved by Pillow")
            row(f"{n} codes -> PNG time", base["seconds"], ours["seconds"], "s")
            row(f"{n} codes -> PNG file size", base["bytes"] / 2**20, ours["bytes"] / 2**20,
                "MB")
            row(f"{n} codes -> PNG peak memory (process RSS)", base["peak_mb"],
                ours["peak_mb"], "MB", ".0f")
            print(f"   ours / obvious: time {ours['seconds'] / base['seconds']:.2f}, size "
                  f"{ours['bytes'] / base['bytes']:.2f}, memory "
                  f"{ours['peak_mb'] / base['peak_mb']:.2f}")
        if args.png_only:
            return
        for fmt in ("png", "tiff"):
            r = run_case("raster", fmt, "300", os.path.join(tmp, f"cloth.{fmt}"))
            print(f"-- 1.8 m cloth at 300 ppi ({r['pixels']} px) as {fmt.upper()}: "
                  f"{r['seconds']:.1f} s, {r['bytes'] / 2**20:.1f} MB file")
            row(f"{fmt.upper()} 300 ppi peak memory (process RSS)", r["whole_bitmap_mb"],
                r["peak_mb"], "MB", ".0f")
        print("(obvious raster: one whole-cloth 8-bit bitmap, its size alone; "
              "ours: the whole process's peak RSS)")


if __name__ == "__main__":
    main()
