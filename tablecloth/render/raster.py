"""PNG and TIFF rasters, drawn in horizontal strips so memory stays flat for any size."""

from __future__ import annotations

from typing import Any

from tablecloth.layout import Plan

from .common import Out


def render_png(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as a PNG."""
    raise NotImplementedError


def render_tiff(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan as a TIFF."""
    raise NotImplementedError
