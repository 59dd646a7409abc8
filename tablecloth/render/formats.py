"""The format registry: every print format, once, with all that readers need to know of it.

Services (exports, archive), the CLI's ``--format`` choices, the designer's checkboxes and
``format_for_file`` all look formats up here when they run, so a new format is one module
with its renderer (and verifier) and one ``register(...)`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tablecloth.errors import Refusal
from tablecloth.messages import N_
from tablecloth.verify import (
    VerifyReport,
    verify_jpeg,
    verify_pdf,
    verify_png,
    verify_proof,
    verify_sheets,
    verify_svg,
    verify_tiff,
)

from .jpeg import render_jpeg
from .pdf import render_pdf
from .proof import render_proof
from .raster import render_png, render_tiff
from .sheets import render_sheets
from .svg import render_svg

Renderer = Callable[..., None]  # (plan, out, **options); out is a path or a binary file
Verifier = Callable[..., VerifyReport]  # (source, plan, *, progress=None, **options)


@dataclass(frozen=True)
class Format:
    """One print format: how to draw it, name and type its file, and check it."""

    name: str  # "pdf", "svg", "png", "tiff", "proof"
    render: Renderer
    extension: str  # without the dot: "tif" for tiff
    content_type: str
    verify: Verifier | None  # None: the format is not preflighted
    raster: bool = False  # takes ppi
    proof: bool = False  # a sheet for people: shows thumbnails and captions
    label: str = ""  # what the designer offers, marked for translation with N_
    ticked: bool = False  # ticked in the designer's form until the organiser chooses

    @property
    def preflighted(self) -> bool:
        """Say whether every exported file of this format is decoded and checked."""
        return self.verify is not None

    @property
    def title(self) -> str:
        """Return the label, or the name in capitals when the format has none."""
        return self.label or self.name.upper()


FORMATS: dict[str, Format] = {}  # in the order offered to organisers


def register(fmt: Format) -> None:
    """Add a format, or replace the one of the same name in its place."""
    FORMATS[fmt.name] = fmt


def unregister(name: str) -> None:
    """Remove a format (a test that registered a toy one puts things back)."""
    FORMATS.pop(name, None)


def format_named(name: Any) -> Format:
    """Return the format called name (or whose extension it is, as "tif"); refuse others."""
    wanted = str(name).strip().lower()
    found = FORMATS.get(wanted) or format_for_file(f"file.{wanted}")
    if found is None:
        raise Refusal("unknown_format", name=wanted, choices=", ".join(FORMATS))
    return found


def content_type_for(name: str) -> str:
    """Return the content type of a format's files; a generic one for a format not known."""
    found = FORMATS.get(name)
    return found.content_type if found is not None else "application/octet-stream"


def format_for_file(filename: str) -> Format | None:
    """Return the format of a file by its extension (".tif" and ".tiff" alike), or None.

    A print format wins over a proof sheet of the same extension (".pdf" is a PDF).
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    matches = [f for f in FORMATS.values() if extension in (f.extension, f.name)]
    return min(matches, key=lambda f: f.proof, default=None)


for _builtin in (
    Format("pdf", render_pdf, "pdf", "application/pdf", verify_pdf,
           label=N_("PDF (vector, for the printer)"), ticked=True),
    Format("svg", render_svg, "svg", "image/svg+xml", verify_svg, label=N_("SVG (vector)")),
    Format("png", render_png, "png", "image/png", verify_png, raster=True,
           label=N_("PNG (raster)")),
    Format("tiff", render_tiff, "tif", "image/tiff", verify_tiff, raster=True,
           label=N_("TIFF (raster)")),
    Format("jpeg", render_jpeg, "jpg", "image/jpeg", verify_jpeg, raster=True,
           label=N_("JPEG (raster, for online printers that ask for JPG)")),
    Format("sheets", render_sheets, "pdf", "application/pdf", verify_sheets,
           label=N_("Office test print (A4 sheets at 1:1, to tape together)")),
    Format("proof", render_proof, "pdf", "application/pdf", verify_proof, proof=True,
           label=N_("Proof sheet (A4, for checking)"), ticked=True),
):
    register(_builtin)
