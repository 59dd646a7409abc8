"""What every store offers: the Storage interface, its one error, the rule for keys, checksums."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO, Protocol

READ_BLOCK = 1024 * 1024


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

    def put(self, key: str, data: bytes, content_type: str, *, durable: bool = True) -> None:
        """Store data under key atomically: readers see the old file, the new, or none.

        durable=False may skip waiting for the disk (fsync), for files cheap to lose: the
        pieces of an upload in progress, which the client sends again if they are lost.
        """

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

    def local_path(self, key: str) -> str | None:
        """Return the file's absolute path for a front server to send, or None (a bucket)."""

    def ping(self) -> None:
        """Check cheaply that the store is reachable and usable; raise StorageError if not."""

    def free_bytes(self) -> int | None:
        """Return the free space left for new files, or None when the backend has no limit."""

    def temporaries(self, older_than_s: float) -> Iterator[str]:
        """Yield the names of half-written files (a crash mid-put) older than older_than_s."""

    def quarantine_temporary(self, name: str, to_key: str) -> None:
        """Move a half-written file named by temporaries() to a stored key, out of the way."""


def digest(store: Storage, key: str) -> tuple[str, int]:
    """Return the SHA-256 and size of a stored file, read in blocks; FileNotFoundError if absent."""
    hasher = hashlib.sha256()
    size = 0
    with store.open(key) as stream:
        while block := stream.read(READ_BLOCK):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size
