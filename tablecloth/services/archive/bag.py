"""The BagIt bag on disk (RFC 8493): written file by file with SHA-256, validated, zipped.

bagit.make_bag() moves files around with os.chdir(), which changes the working directory of
the whole process (unsafe in a threaded server), so the bag is written here directly, each
file hashed as it is copied, and then validated with bagit itself.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bagit

from ...errors import Refusal
from ...storage import Storage

READ_BLOCK = 1024 * 1024
# Files deflated in the zip; JPEGs and PDFs are compressed already, so deflating them
# only costs time.
DEFLATED_SUFFIXES = (".json", ".txt", ".csv", ".svg")


class ArchiveError(Refusal):
    """The archive cannot be written or restored; the reason says why."""


class BagWriter:
    """Write payload files under data/, hashing each as it goes, then the tag files."""

    def __init__(self, root: Path, store: Storage) -> None:
        self.root = root
        self.store = store
        self.manifest: list[tuple[str, str]] = []
        self.bytes = 0

    def _path(self, name: str) -> Path:
        path = self.root / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, name: str, data: bytes) -> str:
        """Write one payload file; return its SHA-256."""
        self._path(name).write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        self.manifest.append((sha, f"data/{name}"))
        self.bytes += len(data)
        return sha

    def copy_stored(self, name: str, key: str, expected_sha256: str) -> str | None:
        """Copy a stored file into the bag; return a problem when it is lost or changed."""
        path = self._path(name)
        hasher = hashlib.sha256()
        size = 0
        try:
            with self.store.open(key) as source, path.open("wb") as out:
                while block := source.read(READ_BLOCK):
                    hasher.update(block)
                    out.write(block)
                    size += len(block)
        except FileNotFoundError:
            path.unlink(missing_ok=True)
            return f"{key}: missing from storage, left out"
        if hasher.hexdigest() != expected_sha256:
            path.unlink()
            return f"{key}: content differs from its recorded SHA-256, left out"
        self.manifest.append((expected_sha256, f"data/{name}"))
        self.bytes += size
        return None

    def finish(self, info: dict[str, str]) -> None:
        """Write bagit.txt, bag-info.txt and both manifests, then validate the whole bag."""
        self.manifest.sort(key=lambda item: item[1])
        oxum = f"{self.bytes}.{len(self.manifest)}"
        tags = {
            "bagit.txt": "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
            "bag-info.txt": "".join(f"{k}: {v}\n" for k, v in {**info, "Payload-Oxum": oxum}
                                    .items()),
            "manifest-sha256.txt": "".join(f"{sha} {name}\n" for sha, name in self.manifest),
        }
        lines = []
        for name, text in tags.items():
            data = text.encode("utf-8")
            (self.root / name).write_bytes(data)
            lines.append(f"{hashlib.sha256(data).hexdigest()} {name}\n")
        (self.root / "tagmanifest-sha256.txt").write_text("".join(lines), encoding="utf-8")
        try:
            bagit.Bag(str(self.root)).validate()
        except bagit.BagError as exc:  # a bug here, or the disk changed the files under us
            raise ArchiveError("archive_unverified", folder=str(self.root),
                               problem=str(exc)) from exc


def zip_bag(bag: Path, target: Path) -> None:
    """Zip a bag folder into target, under one top folder named after the bag."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(bag.rglob("*")):
            if path.is_file():
                packed = path.suffix.lower() in DEFLATED_SUFFIXES
                archive.write(path, f"{bag.name}/{path.relative_to(bag).as_posix()}",
                              compress_type=zipfile.ZIP_DEFLATED if packed
                              else zipfile.ZIP_STORED)


@contextmanager
def opened(source: Path) -> Iterator[bagit.Bag]:
    """Yield the validated bag at source: a bag folder, or a zip holding one."""
    with _bag_folder(source) as folder:
        try:
            bag = bagit.Bag(str(folder))
            bag.validate()
        except bagit.BagValidationError as exc:
            # bagit checks Payload-Oxum (the total size) first, and names no file when a
            # file changed size: look for the files themselves before saying what is wrong.
            named = damaged_files(bag, folder) or [str(exc)]
            raise ArchiveError("archive_damaged", problem="; ".join(named[:10])) from None
        except bagit.BagError as exc:
            raise ArchiveError("archive_not_a_bag", source=str(source), problem=str(exc)) from None
        yield bag


def damaged_files(bag: bagit.Bag, folder: Path) -> list[str]:
    """Return a line for each payload file that is missing, changed or not in the manifest."""
    listed = bag.payload_entries()
    problems = []
    for name, hashes in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
            continue
        wanted = hashes.get("sha256")
        if wanted is None:
            continue
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while block := stream.read(1024 * 1024):
                digest.update(block)
        if digest.hexdigest() != wanted:
            problems.append(f"{name} sha256 validation failed (its size or contents changed)")
    data = folder / "data"
    extra = sorted(p.relative_to(folder).as_posix() for p in data.rglob("*")
                   if p.is_file() and p.relative_to(folder).as_posix() not in listed)
    problems += [f"{name} is not in the manifest" for name in extra]
    return problems


@contextmanager
def _bag_folder(source: Path) -> Iterator[Path]:
    """Yield the bag folder: source itself, or the one folder inside a zip of it."""
    if source.is_dir():
        yield source
        return
    if not zipfile.is_zipfile(source):
        raise ArchiveError("archive_unreadable", source=str(source))
    with tempfile.TemporaryDirectory(prefix="tablecloth-restore-") as tmp:
        with zipfile.ZipFile(source) as archive:
            archive.extractall(tmp)  # extractall drops absolute paths and '..' parts
        found = [p.parent for p in Path(tmp).rglob("bagit.txt")]
        if len(found) != 1:
            raise ArchiveError("archive_not_one_bag", source=str(source))
        yield found[0]
