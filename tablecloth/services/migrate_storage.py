"""Move a whole site to another database and store (e.g. SQLite + uploads/ to PostgreSQL + S3)."""

from __future__ import annotations

import hashlib
import mimetypes
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, func, select, text

from .. import config as settings
from ..db import alembic_config, make_engine
from ..errors import Refusal
from ..models import Base, Export, StoredFile
from ..storage import Storage, digest, make_storage

# Settings a target may name; everything else about the site stays as it is.
TARGET_SETTINGS = (
    "DATABASE_URL", "STORAGE", "UPLOADS_DIR", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION",
    "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
)
BATCH_ROWS = 500


class MigrationError(Refusal):
    """The migration cannot start: the target or the source is not fit for it."""


@dataclass
class MigrationSummary:
    rows_copied: dict[str, int] = field(default_factory=dict)
    rows_present: dict[str, int] = field(default_factory=dict)
    files_copied: int = 0
    files_present: int = 0
    problems: list[str] = field(default_factory=list)


def target_config(file: Path | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """Read the target's settings from a settings.toml-style file and command-line overrides."""
    values = {name: settings.BY_NAME[name].default for name in TARGET_SETTINGS}
    if file is not None:
        try:
            data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise settings.ConfigError(f"cannot read target settings {file}: {exc}") from None
        for key, raw in data.items():
            name = key.upper().removeprefix(settings.PREFIX)
            if name not in TARGET_SETTINGS:
                raise settings.ConfigError(
                    f"{file}: {key!r} is not a database or storage setting "
                    f"(allowed: {', '.join(n.lower() for n in TARGET_SETTINGS)})"
                )
            values[name] = settings.BY_NAME[name].coerce(raw, str(file))
    for name, raw in overrides.items():
        if raw is not None:
            values[name] = settings.BY_NAME[name].coerce(raw, "the command line")
    if not values["DATABASE_URL"]:
        raise settings.ConfigError("the target needs a database URL (--to-database-url)")
    if values["STORAGE"] == "local" and not values["UPLOADS_DIR"]:
        raise settings.ConfigError("a local target store needs a folder (--to-uploads-dir)")
    return values


def migrate(
    source_engine: Engine,
    source_store: Storage,
    target: dict[str, Any],
    *,
    resume: bool = False,
    jobs: int = 4,
    echo: Callable[[str], None] = lambda _line: None,
) -> MigrationSummary:
    """Copy every file (checking SHA-256), then every row with its id, to the target."""
    from alembic import command  # schema work only; see db.alembic_config

    if source_engine.url.render_as_string(hide_password=False) == target["DATABASE_URL"]:
        raise MigrationError("migrate_target_is_source")
    target_store = make_storage(target)
    target_store.ping()
    target_engine = make_engine(target["DATABASE_URL"])
    try:
        _check_source_schema(source_engine)
        command.upgrade(alembic_config(target["DATABASE_URL"]), "head")
        if not resume and _holds_rows(target_engine):
            raise MigrationError("migrate_target_not_empty")
        summary = MigrationSummary()
        # Files first: the target database never names a file the target store lacks.
        _copy_files(source_engine, source_store, target_store, summary, jobs, echo)
        _copy_rows(source_engine, target_engine, summary, echo)
    finally:
        target_engine.dispose()
    return summary


def _check_source_schema(engine: Engine) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    if current != head:
        raise MigrationError("migrate_source_schema_old", current=current or "none", head=head)


def _holds_rows(engine: Engine) -> bool:
    with engine.connect() as connection:
        return any(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        )


def _recorded_files(engine: Engine) -> dict[str, tuple[str, str]]:
    """Return key -> (sha256, content type) for every file the database records."""
    recorded: dict[str, tuple[str, str]] = {}
    with engine.connect() as connection:
        for key, sha256, content_type in connection.execute(
            select(StoredFile.key, StoredFile.sha256, StoredFile.content_type)
        ):
            recorded[key] = (sha256, content_type)
        for (files,) in connection.execute(select(Export.files)):
            for item in files or ():
                if isinstance(item, dict) and item.get("key") and item.get("sha256"):
                    recorded[item["key"]] = (item["sha256"], _guess_type(item["key"]))
    return recorded


def _guess_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def _copy_files(source_engine, source_store, target_store, summary, jobs, echo) -> None:
    recorded = _recorded_files(source_engine)
    keys = list(source_store.keys())
    for missing in sorted(set(recorded) - set(keys)):
        summary.problems.append(f"{missing}: recorded in the database but not in the source store")
    echo(f"Copying {len(keys)} files ({jobs} at a time)...")

    def copy_one(key: str) -> tuple[str, str | None]:
        data = source_store.get(key)
        sha256 = hashlib.sha256(data).hexdigest()
        expected, content_type = recorded.get(key, (None, _guess_type(key)))
        if expected is not None and sha256 != expected:
            return "problem", f"{key}: source bytes do not match the recorded SHA-256; not copied"
        if target_store.exists(key) and digest(target_store, key)[0] == sha256:
            return "present", None
        target_store.put(key, data, content_type)
        if digest(target_store, key)[0] != sha256:
            return "problem", f"{key}: the copy's SHA-256 differs from the source"
        return "copied", None

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for done, (outcome, problem) in enumerate(pool.map(copy_one, keys), start=1):
            if outcome == "copied":
                summary.files_copied += 1
            elif outcome == "present":
                summary.files_present += 1
            else:
                summary.problems.append(problem)
            if done % 200 == 0:
                echo(f"  {done}/{len(keys)} files")


def _copy_rows(source_engine: Engine, target_engine: Engine, summary, echo) -> None:
    # sorted_tables puts every table after the tables its foreign keys point at.
    for table in Base.metadata.sorted_tables:
        key_column = list(table.primary_key.columns)[0]
        aware = [c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone]
        copied = present = 0
        with source_engine.connect() as source, target_engine.begin() as target:
            rows = source.execute(select(table).order_by(key_column)).mappings()
            for batch in _batches(rows, BATCH_ROWS):
                ids = [row[key_column.name] for row in batch]
                existing = set(
                    target.scalars(select(key_column).where(key_column.in_(ids))).all()
                )
                fresh = [_utc(dict(row), aware) for row in batch
                         if row[key_column.name] not in existing]
                if fresh:
                    target.execute(table.insert(), fresh)
                copied += len(fresh)
                present += len(existing)
            if target.dialect.name == "postgresql" and table.autoincrement_column is not None:
                # Rows came with their ids, so move the id sequence past them.
                target.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                        f"'{key_column.name}'), COALESCE(MAX({key_column.name}), 1), "
                        f"MAX({key_column.name}) IS NOT NULL) FROM {table.name}"
                    )
                )
        summary.rows_copied[table.name] = copied
        summary.rows_present[table.name] = present
        echo(f"  {table.name}: {copied} rows copied, {present} already there")


def _batches(rows: Iterable, size: int) -> Iterable[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _utc(row: dict, aware_columns: list[str]) -> dict:
    # SQLite keeps no offset; tablecloth always writes UTC, so say so before PostgreSQL guesses.
    for name in aware_columns:
        value = row.get(name)
        if isinstance(value, datetime) and value.tzinfo is None:
            row[name] = value.replace(tzinfo=UTC)
    return row
