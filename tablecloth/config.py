"""Every setting of tablecloth, declared once with its default and help."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "TABLECLOTH_"
INSTANCE_FILE = "settings.toml"


class ConfigError(ValueError):
    """A setting has a value that tablecloth cannot use."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _parse_int(raw: str) -> int:
    return int(raw.strip().replace("_", ""))


def _parse_float(raw: str) -> float:
    return float(raw.strip())


@dataclass(frozen=True)
class Setting:
    """One setting: its name without prefix, default, help text and type."""

    name: str
    default: Any
    help: str
    type: type = str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    secret: bool = False

    @property
    def env_name(self) -> str:
        return PREFIX + self.name

    def coerce(self, raw: Any, source: str) -> Any:
        """Turn a raw value from the environment or a file into this setting's type."""
        parsers: dict[type, Callable[[str], Any]] = {
            bool: _parse_bool,
            int: _parse_int,
            float: _parse_float,
            str: str,
        }
        try:
            if isinstance(raw, str):
                value = parsers[self.type](raw)
            elif self.type is float and isinstance(raw, int) and not isinstance(raw, bool):
                value = float(raw)
            elif isinstance(raw, self.type) and not (
                self.type is int and isinstance(raw, bool)
            ):
                value = raw
            elif raw is None and self.default is None:
                value = None
            else:
                raise ValueError(f"expected {self.type.__name__}")
        except ValueError as exc:
            raise ConfigError(
                f"{self.env_name} from {source} must be {_describe(self.type)}, "
                f"got {raw!r} ({exc})"
            ) from None
        if self.choices and value not in self.choices:
            raise ConfigError(
                f"{self.env_name} from {source} must be one of "
                f"{', '.join(self.choices)}, got {value!r}"
            )
        if self.minimum is not None and value is not None and value < self.minimum:
            raise ConfigError(
                f"{self.env_name} from {source} must be at least {self.minimum:g}, got {value!r}"
            )
        return value


def _describe(kind: type) -> str:
    return {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text",
    }[kind]


MB = 1024 * 1024

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and CSRF tokens. Set a long random value in production; "
        "without it a random key is made and kept in the instance folder.",
        secret=True,
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy database URL. Default: SQLite file tablecloth.sqlite3 in the instance "
        "folder. At scale: postgresql+psycopg://user:pass@host/db.",
        secret=True,
    ),
    Setting(
        "UPLOADS_DIR",
        None,
        "Folder for stored photos with the local storage backend. Default: uploads/ beside "
        "the instance folder.",
    ),
    Setting(
        "PUBLIC_BASE_URL",
        "http://localhost:8000",
        "Public address of the site, printed into every QR code as BASE/P/CODE. Must be "
        "https and public for a print export (drafts excepted).",
    ),
    Setting(
        "STORAGE",
        "local",
        "Where files are kept: local (the uploads folder) or s3 (an S3-compatible bucket).",
        choices=("local", "s3"),
    ),
    Setting("S3_BUCKET", "", "Bucket name for STORAGE=s3."),
    Setting("S3_ENDPOINT_URL", "", "Endpoint of the S3-compatible server; empty for AWS."),
    Setting("S3_REGION", "us-east-1", "Region name for STORAGE=s3."),
    Setting("S3_ACCESS_KEY_ID", "", "Access key for STORAGE=s3.", secret=True),
    Setting("S3_SECRET_ACCESS_KEY", "", "Secret key for STORAGE=s3.", secret=True),
    Setting(
        "S3_SERVE",
        "proxy",
        "How images in a bucket reach viewers: proxy (through the app, same headers as "
        "local) or redirect (to short-lived presigned URLs).",
        choices=("proxy", "redirect"),
    ),
    Setting(
        "SEND_FILE_HEADER",
        "",
        "Let a front server send images from the local uploads folder: x-accel-redirect "
        "(nginx: an internal location at SEND_FILE_PREFIX aliased to the uploads folder) or "
        "x-sendfile (Apache mod_xsendfile, lighttpd: the file's path); empty: the app sends "
        "them itself.",
        choices=("", "x-accel-redirect", "x-sendfile"),
    ),
    Setting(
        "SEND_FILE_PREFIX",
        "/_stored/",
        "The nginx internal location that maps to the uploads folder, for "
        "SEND_FILE_HEADER=x-accel-redirect.",
    ),
    Setting(
        "PAGE_CACHE_ENTRIES",
        4000,
        "Rendered photo pages each worker keeps (per code and language, about 5 KB each); "
        "each is checked against the photo's version on every request, so none is ever "
        "stale. 0 turns the cache off.",
        type=int,
        minimum=0,
    ),
    Setting(
        "REFRESH_CLOTH_IN_BACKGROUND",
        True,
        "After each change to what the cloth shows (an approval, a withdrawal, its order or "
        "settings), compute its stored view and the designer's preview in a background "
        "thread of the process that made the change, so that the next visitor does not wait "
        "for them. Off: the first view after a change computes them.",
        type=bool,
    ),
    Setting(
        "MAX_CONCURRENT_DECODES",
        2,
        "Photos each worker process decodes at the same time; more uploads wait their turn. "
        "A 48-megapixel photo needs up to about 150 MB while it is processed.",
        type=int,
        minimum=1,
    ),
    Setting(
        "MAX_UPLOAD_BYTES",
        30 * MB,
        "Largest photo file accepted, in bytes.",
        type=int,
        minimum=1024,
    ),
    Setting(
        "MAX_UPLOAD_PIXELS",
        60_000_000,
        "Largest photo accepted, in pixels (width x height); larger is refused as a "
        "possible decompression bomb.",
        type=int,
        minimum=10_000,
    ),
    Setting(
        "MAX_FILES_PER_UPLOAD",
        20,
        "Most photos one participant may send in one visit (one sitting at the upload "
        "page), by the form or by the page's script alike.",
        type=int,
        minimum=1,
    ),
    Setting(
        "UPLOAD_CHUNK_BYTES",
        1 * MB,
        "Size of each piece the upload page sends over the resumable (tus) endpoint; after a "
        "dropped connection at most about this much is sent again.",
        type=int,
        minimum=64 * 1024,
    ),
    Setting(
        "TUS_EXPIRY_HOURS",
        24,
        "Hours an unfinished resumable upload is kept; after that its pieces are deleted "
        "(also by `tablecloth check --repair`).",
        type=int,
        minimum=1,
    ),
    Setting(
        "UPLOAD_RATE_LIMIT",
        600,
        "Photos accepted from one address in an hour (a whole class behind one school "
        "connection must fit).",
        type=int,
        minimum=1,
    ),
    Setting(
        "INVITE_RATE_LIMIT",
        20,
        "Wrong invite codes allowed from one address in 15 minutes, against guessing.",
        type=int,
        minimum=1,
    ),
    Setting(
        "RATELIMIT_STORAGE",
        "auto",
        "Where rate limits count events: auto (the database when tablecloth serve runs more "
        "than one worker, else memory), memory (each process on its own; right for one "
        "process only) or database (shared by every worker and machine; set it when several "
        "machines serve the site).",
        choices=("auto", "memory", "database"),
    ),
    Setting("WEB_SIZE_PX", 1600, "Long edge of the web copy of each photo.", type=int, minimum=200),
    Setting("THUMB_SIZE_PX", 400, "Long edge of each thumbnail.", type=int, minimum=50),
    Setting(
        "SECURE_COOKIES",
        False,
        "Send session cookies only over https. Turn on behind https in production.",
        type=bool,
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        10,
        "Failed organiser log-ins allowed per address and e-mail in 15 minutes.",
        type=int,
        minimum=1,
    ),
    Setting(
        "RETENTION_DAYS",
        90,
        "Days after a withdrawal or rejection before `tablecloth purge` deletes the photo's "
        "files (its code stays reserved forever).",
        type=int,
        minimum=0,
    ),
    Setting(
        "SCAN_FLUSH_SECONDS",
        5.0,
        "How long each worker gathers photo-page view counts before writing them in one "
        "transaction (0: write every view at once). Views counted in a worker that is killed "
        "before its next write are lost; counts only, never a page.",
        type=float,
        minimum=0,
    ),
    Setting(
        "MIN_FREE_DISK_MB",
        500,
        "Free disk space, in MB, below which GET /healthz answers 503 (not ready): on the "
        "uploads folder's disk, and the SQLite database's. A load balancer then sends uploads "
        "elsewhere before a disk fills up.",
        type=int,
        minimum=0,
    ),
    Setting(
        "DEFAULT_LANGUAGE",
        "en",
        "Language used when the browser states no preference.",
        choices=("en", "ru"),
    ),
    Setting(
        "PROXY_HOPS",
        0,
        "Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For, "
        "-Proto and -Host headers are trusted; 0 when browsers connect directly. Never more "
        "than the real count: extra hops let clients forge their address.",
        type=int,
        minimum=0,
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """Return every setting's default."""
    return {s.name: s.default for s in SETTINGS}


def load(
    instance_path: str | os.PathLike[str],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Read settings: defaults, then instance settings.toml, then environment, then overrides."""
    environ = os.environ if environ is None else environ
    values = defaults()
    file = Path(instance_path) / INSTANCE_FILE
    if file.is_file():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file} is not valid TOML: {exc}") from None
        for key, raw in data.items():
            name = key.upper().removeprefix(PREFIX)
            if name not in BY_NAME:
                raise ConfigError(f"{file}: unknown setting {key!r}")
            values[name] = BY_NAME[name].coerce(raw, str(file))
    for setting in SETTINGS:
        if setting.env_name in environ:
            values[setting.name] = setting.coerce(environ[setting.env_name], "the environment")
    for key, raw in (overrides or {}).items():
        if key in BY_NAME:
            values[key] = BY_NAME[key].coerce(raw, "the test configuration")
        else:
            values[key] = raw  # Flask's own keys (TESTING, WTF_CSRF_ENABLED, ...)
    values["PUBLIC_BASE_URL"] = values["PUBLIC_BASE_URL"].rstrip("/")
    return values
