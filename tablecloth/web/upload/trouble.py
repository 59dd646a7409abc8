"""Trouble on our side while a participant sends photos: a translated 503, never a bare 500.

A full disk, a database or a bucket that does not answer is temporary and not the photo's
fault: the page (or JSON for the script and tus clients) says so in the visitor's language,
with Retry-After, and the page's script waits and resumes as after a lost signal. Whatever
was half-written has been removed by the services that wrote it.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ...storage import StorageError
from ..messages import say

log = logging.getLogger(__name__)

# What "our side is unwell" looks like from a view: the store (a folder's OSError such as
# ENOSPC, S3's StorageError) and the database (gone, locked too long, disk full, pool empty).
TROUBLE = (StorageError, OSError, OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_S = 30


def wants_json() -> bool:
    """Say whether the request came from a script or a tus client rather than a page."""
    if request.path.startswith(("/upload/tus", "/upload/group")):
        return True
    return request.accept_mimetypes.best == "application/json"


def unavailable(error: Exception | None = None, extra: dict | None = None) -> Response:
    """Answer 503 with Retry-After: JSON for scripts, the problem page for people."""
    if error is not None:
        log.error("upload path unavailable: %s", error, exc_info=error)
    message = say("unavailable")
    if wants_json():
        response = jsonify(ok=False, reason="unavailable", message=message)
    else:
        response = Response(render_template("upload/problem.html", message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    for name, value in (extra or {}).items():
        response.headers[name] = value
    return response


def init_blueprint(bp) -> None:
    """Answer trouble on our side in every participant view with the translated 503."""
    for kind in TROUBLE:
        bp.register_error_handler(kind, _handle)


def _handle(error: Exception):
    from .tus import tus_headers

    extra = tus_headers() if request.path.startswith("/upload/tus") else None
    return unavailable(error, extra)
