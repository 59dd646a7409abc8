"""Answering a GET for a stored file: streamed with an ETag, or a redirect to the bucket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, abort, redirect, request
from werkzeug.wsgi import wrap_file

from ..storage import Storage

# Presigned URLs live this long; a redirect to one is cached for at most a fifth of it.
PRESIGNED_EXPIRES_S = 300
STREAM_BLOCK = 64 * 1024


def send_stored(
    store: Storage, settings: Mapping[str, Any], key: str, sha256: str, content_type: str,
    *, max_age: int = 3600, size: int | None = None,
) -> Response:
    """Answer a GET for a stored file: stream it (ETag, 304) or redirect to a presigned URL."""
    if settings["STORAGE"] == "s3" and settings["S3_SERVE"] == "redirect":
        url = store.presigned_url(key, expires_s=PRESIGNED_EXPIRES_S)
        if url:
            response = redirect(url, code=302)
            response.headers["Cache-Control"] = (
                f"private, max-age={min(max_age, PRESIGNED_EXPIRES_S // 5)}"
            )
            return response
    if request.if_none_match.contains(sha256):
        response = Response(status=304)
    else:
        try:
            stream = store.open(key)
        except FileNotFoundError:
            abort(404)
        response = Response(
            wrap_file(request.environ, stream, buffer_size=STREAM_BLOCK),
            mimetype=content_type,
            direct_passthrough=True,
        )
        if size is not None:
            response.content_length = size
    response.set_etag(sha256)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
