"""The archive that outlives the app: a BagIt bag of every photo, city, group, cloth and export.

Layout of the bag (every payload file listed with its SHA-256 in manifest-sha256.txt):

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/README.txt                     what is here, in plain words
    data/cities.json  data/groups.json
    data/photos.csv                     one row per photo, any state
    data/photos/<CODE>/metadata.json    the photo's row and its files' checksums
    data/photos/<CODE>/master.jpg, web.jpg, thumb.jpg   (not for withdrawn photos)
    data/cloths/<edition>/settings.json, items.json (codes in order)
    data/cloths/<edition>/exports/<id>/export.json, report.json and the exported files

Privacy: organisers' accounts and password hashes are not archived. A withdrawn photo keeps
only what reserves its code (code, state, city, group, times): no files, name, caption or
fingerprint of the image. Proof sheets that show a withdrawn photo's thumbnail are left out.

bagit.make_bag() moves files around with os.chdir(), which changes the working directory of
the whole process (unsafe in a threaded server), so the bag is written here directly, each
file hashed as it is copied, and then validated with bagit itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import codes, db
from ..models import (
    AgeBand,
    City,
    Cloth,
    ClothItem,
    Export,
    Group,
    Photo,
    PhotoState,
    StoredFile,
)
from ..storage import StorageError, check_key, storage

FORMAT = "1"
FORMAT_FIELD = "Tablecloth-Archive-Format"
BLOCK = 1024 * 1024
PHOTO_COLUMNS = (
    "code", "state", "first_name", "city_slug", "city_name_en", "city_name_ru", "group_invite_code",
    "caption", "caption_language", "age_band", "consent_self", "consent_guardian", "consent_at",
    "created_at", "reviewed_at", "withdrawn_at", "reject_reason", "taken_on", "width", "height",
    "master_sha256", "web_sha256", "thumb_sha256",
)
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


class ArchiveError(RuntimeError):
    """The archive cannot be written or restored; the message says why."""


@dataclass
class ArchiveReport:
    photos: int = 0
    files: int = 0
    bytes: int = 0
    cloths: int = 0
    exports: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return one line saying what the archive holds."""
        return (f"Archived {self.photos} photos ({self.files} files, {self.bytes:,} bytes), "
                f"{self.cloths} cloth editions, {self.exports} exports.")


@dataclass
class RestoreReport:
    photos: int = 0
    files: int = 0
    cloths: int = 0
    exports: int = 0

    def summary(self) -> str:
        """Return one line saying what was restored."""
        return (f"Restored {self.photos} photos ({self.files} files), {self.cloths} cloth "
                f"editions, {self.exports} exports.")


# ---------------------------------------------------------------- values


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite hands back naive datetimes, stored as UTC
    return value.isoformat()


def _datetime(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


# ---------------------------------------------------------------- writing


class _BagWriter:
    """Write payload files under data/, hashing each as it goes, then the tag files."""

    def __init__(self, root: Path) -> None:
        self.root = root
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
            with storage().open(key) as source, path.open("wb") as out:
                while block := source.read(BLOCK):
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
        """Write bagit.txt, bag-info.txt and both manifests."""
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


def _photo_record(photo: Photo, files: list[dict]) -> dict[str, Any]:
    """Return what the archive keeps of a photo; a withdrawn one keeps only its code's claim."""
    record: dict[str, Any] = {
        "code": photo.code,
        "state": photo.state.value,
        "city_slug": photo.city.slug,
        "city_name_en": photo.city.name_en,
        "city_name_ru": photo.city.name_ru,
        "group_invite_code": photo.group.invite_code if photo.group is not None else None,
        "created_at": _iso(photo.created_at),
        "reviewed_at": _iso(photo.reviewed_at),
        "withdrawn_at": _iso(photo.withdrawn_at),
        # A hash of the random secret on the participant's receipt, not the secret: keeping it
        # lets their private withdrawal link work on a restored site.
        "withdraw_token_hash": photo.withdraw_token_hash,
        "files": files,
    }
    if photo.state == PhotoState.WITHDRAWN:
        return record
    record.update({
        "first_name": photo.first_name,
        "caption": photo.caption,
        "caption_language": photo.caption_language,
        "age_band": photo.age_band.value if photo.age_band is not None else None,
        "consent_self": photo.consent_self,
        "consent_guardian": photo.consent_guardian,
        "consent_at": _iso(photo.consent_at),
        "source_sha256": photo.source_sha256,
        "width": photo.width,
        "height": photo.height,
        "taken_on": _iso(photo.taken_on),
        "reject_reason": photo.reject_reason,
    })
    return record


def _csv_row(record: dict[str, Any]) -> list[str]:
    by_kind = {f["kind"]: f["sha256"] for f in record["files"]}
    row = []
    for column in PHOTO_COLUMNS:
        if column.endswith("_sha256"):
            value = by_kind.get(column.removesuffix("_sha256"), "")
        else:
            value = record.get(column)
        row.append("" if value is None else str(value).lower() if isinstance(value, bool)
                   else str(value))
    return row


def write_bag(out: Path) -> ArchiveReport:
    """Write the whole site to a new BagIt bag at out (a folder that is absent or empty)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ArchiveError(f"{out} already exists and is not an empty folder.")
    out.mkdir(parents=True, exist_ok=True)
    session = db.session()
    writer = _BagWriter(out)
    report = ArchiveReport()
    writer.write("README.txt", README.encode())

    cities = session.scalars(select(City).order_by(City.position, City.id)).all()
    writer.write("cities.json", _json([
        {"slug": c.slug, "name_en": c.name_en, "name_ru": c.name_ru,
         "home_language": c.home_language, "position": c.position} for c in cities
    ]))
    groups = session.scalars(select(Group).order_by(Group.id)).all()
    writer.write("groups.json", _json([
        {"name": g.name, "city_slug": g.city.slug, "invite_code": g.invite_code,
         "active": g.active, "expires_at": _iso(g.expires_at), "created_at": _iso(g.created_at)}
        for g in groups
    ]))

    table = io.StringIO()
    rows = csv.writer(table, lineterminator="\n")
    rows.writerow(PHOTO_COLUMNS)
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
                    report.problems.append(problem)
                    continue
                report.files += 1
                files.append({"kind": stored.kind, "name": name, "key": stored.key,
                              "sha256": stored.sha256, "size": stored.size,
                              "content_type": stored.content_type, "width": stored.width,
                              "height": stored.height})
        record = _photo_record(photo, files)
        writer.write(f"photos/{photo.code}/metadata.json", _json(record))
        rows.writerow(_csv_row(record))
        report.photos += 1
    writer.write("photos.csv", table.getvalue().encode())

    for cloth in session.scalars(select(Cloth).order_by(Cloth.edition)):
        base = f"cloths/{cloth.edition}"
        writer.write(f"{base}/settings.json", _json({
            "edition": cloth.edition, "title": cloth.title, "settings": cloth.settings or {},
            "frozen_at": _iso(cloth.frozen_at), "created_at": _iso(cloth.created_at),
        }))
        writer.write(f"{base}/items.json", _json([item.photo.code for item in cloth.items]))
        report.cloths += 1
        for export in session.scalars(
            select(Export).where(Export.cloth_id == cloth.id).order_by(Export.id)
        ):
            _write_export(writer, report, base, export, withdrawn)

    writer.finish({
        "Source-Organization": "tablecloth",
        "External-Description": "Photos, captions, cities and cloth editions of a tablecloth "
                                "site; see data/README.txt.",
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
        "Bag-Software-Agent": f"tablecloth archive; validated with bagit.py {bagit.VERSION}",
        FORMAT_FIELD: FORMAT,
        "Tablecloth-Photos": str(report.photos),
    })
    try:
        bagit.Bag(str(out)).validate()
    except bagit.BagError as exc:  # a bug here, or the disk changed the files under us
        raise ArchiveError(f"the bag written to {out} does not validate: {exc}") from exc
    report.bytes = writer.bytes
    return report


def _write_export(writer: _BagWriter, report: ArchiveReport, base: str, export: Export,
                  withdrawn: set[str]) -> None:
    """Copy one export's files and record; leave out proofs showing withdrawn photos."""
    folder = f"{base}/exports/{export.id}"
    printed = {cell.get("code") for cell in (export.settings or {}).get("cells", [])}
    shows_withdrawn = bool(printed & withdrawn)
    files = []
    for entry in export.files or []:
        if entry.get("format") == "proof" and shows_withdrawn:
            continue  # a proof sheet prints each photo's thumbnail and caption
        name = entry.get("name") or entry["key"].rsplit("/", 1)[1]
        problem = writer.copy_stored(f"{folder}/{name}", entry["key"], entry.get("sha256", ""))
        if problem:
            report.problems.append(problem)
            continue
        report.files += 1
        files.append({**entry, "name": name})
    writer.write(f"{folder}/export.json", _json({
        "status": export.status, "progress": export.progress, "message": export.message,
        "draft": export.draft, "settings": export.settings or {}, "files": files,
        "created_at": _iso(export.created_at), "finished_at": _iso(export.finished_at),
    }))
    writer.write(f"{folder}/report.json", _json(export.report or {}))
    report.exports += 1


def zip_bag(bag: Path, target: Path) -> None:
    """Zip a bag folder into target, under one top folder named after the bag."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(bag.rglob("*")):
            if path.is_file():
                # JPEGs and PDFs are compressed already; deflating them only costs time.
                packed = path.suffix.lower() in (".json", ".txt", ".csv", ".svg")
                archive.write(path, f"{bag.name}/{path.relative_to(bag).as_posix()}",
                              compress_type=zipfile.ZIP_DEFLATED if packed
                              else zipfile.ZIP_STORED)


# ---------------------------------------------------------------- restoring


@contextmanager
def _bag_folder(source: Path) -> Iterator[Path]:
    """Yield the bag folder: source itself, or the one folder inside a zip of it."""
    if source.is_dir():
        yield source
        return
    if not zipfile.is_zipfile(source):
        raise ArchiveError(f"{source} is neither a bag folder nor a zip of one.")
    with tempfile.TemporaryDirectory(prefix="tablecloth-restore-") as tmp:
        with zipfile.ZipFile(source) as archive:
            archive.extractall(tmp)  # extractall drops absolute paths and '..' parts
        found = [p.parent for p in Path(tmp).rglob("bagit.txt")]
        if len(found) != 1:
            raise ArchiveError(f"{source} does not hold exactly one bag.")
        yield found[0]


def restore(source: Path) -> RestoreReport:
    """Recreate a site from an archive in an instance that has no photos yet."""
    session = db.session()
    if session.scalar(select(func.count(Photo.id))):
        raise ArchiveError("This site already has photos; restore only into an empty instance "
                           "(a new database and an empty store).")
    if session.scalar(select(func.count(Export.id))) or session.scalar(
            select(func.count(ClothItem.id))):
        raise ArchiveError("This site already has cloth editions with photos or exports; "
                           "restore only into an empty instance.")
    with _bag_folder(source) as folder:
        try:
            bag = bagit.Bag(str(folder))
            bag.validate()
        except bagit.BagValidationError as exc:
            raise ArchiveError(f"The archive is damaged and was not restored: {exc}") from None
        except bagit.BagError as exc:
            raise ArchiveError(f"{source} is not a valid bag: {exc}") from None
        if bag.info.get(FORMAT_FIELD) != FORMAT:
            raise ArchiveError(f"{source} is a bag but not a tablecloth archive "
                               f"(no {FORMAT_FIELD}: {FORMAT} in bag-info.txt).")
        return _restore(folder / "data")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _restore(data: Path) -> RestoreReport:
    session = db.session()
    report = RestoreReport()
    written: list[str] = []
    store = storage()

    def put(key: str, path: Path, sha256: str, content_type: str) -> None:
        blob = path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != sha256:
            raise ArchiveError(f"{path.name} of {key} does not match its recorded SHA-256.")
        check_key(key)
        store.put(key, blob, content_type)
        written.append(key)
        report.files += 1

    try:
        cities = {c.slug: c for c in session.scalars(select(City))}
        for entry in _load(data / "cities.json"):
            city = cities.get(entry["slug"]) or City(slug=entry["slug"])
            city.name_en, city.name_ru = entry["name_en"], entry["name_ru"]
            city.home_language, city.position = entry["home_language"], entry["position"]
            session.add(city)
            cities[city.slug] = city
        groups = {g.invite_code: g for g in session.scalars(select(Group))}
        for entry in _load(data / "groups.json"):
            group = groups.get(entry["invite_code"]) or Group(invite_code=entry["invite_code"])
            group.name, group.city = entry["name"], cities[entry["city_slug"]]
            group.active = entry["active"]
            group.expires_at = _datetime(entry["expires_at"])
            group.created_at = _datetime(entry["created_at"])
            session.add(group)
            groups[group.invite_code] = group
        session.flush()

        photos: dict[str, Photo] = {}
        for folder in sorted((data / "photos").iterdir() if (data / "photos").is_dir() else ()):
            record = _load(folder / "metadata.json")
            photo = _photo_from(record, cities, groups)
            for entry in record["files"]:
                key = entry["key"]
                if not key.startswith(f"photos/{photo.code}/"):
                    raise ArchiveError(f"{folder.name}: file key {key!r} is not the photo's own.")
                put(key, folder / entry["name"], entry["sha256"], entry["content_type"])
                photo.files.append(StoredFile(
                    kind=entry["kind"], key=key, sha256=entry["sha256"], size=entry["size"],
                    content_type=entry["content_type"], width=entry["width"],
                    height=entry["height"],
                ))
            session.add(photo)
            photos[photo.code] = photo
            report.photos += 1
        session.flush()

        for cloth in list(session.scalars(select(Cloth))):
            session.delete(cloth)  # empty editions made by visiting a page; renumbered below
        session.flush()
        cloth_folders = (data / "cloths").iterdir() if (data / "cloths").is_dir() else ()
        for folder in sorted(cloth_folders, key=lambda p: int(p.name)):
            _restore_cloth(folder, photos, put)
            report.cloths += 1
            exports = folder / "exports"
            report.exports += sum(1 for _ in exports.iterdir()) if exports.is_dir() else 0
        session.commit()
    except BaseException:
        session.rollback()
        for key in written:
            try:
                store.delete(key)
            except (OSError, StorageError):
                pass  # `tablecloth check --repair` quarantines what is left
        raise
    return report


def _photo_from(record: dict[str, Any], cities: dict[str, City],
                groups: dict[str, Group]) -> Photo:
    code = record["code"]
    if codes.normalise(code) != code:
        raise ArchiveError(f"{code!r} is not a photo code.")
    state = PhotoState(record["state"])
    city = cities.get(record["city_slug"])
    if city is None:
        raise ArchiveError(f"{code}: unknown city {record['city_slug']!r}.")
    age_band = record.get("age_band")
    return Photo(
        code=code,
        state=state,
        city=city,
        group=groups.get(record.get("group_invite_code") or ""),
        first_name=record.get("first_name") or "",
        caption=record.get("caption") or "",
        caption_language=record.get("caption_language") or "en",
        age_band=AgeBand(age_band) if age_band else None,
        consent_self=bool(record.get("consent_self")),
        consent_guardian=bool(record.get("consent_guardian")),
        consent_at=_datetime(record.get("consent_at")),
        # A withdrawn photo's fingerprint is not archived; the placeholder keeps the column
        # unique and can never equal a real SHA-256.
        source_sha256=record.get("source_sha256") or f"withdrawn:{code}",
        withdraw_token_hash=record.get("withdraw_token_hash"),
        width=record.get("width") or 0,
        height=record.get("height") or 0,
        taken_on=_date(record.get("taken_on")),
        created_at=_datetime(record.get("created_at")),
        reviewed_at=_datetime(record.get("reviewed_at")),
        reject_reason=record.get("reject_reason"),
        withdrawn_at=_datetime(record.get("withdrawn_at")),
    )


def _restore_cloth(folder: Path, photos: dict[str, Photo], put) -> None:
    session = db.session()
    meta = _load(folder / "settings.json")
    cloth = Cloth(edition=meta["edition"], title=meta["title"], settings=meta["settings"],
                  frozen_at=_datetime(meta["frozen_at"]),
                  created_at=_datetime(meta["created_at"]))
    for position, code in enumerate(_load(folder / "items.json")):
        if code not in photos:
            raise ArchiveError(f"edition {meta['edition']} names {code}, which has no photo.")
        cloth.items.append(ClothItem(photo_id=photos[code].id, position=position))
    session.add(cloth)
    session.flush()
    exports = folder / "exports"
    for sub in sorted(exports.iterdir() if exports.is_dir() else (), key=lambda p: int(p.name)):
        record = _load(sub / "export.json")
        status, message = record["status"], record["message"]
        if status not in ("done", "failed"):
            # Archived while it ran: nothing will finish it on the restored site.
            status, message = "failed", "Interrupted: archived while still running."
        export = Export(cloth_id=cloth.id, status=status,
                        progress=record["progress"], message=message,
                        draft=record["draft"], settings=record["settings"],
                        report=_load(sub / "report.json"),
                        created_at=_datetime(record["created_at"]),
                        finished_at=_datetime(record["finished_at"]))
        session.add(export)
        session.flush()
        files = []
        for entry in record["files"]:
            # Keys carry the export's id, which the new database gives afresh.
            key = f"exports/{export.id}/{entry['name']}"
            put(key, sub / entry["name"], entry["sha256"], _content_type(entry))
            files.append({**entry, "key": key})
        export.files = files


def _content_type(entry: dict[str, Any]) -> str:
    from ..render import content_type_for

    return content_type_for(entry.get("format", ""))


def build_zip(target_dir: Path) -> tuple[Path, ArchiveReport]:
    """Write the archive as a bag inside target_dir and zip it; return the zip and the report."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    bag = target_dir / f"tablecloth-archive-{stamp}"
    report = write_bag(bag)
    target = target_dir / f"{bag.name}.zip"
    zip_bag(bag, target)
    shutil.rmtree(bag)
    return target, report
