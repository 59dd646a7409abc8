"""Plan -> print files. Each renderer is ``(plan, out, **options)``; out is a path or file.

Common options: ``progress(fraction, message)`` callback. Raster: ``ppi`` (one of
``PPI_CHOICES``), ``panel`` (index: that panel's own file with its slug of crop, join and
registration marks and its number; default the whole cloth without marks). Proof: ``thumbnails``
{code: JPEG bytes}, ``captions`` {code: text}. ``FORMATS`` names every format once.
"""

from __future__ import annotations

from typing import Any

from tablecloth.layout import Plan

from .common import Out, Progress, compact, open_out, progress_of
from .formats import (
    FORMATS,
    Format,
    Renderer,
    Verifier,
    content_type_for,
    format_for_file,
    format_named,
    register,
    unregister,
)
from .raster import PPI_CHOICES, check_ppi


def render(fmt: str, plan: Plan, out: Out, **options: Any) -> None:
    """Render plan as the format named fmt into out; refuse an unknown format."""
    format_named(fmt).render(plan, out, **options)


__all__ = [
    "FORMATS", "PPI_CHOICES", "Format", "Out", "Progress", "Renderer", "Verifier", "check_ppi",
    "compact", "content_type_for", "format_for_file", "format_named", "open_out",
    "progress_of", "register", "render", "unregister",
]
