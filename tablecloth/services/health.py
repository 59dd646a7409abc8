"""Whether this process can serve: what a load balancer asks at GET /healthz.

Ready means more than "reachable": the database takes a write (a probe row written, read
back and deleted), the store takes a file (a probe file put, read back and deleted), and
the disks under the uploads folder and a SQLite database keep at least MIN_FREE_DISK_MB free.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket

from sqlalchemy import delete, insert, select

from .. import db
from ..models import HealthProbe
from .site import Site

OK = "ok"
PROBE_PREFIX = "health/"
MB = 1024 * 1024
PROBE_WAIT_MS = 2_000  # a locked SQLite file answers "not ready" in 2 s, not after 30
log = logging.getLogger(__name__)


def _probe_name() -> str:
    # One name per check: workers and machines checking at once never share a probe.
    return f"{socket.gethostname()[:20]}-{os.getpid()}-{secrets.token_hex(6)}"


def _low_space(free: int | None, minimum_mb: int) -> str | None:
    if free is None or free >= minimum_mb * MB:
        return None
    return f"error: {free // MB} MB free, below {minimum_mb} MB"


def check_database(site: Site, name: str) -> str:
    """Write, read back and delete a probe row; say ok or why not."""
    table = HealthProbe.__table__
    engine = site.db.get_bind()
    with engine.connect() as connection, db.short_wait(connection, PROBE_WAIT_MS):
        connection.execute(insert(table).values(name=name))
        connection.commit()
        found = connection.scalar(select(table.c.name).where(table.c.name == name))
        connection.execute(delete(table).where(table.c.name == name))
        connection.commit()
    if found != name:
        return "error: the probe row did not come back"
    return _low_space(db.free_bytes(engine), site.settings["MIN_FREE_DISK_MB"]) or OK


def check_storage(site: Site, name: str) -> str:
    """Put, read back and delete a probe file; say ok or why not."""
    store = site.store
    store.ping()
    key = PROBE_PREFIX + name
    body = name.encode()
    try:
        store.put(key, body, "text/plain")
        back = store.get(key)
    finally:
        store.delete(key)
    if back != body:
        return "error: the probe file did not come back"
    return _low_space(store.free_bytes(), site.settings["MIN_FREE_DISK_MB"]) or OK


def check(site: Site) -> dict[str, str]:
    """Check the database and the store by writing to each; return "ok" or the error of each."""
    name = _probe_name()
    checks: dict[str, str] = {}
    for part, probe in (("database", check_database), ("storage", check_storage)):
        try:
            checks[part] = probe(site, name)
        except Exception as exc:  # any failure means "do not send traffic here"
            log.warning("health check: %s: %s", part, exc)
            checks[part] = "error: " + type(exc).__name__
        if checks[part] != OK:
            log.warning("health check: %s: %s", part, checks[part])
    return checks


def healthy(checks: dict[str, str]) -> bool:
    """Say whether every part of a check answered ok."""
    return all(value == OK for value in checks.values())
