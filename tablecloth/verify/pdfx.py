"""What a print shop's preflight checks in a PDF besides the codes: fonts, boxes, PDF/X.

Read with pikepdf (qpdf), not with the library that wrote the file: every font embedded (a
stray base-14 font such as Helvetica is the first thing a shop rejects), TrimBox inside
BleedBox inside MediaBox on every page, and where PDF/X-4 is claimed an output intent with
its ICC profile, the XMP identification and Trapped stated.
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf

PDFX_VERSION = "PDF/X-4"


def _box(page: pikepdf.Page, name: str) -> tuple[float, float, float, float] | None:
    value = page.obj.get(name)
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner: tuple[float, ...], outer: tuple[float, ...], slack: float = 0.01) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def _fonts(resources: Any, seen: set) -> list[tuple[str, bool]]:
    """Return (name, embedded) of every font in resources, and in forms they use."""
    found = []
    if resources is None:
        return found
    for font in (resources.get("/Font") or {}).values():
        if font.objgen in seen:
            continue
        seen.add(font.objgen)
        descendants = font.get("/DescendantFonts")
        for part in ([font] if descendants is None else list(descendants)):
            descriptor = part.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            if part.get("/Subtype") == "/Type3":
                embedded = True  # drawn by its own procedures: nothing to embed
            found.append((str(part.get("/BaseFont", "?")).lstrip("/"), embedded))
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.get("/Subtype") == "/Form":
            found += _fonts(xobject.get("/Resources"), seen)
    return found


def pdf_problems(source: bytes, *, pdfx: bool = True) -> list[str]:
    """Return what a print shop's preflight would reject in a PDF (empty when none).

    Fonts not embedded, page boxes missing or not nested (TrimBox in BleedBox in MediaBox),
    and, when pdfx, a missing output intent or PDF/X identification.
    """
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(source)) as pdf:
        seen: set = set()
        for number, page in enumerate(pdf.pages, 1):
            for name, embedded in _fonts(page.obj.get("/Resources"), seen):
                if not embedded:
                    problems.append(f"font {name} is not embedded (page {number})")
            media = _box(page, "/MediaBox")
            trim, bleed = _box(page, "/TrimBox"), _box(page, "/BleedBox")
            if trim is None or bleed is None:
                problems.append(f"page {number} has no TrimBox or BleedBox")
            elif not (_inside(trim, bleed) and _inside(bleed, media)):
                problems.append(f"page {number}: TrimBox, BleedBox and MediaBox are not nested")
        if pdfx:
            intents = [i for i in pdf.Root.get("/OutputIntents", [])
                       if i.get("/S") == "/GTS_PDFX"]
            if not intents or "/DestOutputProfile" not in intents[0]:
                problems.append("no PDF/X output intent with an ICC profile")
            meta = pdf.open_metadata()
            if meta.get("pdfxid:GTS_PDFXVersion") != PDFX_VERSION:
                problems.append("the XMP metadata does not name PDF/X-4")
            if str(pdf.docinfo.get("/Trapped", "")) not in ("/True", "/False"):
                problems.append("Trapped is not stated")
    return problems
