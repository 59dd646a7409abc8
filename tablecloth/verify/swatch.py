"""Preflight a test swatch (PDF or PNG): each sample decoded alone, a PDF as a shop would."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from tablecloth.layout import contrast_ratio
from tablecloth.layout.swatch import SwatchPlan
from tablecloth.layout.units import PT_PER_MM

from .cells import Source, decode_cell
from .pdfx import pdf_problems
from .report import Failure, VerifyReport


def verify_swatch(source: Source, plan: SwatchPlan, fmt: str) -> VerifyReport:
    """Decode each sample of a swatch file ("pdf" or "png") and compare it with its URL."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    report = VerifyReport(
        fmt=f"swatch {fmt}", ok=False, checked=0, expected=len(plan.samples),
        min_module_mm=plan.min_module_mm,
        contrast=round(min(contrast_ratio(p.sample.dark, p.sample.light)
                           for p in plan.samples), 2),
        scan_distance_mm=round(min(p.matrix.size * p.sample.module_mm
                                   for p in plan.samples) * 10))
    if fmt == "pdf":
        px_per_mm = 6 / plan.min_module_mm
        pdf = pdfium.PdfDocument(data)
        try:
            image = pdf[0].render(scale=px_per_mm / PT_PER_MM, grayscale=True).to_pil()
        finally:
            pdf.close()
        report.failures += [Failure("PDF", "", p) for p in pdf_problems(data)]
    else:
        with Image.open(io.BytesIO(data)) as im:
            image = im.convert("L")
        px_per_mm = image.width / (plan.size_mm + 2 * plan.bleed_mm)
    report.px_per_module = round(plan.min_module_mm * px_per_mm, 1)
    b = plan.bleed_mm
    for p in plan.samples:
        box = tuple(round((b + v) * px_per_mm) for v in (
            p.x_mm, p.y_mm, p.x_mm + p.size_mm, p.y_mm + p.size_mm))
        text, problem = decode_cell(image.crop(box))
        report.checked += 1
        where = f"{p.sample.module_mm:g} mm, {p.sample.dark} on {p.sample.light}"
        if problem:
            report.failures.append(Failure(p.sample.code, where, problem))
        elif text != p.sample.url:
            report.failures.append(Failure(p.sample.code, where, f"wrong url: {text}"))
    report.passed = report.checked - len([f for f in report.failures if f.code != "PDF"])
    report.ok = not report.failures and report.checked == report.expected
    return report
