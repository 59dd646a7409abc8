"""Writing the archive: every city, group, photo, edition and export into a new bag."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import bagit
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...models import City, Cloth, Export, Group, Photo, PhotoState, Swatch
from ..site import Site
from . import records
from .bag import ArchiveError, BagWriter, zip_bag

README = """\
tablecloth archive
==================

Photos from twin cities, printed on a tablecloth as QR codes; each code opens /P/CODE.
This folder is a BagIt bag (RFC 8493): manifest-sha256.txt beside it lists the SHA-256 of every
file here, so anyone can check that nothing changed (e.g. `bagit.py --validate FOLDER`).

cities.json           the cities, with their names in English and Russian
groups.json           the groups that collected photos, with their invite codes
photos.csv            one row per photo, in any state (pending, approved, rejected, withdrawn)
photos/CODE/          metadata.json, and the photo: master (full size, metadata-free),
                      web (1600 px) and thumb (400 px) copies
cloths/N/             edition N of the cloth: settings.json, items.json (codes in printed
                      order) and exports/ID/ (the print files, export.json and report.json)

Codes are never reused. A withdrawn photo keeps its row so its code stays reserved, but its
files, name and caption are not in the archive: its author took them back. Organisers'
accounts are not archived. `tablecloth restore FOLDER` recreates a site from this archive.
"""


@dataclass
class ArchiveSummary:
    photos: int = 0
    files: int = 0
    bytes: int = 0
    cloths: int = 0
    exports: int = 0
    problems: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """Return one line saying what the archive holds."""
        return (f"Archived {self.photos} photos ({self.files} files, {self.bytes:,} bytes), "
                f"{self.cloths} cloth editions, {self.exports} exports.")


def write_bag(site: Site, out: Path) -> ArchiveSummary:
    """Write the whole site to a new BagIt bag at out (a folder that is absent or empty)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ArchiveError("archive_folder_not_empty", folder=str(out))
    out.mkdir(parents=True, exist_ok=True)
    session = site.db
    writer = BagWriter(out, site.store)
    summary = ArchiveSummary()
    writer.write("README.txt", README.encode())

    cities = session.scalars(select(City).order_by(City.position, City.id))
    writer.write("cities.json", records.to_json([records.city_record(c) for c in cities]))
    groups = session.scalars(select(Group).order_by(Group.id))
    writer.write("groups.json", records.to_json([records.group_record(g) for g in groups]))

    withdrawn = _write_photos(session, writer, summary)

    for cloth in session.scalars(select(Cloth).order_by(Cloth.edition)):
        base = f"cloths/{cloth.edition}"
        writer.write(f"{base}/settings.json", records.to_json(records.cloth_record(cloth)))
        writer.write(f"{base}/items.json",
                     records.to_json([item.photo.code for item in cloth.items]))
        summary.cloths += 1
        for export in session.scalars(
            select(Export).where(Export.cloth_id == cloth.id).order_by(Export.id)
        ):
            _write_export(writer, summary, base, export, withdrawn)
        for swatch in session.scalars(
            select(Swatch).where(Swatch.cloth_id == cloth.id).order_by(Swatch.id)
        ):
            _write_swatch(writer, summary, base, swatch)

    writer.finish({
        "Source-Organization": "tablecloth",
        "External-Description": "Photos, captions, cities and cloth editions of a tablecloth "
                                "site; see data/README.txt.",
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
        "Bag-Software-Agent": f"tablecloth archive; validated with bagit.py {bagit.VERSION}",
        records.VERSION_FIELD: records.VERSION,
        "Tablecloth-Photos": str(summary.photos),
    })
    summary.bytes = writer.bytes
    return summary


def _write_photos(session, writer: BagWriter, summary: ArchiveSummary) -> set[str]:
    """Write each photo's files, metadata.json and photos.csv row; return the withdrawn codes."""
    table = io.StringIO()
    rows = csv.writer(table, lineterminator="\n")
    rows.writerow(records.PHOTO_COLUMNS)
    withdrawn: set[str] = set()
    photos = session.scalars(
        select(Photo).options(selectinload(Photo.files), selectinload(Photo.city),
                              selectinload(Photo.group)).order_by(Photo.code)
    )
    for photo in photos:
        files = []
        if photo.state == PhotoState.WITHDRAWN:
            withdrawn.add(photo.code)  # the author took the photo back: no files
        else:
            for stored in sorted(photo.files, key=lambda f: f.kind):
                name = stored.key.rsplit("/", 1)[1]
                problem = writer.copy_stored(f"photos/{photo.code}/{name}", stored.key,
                                             stored.sha256)
                if problem:
                    summary.problems.append(problem)
                    continue
                summary.files += 1
                files.append(records.file_record(stored, name))
        record = records.photo_record(photo, files)
        writer.write(f"photos/{photo.code}/metadata.json", records.to_json(record))
        rows.writerow(records.csv_row(record))
        summary.photos += 1
    writer.write("photos.csv", table.getvalue().encode())
    return withdrawn


def _write_export(writer: BagWriter, summary: ArchiveSummary, base: str, export: Export,
                  withdrawn: set[str]) -> None:
    """Copy one export's files and record; leave out proofs showing withdrawn photos."""
    folder = f"{base}/exports/{export.id}"
    printed = {cell.get("code") for cell in (export.settings or {}).get("cells", [])}
    shows_withdrawn = bool(printed & withdrawn)
    # A proof sheet prints each photo's thumbnail and caption: left out once one is withdrawn.
    files = _copy_files(writer, summary, folder, [
        entry for entry in export.files or []
        if not (shows_withdrawn and records.shows_people(entry))])
    writer.write(f"{folder}/export.json", records.to_json(records.export_record(export, files)))
    writer.write(f"{folder}/report.json", records.to_json(export.report or {}))
    summary.exports += 1


def _write_swatch(writer: BagWriter, summary: ArchiveSummary, base: str, swatch: Swatch) -> None:
    """Copy one test swatch's files and record, with the reads its codes had."""
    folder = f"{base}/swatches/{swatch.id}"
    files = _copy_files(writer, summary, folder, swatch.files or [])
    writer.write(f"{folder}/swatch.json", records.to_json(records.swatch_record(swatch, files)))


def _copy_files(writer: BagWriter, summary: ArchiveSummary, folder: str,
                entries: list[dict]) -> list[dict]:
    """Copy recorded print files into the bag; return the entries copied, with their names."""
    files = []
    for entry in entries:
        name = entry.get("name") or entry["key"].rsplit("/", 1)[1]
        problem = writer.copy_stored(f"{folder}/{name}", entry["key"], entry.get("sha256", ""))
        if problem:
            summary.problems.append(problem)
            continue
        summary.files += 1
        files.append({**entry, "name": name})
    return files


def build_zip(site: Site, target_dir: Path) -> tuple[Path, ArchiveSummary]:
    """Write the archive as a bag inside target_dir and zip it; return the zip and the summary."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    bag = target_dir / f"tablecloth-archive-{stamp}"
    summary = write_bag(site, bag)
    target = target_dir / f"{bag.name}.zip"
    zip_bag(bag, target)
    shutil.rmtree(bag)
    return target, summary
