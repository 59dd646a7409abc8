"""A4 proof sheet listing every code with its thumbnail, caption and position."""

from __future__ import annotations

from typing import Any

from tablecloth.layout import Plan

from .common import Out


def render_proof(plan: Plan, out: Out, **options: Any) -> None:
    """Write an A4 proof sheet PDF."""
    raise NotImplementedError
