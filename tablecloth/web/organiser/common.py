"""Small helpers the organiser pages share."""

from __future__ import annotations

from typing import TypeVar

from flask import abort

from ... import db

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """Return what a look-up found, or answer 404 Not Found if it found nothing."""
    if found is None:
        abort(404)
    return found


def get_or_404(model: type[T], ident: int) -> T:
    """The row of ``model`` with this primary key, or 404 Not Found."""
    return or_404(db.session().get(model, ident))
