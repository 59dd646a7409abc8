"""tablecloth: photos from twin cities, printed on fabric as QR codes."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None, *,
               instance_path: str | os.PathLike[str] | None = None,
               environ: Mapping[str, str] | None = None) -> Flask:
    """Create and configure the tablecloth app."""
    # Imported here, not above: this file runs before any tablecloth module is imported, and
    # the core and storage must load without Flask.
    from flask import Flask

    from . import config as settings
    from . import context, db, i18n, web
    from .storage import make_storage

    # Tests pass their own instance folder and environment, so that neither the developer's
    # settings.toml nor TABLECLOTH_* variables reach them; None means the real ones.
    app = Flask(__name__, instance_relative_config=True,
                instance_path=None if instance_path is None else os.path.abspath(instance_path))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings.load(app.instance_path, environ=environ, overrides=test_config))
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if not app.config["UPLOADS_DIR"]:
        app.config["UPLOADS_DIR"] = str(Path(app.instance_path).parent / "uploads")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["SECURE_COOKIES"],
        # Room for a full form of photos; each file is checked against MAX_UPLOAD_BYTES.
        MAX_CONTENT_LENGTH=app.config["MAX_UPLOAD_BYTES"] * app.config["MAX_FILES_PER_UPLOAD"]
        + 1024 * 1024,
    )

    db.init_app(app)
    app.extensions[context.STORE] = make_storage(app.config)
    i18n.init_app(app)
    web.init_app(app)
    context.refresh_in_background(app)
    return app


def _instance_secret(instance: Path) -> str:
    """Return a random key kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
