"""One storage interface for every stored file; the local folder and S3 sit behind it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol

from flask import Flask, Response, abort, current_app, redirect, request
from werkzeug.wsgi import wrap_file


class StorageError(RuntimeError):
    """A file could not be stored or read."""


def check_key(key: str) -> str:
    """Return key when it is a relative slash-separated name; raise StorageError otherwise."""
    # Keys come from our own code, but refuse escapes so a bug cannot reach outside the store.
    if not key or key.startswith("/") or "\\" in key or ".." in key.split("/"):
        raise StorageError(f"invalid storage key {key!r}")
    return key


class Storage(Protocol):
    """Keys are relative slash-separated names such as 'photos/7K3QZ9/web.jpg'."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store data under key atomically: readers see the old file, the new, or none."""

    def get(self, key: str) -> bytes:
        """Return the bytes under key; raise FileNotFoundError when absent."""

    def open(self, key: str) -> BinaryIO:
        """Open key for streaming reads; raise FileNotFoundError when absent."""

    def exists(self, key: str) -> bool:
        """Say whether key is stored."""

    def size(self, key: str) -> int:
        """Return the stored size of key in bytes."""

    def delete(self, key: str) -> None:
        """Remove key; removing an absent key is not an error."""

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Yield every stored key starting with prefix."""

    def presigned_url(self, key: str, expires_s: int = 300) -> str | None:
        """Return a short-lived direct URL for key, or None when the backend has none."""

    def ping(self) -> None:
        """Check cheaply that the store is reachable and usable; raise StorageError if not."""


def make_storage(config: dict) -> Storage:
    """Build the backend the settings name."""
    if config["STORAGE"] == "s3":
        from .s3 import S3Storage

        return S3Storage.from_config(config)
    from .local import LocalStorage

    return LocalStorage(config["UPLOADS_DIR"])


def init_app(app: Flask) -> None:
    """Attach the configured storage backend to the app."""
    app.extensions["tablecloth.storage"] = make_storage(app.config)


def storage() -> Storage:
    """Return the current app's storage backend."""
    return current_app.extensions["tablecloth.storage"]


# Presigned URLs live this long; a redirect to one is cached for at most a fifth of it.
PRESIGNED_EXPIRES_S = 300


def send_stored(
    key: str, sha256: str, content_type: str, max_age: int = 3600, size: int | None = None
) -> Response:
    """Answer a GET for a stored file: stream it (ETag, 304) or redirect to a presigned URL."""
    config = current_app.config
    backend = storage()
    if config["STORAGE"] == "s3" and config["S3_SERVE"] == "redirect":
        url = backend.presigned_url(key, expires_s=PRESIGNED_EXPIRES_S)
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
            stream = backend.open(key)
        except FileNotFoundError:
            abort(404)
        response = Response(
            wrap_file(request.environ, stream, buffer_size=64 * 1024),
            mimetype=content_type,
            direct_passthrough=True,
        )
        if size is not None:
            response.content_length = size
    response.set_etag(sha256)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
