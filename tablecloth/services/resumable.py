"""Photos that arrive in pieces (tus): hold what came, say where to resume, forget the abandoned.

Each piece the server receives is stored as its own object, ``partial/<name>/<offset>+<size>``,
never appended to, so a folder and an S3 bucket behave alike and a request cut half-way still
keeps every byte that arrived. The offset the server holds is the end of the run of pieces
that starts at 0. Pieces may overlap (a slow request finishing after its retry): they carry
the same photo's bytes, so assembly skips what is already covered. Nothing under ``partial/``
is ever served; the finished file goes through the ordinary upload pipeline.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import Refusal
from ..models import PartialUpload, Visit, utcnow
from .site import Site

PREFIX = "partial/"
CONTENT_TYPE = "application/octet-stream"
_PIECE = re.compile(r"^(\d{12})\+(\d{1,12})$")
# Pieces are written to storage at about this size even when a request's body is larger.
PIECE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Piece:
    """One stored run of bytes of an upload."""

    key: str
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def piece_key(name: str, offset: int, size: int) -> str:
    """Return the storage key of a piece."""
    return f"{PREFIX}{name}/{offset:012d}+{size}"


def pieces(site: Site, name: str) -> list[Piece]:
    """Return the stored pieces of an upload in offset order."""
    found = []
    folder = f"{PREFIX}{name}/"
    for key in site.store.keys(folder):
        match = _PIECE.match(key[len(folder):])
        if match:
            found.append(Piece(key, int(match[1]), int(match[2])))
    return sorted(found, key=lambda p: (p.offset, -p.size))


def held_offset(found: Iterable[Piece]) -> int:
    """Return how many bytes from the start are held without a gap."""
    end = 0
    for piece in sorted(found, key=lambda p: p.offset):
        if piece.offset > end:
            break
        end = max(end, piece.end)
    return end


def offset_of(site: Site, upload: PartialUpload) -> int:
    """Return the offset the next PATCH must start at."""
    return min(held_offset(pieces(site, upload.name)), upload.length)


def new_name() -> str:
    """Return a random name for an upload's URL and storage folder."""
    return secrets.token_hex(16)


def create(site: Site, *, visit: Visit, upload_key: str, length: int, details: dict,
           now: datetime | None = None) -> PartialUpload:
    """Record a new upload, or return the one this photo key already started."""
    existing = by_key(site, upload_key)
    if existing is not None:
        if existing.visit_id != visit.id:
            raise Refusal("upload_key_taken")
        return existing
    now = now or utcnow()
    hours = site.settings["TUS_EXPIRY_HOURS"]
    upload = PartialUpload(name=new_name(), visit_id=visit.id, upload_key=upload_key,
                           length=length, details=details, created_at=now,
                           expires_at=now + timedelta(hours=hours))
    site.db.add(upload)
    try:
        site.db.commit()
    except IntegrityError:
        # The same photo key a moment earlier from another request: that one stands.
        site.db.rollback()
        existing = by_key(site, upload_key)
        if existing is None or existing.visit_id != visit.id:
            raise
        return existing
    return upload


def by_key(site: Site, upload_key: str) -> PartialUpload | None:
    """Return the upload started for this photo key, or None."""
    return site.db.scalars(
        select(PartialUpload).where(PartialUpload.upload_key == upload_key)).first()


def by_name(site: Site, name: str, now: datetime | None = None) -> PartialUpload | None:
    """Return a live (not expired) upload by the name in its URL, or None."""
    if not re.fullmatch(r"[0-9a-f]{32}", name or ""):
        return None
    upload = site.db.scalars(select(PartialUpload).where(PartialUpload.name == name)).first()
    if upload is None:
        return None
    if upload.photo_id is None and upload.expires_at <= (now or utcnow()):
        return None
    return upload


def append(site: Site, upload: PartialUpload, offset: int, body: Iterable[bytes]) -> int:
    """Store the bytes of one PATCH starting at offset; return the new offset.

    Bytes are written in pieces as they arrive; when the request breaks off, what arrived
    is stored before the error goes on, so the client resumes from the last byte received.
    """
    held = offset_of(site, upload)
    if offset != held:
        raise Refusal("upload_offset_mismatch", offset=offset, held=held)
    position = offset
    buffer = bytearray()

    def flush() -> None:
        nonlocal position
        if not buffer:
            return
        size = min(len(buffer), upload.length - position)
        if size > 0:
            site.store.put(piece_key(upload.name, position, size), bytes(buffer[:size]),
                           CONTENT_TYPE)
            position += size
        buffer.clear()

    try:
        for chunk in body:
            if position + len(buffer) + len(chunk) > upload.length:
                raise Refusal("upload_too_long", length=upload.length)
            buffer += chunk
            if len(buffer) >= PIECE_BYTES:
                flush()
    finally:
        flush()
    return position


def assemble(site: Site, upload: PartialUpload) -> bytes:
    """Return the whole file from its pieces; raise Refusal if bytes are missing."""
    out = bytearray()
    for piece in pieces(site, upload.name):
        if piece.offset > len(out):
            break
        if piece.end <= len(out):
            continue
        data = site.store.get(piece.key)
        out += data[len(out) - piece.offset:]
    if len(out) < upload.length:
        raise Refusal("upload_incomplete", held=len(out), length=upload.length)
    return bytes(out[:upload.length])


def drop_pieces(site: Site, name: str) -> int:
    """Delete every stored piece of an upload; return how many."""
    keys = list(site.store.keys(f"{PREFIX}{name}/"))
    for key in keys:
        site.store.delete(key)
    return len(keys)


def discard(site: Site, upload: PartialUpload) -> None:
    """Forget an upload the client terminated: its pieces and, if unfinished, its row."""
    drop_pieces(site, upload.name)
    if upload.photo_id is None:
        site.db.delete(upload)
    site.db.commit()


def expired(site: Site, now: datetime | None = None, limit: int | None = None
            ) -> list[PartialUpload]:
    """Return unfinished uploads past their expiry, oldest first."""
    query = (select(PartialUpload)
             .where(PartialUpload.photo_id.is_(None),
                    PartialUpload.expires_at <= (now or utcnow()))
             .order_by(PartialUpload.expires_at))
    if limit is not None:
        query = query.limit(limit)
    return list(site.db.scalars(query))


def sweep(site: Site, now: datetime | None = None, limit: int | None = None) -> int:
    """Remove expired unfinished uploads (rows and pieces); return how many."""
    gone = expired(site, now, limit)
    for upload in gone:
        drop_pieces(site, upload.name)
    if gone:
        site.db.execute(delete(PartialUpload).where(
            PartialUpload.id.in_([u.id for u in gone]), PartialUpload.photo_id.is_(None)))
        site.db.commit()
    return len(gone)


def stray_folders(site: Site) -> Iterator[str]:
    """Yield names under partial/ with no live upload: finished, expired or never recorded."""
    live = set(site.db.scalars(select(PartialUpload.name).where(
        PartialUpload.photo_id.is_(None), PartialUpload.expires_at > utcnow())))
    seen: set[str] = set()
    for key in site.store.keys(PREFIX):
        name = key[len(PREFIX):].split("/", 1)[0]
        if name not in seen:
            seen.add(name)
            if name not in live:
                yield name
