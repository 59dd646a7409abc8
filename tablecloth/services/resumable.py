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

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Refusal
from ..models import AgeBand, Group, PartialUpload, Photo, Visit, utcnow
from . import uploads
from .site import Site

PREFIX = "partial/"
CONTENT_TYPE = "application/octet-stream"
_PIECE = re.compile(r"^(\d{12})\+(\d{1,12})$")
_NAME = re.compile(r"[0-9a-f]{32}")
# The one refusal of a finished file that a retry can change; every other is recorded, so a
# client asking again hears the same answer.
_STILL_POSSIBLE = {"upload_incomplete"}
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
    now = now or utcnow()
    existing = by_key(site, upload_key)
    if existing is not None and is_expired(existing, now):
        forget(site, existing)  # abandoned long ago: this photo starts again
        existing = None
    if existing is not None:
        if existing.visit_id != visit.id:
            raise Refusal("upload_key_taken")
        return existing
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


def find(site: Site, name: str) -> PartialUpload | None:
    """Return the upload by the name in its URL, expired or not, or None."""
    if not _NAME.fullmatch(name or ""):
        return None
    return site.db.scalars(select(PartialUpload).where(PartialUpload.name == name)).first()


def is_expired(upload: PartialUpload, now: datetime | None = None) -> bool:
    """Say whether an unfinished upload has passed its expiry (a finished one never does)."""
    return (upload.photo_id is None and upload.refused is None
            and upload.expires_at <= (now or utcnow()))


def by_name(site: Site, name: str, now: datetime | None = None) -> PartialUpload | None:
    """Return a live (not expired) upload by the name in its URL, or None."""
    upload = find(site, name)
    if upload is None or is_expired(upload, now):
        return None
    return upload


def alone_in_its_visit(site: Site, upload: PartialUpload) -> bool:
    """Say whether the upload was its visit's first and only one (the visit was made for it)."""
    others = site.db.scalar(select(func.count(PartialUpload.id)).where(
        PartialUpload.visit_id == upload.visit_id, PartialUpload.id != upload.id)) or 0
    mine = [Photo.id != upload.photo_id] if upload.photo_id is not None else []
    strays = site.db.scalar(select(func.count(Photo.id)).where(
        Photo.visit_id == upload.visit_id, *mine)) or 0
    return others == 0 and strays == 0


def is_done(upload: PartialUpload) -> bool:
    """Say whether the upload has its answer: a stored photo or a refusal."""
    return upload.photo_id is not None or upload.refused is not None


def finish(site: Site, upload: PartialUpload) -> uploads.UploadResult:
    """Put the whole file through the upload pipeline once; return its receipt or refuse.

    Idempotent: a finished upload answers with the same photo's receipt or the same refusal,
    so a client whose reply was lost can ask again (tus GET) and hear what happened.
    """
    if upload.photo_id is not None:
        return uploads.result_for(site, upload.photo)
    if upload.refused is not None:
        raise uploads.UploadRefused(upload.refused["reason"], **upload.refused.get("detail", {}))
    data = assemble(site, upload)
    details = upload.details
    group = site.db.get(Group, details["group_id"])
    try:
        if group is None:
            raise uploads.UploadRefused("invite_unknown")
        result = uploads.accept_upload(
            site, data, city=group.city, group=group,
            first_name=details["first_name"], caption=details.get("caption", ""),
            caption_language=details.get("caption_language", "en"),
            age_band=AgeBand(details["age_band"]),
            consent_self=bool(details.get("consent_self")),
            consent_guardian=bool(details.get("consent_guardian")),
            upload_key=upload.upload_key, visit=upload.visit)
    except uploads.UploadRefused as refused:
        if refused.reason not in _STILL_POSSIBLE:
            site.db.rollback()
            upload.refused = {"reason": refused.reason, "detail": _plain(refused.detail)}
            site.db.commit()
            drop_pieces(site, upload.name)
        raise
    upload.photo_id = result.photo.id
    site.db.commit()
    drop_pieces(site, upload.name)  # the photo's own files hold it now
    return result


def _plain(detail: dict) -> dict:
    return {k: v for k, v in detail.items() if isinstance(v, int | float | str | bool)}


def forget(site: Site, upload: PartialUpload) -> None:
    """Delete an unfinished upload's row and pieces."""
    drop_pieces(site, upload.name)
    site.db.delete(upload)
    site.db.commit()


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
            # A piece lost in a crash is only sent again (the held offset is read from what
            # is stored), so it need not wait for the disk as a photo's files do.
            site.store.put(piece_key(upload.name, position, size), bytes(buffer[:size]),
                           CONTENT_TYPE, durable=False)
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
             .where(PartialUpload.photo_id.is_(None), PartialUpload.refused.is_(None),
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
    # Storage first, rows after: an upload starting meanwhile has its row before its pieces.
    names = sorted({key[len(PREFIX):].split("/", 1)[0] for key in site.store.keys(PREFIX)})
    live = set(site.db.scalars(select(PartialUpload.name).where(
        PartialUpload.photo_id.is_(None), PartialUpload.refused.is_(None),
        PartialUpload.expires_at > utcnow())))
    yield from (name for name in names if name not in live)
