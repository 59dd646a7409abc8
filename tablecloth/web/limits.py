"""The app's rate limiter: one per app, made from its settings (ratelimit.make_limiter)."""

from __future__ import annotations

from flask import Flask, current_app, request

from ..ratelimit import Limiter, make_limiter

EXTENSION = "tablecloth.ratelimit"


def init_app(app: Flask, processes: int = 1) -> None:
    """Make the app's limiter for this many serving processes: in this process, or in the
    shared database (`tablecloth serve` calls it again with its number of workers)."""
    app.extensions[EXTENSION] = make_limiter(app.config, app.extensions["tablecloth.engine"],
                                             processes)


def limiter() -> Limiter:
    """Return the current app's limiter."""
    return current_app.extensions[EXTENSION]


def address() -> str:
    """Return the visitor's address as limits count it ("-" when unknown)."""
    return request.remote_addr or "-"
