"""Restoring a site from an archive into an empty instance: every code as it was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import City, Cloth, ClothItem, Export, Group, Photo
from ...storage import StorageError, check_key
from ..site import Site
from . import bag, records
from .bag import ArchiveError

# put(key, path in the bag, recorded SHA-256, content type): check a file and store it.
Put = Callable[[str, Path, str, str], None]


@dataclass
class RestoreSummary:
    photos: int = 0
    files: int = 0
    cloths: int = 0
    exports: int = 0

    def sentence(self) -> str:
        """Return one line saying what was restored."""
        return (f"Restored {self.photos} photos ({self.files} files), {self.cloths} cloth "
                f"editions, {self.exports} exports.")


def restore(site: Site, source: Path) -> RestoreSummary:
    """Recreate a site from an archive in an instance that has no photos yet."""
    session = site.db
    if session.scalar(select(func.count(Photo.id))):
        raise ArchiveError("restore_site_has_photos")
    if session.scalar(select(func.count(Export.id))) or session.scalar(
            select(func.count(ClothItem.id))):
        raise ArchiveError("restore_site_has_editions")
    with bag.opened(source) as found:
        if found.info.get(records.VERSION_FIELD) != records.VERSION:
            raise ArchiveError("archive_not_tablecloth", source=str(source),
                               field=records.VERSION_FIELD, version=records.VERSION)
        return _restore(site, Path(found.path) / "data")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _restore(site: Site, data: Path) -> RestoreSummary:
    """Add every row and store every file of the bag's data folder; all or nothing."""
    session, store = site.db, site.store
    summary = RestoreSummary()
    written: list[str] = []

    def put(key: str, path: Path, sha256: str, content_type: str) -> None:
        blob = path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != sha256:
            raise ArchiveError("archive_file_changed", name=path.name, key=key)
        check_key(key)
        store.put(key, blob, content_type)
        written.append(key)
        summary.files += 1

    try:
        cities = {c.slug: c for c in session.scalars(select(City))}
        for record in _load(data / "cities.json"):
            city = cities.get(record["slug"]) or City(slug=record["slug"])
            session.add(records.update_city(city, record))
            cities[city.slug] = city
        groups = {g.invite_code: g for g in session.scalars(select(Group))}
        for record in _load(data / "groups.json"):
            group = groups.get(record["invite_code"]) or Group(invite_code=record["invite_code"])
            session.add(records.update_group(group, record, cities))
            groups[group.invite_code] = group
        session.flush()

        photos: dict[str, Photo] = {}
        for folder in sorted((data / "photos").iterdir() if (data / "photos").is_dir() else ()):
            record = _load(folder / "metadata.json")
            photo = records.photo_from(record, cities, groups)
            for entry in record["files"]:
                key = entry["key"]
                if not key.startswith(f"photos/{photo.code}/"):
                    raise ArchiveError("archive_foreign_file", folder=folder.name, key=key)
                put(key, folder / entry["name"], entry["sha256"], entry["content_type"])
                photo.files.append(records.stored_file_from(entry))
            session.add(photo)
            photos[photo.code] = photo
            summary.photos += 1
        session.flush()

        for cloth in list(session.scalars(select(Cloth))):
            session.delete(cloth)  # empty editions made by visiting a page; renumbered below
        session.flush()
        cloth_folders = (data / "cloths").iterdir() if (data / "cloths").is_dir() else ()
        for folder in sorted(cloth_folders, key=lambda p: int(p.name)):
            _restore_cloth(session, folder, photos, put)
            summary.cloths += 1
            exports = folder / "exports"
            summary.exports += sum(1 for _ in exports.iterdir()) if exports.is_dir() else 0
        session.commit()
    except BaseException:
        session.rollback()
        for key in written:
            try:
                store.delete(key)
            except (OSError, StorageError):
                pass  # `tablecloth check --repair` quarantines what is left
        raise
    return summary


def _restore_cloth(session: Session, folder: Path, photos: dict[str, Photo], put: Put) -> None:
    """Add one edition, its items in order and its exports with their files."""
    meta = _load(folder / "settings.json")
    cloth = records.cloth_from(meta)
    for position, code in enumerate(_load(folder / "items.json")):
        if code not in photos:
            raise ArchiveError("archive_edition_names_unknown_photo", edition=meta["edition"],
                               code=code)
        cloth.items.append(ClothItem(photo_id=photos[code].id, position=position))
    session.add(cloth)
    session.flush()
    exports = folder / "exports"
    for sub in sorted(exports.iterdir() if exports.is_dir() else (), key=lambda p: int(p.name)):
        record = _load(sub / "export.json")
        export = records.export_from(record, cloth.id, _load(sub / "report.json"))
        session.add(export)
        session.flush()
        files = []
        for entry in record["files"]:
            # Keys carry the export's id, which the new database gives afresh.
            key = f"exports/{export.id}/{entry['name']}"
            put(key, sub / entry["name"], entry["sha256"], records.content_type(entry))
            files.append({**entry, "key": key})
        export.files = files
    swatches = folder / "swatches"
    for sub in sorted(swatches.iterdir() if swatches.is_dir() else (), key=lambda p: int(p.name)):
        record = _load(sub / "swatch.json")
        swatch = records.swatch_from(record, cloth.id)
        session.add(swatch)
        session.flush()
        files = []
        for entry in record["files"]:
            # Keys carry the swatch's id, which the new database gives afresh.
            key = f"swatches/{swatch.id}/{entry['name']}"
            put(key, sub / entry["name"], entry["sha256"],
                "application/pdf" if entry.get("format") == "pdf" else "image/png")
            files.append({**entry, "key": key})
        swatch.files = files
