"""Preflight a proof sheet: each planned URL exactly once on its pages, and nothing else.

The cloth's codes are decoded cell by cell; the proof's stand far apart on A4, so a
whole-page decode (pdfium raster, zxing-cpp) finds them all.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp

from tablecloth.layout import Plan

from .cells import Progress, Source
from .report import MISSING, Failure, VerifyReport

PROOF_PPI = 200


def verify_proof(source: Source, plan: Plan, *, progress: Progress | None = None
                 ) -> VerifyReport:
    """Decode the proof sheet's codes page by page and compare them with the plan."""
    progress = progress or (lambda fraction, message: None)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    report = VerifyReport.for_plan("proof", plan, whole_page=True)
    found: list[str] = []
    document = pdfium.PdfDocument(data)
    try:
        pages = len(document)
        for index, page in enumerate(document):
            image = page.render(scale=PROOF_PPI / 72, grayscale=True).to_pil()
            found += [b.text for b in zxingcpp.read_barcodes(
                image, formats=zxingcpp.BarcodeFormat.QRCode)]
            progress((index + 1) / max(1, pages), f"checked page {index + 1} of {pages}")
    finally:
        document.close()
    planned = {c.spec.url: c for c in plan.cells}
    failures = [Failure(c.spec.code, c.position, MISSING) for url, c in planned.items()
                if url not in found]
    failures += [Failure(text, "", "not on the cloth") for text in found if text not in planned]
    failures += [Failure(c.spec.code, c.position, f"listed {found.count(url)} times")
                 for url, c in planned.items() if found.count(url) > 1]
    report.failures = failures
    report.checked = len(found)
    report.passed = len(set(found) & set(planned))
    report.ok = not failures
    progress(1.0, "preflight done")
    return report
