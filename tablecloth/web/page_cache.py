"""Rendered public pages kept in each worker, keyed by what they show and its version.

A page is stored under a key that holds the version of what it shows (a photo's
``photos.version``, read in the same single query that serves the page): a change anywhere,
by any worker on any machine, makes a new key, so a stale page is never served and nothing
needs to be told to forget. Old keys fall out of a bounded LRU. No server is needed.

Each page's strong ETag is made from the same key and the build (the templates and
translations this process renders with), so a browser's revalidation is answered with 304
by any worker, whether or not it holds the page.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

from flask import Flask, request, session

PACKAGE = Path(__file__).resolve().parent.parent
EXTENSION = "tablecloth.page_cache"


class PageCache:
    """A bounded, thread-safe LRU of rendered pages (bytes) by key."""

    def __init__(self, entries: int, build: str) -> None:
        self.entries = entries
        self.build = build
        self._pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def etag(self, *key: object) -> str:
        """Return the strong ETag of the page under key (without quotes)."""
        raw = "\x1f".join(str(part) for part in (self.build, *key))
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """Return the page under key, rendering and keeping it when absent."""
        if self.entries <= 0:
            return render()
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = render()  # outside the lock: two threads may render the same page once each
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)
        return page

    def __len__(self) -> int:
        return len(self._pages)


def cacheable(app: Flask) -> bool:
    """Say whether this request's page may be kept and shown to others.

    Pages show flashed messages (base.html), and only a visitor with a session has any.
    """
    return not (app.config["SESSION_COOKIE_NAME"] in request.cookies
                and session.get("_flashes"))


def _build_token(app: Flask) -> str:
    """Return a hash of what a page is rendered with besides its data: templates, words."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(app.config["PUBLIC_BASE_URL"].encode())
    for folder in ("templates", "translations"):
        for path in sorted((PACKAGE / folder).rglob("*")):
            if path.is_file() and path.suffix in (".html", ".po"):
                digest.update(path.relative_to(PACKAGE).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_of(app: Flask) -> PageCache:
    """Return the app's page cache, made on first use."""
    cache = app.extensions.get(EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(
            EXTENSION, PageCache(app.config["PAGE_CACHE_ENTRIES"], _build_token(app)))
    return cache
