"""One process at a time computes a cloth's stored view (or draws its preview); others wait.

Right after a change the background refresh (refresh.py) computes the new view in one
worker; a viewer who reaches another worker at that moment would compute it too, and on a
small machine the two computations slow each other down. ``one_at_a_time`` makes the second
wait for the first (then read the row it stored) instead, across the processes sharing the
database: on PostgreSQL with an advisory lock, on SQLite (one machine) with a lock file
beside the database. The wait is bounded: past it, the caller computes anyway, which is
always correct (``stored._store`` keeps either result).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from ..site import Site

try:
    import fcntl
except ImportError:  # not on POSIX: no lock across processes, each computes on its own
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
POLL_S = 0.02
# Advisory lock keys are one bigint space per database: ours are one of these plus the
# cloth's id.
_PG_KEYS = {"view": 0x7AB1EC10 << 20, "preview": 0x7AB1EC11 << 20}


@contextlib.contextmanager
def one_at_a_time(site: Site, cloth_id: int, wait_s: float,
                  work: str = "view") -> Iterator[bool]:
    """Hold the lock of this work ("view" or "preview") on the cloth; yield whether we waited.

    Waits at most wait_s for it; then yields True without the lock.
    """
    engine = site.db.get_bind()
    if engine.dialect.name == "postgresql":
        with _advisory(engine, _PG_KEYS[work] + cloth_id, wait_s) as waited:
            yield waited
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        path = Path(f"{engine.url.database}-cloth-{work}.lock")
        with _lock_file(path, wait_s) as waited:
            yield waited
    else:
        yield False


@contextlib.contextmanager
def _advisory(engine, key: int, wait_s: float) -> Iterator[bool]:
    # A connection of its own: a lock held by the session's would outlive its commit.
    with engine.connect() as connection:
        waited, held = _poll(lambda: connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar(), wait_s)
        try:
            yield waited
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.rollback()


@contextlib.contextmanager
def _lock_file(path: Path, wait_s: float) -> Iterator[bool]:
    if fcntl is None:
        yield False
        return
    with open(path, "a+b") as handle:

        def take() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        waited, held = _poll(take, wait_s)
        try:
            yield waited
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _poll(take, wait_s: float) -> tuple[bool, bool]:
    """Try take() until it succeeds or wait_s passes; return (waited, held)."""
    if take():
        return False, True
    start = time.monotonic()
    deadline = start + wait_s
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        if take():
            log.debug("waited %.0f ms for another process", 1000 * (time.monotonic() - start))
            return True, True
    log.debug("waited %.0f ms for another process, in vain", 1000 * (time.monotonic() - start))
    return True, False
