"""GET /healthz: tells a load balancer whether this process can reach its database and storage."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .. import db
from ..storage import storage

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Check the database with SELECT 1 and the storage cheaply; answer 200 or 503 in JSON."""
    checks: dict[str, str] = {}
    try:
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "do not send traffic here"
        current_app.logger.warning("health check: database: %s", exc)
        checks["database"] = "error: " + type(exc).__name__
    try:
        storage().ping()
        checks["storage"] = "ok"
    except Exception as exc:
        current_app.logger.warning("health check: storage: %s", exc)
        checks["storage"] = "error: " + type(exc).__name__
    healthy = all(value == "ok" for value in checks.values())
    response = jsonify(status="ok" if healthy else "error", **checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
