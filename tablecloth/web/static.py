"""Static files with content-hashed URLs, so browsers and proxies may keep them for a year."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, request

YEAR_S = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _version(path: Path, mtime_ns: int) -> str:
    """Return a short hash of a static file's content (cached until the file changes)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    """Add ?v=HASH to every url_for('static', ...) and cache such requests for a year."""
    folder = Path(app.static_folder)

    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        path = (folder / values["filename"]).resolve()
        if path.is_relative_to(folder.resolve()) and path.is_file():
            values["v"] = _version(path, path.stat().st_mtime_ns)

    @app.after_request
    def cache_static(response):
        # A versioned URL names one exact content: a new file gets a new URL. Unversioned
        # requests (an old page, a typed address) keep Flask's revalidating default.
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = YEAR_S
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
