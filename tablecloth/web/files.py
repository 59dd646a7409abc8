"""Answering a GET for a stored file: streamed with an ETag, handed to a front server
(X-Accel-Redirect, X-Sendfile), or a redirect to the bucket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

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
    local = getattr(store, "local_path", lambda _key: None)(key)
    front = settings.get("SEND_FILE_HEADER") or ""
    if request.if_none_match.contains(sha256):
        response = Response(status=304)
    elif front and local is not None:
        # The front server sends the bytes (sendfile, its own cache); the app only decides
        # whether and with which headers. nginx keeps Content-Type and Cache-Control.
        response = Response(mimetype=content_type)
        if front == "x-accel-redirect":
            prefix = settings.get("SEND_FILE_PREFIX") or "/_stored/"
            response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(key)
        else:
            response.headers["X-Sendfile"] = local
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
