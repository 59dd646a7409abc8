"""Fixity: check every stored file against its recorded SHA-256 and size, and repair what can be.

Files are read only through the site's store, so the check works the same on the local folder
and S3.

- missing: a row names a file the store does not have;
- corrupt: the stored bytes differ from the recorded SHA-256 or size;
- stray: a file under photos/ or exports/ that no row names (e.g. left by a crashed upload);
- temporary: a half-written file (the local store's .tmp-*) older than STALE_TEMPORARY_S,
  left when a process died in the middle of writing it;
- abandoned: a resumable upload left half-way past its expiry, or pieces under partial/ that
  no live upload owns.

Repair moves strays and stale temporaries to quarantine/ (nothing is deleted), remakes a lost
or damaged web copy, thumbnail or tile from an intact master, and leaves a lost or damaged
master (or export file) alone, saying so: those can only come back from an archive or a
backup. Abandoned uploads are deleted: they are half a photo nobody finished sending, never
anything stored for keeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import images
from ..models import Export, Photo, StoredFile, Swatch
from ..storage import Storage, digest
from . import resumable, tiles
from .site import Site

MISSING = "missing"
CORRUPT = "corrupt"
STRAY = "stray"
TEMPORARY = "temporary"
# A write takes seconds; a half-written file this old belongs to a process that died.
STALE_TEMPORARY_S = 15 * 60
ABANDONED = "abandoned"
CHECKED_PREFIXES = ("photos/", "exports/", "swatches/")
QUARANTINE_PREFIX = "quarantine/"
DERIVATIVES = ("web", "thumb", tiles.KIND)  # remade from the master (a tile from the thumb)
# Exports still being written have files in storage before their row lists them.
EXPORTS_IN_PROGRESS = ("queued", "running")


@dataclass
class Problem:
    """One file that is not as recorded, and what repair did or could not do about it."""

    kind: str  # MISSING, CORRUPT, STRAY or TEMPORARY
    key: str
    detail: str
    owner: str = ""  # e.g. "web of 7K3QZ9", "export 3 (pdf)"
    repaired: str = ""  # what repair did, when it fixed the problem
    unrepairable: str = ""  # why repair cannot fix it

    def line(self) -> str:
        """Return the problem as one line of the summary."""
        text = f"{self.kind.upper():8} {self.key}"
        if self.owner:
            text += f" ({self.owner})"
        text += f": {self.detail}"
        if self.repaired:
            text += f" -> REPAIRED: {self.repaired}"
        elif self.unrepairable:
            text += f" -> NOT REPAIRABLE: {self.unrepairable}"
        return text


@dataclass
class FixitySummary:
    photo_files: int = 0
    export_files: int = 0
    stored_keys: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def remaining(self) -> list[Problem]:
        """Return the problems not repaired."""
        return [p for p in self.problems if not p.repaired]

    def sentence(self) -> str:
        """Return the closing line of the summary."""
        checked = (f"Checked {self.photo_files} photo files, {self.export_files} export files "
                   f"and {self.stored_keys} stored keys.")
        if not self.problems:
            return f"{checked} No problems."
        repaired = len(self.problems) - len(self.remaining)
        return (f"{checked} {len(self.problems)} problems: {repaired} repaired, "
                f"{len(self.remaining)} remaining.")


def _compare(store: Storage, key: str, sha256: str, size: int) -> tuple[str, str] | None:
    """Return (kind, detail) when the stored file is not as recorded, else None."""
    try:
        found_sha, found_size = digest(store, key)
    except FileNotFoundError:
        return MISSING, "recorded in the database but not in storage"
    if found_sha != sha256 or found_size != size:
        return CORRUPT, (f"content changed: sha256 {found_sha[:12]}… size {found_size:,}, "
                         f"recorded {sha256[:12]}… size {size:,}")
    return None


def check(site: Site, *, repair: bool = False, grace_s: float = 10.0,
          echo: Callable[[str], None] | None = None) -> FixitySummary:
    """Verify every stored file; with repair, fix what can be fixed without losing anything.

    Before quarantining strays, repair waits grace_s seconds and looks again, so an upload
    that stored its files and is about to record them is not taken for a crashed one.
    """
    session, store = site.db, site.store
    summary = FixitySummary()
    known: set[str] = set()
    photos = session.scalars(
        select(Photo).options(selectinload(Photo.files)).order_by(Photo.code)
    ).all()
    for photo in photos:
        broken: dict[str, Problem] = {}
        for stored in sorted(photo.files, key=lambda f: f.kind):
            known.add(stored.key)
            summary.photo_files += 1
            found = _compare(store, stored.key, stored.sha256, stored.size)
            if found is not None:
                problem = Problem(found[0], stored.key, found[1], f"{stored.kind} of {photo.code}")
                broken[stored.kind] = problem
                summary.problems.append(problem)
        if broken:
            _triage(site, photo, broken, repair)

    exports = session.scalars(select(Export).order_by(Export.id)).all()
    busy_prefixes = tuple(f"exports/{e.id}/" for e in exports if e.status in EXPORTS_IN_PROGRESS)
    for export in exports:
        _check_print_files(
            store, export.files, f"export {export.id}", known, summary,
            "an exported file cannot be remade identically; export the cloth again, or "
            "restore the file from an archive")
    # A test swatch's files are print files like an export's (counted with them).
    for swatch in session.scalars(select(Swatch).order_by(Swatch.id)):
        _check_print_files(
            store, swatch.files, f"swatch {swatch.id}", known, summary,
            "a swatch file cannot be remade identically; make a new swatch, or restore the "
            "file from an archive")

    strays = []
    for prefix in CHECKED_PREFIXES:
        for key in store.keys(prefix):
            summary.stored_keys += 1
            if key not in known and not key.startswith(busy_prefixes):
                strays.append(key)
    stray_problems = [Problem(STRAY, key, "in storage but no database row names it")
                      for key in strays]
    summary.problems.extend(stray_problems)
    if repair and stray_problems:
        _quarantine(site, stray_problems, grace_s, echo)
    temporaries = [Problem(TEMPORARY, name, "a half-written file left by an interrupted write")
                   for name in store.temporaries(STALE_TEMPORARY_S)
                   if not name.startswith(QUARANTINE_PREFIX)]
    summary.problems.extend(temporaries)
    if repair and temporaries:
        _quarantine_temporaries(site, temporaries)
    summary.problems.extend(_abandoned_uploads(site, repair))
    return summary


def _quarantine_temporaries(site: Site, problems: list[Problem]) -> None:
    """Move stale half-written files under quarantine/<time>/, named without the dot."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for problem in problems:
        folder, _slash, name = problem.key.rpartition("/")
        target = f"{QUARANTINE_PREFIX}{stamp}/{folder + '/' if folder else ''}{name.lstrip('.')}"
        try:
            site.store.quarantine_temporary(problem.key, target)
        except FileNotFoundError:
            problem.repaired = "gone meanwhile"
            continue
        problem.repaired = f"moved to {target}"


def _abandoned_uploads(site: Site, repair: bool) -> list[Problem]:
    """Report resumable uploads abandoned half-way; with repair, delete them (row and pieces)."""
    problems = []
    expired = resumable.expired(site)
    for upload in expired:
        problems.append(Problem(
            ABANDONED, f"{resumable.PREFIX}{upload.name}/",
            f"unfinished upload of {upload.length:,} bytes, expired "
            f"{upload.expires_at:%Y-%m-%d %H:%M} UTC"))
    known = {upload.name for upload in expired}
    strays = [name for name in resumable.stray_folders(site) if name not in known]
    for name in strays:
        problems.append(Problem(ABANDONED, f"{resumable.PREFIX}{name}/",
                                "pieces that no unfinished upload owns"))
    if repair:
        resumable.sweep(site)
        for name in strays:
            resumable.drop_pieces(site, name)
        for problem in problems:
            problem.repaired = "deleted"
    return problems


def _check_print_files(store: Storage, entries: list[dict] | None, owner: str, known: set[str],
                       summary: FixitySummary, unrepairable: str) -> None:
    """Compare an export's or a swatch's recorded files with the store; none can be remade."""
    for entry in entries or []:
        key = entry.get("key")
        if not key:
            continue
        known.add(key)
        summary.export_files += 1
        found = _compare(store, key, entry.get("sha256", ""), int(entry.get("size", -1)))
        if found is not None:
            summary.problems.append(Problem(
                found[0], key, found[1], f"{owner} ({entry.get('format', '?')})",
                unrepairable=unrepairable))


def _triage(site: Site, photo: Photo, broken: dict[str, Problem], repair: bool) -> None:
    """Mark what cannot be repaired; with repair, remake derivatives from an intact master."""
    master = photo.file("master")
    if master is None or "master" in broken:
        why = ("the master is the only full-size copy and cannot be remade; restore it from an "
               "archive (tablecloth restore) or a backup. The photo's row and code are kept")
        for kind, problem in broken.items():
            problem.unrepairable = why if kind == "master" else (
                "needs an intact master to be remade from, and the master is damaged or lost")
        return
    derivatives = [kind for kind in broken if kind in DERIVATIVES]
    for kind, problem in broken.items():
        if kind not in DERIVATIVES:
            problem.unrepairable = f"unknown kind of file {kind!r}"
    if not repair or not derivatives:
        return
    try:
        web, thumb = images.web_and_thumb(
            site.store.get(master.key), web_px=site.settings["WEB_SIZE_PX"],
            thumb_px=site.settings["THUMB_SIZE_PX"],
        )
    except (images.ImageError, OSError) as exc:
        for kind in derivatives:
            broken[kind].unrepairable = f"the master could not be decoded: {exc}"
        return
    made = {"web": web, "thumb": thumb, tiles.KIND: tiles.make(thumb.data)}
    for kind in derivatives:
        stored: StoredFile = photo.file(kind)
        rendition = made[kind]
        site.store.put(stored.key, rendition.data, rendition.content_type)
        stored.sha256 = rendition.sha256
        stored.size = len(rendition.data)
        stored.width, stored.height = rendition.width, rendition.height
        stored.content_type = rendition.content_type
        site.db.commit()
        broken[kind].repaired = "remade from the master; new SHA-256 recorded"


def _quarantine(site: Site, problems: list[Problem], grace_s: float,
                echo: Callable[[str], None] | None) -> None:
    """Move stray files under quarantine/<time>/, after checking again that they are strays."""
    if grace_s > 0:
        if echo is not None:
            echo(f"Waiting {grace_s:g} s before moving strays, in case an upload is finishing.")
        time.sleep(grace_s)
    session, store = site.db, site.store
    session.expire_all()
    keys = [p.key for p in problems]
    claimed = set(session.scalars(select(StoredFile.key).where(StoredFile.key.in_(keys))))
    for export in session.scalars(select(Export)):
        claimed.update(entry.get("key") for entry in export.files or [])
    for swatch in session.scalars(select(Swatch)):
        claimed.update(entry.get("key") for entry in swatch.files or [])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for problem in problems:
        if problem.key in claimed:
            problem.repaired = "a row claimed it meanwhile (an upload was finishing): left alone"
            continue
        target = f"{QUARANTINE_PREFIX}{stamp}/{problem.key}"
        try:
            data = store.get(problem.key)
        except FileNotFoundError:
            problem.repaired = "gone meanwhile (its upload cleaned up)"
            continue
        store.put(target, data, "application/octet-stream")
        store.delete(problem.key)
        problem.repaired = f"moved to {target}"
