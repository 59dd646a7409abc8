"""Plan -> print files. Each renderer is ``(plan, out, **options)``; out is a path or file.

Common options: ``progress(fraction, message)`` callback. Raster: ``ppi`` (150 or 300),
``panel`` (index, default the whole cloth). Proof: ``thumbnails`` {code: JPEG bytes},
``captions`` {code: text}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tablecloth.layout import Plan

from .common import Out, Progress, open_out, progress_of
from .pdf import render_pdf
from .proof import render_proof
from .raster import render_png, render_tiff
from .svg import render_svg

RENDERERS: dict[str, Callable[..., None]] = {
    "pdf": render_pdf,
    "svg": render_svg,
    "png": render_png,
    "tiff": render_tiff,
    "proof": render_proof,
}


def render(fmt: str, plan: Plan, out: Out, **options: Any) -> None:
    """Render plan as fmt into out; raise ValueError for an unknown format."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown format {fmt!r}; known formats: {', '.join(sorted(RENDERERS))}"
        ) from None
    renderer(plan, out, **options)


__all__ = ["RENDERERS", "Out", "Progress", "open_out", "progress_of", "render"]
