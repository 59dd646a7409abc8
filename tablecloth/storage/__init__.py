"""One storage interface for every stored file; the local folder and S3 sit behind it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol

from flask import Flask, current_app


class StorageError(RuntimeError):
    """A file could not be stored or read."""


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
