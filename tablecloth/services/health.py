"""Whether this process can reach its database and its store: what a load balancer asks."""

from __future__ import annotations

import logging

from sqlalchemy import text

from .site import Site

OK = "ok"
log = logging.getLogger(__name__)


def check(site: Site) -> dict[str, str]:
    """Check the database with SELECT 1 and the store cheaply; return "ok" or the error of each."""
    checks: dict[str, str] = {}
    try:
        site.db.execute(text("SELECT 1"))
        checks["database"] = OK
    except Exception as exc:  # any failure means "do not send traffic here"
        log.warning("health check: database: %s", exc)
        checks["database"] = "error: " + type(exc).__name__
    try:
        site.store.ping()
        checks["storage"] = OK
    except Exception as exc:
        log.warning("health check: storage: %s", exc)
        checks["storage"] = "error: " + type(exc).__name__
    return checks


def healthy(checks: dict[str, str]) -> bool:
    """Say whether every part of a check answered ok."""
    return all(value == OK for value in checks.values())
