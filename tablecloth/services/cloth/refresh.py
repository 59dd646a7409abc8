"""The cloth's stored view and preview, computed again after a change, off the viewer's path.

Without this, the first request after an approval (or a withdrawal, an order or settings
change) computes the cloth's selection and outline (``stored.view``, about half a second of
CPU at 10,000 photos) and the designer's preview again. ``versions.on_cloth_change`` calls
``Refresher.schedule`` after every commit that bumped a cloth's version, whichever code
made it; the refresher then does that work in one thread of its process, one refresh at a
time, starting as soon as the committing request is likely done: changes that arrive until
then, or while it works, are folded into one more refresh, so a burst of 50 approvals costs
one or two refreshes, not 50.

A viewer who arrives first is still right: ``stored.view`` never answers with a view older
than the cloth. It waits for the computation under way, in this process or another
(computing.py), and computes on read when none is; a second computation of the same version
would be harmless, only wasted. A refresh that fails is logged, and the next read computes
the view as before.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select

from ...errors import Refusal
from ...models import Cloth
from ..site import Site
from . import editions, preview, stored

log = logging.getLogger(__name__)

# The callback runs inside the request that committed: starting CPU-bound work in the same
# process that instant would share the interpreter lock with the rest of that request.
START_AFTER_S = 0.05

# Viewers who waited for the view, or arrive just after it, get the CPU for their pages
# before the preview (organisers only) is drawn.
PREVIEW_AFTER_S = 0.5


def refresh(site: Site, preview_after_s: float = 0.0) -> list[tuple[int, int]]:
    """Compute the stored views of the public and designed cloths and the designer's preview.

    Return (cloth id, version) of each view now stored. What is already stored for the
    current version is read, not computed again. The preview is drawn preview_after_s after
    the views are stored.
    """
    newest = site.db.scalars(select(Cloth).order_by(Cloth.edition.desc()).limit(1)).first()
    if newest is None:
        return []
    public = editions.public_cloth(site)
    done = []
    started = time.perf_counter()
    for cloth in dict.fromkeys(c for c in (public, newest) if c is not None):
        view = stored.view(site, cloth)
        done.append((cloth.id, view.version))
    log.debug("cloth views %s stored in %.0f ms", done, 1000 * (time.perf_counter() - started))
    if newest.frozen_at is None:  # the designer shows the edition in progress
        time.sleep(preview_after_s)
        started = time.perf_counter()
        try:
            preview.preview_png(site, newest)
        except Refusal:
            pass  # photos that do not fit have no picture; the designer says why
        log.debug("preview drawn in %.0f ms", 1000 * (time.perf_counter() - started))
    return done


class Refresher:
    """Run ``refresh`` in a background thread of this process whenever asked, one at a time."""

    def __init__(self, open_site: Callable[[], AbstractContextManager[Site]]) -> None:
        self._open_site = open_site
        self.refreshes = 0  # finished, for tests and benchmarks
        self.failures = 0
        self._reset()
        _ALL.add(self)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pending = False

    def schedule(self) -> None:
        """Ask for a refresh soon and return at once (called after a commit)."""
        try:
            with self._cond:
                self._pending = True
                if self._thread is None:
                    # Not a daemon: a command-line process finishes the refresh before it exits.
                    thread = threading.Thread(target=self._run, name="cloth-refresh")
                    thread.start()  # it waits for this lock before it looks at anything
                    self._thread = thread
        except Exception:  # never fail the request that committed (a thread limit, say)
            log.exception("could not schedule the cloth's refresh; the next view computes it")

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no refresh is asked for or running; say whether that happened in time."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._thread is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _run(self) -> None:
        time.sleep(START_AFTER_S)
        while True:
            with self._cond:
                if not self._pending:
                    self._thread = None  # under the lock: schedule() starts a new one
                    self._cond.notify_all()
                    return
                self._pending = False
            self._refresh_once()

    def _refresh_once(self) -> None:
        started = time.perf_counter()
        try:
            with self._open_site() as site:
                done = refresh(site, PREVIEW_AFTER_S)
        except Exception:
            self.failures += 1
            log.exception("refreshing the cloth's stored view failed; the next view of the "
                          "cloth computes it")
        else:
            self.refreshes += 1
            log.debug("cloth views %s refreshed in %.0f ms", done,
                      1000 * (time.perf_counter() - started))


_ALL: weakref.WeakSet[Refresher] = weakref.WeakSet()


def _after_fork() -> None:
    # A forked worker (gunicorn preloads the app) has none of its parent's threads, and a
    # lock the parent held would never be released here.
    for refresher in list(_ALL):
        refresher._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
