"""Make a PDF what a print shop's preflight accepts: PDF/X-4 with an sRGB output intent.

Reportlab draws the pages; pikepdf then adds what PDF/X-4 (ISO 15930-7) asks of the
document: an output intent carrying its ICC profile, XMP metadata naming the standard
(``pdfxid:GTS_PDFXVersion``) with a document and version id and the same dates and title as
the Info dictionary, ``Trapped`` stated, and PDF 1.6. Page boxes (TrimBox inside BleedBox
inside MediaBox) and embedded fonts are the renderer's part; ``pdf_problems`` checks all of
it again from the finished bytes (``verify.pdfx``).
"""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from typing import IO

import pikepdf

from .colour import PROFILE_NAME, srgb_profile

PDFX_VERSION = "PDF/X-4"
REGISTRY = "http://www.color.org"
# Documents are named from their content, so the same cloth gives the same bytes again.
_NAMESPACE = uuid.UUID("5b0f5d8e-8a65-4a55-9f2c-7c1f3f2f7a11")


def _xmp_date(pdf_date: str) -> str:
    """Return an XMP date from a PDF date string such as D:20000101000000+00'00'."""
    d = pdf_date[2:] if pdf_date.startswith("D:") else pdf_date
    stamp = f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}"
    zone = d[14:].replace("'", "")
    if zone in ("", "Z"):
        return stamp + "Z"
    return f"{stamp}{zone[0]}{zone[1:3]}:{zone[3:5] or '00'}"


def make_pdfx(data: bytes, out: IO[bytes]) -> None:
    """Write the reportlab PDF in data to out as PDF/X-4 with an sRGB output intent."""
    digest = hashlib.sha256(data).hexdigest()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        profile = pikepdf.Stream(pdf, srgb_profile())
        profile["/N"] = 3
        pdf.Root.OutputIntents = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFX,
            OutputConditionIdentifier=pikepdf.String(PROFILE_NAME),
            OutputCondition=pikepdf.String(PROFILE_NAME),
            RegistryName=pikepdf.String(REGISTRY),
            Info=pikepdf.String(PROFILE_NAME),
            DestOutputProfile=profile,
        )]))
        info = pdf.docinfo
        if str(info.get("/Trapped", "")) not in ("/True", "/False"):
            info["/Trapped"] = pikepdf.Name("/False")  # reportlab says False: nothing trapped
        created = str(info.get("/CreationDate", "D:20000101000000Z"))
        modified = str(info.get("/ModDate", created))
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            with warnings.catch_warnings():
                # Trapped has its XMP twin set below; pikepdf warns that it skips it here.
                warnings.simplefilter("ignore", UserWarning)
                meta.load_from_docinfo(info)
            meta["pdfxid:GTS_PDFXVersion"] = PDFX_VERSION
            meta["pdf:Trapped"] = "False"
            meta["xmp:CreateDate"] = _xmp_date(created)
            meta["xmp:ModifyDate"] = _xmp_date(modified)
            meta["xmp:MetadataDate"] = _xmp_date(modified)
            meta["xmpMM:DocumentID"] = f"uuid:{uuid.uuid5(_NAMESPACE, digest)}"
            meta["xmpMM:VersionID"] = "1"
            meta["xmpMM:RenditionClass"] = "default"
        info["/GTS_PDFXVersion"] = pikepdf.String(PDFX_VERSION)
        pdf.save(out, min_version="1.6", static_id=False, deterministic_id=True,
                 compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
