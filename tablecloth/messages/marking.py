"""Marking words for translation where they are defined, translated where they are shown."""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:  # noqa: N802  (the name the extractors know)
    """Mark message for translation without translating it here."""
    return message


Gettext = Callable[..., str]
