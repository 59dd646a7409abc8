"""The public digital twin of the printed cloth at /cloth."""

from __future__ import annotations

from . import bp  # noqa: F401
