"""The photo page at /P/CODE and the images it shows."""

from __future__ import annotations

from . import bp  # noqa: F401
