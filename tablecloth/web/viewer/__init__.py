"""Public pages: the home page, the photo page behind each printed code, the cloth."""

from __future__ import annotations

from . import cloth, home, photo, swatch  # noqa: F401  (importing a view registers its routes)
from .blueprint import bp  # noqa: F401  (the app factory registers it)
