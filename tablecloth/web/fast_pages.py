"""The photo page and its images, answered before Flask on repeat: one indexed read, a copy.

Every scan of a printed code asks for /P/CODE. The first answer for a (code, language,
version) goes through Flask as any page does (the view renders it, every after_request hook
adds its headers); this layer keeps that whole answer, status, headers and body, under its
strong ETag. A later request for the same page reads the photo's state and version (one
indexed query on a raw pooled connection), and when the ETag it makes is one it holds,
answers with the very same headers and body (or 304), counts the view, and never enters
Flask: no request context, routing, session, locale or hooks, which cost several times the
query.

The content-hashed images the page links (/P/CODE/thumb.<sha256 prefix>.jpg) are answered
the same way, with the headers Flask gave that file and its bytes streamed from the local
folder (sendfile), or the front server's header (X-Accel-Redirect, X-Sendfile) replayed.
Files in a bucket always go through Flask.

Anything else goes to Flask untouched: another method, a query string (``?lang=``), a
session cookie (the page may show flashed messages), a code that is not public, a page not
yet held. The key holds the photo's version (tablecloth.versions), so a change anywhere is
seen on the next request, by every worker on every machine.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any

from flask import Flask

from ..codes import normalise
from ..context import STORE
from ..db import ThreadConnections
from ..i18n import COOKIE, LANGUAGES, from_header
from ..models import PhotoState, utcnow
from ..services import page_views
from ..services.public import FAST_FILE_QUERY, FAST_STATE_QUERY, FAST_VERSION_QUERY
from ..services.site import Site
from .page_cache import cache_of

HASHED_IMAGE = re.compile(r"/[Pp]/([^/]+)/(web|thumb|tile)\.([0-9a-fA-F]{16})\.jpg")
# Headers the server adds itself, or that belong to one answer only.
_NOT_KEPT = {"content-length", "date", "server", "connection", "set-cookie"}


class FastPages:
    """WSGI middleware: answer held /P/CODE pages without Flask, keep new ones as they pass."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.entries = app.config["PAGE_CACHE_ENTRIES"]
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self.default_language = app.config["DEFAULT_LANGUAGE"]
        self.held: OrderedDict[str, tuple[str, list[tuple[str, str]], bytes]] = OrderedDict()
        self.lock = threading.Lock()
        self._sql: dict[str, tuple[str, bool]] = {}
        self.local_files = app.config["STORAGE"] == "local"
        # (code, kind) -> (photo id, its version, sha256, file path, size)
        self.files: OrderedDict[tuple[str, str], tuple] = OrderedDict()
        engine = app.extensions["tablecloth.engine"]
        # PostgreSQL: each thread reads on a connection of its own (no pool round trips).
        self.own = ThreadConnections(engine) if engine.dialect.name == "postgresql" else None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (self.entries <= 0 or environ.get("REQUEST_METHOD") != "GET"
                or environ.get("QUERY_STRING") or path[:3] not in ("/P/", "/p/")):
            return self.wsgi_app(environ, start_response)
        if path.count("/") == 3:
            image = HASHED_IMAGE.fullmatch(path)
            if image is None or not self.local_files:
                return self.wsgi_app(environ, start_response)
            return self._image(environ, start_response, *image.groups())
        if path.count("/") != 2:
            return self.wsgi_app(environ, start_response)
        language = self._language(environ)
        code = normalise(path[3:])
        if language is None or code is None:
            return self.wsgi_app(environ, start_response)
        row = self._read("page", FAST_VERSION_QUERY, code=code, now=utcnow())
        if (row is None or row[1] != PhotoState.APPROVED or row[2] is not None):
            return self.wsgi_app(environ, start_response)
        # The key of the view's own ETag (viewer/photo.py): code, language, version,
        # whether uploads are open (the page's "take part" link), and the public cloth's id
        # and version (where the page says the code is printed).
        tag = cache_of(self.app).etag(code, language, row[3], bool(row[4]), row[5], row[6])
        etag = '"' + tag + '"'
        with self.lock:
            held = self.held.get(etag)
            if held is not None:
                self.held.move_to_end(etag)
        if held is None:
            return self._through_flask(environ, start_response, etag)
        self._count(row[0])
        status, headers, body = held
        if etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 NOT MODIFIED", headers)
            return []
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _language(self, environ: dict) -> str | None:
        """Return the language Flask-Babel would pick (i18n.select_locale), None: ask Flask."""
        raw = environ.get("HTTP_COOKIE", "")
        wanted = None
        if raw:
            try:
                cookies = SimpleCookie(raw)
            except CookieError:
                return None
            if self.session_cookie in cookies:
                return None  # a visitor with a session may have flashed messages waiting
            if COOKIE in cookies:
                wanted = cookies[COOKIE].value
        if wanted in LANGUAGES:
            return wanted
        return from_header(environ.get("HTTP_ACCEPT_LANGUAGE", ""), self.default_language)

    def _read(self, name: str, query, **values: Any) -> tuple | None:
        """Return the one row of query for these values: one indexed lookup (None: ask Flask).

        The driver's own cursor on a pooled connection: SQLAlchemy's execution layer cost
        more than the lookup. The statement is compiled once, and each value goes through
        its column type's conversion as SQLAlchemy would do it (a time, on SQLite).
        """
        engine = self.app.extensions["tablecloth.engine"]
        if name not in self._sql:
            dialect = engine.dialect
            compiled = query.compile(dialect=dialect)
            convert = {key: bind.type.bind_processor(dialect)
                       for key, bind in compiled.binds.items()}
            self._sql[name] = (str(compiled), compiled.positiontup, convert)
        sql, order, convert = self._sql[name]
        values = {k: convert[k](v) if convert.get(k) else v for k, v in values.items()}
        params: Any = [values[k] for k in order] if order else values
        try:
            if self.own is not None:
                return self.own.fetchone(sql, params)
            connection = engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(sql, params)
                row = cursor.fetchone()
                cursor.close()
            finally:
                connection.close()
        except Exception:  # any driver's error, and the pool's
            # The database is down or locked: Flask meets the same failure and answers it
            # with the branded, translated 503 (web/errors.py), never a bare 500 from here.
            return None
        return row

    def _image(self, environ: dict, start_response: Callable, raw_code: str, kind: str,
               digest: str) -> Iterable[bytes]:
        """Answer a content-hashed image held before, or let Flask answer and hold it."""
        code = normalise(raw_code)
        if code is None:
            return self.wsgi_app(environ, start_response)
        digest = digest.lower()
        with self.lock:
            known = self.files.get((code, kind))
        if known is not None and known[2].startswith(digest):
            # The file is known: only the photo's state and version are read, by its id.
            # A changed file bumps the photo's version (tablecloth.versions): read it again.
            row = self._read("state", FAST_STATE_QUERY, id=known[0])
            if row is None or row[2] != known[1]:
                known = None
            elif row[0] != PhotoState.APPROVED or row[1] is not None:
                return self.wsgi_app(environ, start_response)
        else:
            known = None
        if known is None:
            row = self._read("file", FAST_FILE_QUERY, code=code, kind=kind)
            # (state, hidden_at, photo id, version, key, sha256, size)
            if (row is None or row[0] != PhotoState.APPROVED or row[1] is not None
                    or not row[5].startswith(digest)):
                return self.wsgi_app(environ, start_response)
            path = self.app.extensions[STORE].local_path(row[4])
            known = (row[2], row[3], row[5], path, row[6])
            with self.lock:
                self.files[(code, kind)] = known
                while len(self.files) > 2 * self.entries:
                    self.files.popitem(last=False)
        photo_id, _version, sha256, path, size = known
        etag = '"' + sha256 + '"'
        with self.lock:
            held = self.held.get(etag)
        if held is None:
            return self._through_flask(environ, start_response, etag, keep_body=False)
        status, headers, _body = held
        if etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 NOT MODIFIED", headers)
            return []
        names = {name.lower() for name, _ in headers}
        if "x-accel-redirect" in names or "x-sendfile" in names:
            start_response(status, [*headers, ("Content-Length", "0")])
            return []
        try:
            stream = open(path, "rb")  # noqa: SIM115  (closed by the file wrapper)
        except (FileNotFoundError, TypeError):
            return self.wsgi_app(environ, start_response)
        start_response(status, [*headers, ("Content-Length", str(size))])
        wrapper = environ.get("wsgi.file_wrapper")
        return wrapper(stream, 64 * 1024) if wrapper else _chunks(stream)

    def _count(self, photo_id: int) -> None:
        """Count the page view, as the view does (written in batches by page_views)."""
        session = self.app.extensions["tablecloth.sessions"]()
        try:
            page_views.count(Site(db=session, store=None, settings=self.app.config), photo_id)
        finally:
            session.close()

    def _through_flask(self, environ: dict, start_response: Callable, etag: str,
                       keep_body: bool = True) -> Iterable[bytes]:
        """Let Flask answer, and keep its answer when it is this very page."""
        seen: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        body = self.wsgi_app(environ, keep)
        try:
            chunks = list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        headers = seen.get("headers") or []
        names = {name.lower() for name, _ in headers}
        if (seen.get("status", "").startswith("200") and "set-cookie" not in names
                and (("ETag", etag) in headers or ("etag", etag) in headers)):
            kept = [(n, v) for n, v in headers if n.lower() not in _NOT_KEPT]
            with self.lock:
                self.held[etag] = (seen["status"], kept, b"".join(chunks) if keep_body else b"")
                while len(self.held) > self.entries:
                    self.held.popitem(last=False)
        return chunks


def _chunks(stream) -> Iterable[bytes]:
    with stream:
        while block := stream.read(64 * 1024):
            yield block
