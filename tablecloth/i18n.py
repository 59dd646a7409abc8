"""English and Russian: language choice and the message catalogues."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("en", "ru")
COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """Pick the language: ?lang=, then the remembered cookie, then the browser's wish."""
    if not has_request_context():  # CLI commands and background exports
        return current_app.config["DEFAULT_LANGUAGE"]
    wanted = request.args.get("lang") or request.cookies.get(COOKIE)
    if wanted in LANGUAGES:
        return wanted
    return from_header(request.headers.get("Accept-Language", ""),
                        current_app.config["DEFAULT_LANGUAGE"])


@functools.lru_cache(maxsize=512)
def from_header(header: str, default: str) -> str:
    """Return the best of LANGUAGES for an Accept-Language header (browsers send few kinds)."""
    return parse_accept_header(header, LanguageAccept).best_match(LANGUAGES, default=default)


def compile_catalogues(root: Path = TRANSLATIONS) -> None:
    """Compile each .po file to .mo when the .mo is missing or older."""
    for po in root.rglob("*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        # Several processes (gunicorn workers, test servers) may start at once: write to a
        # private file and rename, so no one reads a half-written catalogue.
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".mo-")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalogue)
        os.replace(tmp, mo)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and remember an explicit language choice in a cookie."""
    compile_catalogues()
    # One catalogue folder per area (common, upload, viewer, organiser, cloth); Flask-Babel
    # merges them, so each part of the site keeps its own strings.
    folders = sorted(str(p) for p in TRANSLATIONS.iterdir() if p.is_dir())
    Babel(app, locale_selector=select_locale,
          default_translation_directories=";".join(folders))

    @app.after_request
    def remember_language(response):
        wanted = request.args.get("lang")
        if wanted in LANGUAGES and request.cookies.get(COOKIE) != wanted:
            response.set_cookie(COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax",
                                secure=app.config["SECURE_COOKIES"])
        return response

    @app.context_processor
    def language_context():
        from flask_babel import get_locale

        return {"current_language": str(get_locale()), "languages": LANGUAGES}
