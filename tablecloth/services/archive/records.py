"""The archive's record schema, both ways: rows to JSON and CSV records, records back to rows.

Each kind of row has its pair here (``*_record`` to write, ``*_from`` or ``update_*`` to
read back), so a new column is added to the archive in one place.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from ... import codes
from ...models import (
    AgeBand,
    City,
    Cloth,
    Export,
    Group,
    Photo,
    PhotoState,
    StoredFile,
    Swatch,
    SwatchSample,
)
from ...render import FORMATS
from .bag import ArchiveError

# The archive's own format version, stated in bag-info.txt; restore reads only this one.
VERSION = "1"
VERSION_FIELD = "Tablecloth-Archive-Format"
PHOTO_COLUMNS = (
    "code", "state", "first_name", "city_slug", "city_name_en", "city_name_ru", "group_invite_code",
    "caption", "caption_language", "age_band", "consent_self", "consent_guardian", "consent_at",
    "created_at", "reviewed_at", "withdrawn_at", "reject_reason", "taken_on", "width", "height",
    "master_sha256", "web_sha256", "thumb_sha256", "caption_translation", "name_other_script",
)
# What a restored export that was still running when archived says: nothing will finish it.
INTERRUPTED = "Interrupted: archived while still running."
UNKNOWN_CONTENT_TYPE = "application/octet-stream"


# ---------------------------------------------------------------- values


def iso(value: datetime | date | None) -> str | None:
    """Return a time or date as ISO 8601; naive times are UTC (SQLite hands them back so)."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def to_datetime(raw: str | None) -> datetime | None:
    """Read back a time written by iso."""
    return datetime.fromisoformat(raw) if raw else None


def to_date(raw: str | None) -> date | None:
    """Read back a date written by iso."""
    return date.fromisoformat(raw) if raw else None


def to_json(value: Any) -> bytes:
    """Return value as the archive's JSON: UTF-8, indented, keys sorted (stable diffs)."""
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


# ---------------------------------------------------------------- cities and groups


def city_record(city: City) -> dict[str, Any]:
    """Return what the archive keeps of a city."""
    return {"slug": city.slug, "name_en": city.name_en, "name_ru": city.name_ru,
            "home_language": city.home_language, "position": city.position}


def update_city(city: City, record: dict[str, Any]) -> City:
    """Set a city's columns from its record."""
    city.name_en, city.name_ru = record["name_en"], record["name_ru"]
    city.home_language, city.position = record["home_language"], record["position"]
    return city


def group_record(group: Group) -> dict[str, Any]:
    """Return what the archive keeps of a group."""
    return {"name": group.name, "city_slug": group.city.slug, "invite_code": group.invite_code,
            "active": group.active, "expires_at": iso(group.expires_at),
            "created_at": iso(group.created_at)}


def update_group(group: Group, record: dict[str, Any], cities: dict[str, City]) -> Group:
    """Set a group's columns from its record."""
    group.name, group.city = record["name"], cities[record["city_slug"]]
    group.active = record["active"]
    group.expires_at = to_datetime(record["expires_at"])
    group.created_at = to_datetime(record["created_at"])
    return group


# ---------------------------------------------------------------- photos


def file_record(stored: StoredFile, name: str) -> dict[str, Any]:
    """Return what the archive keeps of one stored file of a photo, named name in the bag."""
    return {"kind": stored.kind, "name": name, "key": stored.key, "sha256": stored.sha256,
            "size": stored.size, "content_type": stored.content_type, "width": stored.width,
            "height": stored.height}


def stored_file_from(record: dict[str, Any]) -> StoredFile:
    """Return the stored-file row a file record describes."""
    return StoredFile(kind=record["kind"], key=record["key"], sha256=record["sha256"],
                      size=record["size"], content_type=record["content_type"],
                      width=record["width"], height=record["height"])


def photo_record(photo: Photo, files: list[dict]) -> dict[str, Any]:
    """Return what the archive keeps of a photo; a withdrawn one keeps only its code's claim."""
    record: dict[str, Any] = {
        "code": photo.code,
        "state": photo.state.value,
        "city_slug": photo.city.slug,
        "city_name_en": photo.city.name_en,
        "city_name_ru": photo.city.name_ru,
        "group_invite_code": photo.group.invite_code if photo.group is not None else None,
        "created_at": iso(photo.created_at),
        "reviewed_at": iso(photo.reviewed_at),
        "withdrawn_at": iso(photo.withdrawn_at),
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
        "consent_at": iso(photo.consent_at),
        "source_sha256": photo.source_sha256,
        "width": photo.width,
        "height": photo.height,
        "taken_on": iso(photo.taken_on),
        "reject_reason": photo.reject_reason,
        # What organisers corrected or added: the caption in the other language, and how
        # the first name is written in the other script on the cloth.
        "caption_translation": photo.caption_translation,
        "name_other_script": photo.name_other_script,
    })
    return record


def csv_row(record: dict[str, Any]) -> list[str]:
    """Return a photo record as one row of photos.csv (PHOTO_COLUMNS)."""
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


def photo_from(record: dict[str, Any], cities: dict[str, City],
               groups: dict[str, Group]) -> Photo:
    """Return the photo row a record describes, without its files."""
    code = record["code"]
    if codes.normalise(code) != code:
        raise ArchiveError("archive_bad_code", code=code)
    state = PhotoState(record["state"])
    city = cities.get(record["city_slug"])
    if city is None:
        raise ArchiveError("archive_unknown_city", code=code, city=record["city_slug"])
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
        consent_at=to_datetime(record.get("consent_at")),
        # A withdrawn photo's fingerprint is not archived; the placeholder keeps the column
        # unique and can never equal a real SHA-256.
        source_sha256=record.get("source_sha256") or f"withdrawn:{code}",
        withdraw_token_hash=record.get("withdraw_token_hash"),
        width=record.get("width") or 0,
        height=record.get("height") or 0,
        taken_on=to_date(record.get("taken_on")),
        created_at=to_datetime(record.get("created_at")),
        reviewed_at=to_datetime(record.get("reviewed_at")),
        reject_reason=record.get("reject_reason"),
        withdrawn_at=to_datetime(record.get("withdrawn_at")),
        caption_translation=record.get("caption_translation"),
        name_other_script=record.get("name_other_script"),
    )


# ---------------------------------------------------------------- cloths and exports


def cloth_record(cloth: Cloth) -> dict[str, Any]:
    """Return what the archive keeps of an edition (settings.json; its order is items.json)."""
    return {"edition": cloth.edition, "title": cloth.title, "settings": cloth.settings or {},
            "frozen_at": iso(cloth.frozen_at), "created_at": iso(cloth.created_at)}


def cloth_from(record: dict[str, Any]) -> Cloth:
    """Return the edition a settings.json record describes, without its items."""
    return Cloth(edition=record["edition"], title=record["title"], settings=record["settings"],
                 frozen_at=to_datetime(record["frozen_at"]),
                 created_at=to_datetime(record["created_at"]))


def export_record(export: Export, files: list[dict]) -> dict[str, Any]:
    """Return what the archive keeps of an export (export.json; its report is report.json)."""
    return {"status": export.status, "progress": export.progress, "message": export.message,
            "draft": export.draft, "settings": export.settings or {}, "files": files,
            "created_at": iso(export.created_at), "finished_at": iso(export.finished_at)}


def export_from(record: dict[str, Any], cloth_id: int, report: dict) -> Export:
    """Return the export an export.json record describes, without its files."""
    status, message = record["status"], record["message"]
    if status not in ("done", "failed"):
        status, message = "failed", INTERRUPTED
    return Export(cloth_id=cloth_id, status=status, progress=record["progress"],
                  message=message, draft=record["draft"], settings=record["settings"],
                  report=report, created_at=to_datetime(record["created_at"]),
                  finished_at=to_datetime(record["finished_at"]))


def shows_people(entry: dict[str, Any]) -> bool:
    """Say whether an exported file prints photos and captions (a proof sheet)."""
    fmt = FORMATS.get(entry.get("format", ""))
    return fmt is not None and fmt.proof


def content_type(entry: dict[str, Any]) -> str:
    """Return the content type of an exported file, from its format's registry entry."""
    fmt = FORMATS.get(entry.get("format", ""))
    return fmt.content_type if fmt is not None else UNKNOWN_CONTENT_TYPE


# ---------------------------------------------------------------- test swatches


def swatch_record(swatch: Swatch, files: list[dict]) -> dict[str, Any]:
    """Return what the archive keeps of a test swatch: its samples and the reads they had."""
    return {"note": swatch.note, "report": swatch.report or {}, "files": files,
            "created_at": iso(swatch.created_at),
            "samples": [{"code": s.code, "position": s.position, "module_mm": s.module_mm,
                         "dark": s.dark, "light": s.light, "reads": s.reads,
                         "first_read_at": iso(s.first_read_at)} for s in swatch.samples]}


def swatch_from(record: dict[str, Any], cloth_id: int) -> Swatch:
    """Return the swatch a swatch.json record describes, with its samples, without files."""
    swatch = Swatch(cloth_id=cloth_id, note=record["note"], report=record["report"], files=[],
                    created_at=to_datetime(record["created_at"]))
    for s in record["samples"]:
        swatch.samples.append(SwatchSample(
            code=s["code"], position=s["position"], module_mm=s["module_mm"], dark=s["dark"],
            light=s["light"], reads=s["reads"], first_read_at=to_datetime(s["first_read_at"])))
    return swatch
