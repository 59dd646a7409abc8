"""Files in a local folder: the embedded default, and the only module that knows paths."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .base import StorageError, check_key

TEMPORARY = ".tmp-"  # put() writes here first, then renames: a crash leaves one behind


class LocalStorage:
    """Store each key as a file below root, written atomically by rename."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str, *, durable: bool = True) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                if durable:
                    os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        # Walk only the folder the prefix names: listing one upload's pieces must not read a
        # directory entry of every photo on the site.
        folder = prefix.rpartition("/")[0]
        start = self._path(folder) if folder else self.root
        if not start.is_dir():
            return
        for path in sorted(start.rglob("*")):
            if path.is_file() and not path.name.startswith(TEMPORARY):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def presigned_url(self, key: str, expires_s: int = 300) -> str | None:
        return None

    def local_path(self, key: str) -> str | None:
        return str(self._path(key))

    def ping(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"uploads folder {self.root} is missing or not writable")

    def free_bytes(self) -> int | None:
        return shutil.disk_usage(self.root).free

    def temporaries(self, older_than_s: float) -> Iterator[str]:
        cutoff = time.time() - older_than_s
        for path in sorted(self.root.rglob(TEMPORARY + "*")):
            try:
                if path.is_file() and path.stat().st_mtime <= cutoff:
                    yield path.relative_to(self.root).as_posix()
            except FileNotFoundError:
                continue  # renamed into place (or removed) a moment ago

    def quarantine_temporary(self, name: str, to_key: str) -> None:
        source = self._path(name)
        if not source.name.startswith(TEMPORARY):
            raise StorageError(f"{name!r} is not a temporary file")
        target = self._path(to_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
